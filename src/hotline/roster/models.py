"""Lines, shift templates, shifts and who is on them, availability, time off, publications, calendar feeds."""

from datetime import date, datetime, time
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow
from hotline.i18n import _l


class ShiftStatus(StrEnum):
    draft = "draft"
    published = "published"


class ShiftRole(StrEnum):
    counsellor = "counsellor"
    supervisor = "supervisor"

    @property
    def label(self) -> str:
        return str(SHIFT_ROLE_LABELS[self])


SHIFT_ROLE_LABELS = {ShiftRole.counsellor: _l("Counsellor"), ShiftRole.supervisor: _l("Supervisor on call")}


class Line(SQLModel, table=True):
    """A phone line the hotline answers, with its own timezone and opening hours."""

    __tablename__ = "roster_lines"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    open_24h: bool = Field(default=True)
    # Seven entries, Monday first: null when closed, else ["HH:MM", "HH:MM"] (an end at or before the
    # start runs past midnight). Ignored when open_24h.
    opening_hours: list = Field(default_factory=lambda: [None] * 7, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ShiftTemplate(SQLModel, table=True):
    __tablename__ = "roster_shift_templates"

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(sa_column=Column(Integer, ForeignKey("roster_lines.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    name: str = Field(max_length=80)
    colour: str = Field(default="#1f5fa8", max_length=7)
    start_time: time
    end_time: time  # at or before start_time: the shift ends the next day
    weekdays: list = Field(default_factory=lambda: list(range(7)), sa_column=Column(JSON, nullable=False))
    seats: int = Field(default=2)
    supervisor_required: bool = Field(default=False)
    on_holidays: bool = Field(default=True)  # a holiday of the line skips templates that say False


class Holiday(SQLModel, table=True):
    __tablename__ = "roster_holidays"
    __table_args__ = (UniqueConstraint("line_id", "day", name="uq_roster_holidays_line_day"),)

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(sa_column=Column(Integer, ForeignKey("roster_lines.id", ondelete="CASCADE"),
                                          nullable=False))
    day: date
    name: str = Field(max_length=80)


class Shift(SQLModel, table=True):
    __tablename__ = "roster_shifts"
    __table_args__ = (Index("ix_roster_shifts_line_starts", "line_id", "starts_at"),
                      Index("ix_roster_shifts_starts_ends", "starts_at", "ends_at"))

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(sa_column=Column(Integer, ForeignKey("roster_lines.id", ondelete="CASCADE"),
                                          nullable=False))
    template_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("roster_shift_templates.id", ondelete="SET NULL"), nullable=True))
    name: str = Field(default="", max_length=80)
    colour: str = Field(default="#1f5fa8", max_length=7)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seats: int = Field(default=2)
    supervisor_required: bool = Field(default=False)
    status: str = Field(default=ShiftStatus.draft, max_length=16)

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class Assignment(SQLModel, table=True):
    __tablename__ = "roster_assignments"
    __table_args__ = (UniqueConstraint("shift_id", "user_id", name="uq_roster_assignments_shift_user"),)

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(sa_column=Column(Integer, ForeignKey("roster_shifts.id", ondelete="CASCADE"),
                                           nullable=False, index=True))
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    role: str = Field(default=ShiftRole.counsellor, max_length=16)
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    assigned_by_id: int | None = Field(default=None, foreign_key="users.id")


class StaffProfile(SQLModel, table=True):
    """What the roster needs to know about a person beyond their account."""

    __tablename__ = "roster_staff_profiles"

    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True))
    phone_extension: str | None = Field(default=None, max_length=16)
    skills: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Availability(SQLModel, table=True):
    """A weekly window a counsellor says they can usually work (in the line's local time)."""

    __tablename__ = "roster_availability"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    weekday: int  # 0 = Monday
    start_time: time
    end_time: time  # at or before start_time: into the next day


class TimeOff(SQLModel, table=True):
    __tablename__ = "roster_time_off"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RosterLimits(SQLModel, table=True):
    """One row (id 1): the wellbeing limits every check uses. Absent means the defaults."""

    __tablename__ = "roster_limits"

    id: int | None = Field(default=None, primary_key=True)
    max_hours_per_week: float = Field(default=40)
    max_consecutive_hours: float = Field(default=12)
    min_rest_hours: float = Field(default=8)


class RosterPublication(SQLModel, table=True):
    __tablename__ = "roster_publications"

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(sa_column=Column(Integer, ForeignKey("roster_lines.id", ondelete="CASCADE"),
                                          nullable=False, index=True))
    period_start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    period_end: datetime = Field(sa_type=UTCDateTime, nullable=False)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_by_id: int = Field(foreign_key="users.id")
    problem_count: int = Field(default=0)
    reason: str | None = Field(default=None, max_length=1000)  # why it was published with problems


class CalendarFeed(SQLModel, table=True):
    """A private calendar subscription: only the SHA-256 of its token is kept."""

    __tablename__ = "roster_calendar_feeds"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ShiftRating(SQLModel, table=True):
    """After a shift the counsellor says how heavy it was (1 light … 5 very heavy): it feeds the wellbeing view."""

    __tablename__ = "roster_shift_ratings"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    shift_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("roster_shifts.id", ondelete="SET NULL"), nullable=True))
    rating: int
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


class SwapStatus(StrEnum):
    asked = "asked"  # waiting for the colleague (or anyone, for an open offer)
    accepted = "accepted"  # the colleague said yes; waiting for the coordinator
    done = "done"  # the roster changed
    declined = "declined"  # by the colleague
    rejected = "rejected"  # by the coordinator
    cancelled = "cancelled"  # by the person who asked


SWAP_STATUS_LABELS = {SwapStatus.asked: _l("Waiting for an answer"),
                      SwapStatus.accepted: _l("Accepted; waiting for a coordinator"),
                      SwapStatus.done: _l("Done"), SwapStatus.declined: _l("Declined"),
                      SwapStatus.rejected: _l("Not approved"), SwapStatus.cancelled: _l("Cancelled")}


class SwapRequest(SQLModel, table=True):
    """A counsellor asks a colleague (or anyone) to take one of their shifts, or to swap it for one of theirs.

    The shift's times are kept as they were when asked, so a shift changed since is refused, not swapped."""

    __tablename__ = "roster_swaps"
    __table_args__ = (Index("ix_roster_swaps_status", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("roster_assignments.id", ondelete="SET NULL"), nullable=True))
    shift_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("roster_shifts.id", ondelete="SET NULL"), nullable=True))
    shift_starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    shift_ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    shift_label: str = Field(max_length=160)  # line, name and local times, for lists after the shift is gone
    requester_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                                               index=True))
    # Null: offered to anyone who may take it; set to whoever accepts.
    colleague_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True))
    # For a swap rather than a give-away: the colleague's assignment that comes back in exchange.
    their_assignment_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("roster_assignments.id", ondelete="SET NULL"), nullable=True))
    their_shift_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("roster_shifts.id", ondelete="SET NULL"), nullable=True))
    their_shift_label: str | None = Field(default=None, max_length=160)
    status: str = Field(default=SwapStatus.asked, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True))
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- API schemas: what the JSON API takes and returns --------------------------------------------------

class OnNowOut(BaseModel):
    line: str
    user_id: int
    name: str
    role: str
    extension: str | None
    until: datetime
