"""Value types of the triage library: levels, domains, answers, evidence, the assessment.

Nothing here knows about rules or matching; the web layer can import these freely.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_LEVEL_ORDER = ("none", "low", "moderate", "high", "imminent")


class RiskLevel(str, Enum):  # noqa: UP042 - the web layer relies on str + Enum
    """Urgency, ordered none < low < moderate < high < imminent (docs/risk-levels.md).

    It is a str enum so it serialises as the English word, but comparison follows
    urgency, not the alphabet (plain str comparison would put "high" < "low").
    """

    none = "none"
    low = "low"
    moderate = "moderate"
    high = "high"
    imminent = "imminent"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> RiskLevel:
        return cls(_LEVEL_ORDER[max(0, min(rank, len(_LEVEL_ORDER) - 1))])

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return _RANK[self] < _RANK[other]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return _RANK[self] <= _RANK[other]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return _RANK[self] > _RANK[other]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return _RANK[self] >= _RANK[other]

    def __str__(self) -> str:
        return self.value


_RANK = {level: i for i, level in enumerate(RiskLevel)}


class Domain(str, Enum):  # noqa: UP042
    suicide = "suicide"
    self_harm = "self_harm"
    harm_to_others = "harm_to_others"
    violence = "violence"  # violence or abuse against the caller
    psychosis = "psychosis"
    intoxication = "intoxication"  # intoxication or overdose

    def __str__(self) -> str:
        return self.value


class Subject(str, Enum):  # noqa: UP042
    self = "self"
    third_party = "third_party"

    def __str__(self) -> str:
        return self.value


class Discount(str, Enum):  # noqa: UP042
    """Why a match did not count at its full level."""

    negated = "negated"  # denial or negation governs the phrase
    past = "past"  # history: counted at the rule's lower past level
    intensifier = "intensifier"  # inside an idiom such as 累死了 / "dead tired"
    reported = "reported"  # someone else's story or the news (看到有人跳楼): counted at most low
    hesitant = "hesitant"  # held back (不敢跳楼, "too scared to"): one level lower, never below moderate
    dream = "dream"  # dreamt (梦见自己跳楼, "I dreamt I jumped"): at most moderate

    def __str__(self) -> str:
        return self.value


SCREENER_FIELDS: tuple[str, ...] = (
    "wish_dead",
    "suicidal_thoughts",
    "method_thoughts",
    "intent",
    "plan",
    "behaviour",
    "behaviour_past_3_months",
)
RISK_FACTOR_FIELDS: tuple[str, ...] = (
    "prior_attempt",
    "access_to_means",
    "intoxicated",
    "isolated",
    "recent_loss",
    "harm_to_others_intent",
    "hearing_voices",
    "experiencing_violence",
)
PROTECTIVE_FIELDS: tuple[str, ...] = (
    "support_present",
    "future_plans",
    "reasons_for_living",
    "ambivalence",
)
# Answers that come from a scored instrument, not from a yes/no question on the call form.
INSTRUMENT_FIELDS: tuple[str, ...] = ("phq9_item9",)


class Answers(BaseModel):
    """Structured answers from the call screen; None means "not asked".

    Screener items are the six C-SSRS screener questions; Q1-Q2 refer to the past month,
    Q6 asks about behaviour ever, with `behaviour_past_3_months` for its follow-up.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # C-SSRS screener
    wish_dead: bool | None = None
    suicidal_thoughts: bool | None = None
    method_thoughts: bool | None = None
    intent: bool | None = None
    plan: bool | None = None
    behaviour: bool | None = None
    behaviour_past_3_months: bool | None = None
    # risk factors
    prior_attempt: bool | None = None
    access_to_means: bool | None = None
    intoxicated: bool | None = None
    isolated: bool | None = None
    recent_loss: bool | None = None
    harm_to_others_intent: bool | None = None
    hearing_voices: bool | None = None
    experiencing_violence: bool | None = None
    # protective factors (988 "buffers")
    support_present: bool | None = None
    future_plans: bool | None = None
    reasons_for_living: bool | None = None
    ambivalence: bool | None = None
    # PHQ-9 item 9 ("better off dead or hurting yourself"): 0 not at all … 3 nearly every day
    phq9_item9: int | None = Field(default=None, ge=0, le=3, strict=True)

    @classmethod
    def field_groups(cls) -> dict[str, tuple[str, ...]]:
        """Field names in display order, grouped as the call screen shows them."""
        return {
            "screener": SCREENER_FIELDS,
            "risk_factors": RISK_FACTOR_FIELDS,
            "protective": PROTECTIVE_FIELDS,
            "instruments": INSTRUMENT_FIELDS,
        }


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason behind an assessment.

    For text evidence `original_text[start:end] == text`. Answer evidence has
    source "answers", empty text and span (0, 0).
    """

    rule_id: str
    text: str
    start: int
    end: int
    domain: Domain | None  # None for protective evidence
    subject: Subject
    discount: Discount | None  # None: it counted at `level`
    level: RiskLevel  # the level this evidence supports (none if discounted away)
    source: str = "text"  # "text" or "answers"
    kind: str = "risk"  # "risk" or "protective"
    reason: str = ""  # readable why, e.g. "negated by '否认'", "recent: '上周'"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("domain", "subject", "discount", "level"):
            d[key] = None if d[key] is None else str(d[key].value)
        return d


@dataclass(frozen=True, slots=True)
class Assessment:
    level: RiskLevel
    score: float
    domains: tuple[Domain, ...]
    evidence: tuple[Evidence, ...]
    actions: tuple[Action, ...]
    rules_version: str
    lowered_by_buffers: bool = field(default=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "score": self.score,
            "domains": [d.value for d in self.domains],
            "evidence": [e.to_dict() for e in self.evidence],
            "actions": [asdict(a) for a in self.actions],
            "rules_version": self.rules_version,
            "lowered_by_buffers": self.lowered_by_buffers,
        }
