"""Everything that happens to a call. Views and the API call these; tests call them directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from hotline.accounts import service as accounts
from hotline.accounts.models import Role, User
from hotline.audit import service as audit
from hotline.calls.choices import (
    CallStatus,
    CallType,
    CrisisStep,
)
from hotline.calls.models import (
    Call,
    CallAddendum,
    CallAssessment,
    CallHandOver,
    CallUpdate,
    CrisisTick,
)
from hotline.database import utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.fields import field_label
from hotline.i18n import _, _l
from hotline.live import service as live
from hotline.notifications import service as notifications
from hotline.triage import INSTRUMENT_FIELDS, Answers, Assessment, RiskLevel, RuleSet, assess

if TYPE_CHECKING:  # referrals build on calls: a finalised call's follow-up (flows.py) may return one
    from hotline.referrals.models import Referral


class StaleVersion(Conflict):
    """The call changed since this browser last saw it. Carries what the server now holds."""

    def __init__(self, call: Call):
        super().__init__(
            _("This call was changed in another window or tab. Nothing was overwritten: "
              "your text is kept here; compare and save again."),
            extra={"version": call.version},
        )
        self.call = call


class CallHandedOver(Forbidden):
    """A call its counsellor no longer holds because it was handed over: their screen stops saving and
    says to whom, rather than retrying a refused save every few seconds."""

    def __init__(self, new_owner: User):
        super().__init__(
            _("This call was handed over to %(name)s, who finishes its record. Nothing more you type is saved "
              "to it; what you typed since the last save stays on this screen.", name=new_owner.display_name),
            event="handed-over",
            extra={"handed_over_to": new_owner.display_name},
        )


class MissingFields(InvalidInput):
    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()), extra={"fields": problems})
        self.problems = problems


ADDENDUM_MAX = 10_000


# What follows a change, supplied by calls/flows.py, so that this service opens no referral itself
# (referrals builds on calls, not the reverse). Each runs inside the caller's transaction.
Escalate = Callable[[Session, Call, User], object]  # risk turned imminent: bring in a supervisor now
Followup = Callable[[Session, Call, User, datetime], "Referral | None"]  # a call finalised at `now`


# --- reading -----------------------------------------------------------------------------------------

def _load(session: Session, call_id: int, statement=None) -> Call:
    """The call, or a 404. `statement` reads it another way (fewer columns: the rest load when touched)."""
    call = session.get(Call, call_id) if statement is None else \
        session.execute(statement, {"call_id": call_id}).scalar_one_or_none()
    if call is None:
        raise NotFound(_("There is no call %(id)s.", id=call_id))
    return call


def load_call(*, session: Session, call_id: int) -> Call:
    """The call, or a 404, with no check of who asks: for the other calls/ modules, which check themselves."""
    return _load(session, call_id)


def can_read(user: User, call: Call) -> bool:
    return call.counsellor_id == user.id or Role.supervisor in user.roles


def watch_call(*, session: Session, user: User, call_id: int) -> Call:
    """May this user follow the call's risk level live? Not audited: the stream says only the level."""
    call = _load(session, call_id)
    if not can_read(user, call):
        _refuse(session, user, call)
    return call


def _refuse(session: Session, user: User, call: Call) -> NoReturn:
    """Not this user's call: say so, and say to whom if they handed it over (or had it taken over)."""
    handed = session.exec(select(CallHandOver.id).where(CallHandOver.call_id == call.id,
                                                         CallHandOver.from_user_id == user.id)).first()
    new_owner = session.get(User, call.counsellor_id) if handed is not None else None
    if new_owner is not None:
        raise CallHandedOver(new_owner)
    raise Forbidden(_("This call belongs to another counsellor."))


