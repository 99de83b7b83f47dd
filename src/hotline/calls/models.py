from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic import Field as Check
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from hotline.calls.choices import (
    AgeBand,
    CallerGroup,
    CallStatus,
    CallType,
    Concern,
    Gender,
    Intervention,
    NonDataReason,
)
from hotline.database import UTCDateTime, utcnow
from hotline.encryption.columns import SealedJSON, SealedText
from hotline.errors import InvalidInput, describe_validation_errors
from hotline.triage import Answers, RiskLevel

FORM_VERSION = 1  # bump when the call form's fields change meaning


class Caller(SQLModel, table=True):
    """A repeat caller, known only by a keyed hash of their number or reference."""

    __tablename__ = "callers"

    id: int | None = Field(default=None, primary_key=True)
    identifier_hash: str = Field(max_length=64, unique=True, index=True)
    # Kept (sealed) only where the line calls callers back: HOTLINE_KEEP_CALLBACK_NUMBERS.
    callback_number: str | None = Field(default=None, sa_column=Column(SealedText("callers.callback_number")))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Kept past the retention period and refused to erasure while set (an admin sets it, with a reason).
    legal_hold: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    legal_hold_reason: str | None = Field(default=None, max_length=500)


class CallBase(SQLModel):
    """What a counsellor records about a call in plain columns: the base of the call's family (the table,
    the public view), as in the FastAPI full-stack template. Sealed and JSON columns stay on the table."""

    call_type: str | None = Field(default=None, max_length=24)
    non_data_reason: str | None = Field(default=None, max_length=24)
    caller_group: str | None = Field(default=None, max_length=32)
    age_band: str | None = Field(default=None, max_length=16)
    gender: str | None = Field(default=None, max_length=16)
    region: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=32)
    callback_needed: bool = Field(default=False)
    callback_ok: bool = Field(default=False)
    follow_up_date: date | None = Field(default=None)
    mood_start: int | None = Field(default=None)
    mood_end: int | None = Field(default=None)


class Call(CallBase, table=True):
    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_counsellor_started", "counsellor_id", "started_at"),
        Index("ix_calls_status_started", "status", "started_at"),
        # Everyone's calls newest first (supervisors' search), and calls by hour (the roster forecast).
        Index("ix_calls_started", "started_at"),
        # Finished calls by when they ended: the wellbeing counts and the rule-set replay.
        Index("ix_calls_status_ended", "status", "ended_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    counsellor_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id"), nullable=False))
    caller_id: int | None = Field(default=None, foreign_key="callers.id", index=True)
    status: str = Field(default=CallStatus.draft, max_length=16)
    # Every save must name the version it started from; a mismatch is a conflict, never an overwrite.
    version: int = Field(default=1)
    form_version: int = Field(default=FORM_VERSION)
    line: str | None = Field(default=None, max_length=64)
    seat: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(default=None, max_length=128, unique=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ended_incomplete: bool = Field(default=False)
    legal_hold: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    legal_hold_reason: str | None = Field(default=None, max_length=500)
    # Set when retention or an erasure request stripped the call to its statistics.
    deidentified_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)

    concerns: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interventions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    notes: str = Field(default="", sa_column=Column(SealedText("calls.notes"), nullable=False))

    engine_level: str = Field(default=RiskLevel.none.value, max_length=16)
    engine_score: float = Field(default=0.0)
    # Evidence quotes the notes, so it is sealed like them.
    evidence: list = Field(default_factory=list, sa_column=Column(SealedJSON("calls.evidence"), nullable=False))
    rules_version: str | None = Field(default=None, max_length=64)
    override_level: str | None = Field(default=None, max_length=16)
    override_reason: str | None = Field(default=None, sa_column=Column(SealedText("calls.override_reason")))
    supervisor_consulted: bool = Field(default=False)

    summary: str = Field(default="", sa_column=Column(SealedText("calls.summary"), nullable=False))

    @property
    def level(self) -> RiskLevel:
        """What the counsellor's judgement says if they overrode the engine, else the engine's level."""
        return RiskLevel(self.override_level or self.engine_level)

    @property
    def is_draft(self) -> bool:
        return self.status == CallStatus.draft


class CallPublic(CallBase):
    """A call as the API returns it: the recorded fields of CallBase, the sealed ones opened, and the level
    with what to do about it."""

    id: int
    url: str
    version: int
    status: str
    counsellor_id: int
    started_at: datetime
    ended_at: datetime | None
    concerns: list[str]
    interventions: list[str]
    answers: dict
    notes: str
    summary: str
    level: str
    engine_level: str
    override_level: str | None
    override_reason: str | None
    evidence: list
    actions: list[str]
    rules_version: str | None
    referral_id: int | None = None

    @classmethod
    def of(cls, call: Call, actions: list[str], referral_id: int | None = None) -> "CallPublic":
        data = {name: getattr(call, name) for name in cls.model_fields if hasattr(call, name)}
        return cls(**{**data, "id": call.id, "url": f"/calls/{call.id}", "level": call.level.value,
                      "actions": actions, "referral_id": referral_id})


