from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow


class ReferralStatus(StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    referred = "referred"
    resolved = "resolved"
    closed = "closed"


class Referral(SQLModel, table=True):
    """Opened when a call ends at moderate risk or above; the supervisors' queue works it."""

    __tablename__ = "referrals"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id"), nullable=False, unique=True))
    level: str = Field(max_length=16, index=True)
    status: str = Field(default=ReferralStatus.new, max_length=16, index=True)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    opened_by_id: int = Field(foreign_key="users.id")
    owner_id: int | None = Field(default=None, foreign_key="users.id")
