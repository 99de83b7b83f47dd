"""The referral queue: opening, claiming, the workflow, follow-ups, reviews, debriefs, caller alerts.

Every step that two supervisors might take at once is a single conditional UPDATE, so the database,
not this process, decides who wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, case, func, literal_column, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hotline.accounts import service as accounts
from hotline.accounts.models import Role, User
from hotline.audit import service as audit
from hotline.calls import service as calls
from hotline.calls.choices import CallStatus
from hotline.calls.models import Call, Caller, CallHandOver, DestinationGiven
from hotline.database import utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.fields import field_label
from hotline.i18n import _, _l
from hotline.live import service as live
from hotline.notifications import service as notifications
from hotline.referrals.choices import STATUS_LABELS
from hotline.referrals.models import (
    OPEN_STATUSES,
    CallerAlert,
    CallReview,
    Debrief,
    Destination,
    DestinationKind,
    FollowUp,
    FollowUpStatus,
    Referral,
    ReferralEvent,
    ReferralStatus,
    level_rank_sql,
    open_status_sql,
)
from hotline.triage import RiskLevel, findings
from hotline.triage.normalise import normalise_phrase  # the triage's folding: case, width, Traditional script

LEVEL_ORDER = literal_column(level_rank_sql("referrals.level"))


@dataclass(frozen=True)
class QueuePolicy:
    """Deadlines to acknowledge, and the follow-up schedule after closing (Beijing hotline practice)."""

    ack_minutes: dict[str, int] = field(default_factory=lambda: {"imminent": 2, "high": 15, "moderate": 24 * 60})
    follow_up_days: dict[str, tuple[int, ...]] = field(default_factory=lambda: {
        "imminent": (1, 7, 30, 90, 365), "high": (1, 7, 30, 90, 365), "moderate": (7,)})

    @classmethod
    def from_settings(cls, settings) -> QueuePolicy:
        return cls(
            ack_minutes={"imminent": settings.ack_minutes_imminent, "high": settings.ack_minutes_high,
                         "moderate": settings.ack_minutes_moderate},
            follow_up_days={"imminent": _days(settings.follow_up_days_high),
                            "high": _days(settings.follow_up_days_high),
                            "moderate": _days(settings.follow_up_days_moderate)},
        )


def _days(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


DEFAULT_POLICY = QueuePolicy()

# Which step may follow which: nothing is skipped.
TRANSITIONS = {
    ReferralStatus.acknowledged: {ReferralStatus.in_progress},
    ReferralStatus.in_progress: {ReferralStatus.referred, ReferralStatus.resolved},
    ReferralStatus.referred: {ReferralStatus.closed},
    ReferralStatus.resolved: {ReferralStatus.closed},
}


def _event(session: Session, referral_id: int, actor: User, kind: str, status: str | None = None,
           detail: str | None = None, at: datetime | None = None) -> None:
    session.add(ReferralEvent(referral_id=referral_id, actor_id=actor.id, kind=kind, status=status,
                              detail=detail, at=at or utcnow()))


def _require_supervisor(user: User) -> None:
    if Role.supervisor not in user.roles:
        raise Forbidden(_("Only supervisors work the referral queue."))


def open_referral(*, session: Session, call: Call, by: User, policy: QueuePolicy = DEFAULT_POLICY,
                  now: datetime | None = None) -> Referral:
    """Called when a call ends at moderate or above, and earlier, while the caller is still on the line, when
    the counsellor asks for a supervisor or the call reaches imminent. A call has one referral: opening it
    again raises its level (and brings its deadline forward) if the call's risk rose since.
    Not committed: the caller's transaction holds it."""
    now = now or utcnow()
    minutes = policy.ack_minutes.get(call.level.value, policy.ack_minutes["moderate"])
    existing = session.exec(select(Referral).where(Referral.call_id == call.id)).first()
    if existing is not None:
        if call.level > RiskLevel(existing.level):
            existing.level = call.level.value
            deadline = now + timedelta(minutes=minutes)
            if existing.acknowledged_at is None and (existing.deadline_at is None or deadline < existing.deadline_at):
                existing.deadline_at = deadline
            existing.version += 1
            session.add(existing)
            _event(session, existing.id, by, "level_raised", at=now)
            live.announce(session, live.QUEUE_TOPIC, referral=existing.id, what="level_raised", level=existing.level)
        _offer_debrief(session, call)  # whoever holds the call now, if it changed hands since the referral
        return existing
    referral = Referral(call_id=call.id, level=call.level.value, opened_by_id=by.id, opened_at=now,
                        deadline_at=now + timedelta(minutes=minutes))
    session.add(referral)
    session.flush()
    _event(session, referral.id, by, "opened", ReferralStatus.new, at=now)
    live.announce(session, live.QUEUE_TOPIC, referral=referral.id, what="opened", level=referral.level)
    _offer_debrief(session, call)
    return referral


