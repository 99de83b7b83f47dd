from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel
from pydantic import Field as SchemaField
from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow
from hotline.encryption.columns import SealedText


class ReferralStatus(StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    referred = "referred"
    resolved = "resolved"
    closed = "closed"


OPEN_STATUSES = (ReferralStatus.new, ReferralStatus.acknowledged, ReferralStatus.in_progress,
                 ReferralStatus.referred, ReferralStatus.resolved)
QUEUE_LEVELS = ("imminent", "high", "moderate", "low", "none")  # the queue's order, most urgent first


# The queue's filter and sort key as SQL written out in literals, not bound parameters: the database can
# then match them to the partial index below, which holds the open referrals already in queue order, and
# read the first 100 off it instead of sorting every open referral on each 3-second refresh.
def open_status_sql(column: str = "status") -> str:
    return f"{column} IN ({', '.join(repr(status.value) for status in OPEN_STATUSES)})"


def level_rank_sql(column: str = "level") -> str:
    whens = " ".join(f"WHEN '{level}' THEN {rank}" for rank, level in enumerate(QUEUE_LEVELS))
    return f"CASE {column} {whens} ELSE {len(QUEUE_LEVELS)} END"


class DestinationKind(StrEnum):
    psychiatric_hospital = "psychiatric_hospital"
    emergency = "emergency"
    community_mental_health = "community_mental_health"
    school = "school"
    social_work = "social_work"
    other = "other"


class Referral(SQLModel, table=True):
    """Opened when a call ends at moderate risk or above; the supervisors' queue works it."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_status_level_opened", "status", "level", "opened_at"),
        Index("ix_referrals_queue", text(f"({level_rank_sql()})"), "opened_at",
              postgresql_where=text(open_status_sql()), sqlite_where=text(open_status_sql())),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id"), nullable=False, unique=True))
    level: str = Field(max_length=16, index=True)
    status: str = Field(default=ReferralStatus.new, max_length=16, index=True)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    opened_by_id: int = Field(foreign_key="users.id")
    # Acknowledge by this time: set from the level when the referral opens (imminent 2 min, high 15…).
    deadline_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    destination_id: int | None = Field(default=None, foreign_key="referral_destinations.id")
    reference_number: str | None = Field(default=None, max_length=100)
    resolution: str | None = Field(default=None, sa_column=Column(SealedText("referrals.resolution")))
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bumped on every change, so two supervisors acting at once cannot both succeed.
    version: int = Field(default=1)


class ReferralEvent(SQLModel, table=True):
    """The timeline: every step with who and when. Written in the same transaction as the step."""

    __tablename__ = "referral_events"

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(sa_column=Column(Integer, ForeignKey("referrals.id", ondelete="CASCADE"),
                                              nullable=False, index=True))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    actor_id: int | None = Field(default=None, foreign_key="users.id")  # None: the console itself (an alert sent)
    kind: str = Field(max_length=24)  # opened, claimed, released, reassigned, status, follow_up, alerted…
    status: str | None = Field(default=None, max_length=16)
    detail: str | None = Field(default=None, sa_column=Column(SealedText("referral_events.detail")))


class Destination(SQLModel, table=True):
    """Where a caller can be referred onward; an admin keeps this list."""

    __tablename__ = "referral_destinations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    phone: str | None = Field(default=None, max_length=50)
    hours: str | None = Field(default=None, max_length=200)
    coverage: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True)


class FollowUpStatus(StrEnum):
    due = "due"
    done = "done"
    cancelled = "cancelled"


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_status_due", "status", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(sa_column=Column(Integer, ForeignKey("referrals.id", ondelete="CASCADE"),
                                              nullable=False, index=True))
    due_on: date
    status: str = Field(default=FollowUpStatus.due, max_length=16)
    call_id: int | None = Field(default=None, foreign_key="calls.id")  # the follow-up call, once made
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_reason: str | None = Field(default=None, sa_column=Column(SealedText("follow_ups.cancelled_reason")))
    by_id: int | None = Field(default=None, foreign_key="users.id")


class CallReview(SQLModel, table=True):
    """A supervisor's comment on a call; the call's counsellor reads it."""

    __tablename__ = "call_reviews"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    reviewer_id: int = Field(foreign_key="users.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    comment: str = Field(sa_column=Column(SealedText("call_reviews.comment"), nullable=False))
    marks_reviewed: bool = Field(default=True)


class Debrief(SQLModel, table=True):
    """After a high or imminent call: the counsellor talks it through with a supervisor, or says why not.
    One per counsellor who held the call: a call handed over mid-way was heard by more than one."""

    __tablename__ = "debriefs"
    __table_args__ = (UniqueConstraint("call_id", "counsellor_id", name="uq_debriefs_call_counsellor"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False))
    counsellor_id: int = Field(foreign_key="users.id")
    status: str = Field(default="offered", max_length=16)  # offered, done, skipped
    supervisor_id: int | None = Field(default=None, foreign_key="users.id")
    reason: str | None = Field(default=None, sa_column=Column(SealedText("debriefs.reason")))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CallerAlert(SQLModel, table=True):
    """A note on a repeat caller's profile that counsellors see when the caller is recognised."""

    __tablename__ = "caller_alerts"

    id: int | None = Field(default=None, primary_key=True)
    caller_id: int = Field(sa_column=Column(Integer, ForeignKey("callers.id", ondelete="CASCADE"), nullable=False,
                                            index=True))
    text: str = Field(sa_column=Column(SealedText("caller_alerts.text"), nullable=False))
    expires_on: date | None = None
    created_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# --- API schemas: what the JSON API takes and returns --------------------------------------------------

class ReferralOut(BaseModel):
    id: int
    call_id: int
    level: str
    status: str
    owner: str | None
    opened_at: datetime
    deadline_at: datetime | None
    acknowledged_at: datetime | None
    overdue: bool
    destination_id: int | None
    reference_number: str | None
    resolution: str | None
    timeline: list[dict] | None = None


class Transition(BaseModel):
    model_config = {"extra": "forbid"}

    to: ReferralStatus
    destination_id: int | None = None
    reference_number: str | None = SchemaField(default=None, max_length=100)
    resolution: str | None = SchemaField(default=None, max_length=1000)


class FollowUpOut(BaseModel):
    id: int
    referral_id: int
    due_on: date
    status: str
    overdue: bool


class DestinationOut(BaseModel):
    id: int
    name: str
    kind: str
    phone: str | None
    hours: str | None
    coverage: str | None
