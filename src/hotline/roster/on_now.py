"""Who is on a published shift now: the call console's supervisor list, the phone system's line, the
board of who to debrief with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from hotline.accounts.models import User
from hotline.database import utcnow
from hotline.roster.lines import list_lines
from hotline.roster.models import Assignment, Line, Shift, ShiftRole, ShiftStatus
from hotline.roster.people import profiles


def _published_at(at: datetime | None):
    moment = at or utcnow()
    return (select(Shift, Assignment).join(Assignment, col(Assignment.shift_id) == Shift.id)
            .where(Shift.status == ShiftStatus.published, Shift.starts_at <= moment, Shift.ends_at > moment))


def on_shift_now(*, session: Session, user: User, at: datetime | None = None) -> bool:
    """Is this person on a published shift at `at` (now by default), in any role?"""
    return session.exec(_published_at(at).where(Assignment.user_id == user.id)).first() is not None


def line_on_shift(*, session: Session, user: User, at: datetime | None = None) -> str | None:
    """The name of the line this person is on a published shift for at `at` (now by default); None when
    off shift or on shifts of more than one line (the phone system then says which)."""
    shifts = session.exec(_published_at(at).where(Assignment.user_id == user.id))
    line_ids = {shift.line_id for shift, _assignment in shifts}
    return session.get(Line, line_ids.pop()).name if len(line_ids) == 1 else None


def on_call_supervisors(*, session: Session, at: datetime | None = None, line_id: int | None = None) -> list[User]:
    """The active supervisors on call on a published shift at `at` (now by default): of one line, or any line;
    whoever has been on shift longest first (the first to alert), then by name."""
    statement = _published_at(at).where(Assignment.role == ShiftRole.supervisor)
    if line_id is not None:
        statement = statement.where(Shift.line_id == line_id)
    started: dict[int, datetime] = {}
    for shift, assignment in session.exec(statement):
        started[assignment.user_id] = min(started.get(assignment.user_id, shift.starts_at), shift.starts_at)
    if not started:
        return []
    users = session.exec(select(User).where(col(User.id).in_(started), User.is_active.is_(True)))
    return sorted(users, key=lambda user: (started[user.id], user.display_name))


@dataclass
class OnNow:
    line: Line
    shift: Shift
    user: User
    role: str
    extension: str | None


def who_is_on_now(*, session: Session, at: datetime | None = None) -> list[OnNow]:
    rows = list(session.exec(_published_at(at)))
    if not rows:
        return []
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_({a.user_id for _s, a in rows})))}
    lines = {line.id: line for line in list_lines(session=session)}
    extension = profiles(session=session, user_ids=users)
    found = [OnNow(lines[s.line_id], s, users[a.user_id], a.role,
                   extension[a.user_id].phone_extension if a.user_id in extension else None) for s, a in rows]
    found.sort(key=lambda o: (o.line.name, o.role != ShiftRole.supervisor, o.user.display_name))
    return found