def _offer_debrief(session: Session, call: Call) -> None:
    """After a high or imminent call its counsellor is offered a debrief, once per call; so is everyone who
    held the call before a hand-over, since they heard the caller too."""
    if call.level < RiskLevel.high:
        return
    held = {call.counsellor_id} | set(session.exec(select(CallHandOver.from_user_id)
                                                   .where(CallHandOver.call_id == call.id)))
    offered = set(session.exec(select(Debrief.counsellor_id).where(Debrief.call_id == call.id)))
    for counsellor_id in sorted(held - offered):
        session.add(Debrief(call_id=call.id, counsellor_id=counsellor_id))


def get_referral(*, session: Session, user: User, referral_id: int, address: str | None = None) -> Referral:
    _require_supervisor(user)
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(_("There is no referral %(id)s.", id=referral_id))
    audit.record(session=session, actor_id=user.id, action="referral.read", target_type="referral",
                 target_id=referral.id, address=address)
    return referral


@dataclass
class QueueFilter:
    level: str | None = None
    status: str = "open"  # open, closed, all, or one status
    mine: bool = False
    overdue: bool = False

    def validate(self) -> QueueFilter:
        if self.level and self.level not in [level.value for level in RiskLevel]:
            raise InvalidInput(_("Unknown risk level: %(level)s", level=self.level[:20]), field="level")
        allowed = {"open", "closed", "all", *[status.value for status in ReferralStatus]}
        if self.status not in allowed:
            raise InvalidInput(_("Unknown status: %(status)s", status=self.status[:20]), field="status")
        return self


def queue(*, session: Session, user: User, filters: QueueFilter | None = None, now: datetime | None = None,
          limit: int = 500) -> list[Referral]:
    """Open referrals, imminent first, then the longest waiting."""
    statement = _queue_where(select(Referral), user, filters, now)
    return list(session.exec(statement.order_by(LEVEL_ORDER, Referral.opened_at).limit(limit)))


def queue_count(*, session: Session, user: User, filters: QueueFilter | None = None,
                now: datetime | None = None) -> int:
    """How many referrals the filters match, beyond the rows a page shows."""
    return session.exec(_queue_where(select(func.count()).select_from(Referral), user, filters, now)).one()


def imminent_waiting(*, session: Session) -> int:
    """Open imminent referrals nobody has claimed: the number in the queue's tab title."""
    return session.exec(select(func.count()).select_from(Referral).where(
        col(Referral.status).in_([s.value for s in OPEN_STATUSES]), Referral.level == RiskLevel.imminent.value,
        Referral.owner_id.is_(None))).one()


def _queue_where(statement, user: User, filters: QueueFilter | None, now: datetime | None):
    _require_supervisor(user)
    filters = (filters or QueueFilter()).validate()
    now = now or utcnow()
    if filters.status == "open":
        statement = statement.where(text(open_status_sql("referrals.status")))
    elif filters.status != "all":
        statement = statement.where(Referral.status == filters.status)
    if filters.level:
        statement = statement.where(Referral.level == filters.level)
    if filters.mine:
        statement = statement.where(Referral.owner_id == user.id)
    if filters.overdue:
        statement = statement.where(Referral.acknowledged_at.is_(None), Referral.deadline_at < now)
    return statement


def is_overdue(referral: Referral, now: datetime | None = None) -> bool:
    return referral.acknowledged_at is None and referral.deadline_at is not None and \
        (now or utcnow()) > referral.deadline_at


