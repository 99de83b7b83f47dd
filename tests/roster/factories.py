"""One-line factories for roster tests: a line with templates, a week of shifts, people on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.roster.lines import create_line, create_template

SHANGHAI = ZoneInfo("Asia/Shanghai")


def monday_after_next(today: date) -> date:
    """The Monday of the week after next: a week still to come however long the session runs."""
    return today + timedelta(days=14 - today.weekday())


# Computed from today (or the day --move-clock moved to), never written down: a fixed date goes stale.
MONDAY = monday_after_next(datetime.now(SHANGHAI).date())


# How the roster writes the days of MONDAY's week in its messages ("11-23 08:00–16:00").
D0, D1, D7 = (f"{MONDAY + timedelta(days=n):%m-%d}" for n in (0, 1, 7))


def shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    """That wall-clock time on the Hope line (Shanghai keeps no daylight saving), in UTC."""
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(UTC)


def make_line(session, name="Hope line", **fields):
    return create_line(session=session, name=name, timezone=fields.pop("timezone", "Asia/Shanghai"),
                       **fields)


def three_shifts_a_day(session, line, seats=2):
    """Night 00–08, day 08–16, evening 16–24 every day: a 24-hour line."""
    for name, start, end in (("Night", time(0), time(8)), ("Day", time(8), time(16)),
                             ("Evening", time(16), time(0))):
        create_template(session=session, line_id=line.id, name=name, start=start, end=end,
                        weekdays=list(range(7)), seats=seats)


def published(session, shifts):
    """These shifts, published (as the coordinator's "Publish" leaves them): only published shifts are swapped."""
    from hotline.roster.models import ShiftStatus

    for shift in shifts:
        shift.status = ShiftStatus.published
        session.add(shift)
    session.commit()
    return shifts