def read_call(*, session: Session, user: User, call_id: int, address: str | None = None) -> Call:
    """A call for reading. Anyone but its own counsellor reading it leaves an audit entry."""
    call = _load(session, call_id)
    if not can_read(user, call):
        _refuse(session, user, call)
    if call.counsellor_id != user.id:
        audit.record(session=session, actor_id=user.id, action="call.read", target_type="call",
                     target_id=call.id, address=address)
    return call


def own_draft(*, session: Session, user: User, call_id: int) -> Call:
    """The user's own call still in progress, or why not (someone else's, handed over, finalised)."""
    return _own_draft(session, user, call_id)


def _own_draft(session: Session, user: User, call_id: int, *, statement=None) -> Call:
    call = _load(session, call_id, statement)
    if call.counsellor_id != user.id:
        _refuse(session, user, call)
    if not call.is_draft:
        raise Conflict(_("This call is finalised; its notes can no longer change. Add an addendum instead."))
    return call


def list_drafts(*, session: Session, user: User) -> list[Call]:
    return list(session.exec(
        select(Call).where(Call.counsellor_id == user.id, Call.status == CallStatus.draft)
        .order_by(col(Call.started_at).desc())
    ))


@dataclass(frozen=True)
class UnfinishedCall:
    """A counsellor's own call still in progress, as the list on their calls page shows it."""

    call: Call
    opening: str  # the first words of the notes: caller data, for the call's own counsellor only


