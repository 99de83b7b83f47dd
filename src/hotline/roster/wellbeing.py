"""Is anyone being worn down? High-risk load per counsellor, this shift and this week, and how heavy it felt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, union
from sqlmodel import Session, col, select

from hotline.accounts.models import Role, User
from hotline.calls.models import Call, CallHandOver
from hotline.database import utcnow
from hotline.errors import InvalidInput
from hotline.i18n import _
from hotline.roster.models import Assignment, Shift, ShiftRating, ShiftStatus

HEAVY_LEVELS = ("high", "imminent")


@dataclass
class Load:
    user: User
    shift: Shift | None  # the current or most recent published shift within a day
    high_this_shift: int
    high_this_week: int
    rating_this_week: float | None
    over: bool


def week_start(now: datetime, tz) -> datetime:
    local = now.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time.min, tz)


def _heavy_calls(session: Session, since: datetime, until: datetime, user_ids=None) -> dict[int, int]:
    """High and imminent calls ended in the window, by each counsellor who held them (a call handed over
    mid-way weighs on both), counted in the database."""
    level = func.coalesce(Call.override_level, Call.engine_level)
    heavy = (Call.status == "finalised", Call.ended_at >= since, Call.ended_at < until, level.in_(HEAVY_LEVELS))
    holders = union(
        select(col(Call.id).label("call_id"), col(Call.counsellor_id).label("user_id")).where(*heavy),
        select(CallHandOver.call_id, col(CallHandOver.from_user_id).label("user_id"))
        .join(Call, col(Call.id) == CallHandOver.call_id).where(*heavy),
    ).subquery()
    statement = select(holders.c.user_id, func.count(func.distinct(holders.c.call_id))).group_by(holders.c.user_id)
    if user_ids is not None:
        statement = statement.where(holders.c.user_id.in_(user_ids))
    return {int(user_id): int(count) for user_id, count in session.execute(statement).all()}


def _latest_shift(session: Session, user: User, now: datetime) -> Shift | None:
    return session.exec(
        select(Shift).join(Assignment, col(Assignment.shift_id) == Shift.id)
        .where(Assignment.user_id == user.id, Shift.status == ShiftStatus.published,
               Shift.starts_at <= now, Shift.ends_at > now - timedelta(hours=24))
        .order_by(col(Shift.starts_at).desc())
    ).first()


def counsellor_loads(*, session: Session, tz, per_shift_limit: int, per_week_limit: int,
                     now: datetime | None = None) -> list[Load]:
    """Everyone who takes calls, heaviest first; `over` when a limit is reached."""
    now = now or utcnow()
    since = week_start(now, tz)
    people = [u for u in session.exec(select(User).where(User.is_active.is_(True)))
              if u.has_any(Role.counsellor, Role.supervisor)]
    week = _heavy_calls(session, since, now + timedelta(seconds=1))
    ratings = dict(session.exec(
        select(ShiftRating.user_id, func.avg(ShiftRating.rating)).where(ShiftRating.at >= since)
        .group_by(ShiftRating.user_id)).all())
    loads = []
    for person in people:
        shift = _latest_shift(session, person, now)
        this_shift = 0
        if shift is not None:
            this_shift = _heavy_calls(session, shift.starts_at, min(shift.ends_at, now) + timedelta(seconds=1),
                                      [person.id]).get(person.id, 0)
        rating = ratings.get(person.id)
        loads.append(Load(person, shift, this_shift, week.get(person.id, 0),
                          None if rating is None else round(float(rating), 1),
                          this_shift >= per_shift_limit or week.get(person.id, 0) >= per_week_limit))
    loads.sort(key=lambda load: (not load.over, -load.high_this_week, -load.high_this_shift, load.user.display_name))
    return loads


def rate_shift(*, session: Session, user: User, rating: str | int, now: datetime | None = None) -> ShiftRating:
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise InvalidInput(_("Choose how heavy the shift was, from 1 (light) to 5 (very heavy)."), field="rating")
    now = now or utcnow()
    shift = _latest_shift(session, user, now)
    record = ShiftRating(user_id=user.id, shift_id=shift.id if shift else None, rating=value, at=now)
    session.add(record)
    session.commit()
    session.refresh(record)
    return record
