"""The roster out of the console: a CSV table (one row per person on a shift, and one per empty seat) and a
whole-roster iCalendar file (one event per shift, who is on it in the description)."""

from __future__ import annotations

from datetime import date, datetime

from icalendar import Calendar, Event
from sqlmodel import Session

from hotline.database import utcnow
from hotline.errors import InvalidInput
from hotline.i18n import _
from hotline.roster.models import SHIFT_ROLE_LABELS, Line, ShiftRole
from hotline.roster.people import profiles
from hotline.roster.shifts import assignments_for, shifts_between
from hotline.roster.times import line_zone
from hotline.spreadsheets import csv_lines

CSV_COLUMNS = ("date", "start", "end", "line", "shift", "role", "name", "username", "extension", "status")


def _rows(session: Session, line: Line, start: datetime, end: datetime):
    shifts = shifts_between(session=session, start=start, end=end, line_id=line.id)
    seated = assignments_for(session=session, shift_ids=[s.id for s in shifts])
    extensions = profiles(session=session, user_ids={a.user_id for v in seated.values() for a, _u in v})
    return shifts, seated, extensions


def roster_csv(*, session: Session, line: Line, start: datetime, end: datetime) -> str:
    """UTF-8 with a byte-order mark so Excel reads Chinese names correctly; local times of the line."""
    tz = line_zone(line)
    shifts, seated, extensions = _rows(session, line, start, end)
    rows = []
    for shift in shifts:
        local_start, local_end = shift.starts_at.astimezone(tz), shift.ends_at.astimezone(tz)
        when = [local_start.date().isoformat(), local_start.strftime("%H:%M"),
                "24:00" if local_end.strftime("%H:%M") == "00:00" and local_end.date() > local_start.date()
                else local_end.strftime("%H:%M")]
        people = seated[shift.id]
        for assignment, user in people:
            profile = extensions.get(user.id)
            rows.append([*when, line.name, shift.name, assignment.role, user.display_name, user.username,
                         profile.phone_extension if profile else "", shift.status])
        empty = shift.seats - sum(1 for a, _u in people if a.role == ShiftRole.counsellor)
        rows += [[*when, line.name, shift.name, ShiftRole.counsellor, "", "", "", shift.status]] * max(empty, 0)
    return "".join(csv_lines(CSV_COLUMNS, rows))


def roster_calendar(*, session: Session, line: Line, start: datetime, end: datetime, domain: str,
                    now: datetime | None = None) -> bytes:
    shifts, seated, _extensions = _rows(session, line, start, end)
    calendar = Calendar()
    calendar.add("prodid", "-//Hotline//Roster//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Roster of %(line)s", line=line.name))
    calendar.add("x-wr-timezone", line.timezone)
    stamp = now or utcnow()
    for shift in shifts:
        people = seated[shift.id]
        filled = sum(1 for a, _u in people if a.role == ShiftRole.counsellor)
        event = Event()
        event.add("uid", f"shift-{shift.id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", f"{line.name} · {shift.name} ({filled}/{shift.seats})")
        event.add("description", "\n".join(f"{SHIFT_ROLE_LABELS.get(a.role, a.role)}: {u.display_name}"
                                           for a, u in people) or _("Nobody yet"))
        event.add("categories", [line.name])
        event.add("status", "CONFIRMED" if shift.status == "published" else "TENTATIVE")
        calendar.add_component(event)
    return calendar.to_ical()


MAX_EXPORT_DAYS = 400


def check_period(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise InvalidInput(_("The last day must be on or after the first day."), field="end")
    if (last_day - first_day).days > MAX_EXPORT_DAYS:
        raise InvalidInput(_("Export at most %(days)s days at a time.", days=MAX_EXPORT_DAYS), field="end")