def opening_words(notes: str, limit: int = 60) -> str:
    """The first words of the notes, on one line: enough to tell two unfinished calls apart. Cut at a
    space near the limit when the text has spaces (Chinese notes have none: cut at the limit)."""
    text = " ".join(notes.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space >= limit * 2 // 3 else cut).rstrip(" ,.;:，。；：、") + "…"


def unfinished_calls(*, session: Session, user: User) -> list[UnfinishedCall]:
    """The user's own calls still in progress, newest first, each with the first words of its notes. Only
    their own: the notes are read for nobody else here."""
    return [UnfinishedCall(call=call, opening=opening_words(call.notes))
            for call in list_drafts(session=session, user=user)]


STALE_DRAFT = timedelta(hours=3)  # calls last 25–45 minutes: a draft this old was most likely abandoned


@dataclass(frozen=True)
class CallInProgress:
    """A call on the line now, as a supervisor's board shows it: who, where, how long, how risky. Nothing the
    caller said is read for it (so it is not a read of the record, and no notes are unsealed)."""

    call_id: int
    counsellor_id: int
    counsellor: str
    line: str | None
    started_at: datetime
    minutes: int
    level: RiskLevel
    judged: bool  # the level is the counsellor's judgement, not the engine's
    referral_id: int | None  # an open referral (filled in by flows.calls_in_progress, which knows referrals)
    handed_over: bool
    stale: bool


def calls_in_progress(*, session: Session, user: User, now: datetime | None = None) -> list[CallInProgress]:
    """Every draft call, most urgent first, then the longest running: what a supervisor on shift watches."""
    if Role.supervisor not in user.roles:
        raise Forbidden(_("Only supervisors see every call in progress."))
    now = now or utcnow()
    rows = session.execute(
        select(Call.id, Call.counsellor_id, Call.line, Call.started_at, Call.engine_level, Call.override_level,
               User.display_name)
        .join(User, col(User.id) == Call.counsellor_id)
        .where(Call.status == CallStatus.draft)).all()
    ids = [row.id for row in rows]
    handed = set(session.scalars(select(CallHandOver.call_id).where(col(CallHandOver.call_id).in_(ids)))) \
        if ids else set()
    found = [CallInProgress(
        call_id=row.id, counsellor_id=row.counsellor_id, counsellor=row.display_name, line=row.line,
        started_at=row.started_at,
        minutes=max(0, int((now - row.started_at).total_seconds() // 60)),
        level=RiskLevel(row.override_level or row.engine_level), judged=bool(row.override_level),
        referral_id=None, handed_over=row.id in handed, stale=now - row.started_at >= STALE_DRAFT,
    ) for row in rows]
    found.sort(key=lambda c: (-c.level.rank, c.started_at))
    return found


def list_since(*, session: Session, user: User, since: datetime) -> list[Call]:
    return list(session.exec(
        select(Call).where(Call.counsellor_id == user.id, Call.started_at >= since)
        .order_by(col(Call.started_at).desc())
    ))


def assessment_history(*, session: Session, call: Call) -> list[CallAssessment]:
    return list(session.exec(
        select(CallAssessment).where(CallAssessment.call_id == call.id).order_by(CallAssessment.id)
    ))


def crisis_ticks(*, session: Session, call: Call) -> dict[str, CrisisTick]:
    ticks = session.exec(select(CrisisTick).where(CrisisTick.call_id == call.id).order_by(CrisisTick.id))
    return {tick.step: tick for tick in ticks}


def hand_overs(*, session: Session, call: Call) -> list[CallHandOver]:
    return list(session.exec(select(CallHandOver).where(CallHandOver.call_id == call.id)
                             .order_by(CallHandOver.id)))


def addenda(*, session: Session, call: Call) -> list[CallAddendum]:
    return list(session.exec(select(CallAddendum).where(CallAddendum.call_id == call.id)
                             .order_by(CallAddendum.id)))


# --- starting and saving -----------------------------------------------------------------------------

def _call_with_external_id(session: Session, external_id: str) -> Call | None:
    return session.exec(select(Call).where(Call.external_id == external_id)).first()


def _same_phone_call(counsellor: User, existing: Call) -> Call:
    """The phone system sending a call's id again (a retry) means that call, if it is this counsellor's."""
    if existing.counsellor_id != counsellor.id:
        raise Conflict(_("The phone system already opened this call for another counsellor."))
    return existing


def start_call(
    *,
    session: Session,
    counsellor: User,
    line: str | None = None,
    seat: str | None = None,
    external_id: str | None = None,
) -> tuple[Call, bool]:
    """Open a call. With the phone system's call id it is idempotent: (call, created?). A blank line, seat
    or id ("" or spaces, as phone systems send for none) is none."""
    if Role.counsellor not in counsellor.roles and Role.supervisor not in counsellor.roles:
        raise Forbidden(_("Only counsellors and supervisors take calls."))
    line, seat, external_id = ((value.strip() or None) if value is not None else None
                               for value in (line, seat, external_id))
    for name, value, limit in (("line", line, 64), ("seat", seat, 64), ("external_id", external_id, 128)):
        if value is not None and len(value) > limit:
            raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field=field_label(name),
                                 max=limit))
    if external_id is not None:
        existing = _call_with_external_id(session, external_id)
        if existing is not None:
            return _same_phone_call(counsellor, existing), False
    call = Call(counsellor_id=counsellor.id, line=line, seat=seat, external_id=external_id)
    session.add(call)
    try:
        session.flush()
    except IntegrityError:
        # Two events for one phone call raced: the other inserted it between our look-up and our insert.
        session.rollback()
        existing = _call_with_external_id(session, external_id) if external_id is not None else None
        if existing is None:
            raise
        return _same_phone_call(counsellor, existing), False
    live.announce(session, live.call_topic(call.id), call=call.id, what="started")
    session.commit()
    session.refresh(call)
    return call, True


def assess_call(call: Call, rules: RuleSet | None = None) -> Assessment:
    return assess(call.notes, Answers(**call.answers), rules)


def _answers_dict(answers: Answers | None) -> dict:
    return {} if answers is None else answers.model_dump(exclude_none=True)


# An autosave runs every second or two for every counsellor on a call, so its statements are built
# once: SQLAlchemy then reuses their compiled form without working out a cache key per request.
# It reads only what the save and the banner it answers with need, not the sealed notes it replaces.
_AUTOSAVE_READ = (
    select(Call)
    .options(load_only(Call.counsellor_id, Call.status, Call.version, Call.answers, Call.engine_level,
                       Call.override_level, Call.override_reason))
    .where(Call.id == bindparam("call_id"))
)
_WHOLE_READ = select(Call).where(Call.id == bindparam("call_id"))
_calls = Call.__table__
# The version check happens in the database, so two tabs saving at once cannot both win.
_AUTOSAVE_WRITE = update(_calls).where(_calls.c.id == bindparam("call_id"),
                                       _calls.c.version == bindparam("at_version"),
                                       _calls.c.status == CallStatus.draft.value)


def save_call(
    *,
    session: Session,
    user: User,
    call_id: int,
    version: int,
    changes: CallUpdate,
    rules: RuleSet | None = None,
    escalate: Escalate | None = None,
    whole: bool = False,
) -> tuple[Call, Assessment]:
    """Save what the counsellor typed, if the call is still at `version`; reassess the risk.
    `escalate` (calls/flows.py) runs in the same transaction when the risk turns imminent. `whole`: read
    every column of the call, not only what the save needs, for a caller that answers with the whole record
    (the API): one query before the write instead of a second one after it."""
    call = _own_draft(session, user, call_id, statement=_WHOLE_READ if whole else _AUTOSAVE_READ)
    values = changes.model_dump(exclude_unset=True, mode="json")
    if "follow_up_date" in values:
        values["follow_up_date"] = changes.follow_up_date  # a date column takes a date, not its text
    if "answers" in changes.model_fields_set:
        # The form carries only its yes/no questions; answers from a scored screening stay as they are.
        kept = {name: call.answers[name] for name in INSTRUMENT_FIELDS if name in call.answers}
        values["answers"] = {**kept, **_answers_dict(changes.answers)}
    notes = (values["notes"] if "notes" in values else call.notes) or ""  # not read when the save carries it
    values["notes"] = notes
    answers = values.get("answers", call.answers)
    result = assess(notes, Answers(**answers), rules)
    values.update(
        engine_level=result.level.value,
        engine_score=result.score,
        evidence=[item.to_dict() for item in result.evidence],
        rules_version=result.rules_version,
        updated_at=utcnow(),
        version=version + 1,
    )
    previous_level = call.engine_level
    outcome = session.execute(_AUTOSAVE_WRITE, {**values, "call_id": call_id, "at_version": version})
    if outcome.rowcount != 1:
        session.refresh(call)
        raise StaleVersion(call)
    if result.level.value != previous_level:
        session.add(CallAssessment(call_id=call_id, source="engine", level=result.level.value,
                                   engine_level=result.level.value, score=result.score,
                                   rules_version=result.rules_version, evidence=values["evidence"]))
        live.announce(session, live.call_topic(call_id), call=call_id,
                      level=call.override_level or result.level.value)
        if result.level == RiskLevel.imminent and not call.override_level and escalate is not None:
            session.refresh(call)
            escalate(session, call, user)
    session.commit()
    # The row now holds exactly what was written: put it on the object rather than read it back.
    for name, value in values.items():
        set_committed_value(call, name, value)
    return call, result


def override_level(
    *, session: Session, user: User, call_id: int, level: str | None, reason: str, escalate: Escalate | None = None
) -> Call:
    """The counsellor's judgement over the engine's. Both stay on record. level None clears it."""
    call = _own_draft(session, user, call_id)
    reason = (reason or "").strip()
    if level:
        try:
            level = RiskLevel(level).value
        except ValueError:
            raise InvalidInput(_("Unknown risk level: %(level)s", level=level[:20]), field="level") from None
        if len(reason) < 3:
            raise InvalidInput(_("Say why you judge the risk differently."), field="reason")
        if len(reason) > 1000:
            raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="reason", max=1000))
    call.override_level = level or None
    call.override_reason = reason if level else None
    session.add(call)
    session.add(CallAssessment(call_id=call.id, source="override", level=call.level.value,
                               engine_level=call.engine_level, score=call.engine_score,
                               rules_version=call.rules_version, reason=call.override_reason, by_id=user.id))
    live.announce(session, live.call_topic(call.id), call=call.id, level=call.level.value)
    if call.level == RiskLevel.imminent and escalate is not None:
        escalate(session, call, user)
    session.commit()
    session.refresh(call)
    return call


