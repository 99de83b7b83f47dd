"""Screenings given during a call and the caller's distress marked over the call's minutes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel
from pydantic import Field as ApiField
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow

if TYPE_CHECKING:
    from hotline.calls.models import Call


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


def minutes_into(call: Call, moment: datetime) -> float:
    """How far into the call a moment fell, in minutes (never negative)."""
    return max(0.0, (moment - call.started_at).total_seconds() / 60)


# --- the JSON API's shapes ----------------------------------------------------------------------------

class ScreeningIn(BaseModel):
    model_config = {"extra": "forbid"}

    # The schema states what the server accepts, so a client (or a fuzzer) can send it; the checks themselves
    # stay in the service, whose messages say which question is wrong ("Question 9: …"), in the reader's language.
    instrument: str = ApiField(max_length=32, description="phq9, gad7 or phq4",
                               json_schema_extra={"enum": ["phq9", "gad7", "phq4"]})
    answers: list = ApiField(max_length=50, description="One answer per item, 0 = not at all … 3 = nearly every day",
                             json_schema_extra={"minItems": 4, "maxItems": 9,
                                                "items": {"type": "integer", "minimum": 0, "maximum": 3}})


class ScreeningOut(BaseModel):
    id: int
    call_id: int
    instrument: str
    answers: list[int]
    total: int
    band: str
    band_label: str
    at: datetime

    @classmethod
    def of(cls, s: Screening, band_label: str) -> ScreeningOut:
        return cls(id=s.id, call_id=s.call_id, instrument=s.instrument, answers=s.answers, total=s.total,
                   band=s.band, band_label=band_label, at=s.at)


class DistressIn(BaseModel):
    model_config = {"extra": "forbid"}

    level: int = ApiField(description="0 calm … 10 worst", json_schema_extra={"minimum": 0, "maximum": 10})


class DistressOut(BaseModel):
    id: int
    call_id: int
    level: int
    at: datetime
    minute: float

    @classmethod
    def of(cls, call: Call, mark: DistressMark) -> DistressOut:
        return cls(id=mark.id, call_id=mark.call_id, level=mark.level, at=mark.at,
                   minute=round(minutes_into(call, mark.at), 2))
