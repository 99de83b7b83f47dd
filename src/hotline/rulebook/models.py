from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow
from hotline.triage.models import Discount, Domain, RiskLevel, Subject


class RuleSetRecord(SQLModel, table=True):
    """A rule file an admin uploaded: a candidate until published with a reason; kept for history."""

    __tablename__ = "rule_sets"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=64, index=True)  # the hash every assessment records
    name: str = Field(max_length=200)
    content: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="candidate", max_length=16, index=True)  # candidate, published, retired
    uploaded_by_id: int = Field(foreign_key="users.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_by_id: int | None = Field(default=None, foreign_key="users.id")
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    reason: str | None = Field(default=None, max_length=1000)


class RuleFileReload(SQLModel, table=True):
    """An admin reloaded the rule file. The content read then is kept so every worker, on any server,
    takes the same rules from here instead of reading its own copy of the file later (which may have
    changed again or differ between servers)."""

    __tablename__ = "rule_file_reloads"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=64)
    content: str = Field(sa_column=Column(Text, nullable=False))
    reloaded_by_id: int | None = Field(default=None, foreign_key="users.id")
    reloaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# A note is at most a few thousand characters; this bounds what one request may ask the engine to read.
TEXT_MAX = 100_000


class TriageRequest(BaseModel):
    """A text (and optional screener answers) to assess with the rules in force."""

    model_config = {"extra": "forbid"}

    text: str = PydanticField(max_length=TEXT_MAX)
    answers: dict[str, bool | None] | None = None


# What /api/v1/triage answers, typed from the engine's own enums so a client (and the fuzzer) knows each
# field and its values.
class TriageEvidence(BaseModel):
    rule_id: str
    text: str  # the words in the note that fired the rule
    start: int
    end: int
    domain: Domain | None  # none for a protective factor
    subject: Subject
    discount: Discount | None
    level: RiskLevel  # the level this evidence supports
    source: Literal["text", "answers"]
    kind: Literal["risk", "protective"]
    reason: str


class TriageAction(BaseModel):
    id: str
    en: str
    zh: str


class TriageOut(BaseModel):
    level: RiskLevel
    score: float
    domains: list[Domain]
    evidence: list[TriageEvidence]
    actions: list[TriageAction]
    rules_version: str
    lowered_by_buffers: bool