def tick_crisis_step(
    *, session: Session, user: User, call_id: int, step: str, escalate: Escalate | None = None
) -> CrisisTick:
    call = _own_draft(session, user, call_id)
    try:
        step = CrisisStep(step).value
    except ValueError:
        raise InvalidInput(_("Unknown checklist step."), field="step") from None
    existing = session.exec(select(CrisisTick).where(CrisisTick.call_id == call.id, CrisisTick.step == step)).first()
    if existing is not None:
        return existing
    tick = CrisisTick(call_id=call.id, step=step, by_id=user.id)
    session.add(tick)
    if step == CrisisStep.supervisor_told and escalate is not None:
        escalate(session, call, user)
    session.commit()
    session.refresh(tick)
    return tick


# --- ending ------------------------------------------------------------------------------------------

def missing_for_finalise(call: Call) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not call.call_type:
        problems["call_type"] = _("Choose the call type.")
    elif call.call_type == CallType.non_data:
        if not call.non_data_reason:
            problems["non_data_reason"] = _("Say what kind of non-data call it was.")
        return problems
    if not call.caller_group:
        problems["caller_group"] = _("Choose the caller group, or “Not disclosed”.")
    if not call.concerns:
        problems["concerns"] = _("Tick at least one concern.")
    if not call.summary.strip():
        problems["summary"] = _("Write a short outcome summary.")
    if call.level >= RiskLevel.moderate and not call.interventions:
        problems["interventions"] = _("Record what you did for a caller at this risk level.")
    return problems


