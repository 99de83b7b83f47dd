"""How long records are kept, what a legal hold keeps, and what a caller's data request finds and erases.

Old and erased calls are de-identified, not deleted: the row keeps what the line's statistics and
staffing forecasts need (date, length, line, caller group, age band, gender, concerns, interventions,
risk levels, outcome flags) and loses everything that tells who the caller was or what they said
(notes, summary, screener answers, evidence, reasons, addenda, reviews, the caller link, the phone
system's id). The caller profile goes once no call points at it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic_core import to_jsonable_python
from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from hotline.accounts.models import Role, User
from hotline.audit import service as audit
from hotline.calls import callers
from hotline.calls.choices import CallStatus
from hotline.calls.models import Call, CallAddendum, CallAssessment, Caller, CrisisTick
from hotline.database import utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.i18n import _
from hotline.referrals import service as referrals
from hotline.referrals.models import CallerAlert, CallReview, Debrief, FollowUp, Referral, ReferralEvent
from hotline.spreadsheets import csv_lines

BATCH = 500
REASON_MIN, REASON_MAX = 3, 500


def _require_admin(user: User | None) -> None:
    if user is not None and Role.admin not in user.roles:
        raise Forbidden(_("Only administrators handle retention and data requests."))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise InvalidInput(_("Give a reason (a request reference, a court order…)."), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="reason", max=REASON_MAX),
                           field="reason")
    return reason


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start:start + BATCH]


def _count(counts: dict[str, int], table: str, rows: int) -> None:
    if rows:
        counts[table] = counts.get(table, 0) + rows


def deidentify_calls(*, session: Session, call_ids: list[int], now: datetime | None = None) -> dict[str, int]:
    """Strip these calls to their statistics (see the module's docstring). Rows changed per table; no commit."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    caller_ids: set[int] = set()
    for chunk in _chunks(sorted(set(call_ids))):
        caller_ids.update(session.exec(select(Call.caller_id).where(col(Call.id).in_(chunk),
                                                                     col(Call.caller_id).is_not(None))).all())
        _count(counts, "calls", session.execute(
            update(Call).where(col(Call.id).in_(chunk))
            .values(notes="", summary="", answers={}, evidence=[], override_reason=None, region=None,
                    caller_id=None, external_id=None, follow_up_date=None, deidentified_at=now)
            .execution_options(synchronize_session=False)).rowcount)
        _count(counts, "call_assessments", session.execute(
            update(CallAssessment).where(col(CallAssessment.call_id).in_(chunk))
            .values(evidence=[], reason=None).execution_options(synchronize_session=False)).rowcount)
        for table, model in (("call_addenda", CallAddendum), ("call_reviews", CallReview)):
            _count(counts, table, session.execute(
                delete(model).where(col(model.call_id).in_(chunk)).execution_options(synchronize_session=False)
            ).rowcount)
        _count(counts, "debriefs", session.execute(
            update(Debrief).where(col(Debrief.call_id).in_(chunk), col(Debrief.reason).is_not(None))
            .values(reason=None).execution_options(synchronize_session=False)).rowcount)
        referral_ids = list(session.exec(select(Referral.id).where(col(Referral.call_id).in_(chunk))).all())
        if referral_ids:
            _count(counts, "referrals", session.execute(
                update(Referral).where(col(Referral.id).in_(referral_ids))
                .values(reference_number=None, resolution=None).execution_options(synchronize_session=False)
            ).rowcount)
            _count(counts, "referral_events", session.execute(
                update(ReferralEvent).where(col(ReferralEvent.referral_id).in_(referral_ids),
                                            col(ReferralEvent.detail).is_not(None))
                .values(detail=None).execution_options(synchronize_session=False)).rowcount)
            _count(counts, "follow_ups", session.execute(
                update(FollowUp).where(col(FollowUp.referral_id).in_(referral_ids),
                                       col(FollowUp.cancelled_reason).is_not(None))
                .values(cancelled_reason=None).execution_options(synchronize_session=False)).rowcount)
    # A caller profile with no call left pointing at it tells nothing worth keeping, unless it is held.
    orphans = [caller_id for caller_id in caller_ids
               if session.exec(select(func.count()).select_from(Call).where(Call.caller_id == caller_id)).one() == 0]
    if orphans:
        held = set(session.exec(select(Caller.id).where(col(Caller.id).in_(orphans), Caller.legal_hold)).all())
        gone = [caller_id for caller_id in orphans if caller_id not in held]
        if gone:
            _count(counts, "caller_alerts", session.execute(
                delete(CallerAlert).where(col(CallerAlert.caller_id).in_(gone))
                .execution_options(synchronize_session=False)).rowcount)
            _count(counts, "callers", session.execute(
                delete(Caller).where(col(Caller.id).in_(gone)).execution_options(synchronize_session=False)
            ).rowcount)
    session.expire_all()
    return counts


# --- retention ---------------------------------------------------------------------------------------

def retention_cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def expired_call_ids(*, session: Session, cutoff: datetime) -> list[int]:
    """Finalised calls that ended before the cutoff, not yet de-identified, neither they nor their caller held."""
    statement = (
        select(Call.id).outerjoin(Caller, Caller.id == Call.caller_id)
        .where(Call.status == CallStatus.finalised, col(Call.deidentified_at).is_(None),
               Call.legal_hold.is_(False), or_(col(Caller.id).is_(None), Caller.legal_hold.is_(False)),
               func.coalesce(Call.ended_at, Call.started_at) < cutoff)
        .order_by(Call.id)
    )
    return list(session.exec(statement).all())


@dataclass
class RetentionReport:
    cutoff: datetime
    applied: bool
    calls: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    held: int = 0


def run_retention(*, session: Session, years: int, apply: bool = False, now: datetime | None = None,
                  actor: User | None = None) -> RetentionReport:
    """De-identify finalised calls older than `years`. A dry run does the same work and rolls it back,
    so its counts are exactly what --apply would change."""
    _require_admin(actor)
    if years < 1:
        raise InvalidInput(_("The retention period is at least one year."))
    now = now or utcnow()
    cutoff = retention_cutoff(now, years)
    ids = expired_call_ids(session=session, cutoff=cutoff)
    held = session.exec(
        select(func.count()).select_from(Call).outerjoin(Caller, Caller.id == Call.caller_id)
        .where(Call.status == CallStatus.finalised, col(Call.deidentified_at).is_(None),
               func.coalesce(Call.ended_at, Call.started_at) < cutoff,
               or_(Call.legal_hold.is_(True), Caller.legal_hold.is_(True)))
    ).one()
    counts = deidentify_calls(session=session, call_ids=ids, now=now)
    report = RetentionReport(cutoff=cutoff, applied=apply, calls=len(ids), counts=counts, held=held)
    if not apply:
        session.rollback()
        return report
    audit.record(session=session, actor_id=actor.id if actor else None, action="retention.purge",
                 target_type="call", detail={"years": years, "cutoff": cutoff.isoformat(), "calls": len(ids),
                                             "held": held, "rows": counts}, commit=False)
    session.commit()
    return report


# --- legal hold --------------------------------------------------------------------------------------

def set_legal_hold(*, session: Session, user: User, target: Call | Caller, hold: bool, reason: str,
                   address: str | None = None) -> None:
    _require_admin(user)
    reason = _reason(reason)
    if isinstance(target, Call) and target.deidentified_at is not None and hold:
        raise Conflict(_("This call is already de-identified; there is nothing left to hold."))
    target.legal_hold, target.legal_hold_reason = hold, reason if hold else None
    session.add(target)
    audit.record(session=session, actor_id=user.id, action="legal_hold.set" if hold else "legal_hold.clear",
                 target_type="call" if isinstance(target, Call) else "caller", target_id=target.id,
                 address=address, reason=reason, commit=False)
    session.commit()


def get_call(*, session: Session, call_id: int) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(_("There is no call %(id)s.", id=call_id))
    return call


# --- a caller's data request -------------------------------------------------------------------------

def find_caller_records(*, session: Session, user: User, identifier: str, secret: str, reason: str,
                        address: str | None = None) -> Caller | None:
    """Look a caller up by the number or reference they give. The lookup is audited, found or not."""
    _require_admin(user)
    reason = _reason(reason)
    caller = callers.find_caller(session=session, identifier=identifier, secret=secret)
    audit.record(session=session, actor_id=user.id, action="data_request.search", target_type="caller",
                 target_id=caller.id if caller else None, address=address, reason=reason,
                 detail={"found": caller is not None})
    return caller


def load_caller(*, session: Session, caller_id: int) -> Caller:
    caller = session.get(Caller, caller_id)
    if caller is None:
        raise NotFound(_("There is no caller %(id)s.", id=caller_id))
    return caller


def get_caller(*, session: Session, user: User, caller_id: int, address: str | None = None) -> Caller:
    """A caller profile for the data-request page; reading it is audited."""
    _require_admin(user)
    caller = load_caller(session=session, caller_id=caller_id)
    audit.record(session=session, actor_id=user.id, action="caller.read", target_type="caller",
                 target_id=caller.id, address=address)
    return caller


def caller_calls(*, session: Session, caller: Caller) -> list[Call]:
    return list(session.exec(select(Call).where(Call.caller_id == caller.id).order_by(col(Call.started_at))))


def _rows(session: Session, model, *conditions) -> list[dict]:
    return [to_jsonable_python(row.model_dump()) for row in session.exec(select(model).where(*conditions))]


def caller_export(*, session: Session, caller: Caller) -> dict:
    """Everything the console holds about one caller, as plain data."""
    records = []
    for call in caller_calls(session=session, caller=caller):
        referral = session.exec(select(Referral).where(Referral.call_id == call.id)).first()
        records.append({
            "call": to_jsonable_python(call.model_dump()),
            "assessments": _rows(session, CallAssessment, CallAssessment.call_id == call.id),
            "crisis_steps": _rows(session, CrisisTick, CrisisTick.call_id == call.id),
            "addenda": _rows(session, CallAddendum, CallAddendum.call_id == call.id),
            "destinations_given": [{"name": destination.name, "phone": destination.phone,
                                    "at": to_jsonable_python(given.at)}
                                   for given, destination in referrals.destinations_given(session=session, call=call)],
            "reviews": _rows(session, CallReview, CallReview.call_id == call.id),
            "debriefs": _rows(session, Debrief, Debrief.call_id == call.id),
            "referral": to_jsonable_python(referral.model_dump()) if referral else None,
            "referral_events": _rows(session, ReferralEvent, ReferralEvent.referral_id == referral.id)
            if referral else [],
            "follow_ups": _rows(session, FollowUp, FollowUp.referral_id == referral.id) if referral else [],
        })
    profile = to_jsonable_python(caller.model_dump(exclude={"identifier_hash"}))
    return {"caller": profile, "alerts": _rows(session, CallerAlert, CallerAlert.caller_id == caller.id),
            "calls": records}


CSV_COLUMNS = ("id", "started_at", "ended_at", "status", "call_type", "non_data_reason", "caller_group", "age_band",
               "gender", "region", "language", "concerns", "interventions", "engine_level", "override_level",
               "override_reason", "notes", "summary", "callback_needed", "callback_ok", "follow_up_date",
               "mood_start", "mood_end", "addenda", "referral_status", "reference_number")


def export_caller(*, session: Session, user: User, caller_id: int, fmt: str, reason: str,
                  address: str | None = None) -> tuple[str, str, str]:
    """(file name, media type, content) of a caller's records, JSON in full or CSV one call a row."""
    _require_admin(user)
    if fmt not in ("json", "csv"):
        raise InvalidInput(_("Choose JSON or CSV."), field="format")
    reason = _reason(reason)
    caller = load_caller(session=session, caller_id=caller_id)
    data = caller_export(session=session, caller=caller)
    audit.record(session=session, actor_id=user.id, action="data_request.export", target_type="caller",
                 target_id=caller.id, address=address, reason=reason,
                 detail={"format": fmt, "calls": len(data["calls"])})
    name = f"caller-{caller.id}-records.{fmt}"
    if fmt == "json":
        return name, "application/json", json.dumps(data, ensure_ascii=False, indent=2)
    rows = []
    for record in data["calls"]:
        call, referral = record["call"], record["referral"] or {}
        values = {**call, "concerns": ";".join(call["concerns"]), "interventions": ";".join(call["interventions"]),
                  "addenda": "\n---\n".join(item["text"] for item in record["addenda"]),
                  "referral_status": referral.get("status", ""), "reference_number": referral.get("reference_number")}
        rows.append([values.get(column) for column in CSV_COLUMNS])
    # Notes, summaries and addenda are free text: the one guard keeps a spreadsheet from running any of them.
    return name, "text/csv; charset=utf-8", "".join(csv_lines(CSV_COLUMNS, rows))


def erase_caller(*, session: Session, user: User, caller_id: int, reason: str,
                 address: str | None = None) -> dict[str, int]:
    """A caller's request to be forgotten: their calls keep only statistics and the profile goes."""
    _require_admin(user)
    reason = _reason(reason)
    caller = load_caller(session=session, caller_id=caller_id)
    records = caller_calls(session=session, caller=caller)
    if caller.legal_hold or any(call.legal_hold for call in records):
        raise Conflict(_("These records are on legal hold and cannot be erased. Lift the hold first, with a reason."))
    if any(call.is_draft for call in records):
        raise Conflict(_("A call from this caller is still being taken. Erase after it ends."))
    counts = deidentify_calls(session=session, call_ids=[call.id for call in records])
    audit.record(session=session, actor_id=user.id, action="data_request.erase", target_type="caller",
                 target_id=caller_id, address=address, reason=reason,
                 detail={"calls": len(records), "rows": counts}, commit=False)
    session.commit()
    return counts
