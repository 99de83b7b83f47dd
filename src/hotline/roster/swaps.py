"""Shift swaps: a counsellor asks a named colleague (or anyone) to take a shift, or to swap it for one of
theirs; the colleague accepts or declines; a coordinator approves when the hotline asks for that.

Nothing changes the roster until the last yes, and then in one transaction: each assignment moves only
if it still belongs to who it did (a conditional update), the checks run on the result, and any new
problem for the people involved undoes all of it and names the problem."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from hotline.accounts.models import Role, User
from hotline.database import utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.i18n import _, _l
from hotline.notifications import service as notifications
from hotline.roster import checks
from hotline.roster.assigning import build_roster
from hotline.roster.lines import get_line
from hotline.roster.models import Assignment, Line, Shift, ShiftRole, ShiftStatus, SwapRequest, SwapStatus
from hotline.roster.people import get_limits, staff
from hotline.roster.shifts import get_shift
from hotline.roster.times import line_zone

OPEN = (SwapStatus.asked, SwapStatus.accepted)
# Problems that belong to a person; a swap that adds one of these for anyone involved is refused.
PERSONAL = {"double_booked", "over_week", "over_consecutive", "short_rest", "time_off"}
LINK = "/roster/mine#swaps"

ASKED = notifications.kind("swap_asked", _l("%(name)s asks you to take their shift %(shift)s."))
ASKED_EXCHANGE = notifications.kind(
    "swap_asked_exchange", _l("%(name)s asks to swap their shift %(shift)s for yours %(theirs)s."))
OFFERED = notifications.kind("swap_offered", _l("%(name)s offers their shift %(shift)s to anyone who can take it."))
ACCEPTED = notifications.kind("swap_accepted",
                              _l("%(name)s accepted your swap for %(shift)s; a coordinator will approve it."))
TO_APPROVE = notifications.kind("swap_to_approve",
                                _l("%(name)s will take %(shift)s from %(from)s: the swap waits for approval."))
DONE = notifications.kind("swap_done", _l("Swap done: %(name)s now has %(shift)s."))
DECLINED = notifications.kind("swap_declined", _l("%(name)s declined your swap for %(shift)s."))
REJECTED = notifications.kind("swap_rejected", _l("A coordinator did not approve the swap of %(shift)s."))


def _label(session: Session, shift: Shift) -> str:
    line = get_line(session=session, line_id=shift.line_id)
    tz = line_zone(line)
    start, end = shift.starts_at.astimezone(tz), shift.ends_at.astimezone(tz)
    name = f"{shift.name} " if shift.name else ""
    return f"{line.name} {name}{start.strftime('%m-%d %H:%M')}–{end.strftime('%H:%M')}"[:160]


def _mine(session: Session, shift: Shift, user_id: int) -> Assignment | None:
    return session.exec(select(Assignment).where(Assignment.shift_id == shift.id,
                                                 Assignment.user_id == user_id)).first()


def _can_take(person: User, role: str) -> bool:
    needed = Role.supervisor if role == ShiftRole.supervisor else Role.counsellor
    return person.is_active and person.has_any(needed, Role.supervisor)


def get_swap(*, session: Session, swap_id: int) -> SwapRequest:
    swap = session.get(SwapRequest, swap_id)
    if swap is None:
        raise NotFound(_("There is no swap request %(id)s.", id=swap_id))
    return swap


def ask_swap(*, session: Session, requester: User, shift_id: int, colleague_id: int | None = None,
             their_shift_id: int | None = None, now: datetime | None = None) -> SwapRequest:
    """Ask `colleague_id` to take (or, with `their_shift_id`, swap) a shift, or offer it to anyone."""
    now = now or utcnow()
    shift = get_shift(session=session, shift_id=shift_id)
    assignment = _mine(session, shift, requester.id)
    if assignment is None:
        raise InvalidInput(_("You are not on this shift, so you cannot give it away."))
    if shift.starts_at <= now:
        raise InvalidInput(_("This shift has already started; ask the coordinator instead."))
    if shift.status != ShiftStatus.published:
        raise InvalidInput(_("This shift is not published yet and may still change, so it cannot be swapped."))
    if session.exec(select(SwapRequest.id).where(SwapRequest.assignment_id == assignment.id,
                                                 col(SwapRequest.status).in_(OPEN))).first():
        raise Conflict(_("You have already asked about this shift; cancel that request first."))
    colleague = None
    if colleague_id is not None:
        colleague = session.get(User, colleague_id)
        if colleague is None or colleague.id == requester.id or not _can_take(colleague, assignment.role):
            raise InvalidInput(_("Choose a colleague who can work this shift as %(role)s.",
                                 role=ShiftRole(assignment.role).label), field="colleague_id")
        if _mine(session, shift, colleague.id):
            raise Conflict(_("%(name)s is already on this shift.", name=colleague.display_name))
    theirs = their_assignment = None
    if their_shift_id is not None:
        if colleague is None:
            raise InvalidInput(_("Name the colleague whose shift you would take in exchange."), field="colleague_id")
        theirs = get_shift(session=session, shift_id=their_shift_id)
        their_assignment = _mine(session, theirs, colleague.id)
        if their_assignment is None or theirs.starts_at <= now or theirs.status != ShiftStatus.published:
            raise InvalidInput(_("%(name)s has no such coming shift to swap.", name=colleague.display_name),
                               field="their_shift_id")
        if not _can_take(requester, their_assignment.role):
            raise InvalidInput(_("You cannot work that shift as %(role)s.",
                                 role=ShiftRole(their_assignment.role).label), field="their_shift_id")
    swap = SwapRequest(assignment_id=assignment.id, shift_id=shift.id, shift_starts_at=shift.starts_at,
                       shift_ends_at=shift.ends_at, shift_label=_label(session, shift), requester_id=requester.id,
                       colleague_id=colleague.id if colleague else None,
                       their_assignment_id=their_assignment.id if their_assignment else None,
                       their_shift_id=theirs.id if theirs else None,
                       their_shift_label=_label(session, theirs) if theirs else None)
    session.add(swap)
    params = {"name": requester.display_name, "shift": swap.shift_label}
    if colleague is not None:
        notifications.notify(session=session, user_id=colleague.id, kind=ASKED_EXCHANGE if theirs else ASKED,
                             params={**params, "theirs": swap.their_shift_label or ""}, link=LINK)
    else:
        on_it = {a.user_id for a in session.exec(select(Assignment).where(Assignment.shift_id == shift.id))}
        for person in staff(session=session):
            if person.id not in on_it and _can_take(person, assignment.role):
                notifications.notify(session=session, user_id=person.id, kind=OFFERED, params=params, link=LINK)
    session.commit()
    session.refresh(swap)
    return swap


def _move(session: Session, *, assignment_id: int | None, shift_id: int | None, label: str, from_user: User,
          to_user: User, starts_at: datetime | None = None, ends_at: datetime | None = None) -> None:
    """Move one assignment from one person to another, only if it is still theirs on the same shift."""
    shift = session.get(Shift, shift_id) if shift_id is not None else None
    if shift is None:
        raise Conflict(_("The shift %(shift)s no longer exists; nothing was changed.", shift=label))
    changed = (shift.starts_at, shift.ends_at) != (starts_at, ends_at) if starts_at else _label(session, shift) != label
    if changed:
        raise Conflict(_("The shift %(shift)s was changed after the swap was asked (now %(now)s); nothing was "
                         "changed. Ask again.", shift=label, now=_label(session, shift)))
    if _mine(session, shift, to_user.id):
        raise Conflict(_("%(name)s is already on this shift.", name=to_user.display_name))
    moved = session.exec(update(Assignment).where(col(Assignment.id) == assignment_id,
                                                  col(Assignment.shift_id) == shift.id,
                                                  col(Assignment.user_id) == from_user.id)
                         .values(user_id=to_user.id, assigned_at=utcnow())).rowcount
    if assignment_id is None or moved != 1:
        raise Conflict(_("%(name)s is no longer on %(shift)s; nothing was changed.",
                         name=from_user.display_name, shift=label))


def _problems_for(session: Session, swap: SwapRequest, user_ids: set[int]) -> set[tuple[str, str]]:
    shifts = [s for s in (session.get(Shift, swap.shift_id) if swap.shift_id else None,
                          session.get(Shift, swap.their_shift_id) if swap.their_shift_id else None) if s]
    if not shifts:
        return set()
    line = get_line(session=session, line_id=shifts[0].line_id)
    start, end = min(s.starts_at for s in shifts), max(s.ends_at for s in shifts)
    roster = build_roster(session=session, start=start, end=end, tz=line_zone(line), lines=[])
    found = checks.check_roster(roster, get_limits(session=session))
    return {(p.kind, p.message) for p in found if p.kind in PERSONAL and user_ids.intersection(p.user_ids)}


def _swap_or_refuse(session: Session, swap: SwapRequest, taker: User) -> None:
    """Change the roster as the swap says, inside the caller's transaction; raise (and leave the caller to
    roll back) if anything moved since, or if the checks find a new problem for either person."""
    requester = session.get(User, swap.requester_id)
    before = _problems_for(session, swap, {requester.id, taker.id})
    _move(session, assignment_id=swap.assignment_id, shift_id=swap.shift_id, label=swap.shift_label,
          from_user=requester, to_user=taker, starts_at=swap.shift_starts_at, ends_at=swap.shift_ends_at)
    if swap.their_shift_label is not None:  # an exchange, even if their shift has gone since
        _move(session, assignment_id=swap.their_assignment_id, shift_id=swap.their_shift_id,
              label=swap.their_shift_label, from_user=taker, to_user=requester)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(_("%(name)s is already on this shift.", name=taker.display_name)) from None
    new = sorted(_problems_for(session, swap, {requester.id, taker.id}) - before)
    if new:
        raise Conflict(_("The swap would break the roster rules, so nothing was changed: %(problem)s",
                       problem=" ".join(message for _kind, message in new)))


def _set_status(session: Session, swap: SwapRequest, expected: str, status: str, **values) -> None:
    """Conditional: only one of two people pressing at once wins; the other is told what happened."""
    changed = session.exec(update(SwapRequest).where(col(SwapRequest.id) == swap.id,
                                                     col(SwapRequest.status) == expected)
                           .values(status=status, **values)).rowcount
    if changed != 1:
        session.rollback()
        raise Conflict(_("Someone answered this swap request a moment ago; reload to see where it stands."))


def _refuse_if_closed(swap: SwapRequest, expected: str) -> None:
    if swap.status == expected:
        return
    if swap.status == SwapStatus.done:
        raise Conflict(_("This swap has already been done."))
    if swap.status == SwapStatus.accepted:
        raise Conflict(_("This swap was already accepted and waits for a coordinator."))
    if swap.status == SwapStatus.asked:
        raise Conflict(_("This swap has not been accepted yet."))
    raise Conflict(_("This swap request is closed (declined, not approved or cancelled)."))


def _coordinators(session: Session) -> list[User]:
    return staff(session=session, roles=(Role.coordinator,))


def _refuse_if_started(swap: SwapRequest, now: datetime | None) -> None:
    if swap.shift_starts_at <= (now or utcnow()):
        raise Conflict(_("This shift has already started; ask the coordinator instead."))


def accept_swap(*, session: Session, user: User, swap_id: int, needs_approval: bool = True,
                now: datetime | None = None) -> SwapRequest:
    """The colleague (or, for an open offer, anyone who may work it) says yes. The checks run now, so a
    swap that cannot happen is refused at once; without approval the roster changes here."""
    swap = get_swap(session=session, swap_id=swap_id)
    _refuse_if_closed(swap, SwapStatus.asked)
    _refuse_if_started(swap, now)
    if swap.requester_id == user.id:
        raise InvalidInput(_("You cannot accept your own request."))
    if swap.colleague_id is not None and swap.colleague_id != user.id:
        raise Forbidden(_("This swap request was sent to someone else."))
    assignment = session.get(Assignment, swap.assignment_id) if swap.assignment_id else None
    if assignment is not None and not _can_take(user, assignment.role):
        raise Forbidden(_("Only someone who can work this shift as %(role)s can take it.",
                          role=ShiftRole(assignment.role).label))
    swap_id, requester_id, label = swap.id, swap.requester_id, swap.shift_label
    try:
        _swap_or_refuse(session, swap, user)
        if needs_approval:
            session.rollback()  # the checks passed; the roster changes only when a coordinator approves
            swap = get_swap(session=session, swap_id=swap_id)
        _set_status(session, swap, SwapStatus.asked, SwapStatus.accepted if needs_approval else SwapStatus.done,
                    colleague_id=user.id, answered_at=utcnow())
    except Exception:
        session.rollback()
        raise
    if needs_approval:
        notifications.notify(session=session, user_id=requester_id, kind=ACCEPTED,
                             params={"name": user.display_name, "shift": label}, link=LINK)
        requester = session.get(User, requester_id)
        for coordinator in _coordinators(session):
            notifications.notify(session=session, user_id=coordinator.id, kind=TO_APPROVE,
                                 params={"name": user.display_name, "shift": label,
                                         "from": requester.display_name}, link="/roster/swaps")
    else:
        notifications.notify(session=session, user_id=requester_id, kind=DONE,
                             params={"name": user.display_name, "shift": label}, link=LINK)
    session.commit()
    return get_swap(session=session, swap_id=swap_id)


def decline_swap(*, session: Session, user: User, swap_id: int) -> SwapRequest:
    swap = get_swap(session=session, swap_id=swap_id)
    _refuse_if_closed(swap, SwapStatus.asked)
    if swap.colleague_id != user.id:
        raise Forbidden(_("Only the colleague asked can decline; an open offer simply waits for someone else."))
    _set_status(session, swap, SwapStatus.asked, SwapStatus.declined, answered_at=utcnow())
    notifications.notify(session=session, user_id=swap.requester_id, kind=DECLINED,
                         params={"name": user.display_name, "shift": swap.shift_label}, link=LINK)
    session.commit()
    return get_swap(session=session, swap_id=swap_id)


def cancel_swap(*, session: Session, user: User, swap_id: int) -> SwapRequest:
    swap = get_swap(session=session, swap_id=swap_id)
    if swap.requester_id != user.id:
        raise Forbidden(_("Only the person who asked can cancel a swap request."))
    if swap.status not in OPEN:
        _refuse_if_closed(swap, SwapStatus.asked)
    _set_status(session, swap, swap.status, SwapStatus.cancelled, decided_at=utcnow())
    session.commit()
    return get_swap(session=session, swap_id=swap_id)


def is_party(swap: SwapRequest, user: User) -> bool:
    """Whether `user` asked for the swap or takes the shift: they cannot also be the one who approves it."""
    return user.id in (swap.requester_id, swap.colleague_id)


def approve_swap(*, session: Session, actor: User, swap_id: int, now: datetime | None = None) -> SwapRequest:
    """A coordinator's yes: the roster changes now, if it still can and the checks still pass. Separation
    of duties: nobody approves a swap they asked for or take (a lead who is also a coordinator, say)."""
    swap = get_swap(session=session, swap_id=swap_id)
    _refuse_if_closed(swap, SwapStatus.accepted)
    if is_party(swap, actor):
        raise Forbidden(_("You are part of this swap, so another coordinator approves it."))
    _refuse_if_started(swap, now)
    taker = session.get(User, swap.colleague_id)
    requester_id, label = swap.requester_id, swap.shift_label
    try:
        _swap_or_refuse(session, swap, taker)
        _set_status(session, swap, SwapStatus.accepted, SwapStatus.done, decided_by_id=actor.id,
                    decided_at=utcnow())
    except Exception:
        session.rollback()
        raise
    for user_id in (requester_id, taker.id):
        notifications.notify(session=session, user_id=user_id, kind=DONE,
                             params={"name": taker.display_name, "shift": label}, link=LINK)
    session.commit()
    return get_swap(session=session, swap_id=swap_id)


def reject_swap(*, session: Session, actor: User, swap_id: int) -> SwapRequest:
    swap = get_swap(session=session, swap_id=swap_id)
    _refuse_if_closed(swap, SwapStatus.accepted)
    _set_status(session, swap, SwapStatus.accepted, SwapStatus.rejected, decided_by_id=actor.id,
                decided_at=utcnow())
    for user_id in (swap.requester_id, swap.colleague_id):
        notifications.notify(session=session, user_id=user_id, kind=REJECTED, params={"shift": swap.shift_label},
                             link=LINK)
    session.commit()
    return get_swap(session=session, swap_id=swap_id)


def swaps_for(*, session: Session, user: User, now: datetime | None = None) -> dict[str, list[SwapRequest]]:
    """What "my shifts" lists: what I asked, what I am asked, and open offers I could take."""
    now = now or utcnow()
    recent = or_(col(SwapRequest.status).in_(OPEN), SwapRequest.shift_ends_at > now)
    mine = list(session.exec(select(SwapRequest).where(SwapRequest.requester_id == user.id, recent)
                             .order_by(SwapRequest.shift_starts_at)))
    asked = list(session.exec(select(SwapRequest).where(SwapRequest.colleague_id == user.id,
                                                        SwapRequest.status == SwapStatus.asked)
                              .order_by(SwapRequest.shift_starts_at)))
    offers = [s for s in session.exec(select(SwapRequest).where(SwapRequest.colleague_id == None,  # noqa: E711
                                                                SwapRequest.status == SwapStatus.asked,
                                                                SwapRequest.requester_id != user.id,
                                                                SwapRequest.shift_starts_at > now)
                                      .order_by(SwapRequest.shift_starts_at))]
    return {"mine": mine, "asked": asked, "offers": offers}


def awaiting_approval(*, session: Session) -> list[SwapRequest]:
    return list(session.exec(select(SwapRequest).where(SwapRequest.status == SwapStatus.accepted)
                             .order_by(SwapRequest.shift_starts_at)))


def names(*, session: Session, swaps: list[SwapRequest]) -> dict[int, str]:
    ids = {i for s in swaps for i in (s.requester_id, s.colleague_id) if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(ids)))}


def swappable(entries: list[tuple[Shift, Assignment, Line]], *, now: datetime) -> list[tuple[Shift, Line]]:
    """Of one's own shifts (feeds.my_shifts), those one may give away or swap: coming and published (a draft
    may still change)."""
    return [(shift, line) for shift, _assignment, line in entries
            if shift.starts_at > now and shift.status == ShiftStatus.published]


def colleague_shifts(*, session: Session, user: User, colleague_id: int, end: datetime,
                     now: datetime | None = None) -> list[tuple[Shift, User, str]]:
    """One colleague's coming published shifts, for choosing one to swap for: (shift, colleague, label).
    A draft may still change, so it is never offered."""
    now = now or utcnow()
    if colleague_id == user.id:
        return []
    rows = session.exec(select(Shift, User).join(Assignment, col(Assignment.shift_id) == Shift.id)
                        .join(User, col(User.id) == Assignment.user_id)
                        .where(Assignment.user_id == colleague_id, Shift.status == ShiftStatus.published,
                               Shift.starts_at > now, Shift.starts_at < end)
                        .order_by(Shift.starts_at))
    return [(shift, person, _label(session, shift)) for shift, person in rows]
