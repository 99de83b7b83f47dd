"""One-line factories for roster tests: a line with templates, a week of shifts, people on them."""

from __future__ import annotations

from datetime import date, time

from hotline.roster import service

MONDAY = date(2026, 11, 23)


def make_line(session, name="Hope line", **fields):
    return service.create_line(session=session, name=name, timezone=fields.pop("timezone", "Asia/Shanghai"),
                               **fields)


def three_shifts_a_day(session, line, seats=2):
    """Night 00–08, day 08–16, evening 16–24 every day: a 24-hour line."""
    for name, start, end in (("Night", time(0), time(8)), ("Day", time(8), time(16)),
                             ("Evening", time(16), time(0))):
        service.create_template(session=session, line_id=line.id, name=name, start=start, end=end,
                                weekdays=list(range(7)), seats=seats)
