"""Putting people on shifts and publishing them, with the checks run on the data in the database: the roster
around a period built from the tables as plain data for checks.py, the problems of a line or of one shift,
who could take a shift, assigning and unassigning, moving a shift, and publishing a period (refused while
the checks find problems, unless a reason to publish anyway is given)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from hotline.accounts.models import Role, User
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.i18n import _
from hotline.roster import checks
from hotline.roster.lines import get_line, list_lines, open_intervals
from hotline.roster.models import (
    Assignment,
    Line,
    RosterPublication,
    Shift,
    ShiftRole,
    ShiftStatus,
    TimeOff,
)
from hotline.roster.people import availability_of, get_limits, is_available, profiles, staff
from hotline.roster.shifts import assignments_for, get_shift, shifts_between
from hotline.roster.times import line_zone, local_moment, span

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

# Moving a shift lives here rather than in shifts.py: like assigning, it answers with the checks' problems.
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


# --- copying last week -------------------------------------------------------------------------------

@dataclass
class WeekCopy:
    """What copying last week's people did: how many assignments it made, how many were already in place, and
    each one it skipped with the reason (naming the person and the shift)."""

    copied: int = 0
    already: int = 0
    skipped: list[str] = field(default_factory=list)


def _wall_clock(shift: Shift, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return shift.starts_at.astimezone(tz).replace(tzinfo=None), shift.ends_at.astimezone(tz).replace(tzinfo=None)


def copy_last_week(*, session: Session, actor: User, line_id: int, monday: date) -> WeekCopy:
    """Put last week's people on this week's shifts of the line: each on the shift at the same wall-clock
    time (and of the same name, where two share a time), in the same role. Skipped, and said why: people
    no longer active or no longer in that role, on time off, not usually available then, on another shift
    at that time, seats already full, and a second supervisor where one is on call already. Whoever is on a
    shift already stays; copying twice adds nothing."""
    line = get_line(session=session, line_id=line_id)
    tz = line_zone(line)
    this_start = local_moment(monday, time(0), tz)
    this_end = local_moment(monday + timedelta(days=7), time(0), tz)
    last_start = local_moment(monday - timedelta(days=7), time(0), tz)
    these = shifts_between(session=session, start=this_start, end=this_end, line_id=line.id)
    if not these:
        raise InvalidInput(_("This week has no shifts to copy into; make them from the templates first."))
    last = shifts_between(session=session, start=last_start, end=this_start, line_id=line.id)
    last_people = assignments_for(session=session, shift_ids=[s.id for s in last])
    if not any(last_people.values()):
        raise InvalidInput(_("Last week has nobody on this line's shifts to copy."))

    week = timedelta(days=7)
    targets: dict[tuple, list[Shift]] = {}
    for shift in these:
        targets.setdefault(_wall_clock(shift, tz), []).append(shift)
    on_now = assignments_for(session=session, shift_ids=[s.id for s in these])
    everyone = {a.user_id for placed in (*last_people.values(), *on_now.values()) for a, _u in placed}
    windows = availability_of(session=session, user_ids=everyone)
    off = list(session.exec(select(TimeOff).where(col(TimeOff.user_id).in_(everyone),
                                                  TimeOff.starts_at < this_end, TimeOff.ends_at > this_start)))
    # Everyone's shifts this week on every line, to refuse booking anyone twice at once.
    busy: dict[int, list[Shift]] = {}
    around = {s.id: s for s in shifts_between(session=session, start=this_start - timedelta(days=1),
                                              end=this_end + timedelta(days=1))}
    for shift_id, placed in assignments_for(session=session, shift_ids=list(around)).items():
        for assignment, _user in placed:
            busy.setdefault(assignment.user_id, []).append(around[shift_id])

    report = WeekCopy()
    for old in sorted(last, key=lambda s: (s.starts_at, s.id)):
        when = old.starts_at.astimezone(tz)
        start, end = _wall_clock(old, tz)
        matches = targets.get((start + week, end + week), [])
        target = next((s for s in matches if s.name == old.name), matches[0] if len(matches) == 1 else None)
        label = f"{old.name} {(when + week).strftime('%m-%d %H:%M')}".strip()
        for assignment, person in last_people.get(old.id, []):
            name = person.display_name
            if target is None:
                report.skipped.append(_("%(name)s, %(shift)s: there is no such shift this week.",
                                        name=name, shift=label))
                continue
            if any(a.user_id == person.id for a, _u in on_now.get(target.id, [])):
                report.already += 1
                continue
            needed = Role.supervisor if assignment.role == ShiftRole.supervisor else Role.counsellor
            reason = None
            if not person.is_active:
                reason = _("%(name)s, %(shift)s: no longer active.", name=name, shift=label)
            elif not person.has_any(needed, Role.supervisor):
                reason = _("%(name)s, %(shift)s: no longer a %(role)s.", name=name, shift=label,
                           role=ShiftRole(assignment.role).label)
            elif any(t.user_id == person.id and t.starts_at < target.ends_at and t.ends_at > target.starts_at
                     for t in off):
                reason = _("%(name)s, %(shift)s: on time off.", name=name, shift=label)
            elif is_available(windows.get(person.id, []), target, tz) is False:
                reason = _("%(name)s, %(shift)s: not usually available then.", name=name, shift=label)
            elif any(s.starts_at < target.ends_at and s.ends_at > target.starts_at for s in busy.get(person.id, [])):
                reason = _("%(name)s, %(shift)s: already on another shift at that time.", name=name, shift=label)
            elif assignment.role == ShiftRole.counsellor and sum(
                    1 for a, _u in on_now.get(target.id, []) if a.role == ShiftRole.counsellor) >= target.seats:
                reason = _("%(name)s, %(shift)s: its seats are already filled.", name=name, shift=label)
            elif assignment.role == ShiftRole.supervisor and any(
                    a.role == ShiftRole.supervisor for a, _u in on_now.get(target.id, [])):
                reason = _("%(name)s, %(shift)s: it already has a supervisor on call.", name=name, shift=label)
            if reason:
                report.skipped.append(reason)
                continue
            placed = Assignment(shift_id=target.id, user_id=person.id, role=assignment.role, assigned_by_id=actor.id)
            session.add(placed)
            on_now.setdefault(target.id, []).append((placed, person))
            busy.setdefault(person.id, []).append(target)
            report.copied += 1
    session.commit()
    return report


# --- publishing --------------------------------------------------------------------------------------

class RosterHasProblems(Conflict):
    """Publishing was refused: the checks found problems and no reason to publish anyway was given."""

    def __init__(self, problems: list[checks.Problem]):
        super().__init__(
            _("The roster has %(count)s problems. Fix them, or publish anyway and say why.", count=len(problems)),
            extra={"problems": [p.message for p in problems]},
        )
        self.problems = problems


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