def claim(*, session: Session, user: User, referral_id: int) -> Referral:
    """Take a referral. Of two supervisors claiming at once exactly one wins; the other is told who has it."""
    _require_supervisor(user)
    now = utcnow()
    outcome = session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.owner_id.is_(None), Referral.status != ReferralStatus.closed)
        .values(owner_id=user.id, version=Referral.version + 1,
                status=case((Referral.status == ReferralStatus.new, ReferralStatus.acknowledged.value),
                            else_=Referral.status),
                acknowledged_at=func.coalesce(Referral.acknowledged_at, now))
        .execution_options(synchronize_session=False)
    )
    if outcome.rowcount != 1:
        referral = session.get(Referral, referral_id)
        if referral is None:
            raise NotFound(_("There is no referral %(id)s.", id=referral_id))
        session.refresh(referral)
        if referral.status == ReferralStatus.closed:
            raise Conflict(_("This referral is closed."))
        owner = session.get(User, referral.owner_id)
        raise Conflict(_("%(name)s has already taken this referral.", name=owner.display_name if owner else "?"),
                       extra={"owner": owner.username if owner else None})
    _event(session, referral_id, user, "claimed", ReferralStatus.acknowledged, at=now)
    live.announce(session, live.QUEUE_TOPIC, referral=referral_id, what="claimed")
    session.commit()
    referral = session.get(Referral, referral_id)
    session.refresh(referral)
    return referral


def release(*, session: Session, user: User, referral_id: int, reason: str = "", then=None) -> Referral:
    """Put a referral one holds back in the queue. `then(session, referral)` runs in the same transaction
    (referrals/flows.py alerts the next people)."""
    _require_supervisor(user)
    outcome = session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.owner_id == user.id,
                               Referral.status != ReferralStatus.closed)
        .values(owner_id=None, version=Referral.version + 1).execution_options(synchronize_session=False)
    )
    if outcome.rowcount != 1:
        raise Conflict(_("Only the supervisor who holds a referral can release it."))
    _event(session, referral_id, user, "released", detail=(reason or "").strip()[:1000] or None)
    live.announce(session, live.QUEUE_TOPIC, referral=referral_id, what="released")
    if then is not None:
        referral = session.get(Referral, referral_id)
        session.refresh(referral)
        then(session, referral)
    session.commit()
    return _reload(session, referral_id)


def reassign(*, session: Session, user: User, referral_id: int, to_username: str) -> Referral:
    _require_supervisor(user)
    target = accounts.find_user_with(session=session, username=to_username, role=Role.supervisor)
    if target is None:
        raise InvalidInput(_("Choose an active supervisor to hand this referral to."), field="to")
    current = session.get(Referral, referral_id)
    if current is None:
        raise NotFound(_("There is no referral %(id)s.", id=referral_id))
    outcome = session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.version == current.version,
                               Referral.status != ReferralStatus.closed)
        .values(owner_id=target.id, version=Referral.version + 1,
                status=case((Referral.status == ReferralStatus.new, ReferralStatus.acknowledged.value),
                            else_=Referral.status),
                acknowledged_at=func.coalesce(Referral.acknowledged_at, utcnow()))
        .execution_options(synchronize_session=False)
    )
    if outcome.rowcount != 1:
        raise Conflict(_("The referral changed meanwhile; reload and try again."))
    _event(session, referral_id, user, "reassigned", detail=target.display_name)
    live.announce(session, live.QUEUE_TOPIC, referral=referral_id, what="reassigned")
    session.commit()
    return _reload(session, referral_id)


