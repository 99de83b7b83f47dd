"""Roster checks: pure functions over plain data, each problem naming the people and the hours.

Nothing here touches the database or the web; `assigning.py` builds a `Roster` from the tables and runs
`check_roster` on every change and before publishing. Times are UTC-aware; messages show them in the
roster's timezone and are translated in the language of whoever is reading.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from hotline.i18n import _

COUNSELLOR = "counsellor"
SUPERVISOR = "supervisor"
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class ShiftSlot:
    id: int
    line_id: int
    starts_at: datetime
    ends_at: datetime
    seats: int = 2
    supervisor_required: bool = False


@dataclass(frozen=True)
class Placement:
    shift_id: int
    user_id: int
    role: str = COUNSELLOR  # counsellor | supervisor (the role on this shift)


@dataclass(frozen=True)
class Absence:
    user_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Limits:
    max_hours_per_week: float = 40
    max_consecutive_hours: float = 12
    min_rest_hours: float = 8


@dataclass(frozen=True)
class Roster:
    shifts: tuple[ShiftSlot, ...] = ()
    placements: tuple[Placement, ...] = ()
    absences: tuple[Absence, ...] = ()
    # line id -> the UTC intervals in which that line is open (and so needs a supervisor on call)
    open_hours: dict[int, tuple[tuple[datetime, datetime], ...]] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)
    lines: dict[int, str] = field(default_factory=dict)
    tz: tzinfo = UTC


@dataclass(frozen=True)
class Problem:
    # no_shift | double_booked | understaffed | no_supervisor | over_week | over_consecutive | short_rest | time_off
    kind: str
    message: str
    starts_at: datetime
    ends_at: datetime
    user_ids: tuple[int, ...] = ()
    shift_ids: tuple[int, ...] = ()
    line_id: int | None = None


KINDS = ("no_shift", "double_booked", "understaffed", "no_supervisor", "over_week", "over_consecutive", "short_rest",
         "time_off")


# --- formatting --------------------------------------------------------------------------------------

def _when(start: datetime, end: datetime, tz: tzinfo) -> str:
    """'11-23 08:00–14:00', '11-23 20:00–24:00', or both dates when the span runs past midnight."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    first = local_start.strftime("%m-%d %H:%M")
    if local_end.date() == local_start.date():
        return f"{first}–{local_end.strftime('%H:%M')}"
    if local_end.date() == local_start.date() + timedelta(days=1) and local_end.strftime("%H:%M") == "00:00":
        return f"{first}–24:00"
    return f"{first}–{local_end.strftime('%m-%d %H:%M')}"


def _name(roster: Roster, user_id: int) -> str:
    return roster.people.get(user_id, f"#{user_id}")


def _line(roster: Roster, line_id: int) -> str:
    return roster.lines.get(line_id, f"#{line_id}")


