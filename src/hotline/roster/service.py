"""Everything that happens to a roster. Views call these; tests call them directly; the call console and
the referral queue ask roster/on_now.py; the calendar feed is roster/feeds.py and the staffing forecast
roster/forecast.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from hotline.accounts.models import Role, User, UserRole
from hotline.database import utcnow
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.i18n import _
from hotline.roster import checks
from hotline.roster.models import (
    Assignment,
    Availability,
    Holiday,
    Line,
    RosterLimits,
    RosterPublication,
    Shift,
    ShiftRole,
    ShiftStatus,
    ShiftTemplate,
    StaffProfile,
    TimeOff,
)

NAME_MAX = 80
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_GENERATE_DAYS = 62
MAX_SHIFT_HOURS = 24


class RosterHasProblems(Conflict):
    """Publishing was refused: the checks found problems and no reason to publish anyway was given."""

    def __init__(self, problems: list[checks.Problem]):
        super().__init__(
            _("The roster has %(count)s problems. Fix them, or publish anyway and say why.", count=len(problems)),
            extra={"problems": [p.message for p in problems]},
        )
        self.problems = problems


# --- small parsers shared by the forms ---------------------------------------------------------------

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
    raise InvalidInput(_("%(field)s must be a time such as 08:00.", field=field), field=field)


def parse_day(value: str, *, field: str = "date") -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(_("%(field)s must be a date such as 2026-11-23.", field=field), field=field) from None


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


# --- shifts ------------------------------------------------------------------------------------------

def get_shift(*, session: Session, shift_id: int) -> Shift:
    shift = session.get(Shift, shift_id)
    if shift is None:
        raise NotFound(_("There is no shift %(id)s; it may have been deleted.", id=shift_id))
    return shift


def shifts_between(*, session: Session, start: datetime, end: datetime, line_id: int | None = None) -> list[Shift]:
    query = select(Shift).where(Shift.starts_at < end, Shift.ends_at > start)
    if line_id is not None:
        query = query.where(Shift.line_id == line_id)
    return list(session.exec(query.order_by(Shift.starts_at, Shift.id)))


def update_shift(*, session: Session, shift_id: int, day: date, start: time, end: time, seats: int,
                 supervisor_required: bool) -> tuple[Shift, list[checks.Problem]]:
    shift = get_shift(session=session, shift_id=shift_id)
    line = get_line(session=session, line_id=shift.line_id)
    if start == end:
        raise InvalidInput(_("A shift must end after it starts; for a 24-hour shift use two shifts."), field="end")
    if not 0 <= seats <= 50:
        raise InvalidInput(_("Seats must be between 0 and 50."), field="seats")
    shift.starts_at, shift.ends_at = span(day, start, end, line_zone(line))
    shift.seats, shift.supervisor_required = seats, supervisor_required
    session.add(shift)
    session.commit()
    return shift, problems_for_shift(session=session, shift=shift)


class ShiftHasPeople(Conflict):
    """Deleting a shift would take people off it: refused until the coordinator confirms, naming them."""


def delete_shift(*, session: Session, shift_id: int, people_confirmed: bool = False) -> Shift:
    """Delete a shift. With people on it, only when confirmed: they are taken off, and open swap requests
    for it are refused when answered (the shift no longer exists)."""
    shift = get_shift(session=session, shift_id=shift_id)
    on_it = assignments_for(session=session, shift_ids=[shift.id])[shift.id]
    if on_it and not people_confirmed:
        raise ShiftHasPeople(_("On this shift: %(names)s. Deleting it takes them off; tick the box to confirm.",
                               names=", ".join(user.display_name for _a, user in on_it)))
    session.delete(shift)
    session.commit()
    return shift


# --- people ------------------------------------------------------------------------------------------

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


# --- the checks, on the data in the database ---------------------------------------------------------

def _week_of(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    local = moment.astimezone(tz).date()
    monday = local - timedelta(days=local.weekday())
    return local_moment(monday, time(0), tz), local_moment(monday + timedelta(days=7), time(0), tz)


def build_roster(*, session: Session, start: datetime, end: datetime, tz: ZoneInfo,
                 lines: list[Line] | None = None) -> checks.Roster:
    """Every line's shifts around [start, end) — whole weeks and a day either side, so weekly hours and
    rest between shifts are judged on everything that counts — as plain data for the checks."""
    load_start = _week_of(start, tz)[0] - timedelta(days=1)
    load_end = _week_of(end - timedelta(seconds=1), tz)[1] + timedelta(days=1)
    shifts = shifts_between(session=session, start=load_start, end=load_end)
    ids = [s.id for s in shifts]
    assignments = list(session.exec(select(Assignment).where(col(Assignment.shift_id).in_(ids)))) if ids else []
    user_ids = {a.user_id for a in assignments}
    people = {u.id: u.display_name for u in session.exec(select(User).where(col(User.id).in_(user_ids)))} \
        if user_ids else {}
    absences = list(session.exec(select(TimeOff).where(col(TimeOff.user_id).in_(user_ids),
                                                       TimeOff.starts_at < load_end, TimeOff.ends_at > load_start))) \
        if user_ids else []
    all_lines = {line.id: line for line in list_lines(session=session)}
    checked = lines if lines is not None else list(all_lines.values())
    return checks.Roster(
        shifts=tuple(checks.ShiftSlot(s.id, s.line_id, s.starts_at, s.ends_at, s.seats, s.supervisor_required)
                     for s in shifts),
        placements=tuple(checks.Placement(a.shift_id, a.user_id, a.role) for a in assignments),
        absences=tuple(checks.Absence(t.user_id, t.starts_at, t.ends_at) for t in absences),
        open_hours={line.id: open_intervals(line, start, end) for line in checked},
        people=people, lines={i: line.name for i, line in all_lines.items()}, tz=tz,
    )


def problems_between(*, session: Session, line: Line, start: datetime, end: datetime) -> list[checks.Problem]:
    """Problems touching this line's shifts or open hours in [start, end), or its people's load."""
    roster = build_roster(session=session, start=start, end=end, tz=line_zone(line), lines=[line])
    mine = {s.id for s in roster.shifts if s.line_id == line.id}
    found = checks.check_roster(roster, get_limits(session=session))
    return [p for p in found if p.starts_at < end and p.ends_at > start
            and (p.line_id == line.id or mine.intersection(p.shift_ids))]


def problems_for_shift(*, session: Session, shift: Shift) -> list[checks.Problem]:
    line = get_line(session=session, line_id=shift.line_id)
    week_start, week_end = _week_of(shift.starts_at, line_zone(line))
    return [p for p in problems_between(session=session, line=line, start=week_start, end=week_end)
            if shift.id in p.shift_ids]


# --- assigning ---------------------------------------------------------------------------------------

def assign(*, session: Session, actor: User, shift_id: int, user_id: int,
           role: str = ShiftRole.counsellor) -> tuple[Assignment, list[checks.Problem]]:
    """Put someone on a shift. Refused when it would book them twice at once; any other problem the
    checks find is returned for the page to show (publishing will ask about it)."""
    shift = get_shift(session=session, shift_id=shift_id)
    try:
        role = ShiftRole(role)
    except ValueError:
        raise InvalidInput(_("Choose counsellor or supervisor on call."), field="role") from None
    person = session.get(User, user_id)
    if person is None or not person.is_active:
        raise NotFound(_("There is no active user %(id)s.", id=user_id))
    needed = Role.supervisor if role == ShiftRole.supervisor else Role.counsellor
    if not person.has_any(needed, Role.supervisor):
        raise InvalidInput(_("%(name)s is not a %(role)s.", name=person.display_name, role=role.label))
    if session.exec(select(Assignment).where(Assignment.shift_id == shift.id, Assignment.user_id == person.id)).first():
        raise Conflict(_("%(name)s is already on this shift.", name=person.display_name))
    clash = session.exec(
        select(Shift).join(Assignment, col(Assignment.shift_id) == Shift.id)
        .where(Assignment.user_id == person.id, Shift.starts_at < shift.ends_at, Shift.ends_at > shift.starts_at)
    ).first()
    if clash is not None:
        line = get_line(session=session, line_id=clash.line_id)
        raise Conflict(_("%(name)s is already on %(line)s at that time (%(start)s–%(end)s).",
                         name=person.display_name, line=line.name,
                         start=clash.starts_at.astimezone(line_zone(line)).strftime("%m-%d %H:%M"),
                         end=clash.ends_at.astimezone(line_zone(line)).strftime("%m-%d %H:%M")))
    assignment = Assignment(shift_id=shift.id, user_id=person.id, role=role, assigned_by_id=actor.id)
    session.add(assignment)
    session.commit()
    session.refresh(assignment)
    return assignment, problems_for_shift(session=session, shift=shift)


def unassign(*, session: Session, assignment_id: int) -> tuple[Shift, list[checks.Problem]]:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(_("That person is no longer on this shift."))
    shift = get_shift(session=session, shift_id=assignment.shift_id)
    session.delete(assignment)
    session.commit()
    return shift, problems_for_shift(session=session, shift=shift)


def assignments_for(*, session: Session, shift_ids) -> dict[int, list[tuple[Assignment, User]]]:
    ids = list(shift_ids)
    found: dict[int, list[tuple[Assignment, User]]] = {i: [] for i in ids}
    if ids:
        rows = session.exec(select(Assignment, User).join(User, col(User.id) == Assignment.user_id)
                            .where(col(Assignment.shift_id).in_(ids)).order_by(Assignment.role, User.display_name))
        for assignment, user in rows:
            found[assignment.shift_id].append((assignment, user))
    return found


@dataclass
class Candidate:
    user: User
    hours_this_week: float
    available: bool | None
    on_time_off: bool
    busy_elsewhere: bool
    skills: list[str]
    is_supervisor: bool


def candidates(*, session: Session, shift: Shift) -> list[Candidate]:
    """Who could take this shift, with what the coordinator needs to choose: hours already this week,
    availability, time off, skills. People who can take it come first, then by fewest hours."""
    line = get_line(session=session, line_id=shift.line_id)
    tz = line_zone(line)
    week_start, week_end = _week_of(shift.starts_at, tz)
    roster = build_roster(session=session, start=week_start, end=week_end, tz=tz, lines=[])
    hours = checks.hours_by_user(roster, week_start, week_end)
    people = staff(session=session)
    ids = [p.id for p in people]
    windows = availability_of(session=session, user_ids=ids)
    profile = profiles(session=session, user_ids=ids)
    on_shift = {p.user_id for p in roster.placements if p.shift_id == shift.id}
    by_id = {s.id: s for s in roster.shifts}
    busy = {p.user_id for p in roster.placements
            if by_id[p.shift_id].starts_at < shift.ends_at and by_id[p.shift_id].ends_at > shift.starts_at}
    off = {a.user_id for a in session.exec(select(TimeOff).where(TimeOff.starts_at < shift.ends_at,
                                                                 TimeOff.ends_at > shift.starts_at))}
    found = [Candidate(person, round(hours.get(person.id, 0.0), 1), is_available(windows.get(person.id, []), shift, tz),
                       person.id in off, person.id in busy, profile[person.id].skills if person.id in profile else [],
                       Role.supervisor in person.roles)
             for person in people if person.id not in on_shift]
    found.sort(key=lambda c: (c.busy_elsewhere or c.on_time_off, c.available is False, c.hours_this_week,
                              c.user.display_name))
    return found


# --- publishing --------------------------------------------------------------------------------------

def publish(*, session: Session, actor: User, line_id: int, start: datetime, end: datetime,
            reason: str = "") -> RosterPublication:
    """Publish [start, end) of a line. With problems, only with a reason to publish anyway."""
    line = get_line(session=session, line_id=line_id)
    if end <= start:
        raise InvalidInput(_("The period to publish must end after it starts."))
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise InvalidInput(_("The reason is too long: at most %(max)s characters.", max=1000), field="reason")
    problems = problems_between(session=session, line=line, start=start, end=end)
    if problems and not reason:
        raise RosterHasProblems(problems)
    shifts = shifts_between(session=session, start=start, end=end, line_id=line.id)
    if not shifts:
        raise InvalidInput(_("There are no shifts to publish in this period; generate them first."))
    for shift in shifts:
        shift.status = ShiftStatus.published
        session.add(shift)
    publication = RosterPublication(line_id=line.id, period_start=start, period_end=end, published_by_id=actor.id,
                                    problem_count=len(problems), reason=reason if problems else None)
    session.add(publication)
    session.commit()
    session.refresh(publication)
    return publication


def publications(*, session: Session, line_id: int, limit: int = 10) -> list[RosterPublication]:
    return list(session.exec(select(RosterPublication).where(RosterPublication.line_id == line_id)
                             .order_by(col(RosterPublication.published_at).desc()).limit(limit)))
