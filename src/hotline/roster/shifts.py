"""Shifts once made: finding them, who sits in each, and deleting one (with people on it, only when the
coordinator confirms). Moving a shift's times answers with the checks' problems, so that is in assigning.py."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from hotline.accounts.models import User
from hotline.errors import Conflict, NotFound
from hotline.i18n import _
from hotline.roster.models import Assignment, Shift


def get_shift(*, session: Session, shift_id: int) -> Shift:
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise NotFound(_("There is no shift %(id)s; it may have been deleted.", id=shift_id))
    return shift


def shifts_between(*, session: Session, start: datetime, end: datetime, line_id: int | None = None) -> list[Shift]:
    query = select(Shift).where(Shift.starts_at < end, Shift.ends_at > start)
    if line_id is not None:
        query = query.where(Shift.line_id == line_id)
    return list(session.exec(query.order_by(Shift.starts_at, Shift.id)))


def assignments_for(*, session: Session, shift_ids) -> dict[int, list[tuple[Assignment, User]]]:
    ids = list(shift_ids)
    found: dict[int, list[tuple[Assignment, User]]] = {i: [] for i in ids}
    if ids:
        rows = session.exec(select(Assignment, User).join(User, col(User.id) == Assignment.user_id)
                            .where(col(Assignment.shift_id).in_(ids)).order_by(Assignment.role, User.display_name))
        for assignment, user in rows:
            found[assignment.shift_id].append((assignment, user))
    return found


class ShiftHasPeople(Conflict):
    """Deleting a shift would take people off it: refused until the coordinator confirms, naming them."""


def delete_shift(*, session: Session, shift_id: int, people_confirmed: bool = False) -> Shift:
    """Delete a shift. With people on it, only when confirmed: they are taken off, and open swap requests
    for it are refused when answered (the shift no longer exists)."""
    shift = get_shift(session=session, shift_id=shift_id)
    on_it = assignments_for(session=session, shift_ids=[shift.id])[shift.id]
    if on_it and not people_confirmed:
        raise ShiftHasPeople(_("On this shift: %(names)s. Deleting it takes them off; tick the box to confirm.",
                               names=", ".join(user.display_name for _a, user in on_it)))
    session.delete(shift)
    session.commit()
    return shift