def _hours(value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    return f"{hours:g}" if hours == int(hours) else f"{hours:.1f}"


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def _shifts_by_user(roster: Roster) -> dict[int, list[ShiftSlot]]:
    by_id = {shift.id: shift for shift in roster.shifts}
    mine: dict[int, list[ShiftSlot]] = defaultdict(list)
    for placement in roster.placements:
        shift = by_id.get(placement.shift_id)
        if shift is not None and shift not in mine[placement.user_id]:
            mine[placement.user_id].append(shift)
    for shifts in mine.values():
        shifts.sort(key=lambda s: (s.starts_at, s.ends_at, s.id))
    return mine


# --- the checks --------------------------------------------------------------------------------------

def double_bookings(roster: Roster) -> list[Problem]:
    """Anyone on two shifts at the same time, on the same line or on different lines."""
    problems = []
    for user_id, shifts in sorted(_shifts_by_user(roster).items()):
        for index, first in enumerate(shifts):
            for second in shifts[index + 1:]:
                if second.starts_at >= first.ends_at:
                    break
                start, end = max(first.starts_at, second.starts_at), min(first.ends_at, second.ends_at)
                problems.append(Problem(
                    "double_booked",
                    _("%(name)s is on two shifts at once, %(when)s: %(first)s %(first_when)s and "
                      "%(second)s %(second_when)s.",
                      name=_name(roster, user_id), when=_when(start, end, roster.tz),
                      first=_line(roster, first.line_id), first_when=_when(first.starts_at, first.ends_at,
                                                                            roster.tz),
                      second=_line(roster, second.line_id), second_when=_when(second.starts_at, second.ends_at,
                                                                               roster.tz)),
                    start, end, (user_id,), (first.id, second.id), first.line_id))
    return problems


def understaffed(roster: Roster) -> list[Problem]:
    """Shifts with fewer counsellors than seats."""
    counts: dict[int, int] = defaultdict(int)
    for placement in roster.placements:
        if placement.role == COUNSELLOR:
            counts[placement.shift_id] += 1
    problems = []
    for shift in sorted(roster.shifts, key=lambda s: (s.starts_at, s.id)):
        have = counts[shift.id]
        if have < shift.seats:
            problems.append(Problem(
                "understaffed",
                _("%(line)s %(when)s: %(have)s of %(seats)s counsellor seats filled.",
                  line=_line(roster, shift.line_id), when=_when(shift.starts_at, shift.ends_at, roster.tz),
                  have=have, seats=shift.seats),
                shift.starts_at, shift.ends_at, (), (shift.id,), shift.line_id))
    return problems


def _merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(spans: list[tuple[datetime, datetime]], covered: list[tuple[datetime, datetime]]):
    """The parts of `spans` not inside `covered` (both merged and sorted)."""
    gaps = []
    for start, end in spans:
        cursor = start
        for c_start, c_end in covered:
            if c_end <= cursor or c_start >= end:
                continue
            if c_start > cursor:
                gaps.append((cursor, c_start))
            cursor = max(cursor, c_end)
            if cursor >= end:
                break
        if cursor < end:
            gaps.append((cursor, end))
    return gaps


def nobody_on(roster: Roster) -> list[Problem]:
    """Open hours of a line that no shift covers: nobody at all answers the line then (a week with no
    shifts is one such span, the whole week)."""
    shifts: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for shift in roster.shifts:
        shifts[shift.line_id].append((shift.starts_at, shift.ends_at))
    return [Problem("no_shift", _("%(line)s has no shift %(when)s: nobody is on the line.",
                                  line=_line(roster, line_id), when=_when(start, end, roster.tz)),
                    start, end, (), (), line_id)
            for line_id, start, end in _uncovered(roster, shifts)]


def _uncovered(roster: Roster, covered: dict[int, list[tuple[datetime, datetime]]]):
    """(line, start, end) for each stretch of a line's open hours outside the spans `covered` gives it."""
    for line_id, spans in sorted(roster.open_hours.items()):
        for start, end in _subtract(_merge(spans), _merge(covered[line_id])):
            yield line_id, start, end


def supervisor_gaps(roster: Roster) -> list[Problem]:
    """Open hours of a line with no supervisor on call, and shifts that require one and have none."""
    by_id = {shift.id: shift for shift in roster.shifts}
    on_call: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    supervised: set[int] = set()
    for placement in roster.placements:
        shift = by_id.get(placement.shift_id)
        if shift is not None and placement.role == SUPERVISOR:
            on_call[shift.line_id].append((shift.starts_at, shift.ends_at))
            supervised.add(shift.id)
    problems = []
    for line_id, start, end in _uncovered(roster, on_call):
        problems.append(Problem(
            "no_supervisor",
            _("%(line)s has no supervisor on call %(when)s.", line=_line(roster, line_id),
              when=_when(start, end, roster.tz)),
            start, end, (), tuple(s.id for s in roster.shifts if s.line_id == line_id
                                  and _overlaps(s.starts_at, s.ends_at, start, end)), line_id))
    for shift in sorted(roster.shifts, key=lambda s: (s.starts_at, s.id)):
        if shift.supervisor_required and shift.id not in supervised:
            problems.append(Problem(
                "no_supervisor",
                _("%(line)s %(when)s needs a supervisor on the shift and has none.",
                  line=_line(roster, shift.line_id), when=_when(shift.starts_at, shift.ends_at, roster.tz)),
                shift.starts_at, shift.ends_at, (), (shift.id,), shift.line_id))
    return problems


def _week_start(moment: datetime, tz: tzinfo) -> datetime:
    local = moment.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=tz)


def _blocks(shifts: list[ShiftSlot]) -> list[tuple[datetime, datetime, list[ShiftSlot]]]:
    """Back-to-back or overlapping shifts joined into one stretch of work."""
    blocks: list[tuple[datetime, datetime, list[ShiftSlot]]] = []
    for shift in shifts:
        if blocks and shift.starts_at <= blocks[-1][1]:
            start, end, members = blocks[-1]
            blocks[-1] = (start, max(end, shift.ends_at), [*members, shift])
        else:
            blocks.append((shift.starts_at, shift.ends_at, [shift]))
    return blocks


