"""A counsellor's shifts as an iCalendar feed (RFC 5545), built with the `icalendar` library."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from hotline.database import utcnow
from hotline.roster.models import Assignment, Line, Shift


def shifts_calendar(entries: list[tuple[Shift, Assignment, Line]], *, title: str, role_label, domain: str,
                    now: datetime | None = None) -> bytes:
    """One VEVENT per shift, times in UTC; UIDs stay the same across fetches so calendars update in place."""
    calendar = Calendar()
    calendar.add("prodid", "-//Hotline//Roster//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", title)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    stamp = now or utcnow()
    for shift, assignment, line in entries:
        event = Event()
        event.add("uid", f"shift-{shift.id}-user-{assignment.user_id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", f"{line.name} · {shift.name or role_label(assignment.role)}")
        event.add("description", role_label(assignment.role))
        event.add("categories", [line.name])
        calendar.add_component(event)
    return calendar.to_ical()