def _reload(session: Session, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    session.refresh(referral)
    return referral


def transition(
    *,
    session: Session,
    user: User,
    referral_id: int,
    to: str,
    destination_id: int | None = None,
    reference_number: str | None = None,
    resolution: str | None = None,
    policy: QueuePolicy = DEFAULT_POLICY,
    tz=None,
) -> Referral:
    """Move one step along new → acknowledged → in progress → referred | resolved → closed."""
    _require_supervisor(user)
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(_("There is no referral %(id)s.", id=referral_id))
    try:
        target = ReferralStatus(to)
    except ValueError:
        raise InvalidInput(_("Unknown status: %(status)s", status=str(to)[:20]), field="to") from None
    if referral.owner_id != user.id:
        raise Forbidden(_("Claim the referral before working it."))
    current = ReferralStatus(referral.status)
    if target not in TRANSITIONS.get(current, set()):
        raise Conflict(_("A referral cannot go from “%(from)s” to “%(to)s”.",
                         **{"from": status_label(current), "to": status_label(target)}))
    values: dict = {"status": target.value, "version": referral.version + 1}
    detail = None
    if target == ReferralStatus.referred:
        destination = session.get(Destination, destination_id) if destination_id else None
        if destination is None or not destination.active:
            raise InvalidInput(_("Choose where the caller was referred."), field="destination_id")
        reference_number = (reference_number or "").strip() or None
        if reference_number and len(reference_number) > 100:
            raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="reference_number",
                                 max=100))
        values.update(destination_id=destination.id, reference_number=reference_number)
        detail = destination.name + (f" · {reference_number}" if reference_number else "")
    if target == ReferralStatus.resolved:
        resolution = (resolution or "").strip()
        if not resolution:
            raise InvalidInput(_("Say how the referral was resolved."), field="resolution")
        if len(resolution) > 1000:
            raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="resolution", max=1000))
        values.update(resolution=resolution)
        detail = resolution
    now = utcnow()
    if target == ReferralStatus.closed:
        values.update(closed_at=now)
    outcome = session.execute(
        update(Referral).where(Referral.id == referral_id, Referral.status == current.value,
                               Referral.version == referral.version)
        .values(**values).execution_options(synchronize_session=False)
    )
    if outcome.rowcount != 1:
        raise Conflict(_("The referral changed meanwhile; reload and try again."))
    _event(session, referral_id, user, "status", target.value, detail=detail, at=now)
    if target == ReferralStatus.closed:
        today = now.astimezone(tz).date() if tz else now.date()
        for days in policy.follow_up_days.get(referral.level, ()):
            session.add(FollowUp(referral_id=referral_id, due_on=today + timedelta(days=days)))
    live.announce(session, live.QUEUE_TOPIC, referral=referral_id, what=target.value)
    session.commit()
    return _reload(session, referral_id)


def timeline(*, session: Session, referral: Referral) -> list[ReferralEvent]:
    return list(session.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                             .order_by(ReferralEvent.id)))


def referral_for_call(*, session: Session, call: Call) -> Referral | None:
    return session.exec(select(Referral).where(Referral.call_id == call.id)).first()


def open_referral_ids(*, session: Session, call_ids: list[int]) -> dict[int, int]:
    """The open referral of each of these calls, by call id."""
    if not call_ids:
        return {}
    return dict(session.execute(
        select(Referral.call_id, Referral.id).where(col(Referral.call_id).in_(call_ids),
                                                    col(Referral.status).in_([s.value for s in OPEN_STATUSES]))
    ).all())


def status_label(status) -> str:
    return str(STATUS_LABELS.get(status, status))


# --- follow-ups --------------------------------------------------------------------------------------

def follow_ups_due(*, session: Session, user: User, today: date, include_future: bool = False) -> list[FollowUp]:
    _require_supervisor(user)
    statement = select(FollowUp).where(FollowUp.status == FollowUpStatus.due)
    if not include_future:
        statement = statement.where(FollowUp.due_on <= today)
    return list(session.exec(statement.order_by(FollowUp.due_on, FollowUp.id)))


def follow_ups_of(*, session: Session, referral: Referral) -> list[FollowUp]:
    return list(session.exec(select(FollowUp).where(FollowUp.referral_id == referral.id).order_by(FollowUp.due_on)))