def workload(roster: Roster, limits: Limits) -> list[Problem]:
    """Too many hours in a week (Monday to Sunday in the roster's timezone), too long at a stretch,
    too little rest between stretches."""
    problems = []
    for user_id, shifts in sorted(_shifts_by_user(roster).items()):
        name = _name(roster, user_id)
        weeks: dict[datetime, timedelta] = defaultdict(timedelta)
        week_shifts: dict[datetime, list[int]] = defaultdict(list)
        for start, end, _members in _blocks(shifts):
            cursor = start
            while cursor < end:
                week = _week_start(cursor, roster.tz)
                week_end = (week + timedelta(days=7)).astimezone(UTC)  # wall-clock week, DST-safe
                part_end = min(end, week_end)
                weeks[week] += part_end - cursor
                week_shifts[week].extend(s.id for s in _members if _overlaps(s.starts_at, s.ends_at, cursor,
                                                                              part_end))
                cursor = part_end
        for week, total in sorted(weeks.items()):
            if total > timedelta(hours=limits.max_hours_per_week):
                week_end = week + timedelta(days=7)
                problems.append(Problem(
                    "over_week",
                    _("%(name)s works %(hours)s hours in the week of %(week)s (limit %(limit)s).",
                      name=name, hours=_hours(total), week=week.strftime("%Y-%m-%d"),
                      limit=_hours(timedelta(hours=limits.max_hours_per_week))),
                    week.astimezone(UTC), week_end.astimezone(UTC), (user_id,),
                    tuple(dict.fromkeys(week_shifts[week])), None))
        blocks = _blocks(shifts)
        for start, end, members in blocks:
            if end - start > timedelta(hours=limits.max_consecutive_hours):
                problems.append(Problem(
                    "over_consecutive",
                    _("%(name)s works %(hours)s hours without a break, %(when)s (limit %(limit)s).",
                      name=name, hours=_hours(end - start), when=_when(start, end, roster.tz),
                      limit=_hours(timedelta(hours=limits.max_consecutive_hours))),
                    start, end, (user_id,), tuple(s.id for s in members), members[0].line_id))
        for (_s, before_end, before), (after_start, _e, after) in zip(blocks, blocks[1:], strict=False):
            rest = after_start - before_end
            if rest < timedelta(hours=limits.min_rest_hours):
                problems.append(Problem(
                    "short_rest",
                    _("%(name)s has only %(hours)s hours of rest between %(when)s (minimum %(limit)s).",
                      name=name, hours=_hours(rest), when=_when(before_end, after_start, roster.tz),
                      limit=_hours(timedelta(hours=limits.min_rest_hours))),
                    before_end, after_start, (user_id,), (before[-1].id, after[0].id), after[0].line_id))
    return problems


def time_off_conflicts(roster: Roster) -> list[Problem]:
    """Anyone placed on a shift while they have time off."""
    problems = []
    mine = _shifts_by_user(roster)
    for absence in sorted(roster.absences, key=lambda a: (a.user_id, a.starts_at)):
        for shift in mine.get(absence.user_id, ()):
            if _overlaps(shift.starts_at, shift.ends_at, absence.starts_at, absence.ends_at):
                problems.append(Problem(
                    "time_off",
                    _("%(name)s has time off %(off)s but is on %(line)s %(when)s.",
                      name=_name(roster, absence.user_id), off=_when(absence.starts_at, absence.ends_at, roster.tz),
                      line=_line(roster, shift.line_id), when=_when(shift.starts_at, shift.ends_at, roster.tz)),
                    max(shift.starts_at, absence.starts_at), min(shift.ends_at, absence.ends_at),
                    (absence.user_id,), (shift.id,), shift.line_id))
    return problems


def check_roster(roster: Roster, limits: Limits | None = None) -> list[Problem]:
    """Every check, in a stable order: by time, then kind."""
    limits = limits or Limits()
    found = (nobody_on(roster) + double_bookings(roster) + understaffed(roster) + supervisor_gaps(roster)
             + workload(roster, limits) + time_off_conflicts(roster))
    return sorted(found, key=lambda p: (p.starts_at, KINDS.index(p.kind), p.user_ids, p.shift_ids))


def hours_by_user(roster: Roster, start: datetime, end: datetime) -> dict[int, float]:
    """Hours each person is placed on shifts within [start, end) — for the assignment list."""
    totals: dict[int, float] = defaultdict(float)
    for user_id, shifts in _shifts_by_user(roster).items():
        for block_start, block_end, _members in _blocks(shifts):
            overlap = min(block_end, end) - max(block_start, start)
            if overlap > timedelta(0):
                totals[user_id] += overlap.total_seconds() / 3600
    return dict(totals)