def finalise_call(
    *, session: Session, user: User, call_id: int, version: int, incomplete: bool = False,
    then: Followup | None = None,
) -> tuple[Call, Referral | None]:
    """End the call: notes become read-only. `then` (calls/flows.py) runs in the same transaction and
    may open a referral, which is returned.

    `incomplete` is "save and end" for a call abandoned half-way: required fields are not demanded,
    and the record says it ended incomplete.
    """
    call = _own_draft(session, user, call_id)
    if call.version != version:
        raise StaleVersion(call)
    if not incomplete:
        problems = missing_for_finalise(call)
        if problems:
            raise MissingFields(problems)
    now = utcnow()
    outcome = session.execute(
        update(Call)
        .where(Call.id == call_id, Call.version == version, Call.status == CallStatus.draft)
        .values(status=CallStatus.finalised.value, ended_at=now, updated_at=now, version=version + 1,
                ended_incomplete=incomplete)
        .execution_options(synchronize_session=False)
    )
    if outcome.rowcount != 1:
        session.refresh(call)
        raise StaleVersion(call)
    session.refresh(call)
    session.add(CallAssessment(call_id=call.id, source="final", level=call.level.value,
                               engine_level=call.engine_level, score=call.engine_score,
                               rules_version=call.rules_version, reason=call.override_reason,
                               evidence=call.evidence, by_id=user.id))
    referral = then(session, call, user, now) if then is not None else None
    live.announce(session, live.call_topic(call_id), call=call_id, what="ended")
    session.commit()
    session.refresh(call)
    if referral is not None:
        session.refresh(referral)
    return call, referral


def end_non_data_call(*, session: Session, user: User, call_id: int, version: int, reason: str,
                      escalate: Escalate | None = None, then: Followup | None = None) -> Call:
    """Silent, hang-up, prank, wrong number…: two clicks and done."""
    changes = CallUpdate.parse({"call_type": CallType.non_data.value, "non_data_reason": reason})
    call, _assessment = save_call(session=session, user=user, call_id=call_id, version=version, changes=changes,
                                  escalate=escalate)
    call, _referral = finalise_call(session=session, user=user, call_id=call_id, version=call.version, then=then)
    return call