def start_follow_up_call(*, session: Session, user: User, follow_up_id: int) -> Call:
    """Doing a follow-up opens a call linked to the same caller; the follow-up counts as done."""
    _require_supervisor(user)
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound(_("There is no follow-up %(id)s.", id=follow_up_id))
    # Take the follow-up first, so two supervisors pressing "call now" make one call, not two.
    outcome = session.execute(
        update(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.status == FollowUpStatus.due)
        .values(status=FollowUpStatus.done.value, done_at=utcnow(), by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if outcome.rowcount != 1:
        raise Conflict(_("This follow-up is already done or cancelled."))
    referral = session.get(Referral, follow_up.referral_id)
    original = session.get(Call, referral.call_id)
    call = Call(counsellor_id=user.id, caller_id=original.caller_id)
    session.add(call)
    session.flush()
    session.execute(update(FollowUp).where(FollowUp.id == follow_up_id).values(call_id=call.id)
                    .execution_options(synchronize_session=False))
    _event(session, referral.id, user, "follow_up", detail=f"call {call.id}")
    session.commit()
    session.refresh(call)
    return call


def cancel_follow_up(*, session: Session, user: User, follow_up_id: int, reason: str) -> FollowUp:
    _require_supervisor(user)
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound(_("There is no follow-up %(id)s.", id=follow_up_id))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the follow-up is cancelled (declined, unreachable…)."), field="reason")
    if len(reason) > 500:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="reason", max=500))
    if follow_up.status != FollowUpStatus.due:
        raise Conflict(_("This follow-up is already done or cancelled."))
    follow_up.status, follow_up.cancelled_reason, follow_up.by_id = FollowUpStatus.cancelled.value, reason, user.id
    session.add(follow_up)
    _event(session, follow_up.referral_id, user, "follow_up_cancelled", detail=reason)
    session.commit()
    return follow_up


# --- destinations ------------------------------------------------------------------------------------

def get_destination(*, session: Session, destination_id: int) -> Destination:
    destination = session.get(Destination, destination_id)
    if destination is None:
        raise NotFound(_("There is no destination %(id)s.", id=destination_id))
    return destination


def referrals_by_id(*, session: Session, ids: list[int]) -> dict[int, Referral]:
    return {r.id: r for r in session.exec(select(Referral).where(col(Referral.id).in_(ids)))}


def destinations(*, session: Session, active_only: bool = True) -> list[Destination]:
    statement = select(Destination)
    if active_only:
        statement = statement.where(Destination.active.is_(True))
    return list(session.exec(statement.order_by(Destination.kind, Destination.name)))


def find_destinations(*, session: Session, text: str = "", kind: str = "") -> list[Destination]:
    """Active destinations whose name, coverage or hours hold `text`, in either Chinese script or any case;
    emergency services first. The list is an admin's short directory, so it is filtered here, not in SQL."""
    text = (text or "").strip()
    if len(text) > 100:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="q", max=100), field="q")
    if kind and kind not in DestinationKind.__members__:
        raise InvalidInput(_("Unknown kind of destination."), field="kind")
    wanted = normalise_phrase(text)
    found = [d for d in destinations(session=session)
             if (not kind or d.kind == kind)
             and wanted in normalise_phrase(" ".join(filter(None, (d.name, d.coverage, d.hours, d.phone))))]
    return sorted(found, key=lambda d: (d.kind != DestinationKind.emergency, d.kind, d.name))


def save_destination(*, session: Session, user: User, destination_id: int | None = None, name: str, kind: str,
                     phone: str = "", hours: str = "", coverage: str = "", active: bool = True) -> Destination:
    if Role.admin not in user.roles:
        raise Forbidden(_("Only administrators edit the list of destinations."))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the destination a name."), field="name")
    try:
        kind = DestinationKind(kind).value
    except ValueError:
        raise InvalidInput(_("Unknown kind of destination."), field="kind") from None
    for field_name, value, limit in (("name", name, 200), ("phone", phone, 50), ("hours", hours, 200),
                                     ("coverage", coverage, 200)):
        if value and len(value) > limit:
            raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.",
                                 field=field_label(field_name), max=limit))
    destination = get_destination(session=session, destination_id=destination_id) if destination_id \
        else Destination(name=name, kind=kind)
    destination.name, destination.kind = name, kind
    destination.phone, destination.hours, destination.coverage = phone or None, hours or None, coverage or None
    destination.active = active
    session.add(destination)
    session.commit()
    session.refresh(destination)
    return destination


def destinations_given(*, session: Session, call: Call) -> list[tuple[DestinationGiven, Destination]]:
    return [tuple(row) for row in session.exec(
        select(DestinationGiven, Destination).join(Destination, col(Destination.id) == DestinationGiven.destination_id)
        .where(DestinationGiven.call_id == call.id).order_by(DestinationGiven.id))]


