"""The staffing forecast: calls per hour of the week from the line's history, counsellors needed (Erlang C,
staffing.py) beside those assigned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from hotline.calls.models import Call
from hotline.errors import InvalidInput
from hotline.i18n import _
from hotline.roster.lines import open_intervals
from hotline.roster.models import Line, ShiftRole
from hotline.roster.shifts import assignments_for, shifts_between
from hotline.roster.staffing import seats_needed
from hotline.roster.times import line_zone, local_moment

DEFAULT_HANDLE_MINUTES = 35.0  # hotline calls last 25–45 minutes


@dataclass
class ForecastHour:
    weekday: int
    hour: int
    calls_per_hour: float
    needed: int
    assigned: int


def forecast(*, session: Session, line: Line, week_start: date, weeks: int = 4, handle_minutes: float | None = None,
             target_share: float = 0.8, within_seconds: int = 60,
             minimum_seats: int = 2) -> tuple[list[ForecastHour], float, int]:
    """Per hour of the week: the line's calls per hour over the last `weeks` weeks before `week_start`, counsellors
    needed (Erlang C, never fewer than the line's minimum while open), and counsellors assigned that week.
    Returns (hours, handle minutes used, calls counted)."""
    if not 1 <= weeks <= 52:
        raise InvalidInput(_("Look back between 1 and 52 weeks."), field="weeks")
    tz = line_zone(line)
    until = local_moment(week_start, time(0), tz)
    since = until - timedelta(weeks=weeks)
    # This line's calls; calls that name no line (taken before calls carried one) count only on a
    # hotline with a single line, where they can only be its.
    on_line = col(Call.line) == line.name
    if session.exec(select(func.count()).select_from(Line)).one() == 1:
        on_line = or_(on_line, col(Call.line).is_(None))
    calls = list(session.exec(select(Call.started_at, Call.ended_at)
                              .where(Call.started_at >= since, Call.started_at < until, on_line)))
    counts = [[0] * 24 for _day in range(7)]
    durations = []
    for started, ended in calls:
        local = started.astimezone(tz)
        counts[local.weekday()][local.hour] += 1
        if ended is not None and ended > started:
            durations.append((ended - started).total_seconds() / 60)
    if handle_minutes is None:
        handle_minutes = sum(durations) / len(durations) if durations else DEFAULT_HANDLE_MINUTES
    handle_minutes = max(handle_minutes, 1.0)
    week_end = local_moment(week_start + timedelta(days=7), time(0), tz)
    shifts = shifts_between(session=session, start=until, end=week_end, line_id=line.id)
    seated = assignments_for(session=session, shift_ids=[s.id for s in shifts])
    open_spans = open_intervals(line, until, week_end)
    result = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        for hour in range(24):
            moment = local_moment(day, time(hour), tz)
            is_open = any(a <= moment < b for a, b in open_spans)
            rate = counts[day.weekday()][hour] / weeks
            needed = max(seats_needed(rate, handle_minutes, target_share, within_seconds),
                         minimum_seats) if is_open else 0
            assigned = sum(1 for s in shifts if s.starts_at <= moment < s.ends_at
                           for a, _u in seated[s.id] if a.role == ShiftRole.counsellor)
            result.append(ForecastHour(day.weekday(), hour, round(rate, 2), needed, assigned))
    return result, round(handle_minutes, 1), len(calls)


def count_calls(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Call)).one()
