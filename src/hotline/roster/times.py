"""Times as the forms write them and as a line's clock reads them: 'HH:MM' and dates from the forms, and a
line's wall-clock times turned into UTC instants across clock changes. Every other roster module builds on
these; they read nothing from the database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.errors import InvalidInput
from hotline.fields import field_label
from hotline.i18n import _
from hotline.roster.models import Line


def parse_time(value: str, *, field: str) -> time:
    """'HH:MM' (24:00 is accepted and means midnight at the end of the day)."""
    value = (value or "").strip()
    if value == "24:00":
        return time(0, 0)
    try:
        return time.fromisoformat(value) if re.fullmatch(r"\d{1,2}:\d{2}", value) else _bad_time(field)
    except ValueError:
        return _bad_time(field)


def _bad_time(field: str) -> time:
    raise InvalidInput(_("%(field)s must be a time such as 08:00.", field=field_label(field)), field=field)


def parse_day(value: str, *, field: str = "date") -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(_("%(field)s must be a date such as 2026-11-23.", field=field_label(field)),
                           field=field) from None


def line_zone(line: Line) -> ZoneInfo:
    return ZoneInfo(line.timezone)


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time. A time skipped by a clock change moves to just after it;
    a time that happens twice means the first one."""
    naive = datetime.combine(day, at)
    moment = naive.replace(tzinfo=tz)
    back = moment.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != naive:  # in a spring-forward gap
        moment = (naive + timedelta(hours=1)).replace(tzinfo=tz)
    return moment.astimezone(UTC)


def span(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A shift's UTC start and end from its wall-clock times; an end at or before the start is the next day."""
    end_day = day + timedelta(days=1) if end <= start else day
    return local_moment(day, start, tz), local_moment(end_day, end, tz)