def give_destination(*, session: Session, user: User, call_id: int, destination_id: int) -> DestinationGiven:
    """Note that the caller was given this place's number during the call (the counsellor's own call in
    progress). Giving it twice keeps the first."""
    call = calls.own_draft(session=session, user=user, call_id=call_id)
    destination = session.get(Destination, destination_id)
    if destination is None or not destination.active:
        raise InvalidInput(_("Choose a destination from the list."), field="destination_id")
    kept = select(DestinationGiven).where(DestinationGiven.call_id == call.id,
                                          DestinationGiven.destination_id == destination.id)
    existing = session.exec(kept).first()
    if existing is not None:
        return existing
    given = DestinationGiven(call_id=call.id, destination_id=destination.id, by_id=user.id)
    session.add(given)
    try:
        session.commit()
    except IntegrityError:  # the same press sent twice at once: the other one kept it
        session.rollback()
        return session.exec(kept).one()
    session.refresh(given)
    return given


# --- supervision: reviews, debriefs, caller alerts ------------------------------------------------------

REVIEWED = notifications.kind("call_reviewed", _l("%(name)s reviewed your call #%(call)s."))


def add_review(*, session: Session, user: User, call_id: int, comment: str) -> CallReview:
    """A supervisor's review of a call; everyone who held it (a call handed over at the end of a shift was
    written by two people) hears of it in the bell (the comment stays on the record: notifications show in
    every page's header, so no free text)."""
    _require_supervisor(user)
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(_("There is no call %(id)s.", id=call_id))
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput(_("Write the review comment."), field="comment")
    if len(comment) > 5000:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="comment", max=5000))
    review = CallReview(call_id=call_id, reviewer_id=user.id, comment=comment)
    session.add(review)
    holders = {call.counsellor_id} | {h.from_user_id for h in calls.hand_overs(session=session, call=call)}
    for holder in sorted(holders - {user.id}):
        notifications.notify(session=session, user_id=holder, kind=REVIEWED, link=f"/calls/{call_id}",
                             params={"name": user.display_name, "call": call_id})
    session.commit()
    session.refresh(review)
    return review


def reviews_of(*, session: Session, call: Call) -> list[CallReview]:
    return list(session.exec(select(CallReview).where(CallReview.call_id == call.id).order_by(CallReview.id)))


def debriefs_offered(*, session: Session, user: User) -> list[Debrief]:
    return list(session.exec(select(Debrief).where(Debrief.counsellor_id == user.id, Debrief.status == "offered")
                             .order_by(Debrief.id)))


class DebriefPrompt(NamedTuple):
    """A debrief offered, with its call's level: the final one once the call has ended."""

    debrief: Debrief
    level: RiskLevel
    ended: bool


def debrief_prompts(*, session: Session, user: User) -> list[DebriefPrompt]:
    """The debriefs offered to this counsellor, each saying how far its call's risk went."""
    rows = session.execute(
        select(Debrief, Call.engine_level, Call.override_level, Call.status)
        .join(Call, col(Call.id) == Debrief.call_id)
        .where(Debrief.counsellor_id == user.id, Debrief.status == "offered")
        .order_by(Debrief.id)
    ).all()
    return [DebriefPrompt(debrief, RiskLevel(override or engine), status != CallStatus.draft)
            for debrief, engine, override, status in rows]


def settle_debrief(*, session: Session, user: User, debrief_id: int, done: bool, supervisor_username: str = "",
                   reason: str = "") -> Debrief:
    debrief = session.get(Debrief, debrief_id)
    if debrief is None or debrief.counsellor_id != user.id:
        raise NotFound(_("There is no such debrief."))
    if debrief.status != "offered":
        raise Conflict(_("This debrief is already recorded."))
    if done:
        supervisor = accounts.find_user_with(session=session, username=supervisor_username, role=Role.supervisor,
                                             active_only=False)
        if supervisor is None:
            raise InvalidInput(_("Choose the supervisor you talked with."), field="supervisor")
        debrief.status, debrief.supervisor_id = "done", supervisor.id
    else:
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput(_("Say why you skip the debrief."), field="reason")
        debrief.status, debrief.reason = "skipped", reason[:500]
    debrief.at = utcnow()
    session.add(debrief)
    session.commit()
    return debrief


