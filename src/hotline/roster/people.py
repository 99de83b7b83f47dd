"""The people a roster is made of: the active counsellors and supervisors, their profiles (extension, skills
and languages), the limits on everyone's hours, each person's usual availability and their time off."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from hotline.accounts.models import Role, User, UserRole
from hotline.database import utcnow
from hotline.errors import InvalidInput, NotFound
from hotline.i18n import _
from hotline.roster import checks
from hotline.roster.models import Availability, RosterLimits, Shift, StaffProfile, TimeOff
from hotline.roster.times import local_moment, span


def staff(*, session: Session, roles: tuple[Role, ...] = (Role.counsellor, Role.supervisor)) -> list[User]:
    ids = select(UserRole.user_id).where(col(UserRole.role).in_([r.value for r in roles]))
    return list(session.exec(select(User).where(col(User.id).in_(ids), User.is_active == True)  # noqa: E712
                             .order_by(User.display_name)))


def profiles(*, session: Session, user_ids) -> dict[int, StaffProfile]:
    ids = list(user_ids)
    if not ids:
        return {}
    return {p.user_id: p for p in session.exec(select(StaffProfile).where(col(StaffProfile.user_id).in_(ids)))}


def set_profile(*, session: Session, user: User, phone_extension: str | None, skills: list[str]) -> StaffProfile:
    if phone_extension and (len(phone_extension) > 16 or not re.fullmatch(r"[0-9#*+ -]+", phone_extension)):
        raise InvalidInput(_("A phone extension is digits only, at most 16."), field="phone_extension")
    skills = list(dict.fromkeys(s.strip() for s in skills if s.strip()))
    if len(skills) > 12 or any(len(s) > 40 for s in skills):
        raise InvalidInput(_("At most %(count)s skills and languages, each at most %(max)s characters.", count=12,
                             max=40), field="skills")
    profile = session.get(StaffProfile, user.id) or StaffProfile(user_id=user.id)
    profile.phone_extension, profile.skills = phone_extension or None, skills
    session.add(profile)
    session.commit()
    return profile


def get_limits(*, session: Session) -> checks.Limits:
    row = session.get(RosterLimits, 1)
    if row is None:
        return checks.Limits()
    return checks.Limits(row.max_hours_per_week, row.max_consecutive_hours, row.min_rest_hours)


def set_limits(*, session: Session, max_hours_per_week: float, max_consecutive_hours: float,
               min_rest_hours: float) -> checks.Limits:
    if not (1 <= max_hours_per_week <= 168 and 1 <= max_consecutive_hours <= 48 and 0 <= min_rest_hours <= 48):
        raise InvalidInput(_("Limits must be: hours per week 1–168, hours at a stretch 1–48, rest 0–48."))
    row = session.get(RosterLimits, 1) or RosterLimits(id=1)
    row.max_hours_per_week, row.max_consecutive_hours, row.min_rest_hours = (
        max_hours_per_week, max_consecutive_hours, min_rest_hours)
    session.add(row)
    session.commit()
    return get_limits(session=session)


def add_availability(*, session: Session, user: User, weekday: int, start: time, end: time) -> Availability:
    if not 0 <= weekday <= 6:
        raise InvalidInput(_("Choose a weekday."), field="weekday")
    if start == end:
        raise InvalidInput(_("The window must end after it starts."), field="end")
    window = Availability(user_id=user.id, weekday=weekday, start_time=start, end_time=end)
    session.add(window)
    session.commit()
    session.refresh(window)
    return window


def availability_of(*, session: Session, user_ids) -> dict[int, list[Availability]]:
    found: dict[int, list[Availability]] = {}
    ids = list(user_ids)
    if ids:
        for window in session.exec(select(Availability).where(col(Availability.user_id).in_(ids))
                                   .order_by(Availability.weekday, Availability.start_time)):
            found.setdefault(window.user_id, []).append(window)
    return found


def is_available(windows: list[Availability], shift: Shift, tz: ZoneInfo) -> bool | None:
    """True/False when the person gave availability; None when they gave none."""
    if not windows:
        return None
    day = shift.starts_at.astimezone(tz).date()
    for window in windows:
        for candidate in (day - timedelta(days=1), day):
            if candidate.weekday() != window.weekday:
                continue
            start, end = span(candidate, window.start_time, window.end_time, tz)
            if start <= shift.starts_at and shift.ends_at <= end:
                return True
    return False


def add_time_off(*, session: Session, user: User, first_day: date, last_day: date, tz: ZoneInfo) -> TimeOff:
    if last_day < first_day:
        raise InvalidInput(_("Time off must end on or after the day it starts."), field="last_day")
    if (last_day - first_day).days > 366:
        raise InvalidInput(_("Time off can be at most a year at a time."), field="last_day")
    entry = TimeOff(user_id=user.id, starts_at=local_moment(first_day, time(0), tz),
                    ends_at=local_moment(last_day + timedelta(days=1), time(0), tz))
    session.add(entry)
    session.commit()
    session.refresh(entry)
    return entry


def time_off_of(*, session: Session, user: User) -> list[TimeOff]:
    return list(session.exec(select(TimeOff).where(TimeOff.user_id == user.id, TimeOff.ends_at > utcnow())
                             .order_by(TimeOff.starts_at)))


def delete_time_off(*, session: Session, user: User, time_off_id: int) -> None:
    entry = session.get(TimeOff, time_off_id)
    if entry is None or entry.user_id != user.id:
        raise NotFound(_("There is no such time off."))
    session.delete(entry)
    session.commit()
