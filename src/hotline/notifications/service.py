"""Notify someone in the console, and read what they were told.

A notification keeps its kind and parameters, not a sentence: the text is made in the reader's language
when they read it. Features register their kinds with `kind()` at import time and call `notify()`."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from hotline.database import utcnow
from hotline.errors import NotFound
from hotline.i18n import _
from hotline.notifications.models import Notification

KINDS: dict[str, object] = {}  # kind -> lazy message with %(name)s placeholders
PAGE = 50


def kind(name: str, message) -> str:
    """Register a kind of notification with its (lazy) message; returns the name for the caller to use."""
    KINDS[name] = message
    return name


def notify(*, session: Session, user_id: int, kind: str, params: dict | None = None, link: str | None = None,
           commit: bool = False) -> Notification:
    """Tell one person something. Part of the caller's transaction unless `commit`. Never put note text
    or caller data in `params`: notifications are shown in the header of every page."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    entry = Notification(user_id=user_id, kind=kind, params={k: str(v)[:200] for k, v in (params or {}).items()},
                         link=link)
    session.add(entry)
    if commit:
        session.commit()
    return entry


def text_of(entry: Notification) -> str:
    message = KINDS.get(entry.kind)
    if message is None:
        return _("A notification of a kind this version does not know.")
    try:
        return str(message) % entry.params
    except (KeyError, TypeError, ValueError):
        return str(message)


def unread_count(*, session: Session, user_id: int) -> int:
    return session.exec(select(func.count()).select_from(Notification)
                        .where(Notification.user_id == user_id, Notification.read_at == None)).one()  # noqa: E711


def recent(*, session: Session, user_id: int, limit: int = PAGE) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.user_id == user_id)
                             .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
                             .limit(limit)))


def mark_read(*, session: Session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of this person as read."""
    query = update(Notification).where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
    if notification_id is not None:
        entry = session.get(Notification, notification_id)
        if entry is None or entry.user_id != user_id:
            raise NotFound(_("There is no such notification."))
        query = query.where(col(Notification.id) == notification_id)
    count = session.exec(query.values(read_at=utcnow())).rowcount
    session.commit()
    return count


def open_notification(*, session: Session, user_id: int, notification_id: int) -> str:
    """Mark it read and say where it points: only ever a path inside the console, else the list."""
    mark_read(session=session, user_id=user_id, notification_id=notification_id)
    link = session.get(Notification, notification_id).link or ""
    return link if link.startswith("/") and not link.startswith("//") else "/notifications"


def latest_unread(*, session: Session, user_id: int, kinds: frozenset[str] | set[str]) -> Notification | None:
    """This person's newest unread notification of these kinds (an alert, for the browser to show)."""
    return session.exec(select(Notification).where(Notification.user_id == user_id,
                                                   Notification.read_at == None,  # noqa: E711
                                                   col(Notification.kind).in_(sorted(kinds)))
                        .order_by(col(Notification.id).desc()).limit(1)).first()