def add_caller_alert(*, session: Session, user: User, caller_id: int, text: str,
                     expires_on: date | None = None, today: date | None = None) -> CallerAlert:
    _require_supervisor(user)
    if session.get(Caller, caller_id) is None:
        raise NotFound(_("There is no such caller."))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the alert."), field="text")
    if len(text) > 500:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="text", max=500))
    if expires_on and expires_on < (today or date.today()):
        raise InvalidInput(_("The expiry date is in the past."), field="expires_on")
    alert = CallerAlert(caller_id=caller_id, text=text, expires_on=expires_on, created_by_id=user.id)
    session.add(alert)
    session.commit()
    session.refresh(alert)
    return alert


def active_alerts(*, session: Session, caller_id: int | None, today: date) -> list[CallerAlert]:
    if caller_id is None:
        return []
    return list(session.exec(
        select(CallerAlert).where(CallerAlert.caller_id == caller_id)
        .where((CallerAlert.expires_on.is_(None)) | (CallerAlert.expires_on >= today))
        .order_by(col(CallerAlert.created_at).desc())
    ))


# --- rows for the queue and a referral's page ----------------------------------------------------------

class _QueueCall(NamedTuple):
    """The columns of a call a queue row shows: plain rows, not ORM objects, as the queue refreshes
    every 3 seconds for every supervisor and building 100 full objects a time was most of its cost."""

    id: int
    counsellor_id: int
    caller_group: str | None
    evidence: list
    status: str
    engine_level: str
    override_level: str | None
    override_reason: str | None

    @property
    def is_draft(self) -> bool:
        return self.status == CallStatus.draft


class _Person(NamedTuple):
    id: int
    display_name: str


_QUEUE_CALLS = select(Call.id, Call.counsellor_id, Call.caller_group, Call.evidence, Call.status,
                      Call.engine_level, Call.override_level, Call.override_reason).where(
    col(Call.id).in_(bindparam("ids", expanding=True)))
_PEOPLE = select(User.id, User.display_name).where(col(User.id).in_(bindparam("ids", expanding=True)))


def _judgement(call) -> dict | None:
    """The counsellor's own judgement of the level, when it differs from the engine's: the level they set,
    the engine's, and their reason, which the supervisor needs beside the engine's evidence."""
    if not call.override_level or call.override_level == call.engine_level:
        return None
    raised = RiskLevel(call.override_level) > RiskLevel(call.engine_level)
    return {"level": call.override_level, "engine_level": call.engine_level, "raised": raised,
            "reason": call.override_reason or ""}


def queue_rows(*, session: Session, referrals: list[Referral], brief: bool = False,
               now: datetime | None = None) -> list[dict]:
    """Each referral with its call and people, fetched in two queries rather than one per row.

    `brief` (the queue) reads only the call columns and names a queue row shows, as plain rows. Each row
    carries `now`, the moment it was judged overdue or not, so its deadline reads against the same moment.
    """
    call_ids = [r.call_id for r in referrals]
    if not call_ids:  # an empty queue, the usual quiet night: its 3-second poll asks for no calls
        calls = {}
    elif brief:
        calls = {row.id: _QueueCall(*row) for row in session.execute(_QUEUE_CALLS, {"ids": call_ids})}
    else:
        calls = {c.id: c for c in session.exec(select(Call).where(col(Call.id).in_(call_ids)))}
    user_ids = {c.counsellor_id for c in calls.values()} | {r.owner_id for r in referrals if r.owner_id}
    if not user_ids:
        users = {}
    elif brief:
        users = {row.id: _Person(*row) for row in session.execute(_PEOPLE, {"ids": list(user_ids)})}
    else:
        users = accounts.people(session=session, ids=user_ids)
    now = now or utcnow()
    rows = []
    for referral in referrals:
        call = calls[referral.call_id]
        # One finding per stretch of the note, with the words that filled each part (its reason) on hover.
        shown = {e["text"]: e.get("reason", "") for e in findings(call.evidence)
                 if e.get("text") and e.get("level") != "none"}
        rows.append({
            "referral": referral, "call": call, "counsellor": users.get(call.counsellor_id),
            "owner": users.get(referral.owner_id), "overdue": is_overdue(referral, now), "now": now,
            "awaiting_acknowledgement": referral.acknowledged_at is None and referral.deadline_at is not None
            and referral.status != ReferralStatus.closed,
            "waiting_minutes": int((now - referral.opened_at).total_seconds() // 60),
            "evidence": [{"text": text, "reason": reason} for text, reason in list(shown.items())[:4]],
            "judgement": _judgement(call),
        })
    return rows