HANDED_OVER = notifications.kind("call_handed_over",
                                 _l("%(name)s handed you call #%(call)s to finish."))


def may_hand_over(user: User, call: Call) -> bool:
    """Its own counsellor or a supervisor may hand a call over (the call must still be a draft)."""
    return call.counsellor_id == user.id or Role.supervisor in user.roles


def hand_over_call(*, session: Session, user: User, call_id: int, to_username: str, reason: str = "") -> Call:
    """Give a draft call, notes and all, to another counsellor or a supervisor, who finishes the record:
    a supervisor taking over a call at imminent risk, a counsellor whose shift ends mid-write-up. Its own
    counsellor or a supervisor may do it. No version is asked for: the notes do not change, and from the
    moment of the hand-over the first counsellor's saves are refused (the call is no longer theirs), so
    nothing is written under the new owner's name by someone else; what they typed stays on their device."""
    call = _load(session, call_id)
    if not may_hand_over(user, call):
        raise Forbidden(_("This call belongs to another counsellor."))
    if not call.is_draft:
        raise Conflict(_("This call is finalised; its notes can no longer change. Add an addendum instead."))
    target = accounts.find_user(session=session, username=(to_username or "").strip())
    if target is None or not target.is_active or not target.has_any(Role.counsellor, Role.supervisor):
        raise InvalidInput(_("Choose an active counsellor or supervisor to hand the call to."), field="to")
    if target.id == call.counsellor_id:
        raise InvalidInput(_("The call is already %(name)s's.", name=target.display_name), field="to")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field=field_label("reason"),
                             max=500))
    previous = call.counsellor_id
    # Only if still a draft and still where it was: two supervisors taking the same call over at once
    # must not both succeed.
    moved = session.execute(update(Call).where(col(Call.id) == call_id, col(Call.counsellor_id) == previous,
                                               col(Call.status) == CallStatus.draft)
                            .values(counsellor_id=target.id, version=col(Call.version) + 1, updated_at=utcnow()))
    if moved.rowcount != 1:
        session.rollback()
        raise Conflict(_("This call changed hands or ended a moment ago. Reload the page."))
    session.add(CallHandOver(call_id=call_id, from_user_id=previous, to_user_id=target.id, by_id=user.id))
    audit.record(session=session, actor_id=user.id, action="call.hand_over", target_type="call", target_id=call_id,
                 reason=reason or None, detail={"from_user": previous, "to_user": target.id}, commit=False)
    # Screens showing the call learn at once: the first counsellor's banner refresh is refused and says
    # why, rather than their next save; a queue row showing the counsellor's name is refreshed.
    live.announce(session, live.call_topic(call_id), call=call_id, what="handed_over")
    # The reason stays in the audit log: notifications show in every page's header, so no free text.
    notifications.notify(session=session, user_id=target.id, kind=HANDED_OVER, link=f"/calls/{call_id}",
                         params={"name": user.display_name, "call": call_id})
    session.commit()
    session.refresh(call)
    return call


def add_addendum(*, session: Session, user: User, call_id: int, text: str) -> CallAddendum:
    call = _load(session, call_id)
    if call.counsellor_id != user.id and Role.supervisor not in user.roles:
        raise Forbidden(_("This call belongs to another counsellor."))
    if call.is_draft:
        raise Conflict(_("The call is still open: write in its notes."))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("The addendum is empty."), field="text")
    if len(text) > ADDENDUM_MAX:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="text", max=ADDENDUM_MAX))
    entry = CallAddendum(call_id=call.id, author_id=user.id, text=text)
    session.add(entry)
    session.commit()
    session.refresh(entry)
    return entry
