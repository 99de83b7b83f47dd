"""Screenings and distress marks on a call. Views and the API call these; tests call them directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from hotline.accounts.models import User
from hotline.audit import service as audit
from hotline.calls.choices import CallStatus
from hotline.calls.models import Call, CallAssessment
from hotline.database import utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.i18n import _
from hotline.screening.instruments import PHQ9, PHQ9_SELF_HARM_ITEM, Score, ScoringError, instrument, score
from hotline.screening.models import DistressMark, Screening
from hotline.triage import Answers, RuleSet, assess

DISTRESS_MAX = 10


def scoring_message(error: ScoringError) -> str:
    """The scoring library's error in the words of the person asking."""
    p = error.params
    if error.kind == "unknown_instrument":
        return _("Unknown screening instrument: %(instrument)s.", instrument=p["instrument"])
    if error.kind == "wrong_length":
        return _("This screening has %(expected)s questions; %(got)s answers were given.",
                 expected=p["expected"], got=p["got"])
    if error.kind == "out_of_range":
        return _("Question %(item)s: the answer must be between 0 and %(max)s.", item=p["item"], max=p["max"])
    return _("Question %(item)s: the answer must be a whole number.", item=p.get("item", "?"))


def score_answers(instrument_id: str, answers: list) -> Score:
    try:
        return score(instrument_id, answers)
    except ScoringError as error:
        raise InvalidInput(scoring_message(error), field="answers") from None


def own_open_call(session: Session, user: User, call_id: int) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(_("There is no call %(id)s.", id=call_id))
    if call.counsellor_id != user.id:
        raise Forbidden(_("This call belongs to another counsellor."))
    if not call.is_draft:
        raise Conflict(_("This call is finalised: screenings and distress marks can no longer be added."))
    return call


# --- screenings ----------------------------------------------------------------------------------------

def add_screening(
    *, session: Session, user: User, call_id: int, instrument_id: str, answers: list, rules: RuleSet | None = None
) -> tuple[Screening, Score]:
    """Score and keep a completed instrument. A PHQ-9 item 9 above "not at all" reaches the triage."""
    call = own_open_call(session, user, call_id)
    result = score_answers(instrument_id, answers)  # before any write: a bad screening stores nothing
    screening = Screening(call_id=call.id, instrument=result.instrument.id, answers=list(result.answers),
                          total=result.total, band=result.band.id, by_id=user.id)
    session.add(screening)
    if result.instrument is PHQ9:
        _reassess_with_item9(session, call, result.answers[PHQ9_SELF_HARM_ITEM], rules)
    session.commit()
    session.refresh(screening)
    session.refresh(call)
    return screening, result


def _reassess_with_item9(session: Session, call: Call, item9: int, rules: RuleSet | None) -> None:
    # The highest answer given during the call counts: a later calmer PHQ-9 does not erase what was said.
    worst = max(item9, call.answers.get("phq9_item9", 0))
    answers = {**call.answers, "phq9_item9": worst}  # a new dict, so the JSON column is seen as changed
    assessment = assess(call.notes, Answers(**answers), rules)
    previous = call.engine_level
    call.answers = answers
    call.engine_level = assessment.level.value
    call.engine_score = assessment.score
    call.evidence = [item.to_dict() for item in assessment.evidence]
    call.rules_version = assessment.rules_version
    call.updated_at = utcnow()
    session.add(call)
    if assessment.level.value != previous:
        session.add(CallAssessment(call_id=call.id, source="engine", level=assessment.level.value,
                                   engine_level=assessment.level.value, score=assessment.score,
                                   rules_version=assessment.rules_version, evidence=call.evidence))


def screenings_of(*, session: Session, call: Call) -> list[Screening]:
    return list(session.exec(select(Screening).where(Screening.call_id == call.id).order_by(Screening.id)))


@dataclass(frozen=True)
class TrendPoint:
    call_id: int
    started_at: datetime
    instrument: str
    total: int
    band: str


def caller_trend(*, session: Session, user: User, call: Call) -> list[TrendPoint]:
    """Every screening score from this caller's finished calls and this one, oldest first. Audited when
    it shows another counsellor's calls."""
    if call.caller_id is None:
        return []
    rows = session.exec(
        select(Screening, Call.started_at, Call.counsellor_id).join(Call, col(Call.id) == Screening.call_id)
        .where(Call.caller_id == call.caller_id,
               (Call.status == CallStatus.finalised) | (col(Call.id) == call.id))
        .order_by(Call.started_at, Screening.id)
    ).all()
    if any(counsellor_id != user.id for _s, _at, counsellor_id in rows):
        audit.record(session=session, actor_id=user.id, action="caller.screening_trend", target_type="caller",
                     target_id=call.caller_id, detail={"call_id": call.id, "shown": len(rows)})
    return [TrendPoint(s.call_id, s.at, s.instrument, s.total, s.band) for s, _at, _c in rows]


# --- distress ------------------------------------------------------------------------------------------

def parse_distress(value) -> int:
    if isinstance(value, bool):
        value = None
    try:
        level = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        level = None
    if level is None or not 0 <= level <= DISTRESS_MAX:
        raise InvalidInput(_("Distress is marked from 0 (calm) to 10 (worst)."), field="level")
    return level


def log_distress(*, session: Session, user: User, call_id: int, level) -> DistressMark:
    """One mark of how distressed the caller sounds now."""
    call = own_open_call(session, user, call_id)
    mark = DistressMark(call_id=call.id, level=parse_distress(level), by_id=user.id)
    session.add(mark)
    session.commit()
    session.refresh(mark)
    return mark


def distress_marks(*, session: Session, call: Call) -> list[DistressMark]:
    return list(session.exec(select(DistressMark).where(DistressMark.call_id == call.id)
                             .order_by(DistressMark.at, DistressMark.id)))


def distress_fell_share(
    session: Session, start: datetime, end: datetime, line: str | None = None
) -> tuple[int, int]:
    """For finalised calls started in [start, end) (on `line` if given) with at least two distress marks:
    (how many, how many whose last mark is lower than their first). Counted in the database."""
    by_call = DistressMark.call_id
    first_rank = func.row_number().over(partition_by=by_call, order_by=(DistressMark.at, DistressMark.id))
    last_rank = func.row_number().over(partition_by=by_call,
                                       order_by=(col(DistressMark.at).desc(), col(DistressMark.id).desc()))
    conditions = [Call.status == CallStatus.finalised, Call.started_at >= start, Call.started_at < end]
    if line is not None:
        conditions.append(Call.line == line)
    ranked = (
        select(by_call.label("call_id"), DistressMark.level.label("level"),
               first_rank.label("first_rank"), last_rank.label("last_rank"))
        .join(Call, col(Call.id) == by_call)
        .where(and_(*conditions))
        .subquery()
    )
    per_call = (
        select(
            func.max(case((ranked.c.first_rank == 1, ranked.c.level))).label("first"),
            func.max(case((ranked.c.last_rank == 1, ranked.c.level))).label("last"),
        )
        .group_by(ranked.c.call_id)
        .having(func.count() >= 2)
        .subquery()
    )
    total, fell = session.exec(
        select(func.count(), func.coalesce(func.sum(case((per_call.c.last < per_call.c.first, 1), else_=0)), 0))
        .select_from(per_call)
    ).one()
    return int(total), int(fell)


__all__ = [
    "add_screening",
    "caller_trend",
    "distress_fell_share",
    "distress_marks",
    "instrument",
    "log_distress",
    "screenings_of",
]
