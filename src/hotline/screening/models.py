"""Screenings given during a call and the caller's distress marked over the call's minutes."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow


class Screening(SQLModel, table=True):
    """One completed instrument: the answers as given and the score they made at the time."""

    __tablename__ = "call_screenings"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    instrument: str = Field(max_length=16)
    answers: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    total: int
    band: str = Field(max_length=24)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    by_id: int = Field(foreign_key="users.id")


class DistressMark(SQLModel, table=True):
    """The caller's distress (0 calm – 10 worst) as the counsellor heard it at one moment of the call."""

    __tablename__ = "call_distress_marks"
    __table_args__ = (
        Index("ix_call_distress_marks_call_at", "call_id", "at"),
        CheckConstraint("level >= 0 AND level <= 10", name="ck_call_distress_marks_level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False))
    level: int
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    by_id: int = Field(foreign_key="users.id")
