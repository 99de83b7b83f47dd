"""Lines and what their shifts are made from: a line's name, timezone and opening hours, its shift templates
and holidays, and generating shifts from the templates. A shift once made is shifts.py; putting people on
it is assigning.py."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.i18n import _
from hotline.roster.models import Holiday, Line, Shift, ShiftTemplate
from hotline.roster.times import line_zone, local_moment, parse_time, span

NAME_MAX = 80
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_GENERATE_DAYS = 62


# --- lines -------------------------------------------------------------------------------------------

def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(_("The name is too long: at most %(max)s characters.", max=NAME_MAX), field="name")
    return name


def _opening_hours(hours: list) -> list:
    if len(hours) != 7:
        raise InvalidInput(_("Opening hours need one entry per weekday."))
    cleaned = []
    for entry in hours:
        if entry is None:
            cleaned.append(None)
            continue
        start, end = entry
        start_t, end_t = parse_time(start, field="opens"), parse_time(end, field="closes")
        if start_t == end_t:
            raise InvalidInput(_("A line that opens and closes at the same time is open 24 hours; tick that "
                                 "instead."))
        cleaned.append([start_t.strftime("%H:%M"), end_t.strftime("%H:%M")])
    return cleaned


def create_line(*, session: Session, name: str, timezone: str = "Asia/Shanghai", open_24h: bool = True,
                opening_hours: list | None = None) -> Line:
    name = _clean_name(name)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("%(zone)s is not a known timezone such as Asia/Shanghai.", zone=timezone[:64]),
                           field="timezone") from None
    hours = _opening_hours(opening_hours or [None] * 7)
    if not open_24h and not any(hours):
        raise InvalidInput(_("Give the opening hours of at least one day, or tick open 24 hours."))
    if session.exec(select(Line).where(Line.name == name)).first():
        raise Conflict(_("There is already a line called %(name)s.", name=name), field="name")
    line = Line(name=name, timezone=timezone, open_24h=open_24h, opening_hours=hours)
    session.add(line)
    session.commit()
    session.refresh(line)
    return line


def list_lines(*, session: Session) -> list[Line]:
    return list(session.exec(select(Line).order_by(Line.name)))


def get_line(*, session: Session, line_id: int) -> Line:
    line = session.get(Line, line_id)
    if line is None:
        raise NotFound(_("There is no line %(id)s.", id=line_id))
    return line


def open_intervals(line: Line, start: datetime, end: datetime) -> tuple[tuple[datetime, datetime], ...]:
    """The UTC spans within [start, end) in which the line is open."""
    if line.open_24h:
        return ((start, end),)
    tz = line_zone(line)
    spans = []
    day = start.astimezone(tz).date() - timedelta(days=1)
    while local_moment(day, time(0), tz) < end:
        entry = line.opening_hours[day.weekday()]
        if entry:
            opens, closes = span(day, time.fromisoformat(entry[0]), time.fromisoformat(entry[1]), tz)
            opens, closes = max(opens, start), min(closes, end)
            if opens < closes:
                spans.append((opens, closes))
        day += timedelta(days=1)
    return tuple(spans)


# --- templates and holidays --------------------------------------------------------------------------

def _template_spans(start: time, end: time, weekdays: list[int]) -> list[tuple[int, int]]:
    """Minutes of the week (Monday 00:00 = 0) a template covers, for the overlap check; wraps at the end."""
    begin = start.hour * 60 + start.minute
    length = (end.hour * 60 + end.minute) - begin
    if length <= 0:
        length += 24 * 60
    spans = []
    for weekday in weekdays:
        first = weekday * 24 * 60 + begin
        last = first + length
        spans.append((first, min(last, 7 * 24 * 60)))
        if last > 7 * 24 * 60:
            spans.append((0, last - 7 * 24 * 60))
    return spans


def create_template(*, session: Session, line_id: int, name: str, start: time, end: time, weekdays: list[int],
                    seats: int = 2, supervisor_required: bool = False, colour: str = "#1f5fa8",
                    on_holidays: bool = True) -> ShiftTemplate:
    line = get_line(session=session, line_id=line_id)
    name = _clean_name(name)
    if start == end:
        raise InvalidInput(_("A shift must end after it starts; for a 24-hour shift use two shifts."),
                           field="end")
    weekdays = sorted(set(weekdays))
    if not weekdays or not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
        raise InvalidInput(_("Choose at least one weekday."), field="weekdays")
    if not 0 <= seats <= 50:
        raise InvalidInput(_("Seats must be between 0 and 50."), field="seats")
    if not COLOUR.match(colour or ""):
        raise InvalidInput(_("The colour must look like #1f5fa8."), field="colour")
    mine = _template_spans(start, end, weekdays)
    for other in session.exec(select(ShiftTemplate).where(ShiftTemplate.line_id == line.id)):
        theirs = _template_spans(other.start_time, other.end_time, other.weekdays)
        if any(a < d and c < b for a, b in mine for c, d in theirs):
            raise Conflict(_("This overlaps the template %(other)s (%(start)s–%(end)s) on the same line. Give one "
                             "of them more seats instead.", other=other.name,
                             start=other.start_time.strftime("%H:%M"), end=other.end_time.strftime("%H:%M")))
    template = ShiftTemplate(line_id=line.id, name=name, colour=colour.lower(), start_time=start, end_time=end,
                             weekdays=weekdays, seats=seats, supervisor_required=supervisor_required,
                             on_holidays=on_holidays)
    session.add(template)
    session.commit()
    session.refresh(template)
    return template


def list_templates(*, session: Session, line_id: int) -> list[ShiftTemplate]:
    return list(session.exec(select(ShiftTemplate).where(ShiftTemplate.line_id == line_id)
                             .order_by(ShiftTemplate.start_time)))


def get_template(*, session: Session, template_id: int) -> ShiftTemplate:
    template = session.get(ShiftTemplate, template_id)
    if template is None:
        raise NotFound(_("There is no shift template %(id)s.", id=template_id))
    return template


def delete_template(*, session: Session, template_id: int) -> ShiftTemplate:
    """Shifts already made from it stay, with whoever is on them; only future generating stops using it."""
    template = session.get(ShiftTemplate, template_id)
    if template is None:
        raise NotFound(_("There is no shift template %(id)s.", id=template_id))
    session.delete(template)
    session.commit()
    return template


def delete_holiday(*, session: Session, holiday_id: int) -> Holiday:
    holiday = session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound(_("There is no such holiday."))
    session.delete(holiday)
    session.commit()
    return holiday


def add_holiday(*, session: Session, line_id: int, day: date, name: str) -> Holiday:
    line = get_line(session=session, line_id=line_id)
    name = _clean_name(name)
    if session.exec(select(Holiday).where(Holiday.line_id == line.id, Holiday.day == day)).first():
        raise Conflict(_("%(day)s is already a holiday on this line.", day=day.isoformat()))
    holiday = Holiday(line_id=line.id, day=day, name=name)
    session.add(holiday)
    session.commit()
    session.refresh(holiday)
    return holiday


def list_holidays(*, session: Session, line_id: int) -> list[Holiday]:
    return list(session.exec(select(Holiday).where(Holiday.line_id == line_id).order_by(Holiday.day)))


def generate_shifts(*, session: Session, line_id: int, first_day: date, days: int) -> list[Shift]:
    """Shifts from the line's templates for `days` days from `first_day`. Running it again adds only what
    is missing; a holiday skips the templates marked not to run on holidays."""
    line = get_line(session=session, line_id=line_id)
    if not 1 <= days <= MAX_GENERATE_DAYS:
        raise InvalidInput(_("Generate between 1 and %(max)s days at a time.", max=MAX_GENERATE_DAYS), field="days")
    templates = list_templates(session=session, line_id=line.id)
    if not templates:
        raise InvalidInput(_("This line has no shift templates yet; add one first."))
    tz = line_zone(line)
    holidays = {h.day for h in list_holidays(session=session, line_id=line.id)}
    made = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for template in templates:
            if day.weekday() not in template.weekdays or (day in holidays and not template.on_holidays):
                continue
            starts_at, ends_at = span(day, template.start_time, template.end_time, tz)
            exists = session.exec(select(Shift.id).where(Shift.line_id == line.id, Shift.starts_at == starts_at,
                                                         Shift.template_id == template.id)).first()
            if exists:
                continue
            shift = Shift(line_id=line.id, template_id=template.id, name=template.name, colour=template.colour,
                          starts_at=starts_at, ends_at=ends_at, seats=template.seats,
                          supervisor_required=template.supervisor_required)
            session.add(shift)
            made.append(shift)
    session.commit()
    return made