NOTES_MAX = 100_000
SUMMARY_MAX = 10_000


class CallUpdate(BaseModel):
    """Fields a save may carry. Only the fields present are changed (PATCH semantics). A field the record
    never leaves empty (the notes, the summary, the lists, the yes/no flags) takes no null: leave it out to
    keep what is there, or send "", [] or false to clear it."""

    model_config = ConfigDict(extra="forbid")

    call_type: CallType | None = None
    non_data_reason: NonDataReason | None = None
    caller_group: CallerGroup | None = None
    age_band: AgeBand | None = None
    gender: Gender | None = None
    region: str | None = Check(default=None, max_length=100)
    language: str | None = Check(default=None, max_length=32)
    concerns: list[Concern] = Check(default_factory=list, max_length=len(Concern))
    interventions: list[Intervention] = Check(default_factory=list, max_length=len(Intervention))
    answers: Answers | None = None
    notes: str = Check(default="", max_length=NOTES_MAX)
    summary: str = Check(default="", max_length=SUMMARY_MAX)
    callback_needed: bool = False
    callback_ok: bool = False
    follow_up_date: date | None = None
    mood_start: int | None = Check(default=None, ge=1, le=10)
    mood_end: int | None = Check(default=None, ge=1, le=10)
    supervisor_consulted: bool = False

    @classmethod
    def parse(cls, data: dict) -> "CallUpdate":
        """Validate, turning pydantic's errors into one translated 422."""
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise InvalidInput(describe_validation_errors(error.errors())) from None


# --- API schemas: what the JSON API takes and returns, beside the tables they describe ------------------

class CallStart(BaseModel):
    """What opens a call over the API. A blank value ("" or spaces) is none: no line (the counsellor's shift
    names it), no seat, no phone-system id (each such start opens a call of its own)."""

    model_config = {"extra": "forbid"}

    line: str | None = Check(default=None, max_length=64)
    seat: str | None = Check(default=None, max_length=64)
    external_id: str | None = Check(default=None, max_length=128,
                                    description="The phone system's call id: the same id again (a retry) answers "
                                                "200 with the call it opened")
    caller_number: str | None = Check(default=None, max_length=64)

    @field_validator("line", "seat", "external_id", "caller_number")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None


class HandOver(BaseModel):
    model_config = {"extra": "forbid"}

    to: str = Check(max_length=64, description="Username of the counsellor or supervisor taking the call")
    reason: str = Check(default="", max_length=500, description="Kept in the audit log only")


class DestinationGivenIn(BaseModel):
    model_config = {"extra": "forbid"}

    destination_id: int = Check(ge=1, le=2**31 - 1)


class DestinationGivenOut(BaseModel):
    destination_id: int
    name: str
    phone: str | None
    at: datetime


class CallSave(CallUpdate):
    version: int


class Finalise(BaseModel):
    model_config = {"extra": "forbid"}

    version: int
    incomplete: bool = False


class CallInProgressOut(BaseModel):
    call_id: int
    counsellor: str
    line: str | None
    started_at: datetime
    minutes: int
    level: RiskLevel
    judged: bool
    referral_id: int | None
    handed_over: bool
    stale: bool


class CallAssessment(SQLModel, table=True):
    """The history of a call's risk level: each change by the engine and each override, with its rules."""

    __tablename__ = "call_assessments"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    source: str = Field(max_length=16)  # engine | override | final
    level: str = Field(max_length=16)
    engine_level: str = Field(max_length=16)
    score: float = Field(default=0.0)
    rules_version: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, sa_column=Column(SealedText("call_assessments.reason")))
    by_id: int | None = Field(default=None, foreign_key="users.id")
    evidence: list = Field(default_factory=list,
                           sa_column=Column(SealedJSON("call_assessments.evidence"), nullable=False))


class CrisisTick(SQLModel, table=True):
    __tablename__ = "call_crisis_ticks"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    step: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    by_id: int = Field(foreign_key="users.id")


class CallAddendum(SQLModel, table=True):
    """What is added to a finalised call: the notes themselves stay as they were."""

    __tablename__ = "call_addenda"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    author_id: int = Field(foreign_key="users.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    text: str = Field(sa_column=Column(SealedText("call_addenda.text"), nullable=False))


class CallHandOver(SQLModel, table=True):
    """A draft call passing from one counsellor to another: who wrote the record is part of the record.
    The reason stays in the audit log only."""

    __tablename__ = "call_hand_overs"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    from_user_id: int = Field(foreign_key="users.id")
    to_user_id: int = Field(foreign_key="users.id")
    by_id: int = Field(foreign_key="users.id")


class DestinationGiven(SQLModel, table=True):
    """A place the counsellor gave the caller during the call (a clinic's number, 120): part of what was done."""

    __tablename__ = "call_destinations_given"
    __table_args__ = (UniqueConstraint("call_id", "destination_id", name="uq_call_destinations_given"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=Column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    destination_id: int = Field(foreign_key="referral_destinations.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    by_id: int = Field(foreign_key="users.id")
