"""A person's own shifts and their private calendar address (only its hash is kept)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from hotline.accounts.models import User
from hotline.database import utcnow
from hotline.errors import NotFound
from hotline.i18n import _
from hotline.roster.models import Assignment, CalendarFeed, Line, Shift, ShiftStatus


def my_shifts(*, session: Session, user: User, start: datetime, end: datetime,
              published_only: bool = False) -> list[tuple[Shift, Assignment, Line]]:
    query = (select(Shift, Assignment, Line).join(Assignment, col(Assignment.shift_id) == Shift.id)
             .join(Line, col(Line.id) == Shift.line_id)
             .where(Assignment.user_id == user.id, Shift.ends_at > start, Shift.starts_at < end))
    if published_only:
        query = query.where(Shift.status == ShiftStatus.published)
    return [tuple(row) for row in session.exec(query.order_by(Shift.starts_at))]


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(*, session: Session, user: User) -> str:
    """A new private calendar address; the old one stops working. Only the hash is kept."""
    revoke_feeds(session=session, user=user, commit=False)
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeed(user_id=user.id, token_hash=_feed_hash(token)))
    session.commit()
    return token


def revoke_feeds(*, session: Session, user: User, commit: bool = True) -> int:
    feeds = list(session.exec(select(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                                         CalendarFeed.revoked_at == None)))  # noqa: E711
    for feed in feeds:
        feed.revoked_at = utcnow()
        session.add(feed)
    if commit:
        session.commit()
    return len(feeds)


def has_feed(*, session: Session, user: User) -> bool:
    return session.exec(select(CalendarFeed.id).where(CalendarFeed.user_id == user.id,
                                                      CalendarFeed.revoked_at == None)).first() is not None  # noqa: E711


def user_for_feed(*, session: Session, token: str) -> User:
    if not token or len(token) > 100:
        raise NotFound(_("This calendar address is not valid; make a new one on your shifts page."))
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == _feed_hash(token),
                                                   CalendarFeed.revoked_at == None)).first()  # noqa: E711
    user = session.get(User, feed.user_id) if feed else None
    if user is None or not user.is_active:
        raise NotFound(_("This calendar address is not valid; make a new one on your shifts page."))
    return user
