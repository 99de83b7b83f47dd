"""A line's week as the coordinator's grid shows it: the shifts, who sits in them, the checks' problems, and
for each hour of each day whether it is covered ("ok"), short ("gap": fewer counsellors than seats, no
shift, or no supervisor while open) or "closed"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlmodel import Session

from hotline.roster import checks
from hotline.roster.assigning import problems_between
from hotline.roster.lines import open_intervals
from hotline.roster.models import Assignment, Line, Shift, ShiftRole
from hotline.roster.shifts import assignments_for, shifts_between
from hotline.roster.times import line_zone, local_moment


@dataclass
class Hour:
    counsellors: int
    seats: int
    supervisors: int
    state: str  # "ok", "gap" or "closed"


@dataclass
class Week:
    monday: date
    days: list[date]
    shifts: list[Shift]
    seated: dict[int, list[tuple[Assignment, object]]]
    problems: list[checks.Problem]
    flagged: set[int]  # shifts some problem names
    grid: list[list[Hour]]  # 24 rows (hours) of 7 days


def hour_state(*, is_open: bool, shifts_here: int, counsellors: int, seats: int, supervisors: int) -> str:
    if not is_open and not shifts_here:
        return "closed"
    return "gap" if counsellors < seats or not shifts_here or not supervisors else "ok"


def week_of(*, session: Session, line: Line, monday: date) -> Week:
    tz = line_zone(line)
    week_start = local_moment(monday, time(0), tz)
    week_end = local_moment(monday + timedelta(days=7), time(0), tz)
    shifts = shifts_between(session=session, start=week_start, end=week_end, line_id=line.id)
    seated = assignments_for(session=session, shift_ids=[s.id for s in shifts])
    problems = problems_between(session=session, line=line, start=week_start, end=week_end)
    days = [monday + timedelta(days=i) for i in range(7)]
    open_spans = open_intervals(line, week_start, week_end)
    grid = []
    for hour in range(24):
        row = []
        for day in days:
            moment = local_moment(day, time(hour), tz)
            here = [s for s in shifts if s.starts_at <= moment < s.ends_at]
            roles = [a.role for s in here for a, _user in seated[s.id]]
            counsellors, supervisors = roles.count(ShiftRole.counsellor), roles.count(ShiftRole.supervisor)
            seats = sum(s.seats for s in here)
            is_open = any(a <= moment < b for a, b in open_spans)
            row.append(Hour(counsellors, seats, supervisors, hour_state(
                is_open=is_open, shifts_here=len(here), counsellors=counsellors, seats=seats,
                supervisors=supervisors)))
        grid.append(row)
    return Week(monday, days, shifts, seated, problems, {sid for p in problems for sid in p.shift_ids}, grid)
