from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """Never updated or deleted by the console: there is no route or service that does."""

    __tablename__ = "audit_entries"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    action: str = Field(max_length=40)  # e.g. call.read, call.search, referral.read
    target_type: str = Field(max_length=40)
    target_id: int | None = Field(default=None)
    address: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=500)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
