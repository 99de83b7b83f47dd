"""The line's work counted in the database: every figure here is one GROUP BY, never rows loaded into Python.

Days and hours are the line's wall clock (settings timezone), not UTC: `LocalClock` turns a stored UTC
column into a local date or hour on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from hotline.accounts.models import User
from hotline.calls.choices import CallStatus
from hotline.calls.models import Call, DestinationGiven
from hotline.errors import InvalidInput
from hotline.fields import field_label
from hotline.i18n import _
from hotline.referrals.models import CallReview, Destination, FollowUp, FollowUpStatus, Referral
from hotline.roster.models import Line
from hotline.screening.service import distress_fell_share

MAX_DAYS = 5 * 366  # "over 5 years" is refused; leap days are not the reader's problem
LEVELS = ("none", "low", "moderate", "high", "imminent")
REFERRAL_LEVELS = ("moderate", "high", "imminent")
HEAVY_LEVELS = ("high", "imminent")
# Call length bands in minutes: [low, high) — the last has no upper bound.
LENGTH_BANDS = ((0, 5), (5, 15), (15, 30), (30, 60), (60, None))  # multiples of 5: see dashboard()
EPOCH = date(1970, 1, 1)


# --- the period asked for -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """First and last day (inclusive, line's calendar) and an optional line name."""

    first: date
    last: date
    line: str | None = None

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC moments the period starts and ends (end exclusive)."""
        return (datetime.combine(self.first, time.min, tz).astimezone(UTC),
                datetime.combine(self.last + timedelta(days=1), time.min, tz).astimezone(UTC))

    def query(self) -> str:
        """The filters as a URL query, for links to exports of the same period."""
        values = {"start": self.first.isoformat(), "end": self.last.isoformat()}
        return urlencode(values | ({"line": self.line} if self.line else {}))


def _parse_day(value: str, field_name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("%(field)s is not a date (use YYYY-MM-DD).", field=field_label(field_name)),
                           field=field_name) from None


def line_names(*, session: Session) -> list[str]:
    """The lines a report can be narrowed to: the roster's lines."""
    return list(session.exec(select(Line.name).order_by(Line.name)).scalars())


def parse_period(*, session: Session, start: str | None, end: str | None, line: str | None, today: date,
                 default_days: int = 30) -> Period:
    """Read the filters of a report; anything wrong is a 422 that says what."""
    last = _parse_day(end, "end") if end else today
    first = _parse_day(start, "start") if start else last - timedelta(days=default_days - 1)
    if first > last:
        raise InvalidInput(_("The start date is after the end date."), field="start")
    if last > today:
        raise InvalidInput(_("The end date is in the future; choose today or earlier."), field="end")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(_("Choose at most 5 years at a time."), field="start")
    line = (line or "").strip() or None
    if line is not None and line not in line_names(session=session):
        raise InvalidInput(_("Unknown line: %(line)s", line=line[:80]), field="line")
    return Period(first, last, line)


def parse_month(value: str | None, *, today: date) -> tuple[date, date]:
    """'2026-11' → first and last day of that month (today's month when empty); not in the future."""
    if not value:
        first = today.replace(day=1)
    else:
        try:
            first = datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            raise InvalidInput(_("%(field)s is not a month (use YYYY-MM).", field=field_label("month")),
                               field="month") from None
    if first > today:
        raise InvalidInput(_("That month has not started yet."), field="month")
    if first.year < today.year - 5:
        raise InvalidInput(_("Choose at most 5 years at a time."), field="month")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


# --- the line's clock in SQL -----------------------------------------------------------------------------

class LocalClock:
    """Local dates and hours of UTC columns, in SQL, for one dialect and one timezone.

    PostgreSQL converts with `timezone(zone, column)`. SQLite has no zone database, so the offsets in
    force over the period (one, or one per clock change) are computed here and applied with a CASE."""

    def __init__(self, dialect: str, tz: ZoneInfo, since: datetime, until: datetime):
        self.dialect = dialect
        self.tz = tz
        self.changes = _offset_changes(tz, since, until)

    def _sqlite_modifier(self, column) -> ColumnElement:
        modifiers = [(at, f"{minutes:+d} minutes") for at, minutes in self.changes]
        if len(modifiers) == 1:
            return literal(modifiers[0][1])
        # Each change applies from its moment on: test the latest first.
        return case(*[(column >= at, text) for at, text in reversed(modifiers[1:])], else_=modifiers[0][1])

    def local(self, column) -> ColumnElement:
        if self.dialect == "postgresql":
            return func.timezone(self.tz.key, column)
        return func.datetime(column, self._sqlite_modifier(column))

    def day(self, column) -> ColumnElement:
        if self.dialect == "postgresql":
            return cast(self.local(column), Date)
        return func.date(column, self._sqlite_modifier(column))

    def hour_number(self, column) -> ColumnElement:
        """Whole local hours since 1970-01-01 00:00 local: one integer gives both the day and the hour."""
        if self.dialect == "postgresql":
            return cast(func.floor(func.extract("epoch", self.local(column)) / 3600), Integer)
        offsets = [(at, minutes * 60) for at, minutes in self.changes]
        offset = literal(offsets[0][1]) if len(offsets) == 1 else case(
            *[(column >= at, seconds) for at, seconds in reversed(offsets[1:])], else_=offsets[0][1])
        return (cast(func.strftime("%s", column), Integer) + offset) // 3600

    def seconds_between(self, start, end) -> ColumnElement:
        if self.dialect == "postgresql":
            return func.extract("epoch", end - start)
        return (func.julianday(end) - func.julianday(start)) * 86400.0


def _offset_changes(tz: ZoneInfo, since: datetime, until: datetime) -> list[tuple[datetime, int]]:
    """(moment, UTC offset in minutes) for the start and each clock change between since and until."""
    moment = since.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    changes: list[tuple[datetime, int]] = []
    while moment <= until + timedelta(hours=1):
        offset = int(moment.astimezone(tz).utcoffset().total_seconds() // 60)
        if not changes or changes[-1][1] != offset:
            changes.append((moment, offset))
        moment += timedelta(hours=1)
    return changes


def length_band(minutes: float) -> int:
    """Which of LENGTH_BANDS a call of `minutes` falls in."""
    return next(index for index, (_low, high) in enumerate(LENGTH_BANDS) if high is None or minutes < high)


def as_day(value) -> date:
    """SQLite answers dates as text, PostgreSQL as dates."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- the dashboard ---------------------------------------------------------------------------------------

@dataclass
class Dashboard:
    period: Period
    calls: int = 0
    per_day: list[tuple[date, int]] = field(default_factory=list)
    per_hour_of_week: list[list[int]] = field(default_factory=list)  # [weekday Monday first][hour]
    by_group: list[tuple[str, int]] = field(default_factory=list)
    by_concern: list[tuple[str, int]] = field(default_factory=list)
    by_level: list[tuple[str, int]] = field(default_factory=list)
    average_minutes: float | None = None
    by_length: list[tuple[int, int]] = field(default_factory=list)  # (index into LENGTH_BANDS, calls)
    repeat_calls: int = 0
    referrals: list[dict] = field(default_factory=list)  # per level: opened, closed, on_time
    follow_ups: dict[str, int] = field(default_factory=dict)
    # Calls whose caller's distress was rated at least twice, and those whose last rating was lower
    # than the first: the one outcome figure a line has about how callers leave the call.
    distress_rated: int = 0
    distress_fell: int = 0

    @property
    def repeat_share(self) -> float | None:
        return self.repeat_calls / self.calls if self.calls else None

    @property
    def distress_fell_share(self) -> float | None:
        return self.distress_fell / self.distress_rated if self.distress_rated else None


def finished_calls_in(period: Period, since: datetime, until: datetime, counsellor_id: int | None = None):
    """The condition for finalised calls started in the period (and on its line, and by one counsellor)."""
    conditions = [Call.status == CallStatus.finalised, Call.started_at >= since, Call.started_at < until]
    if period.line:
        conditions.append(Call.line == period.line)
    if counsellor_id is not None:
        conditions.append(Call.counsellor_id == counsellor_id)
    return and_(*conditions)


def _level():
    return func.coalesce(Call.override_level, Call.engine_level)


def _concern_rows(session: Session, dialect: str, where) -> list[tuple[str, int]]:
    """Concerns are a JSON list per call: unnest it in the database."""
    unnest = func.json_array_elements_text if dialect == "postgresql" else func.json_each
    concern = unnest(Call.concerns).table_valued("value").alias("concern")
    statement = (select(concern.c.value, func.count()).select_from(Call).join(concern, literal(True))
                 .where(where).group_by(concern.c.value))
    return [(str(value), int(count)) for value, count in session.execute(statement)]


def dashboard(*, session: Session, period: Period, tz: ZoneInfo, now: datetime | None = None) -> Dashboard:
    since, until = period.bounds(tz)
    dialect = session.get_bind().dialect.name
    clock = LocalClock(dialect, tz, since, until)
    where = finished_calls_in(period, since, until)
    result = Dashboard(period)

    # Calls per local hour in one pass; per day and per hour of the week are sums of it.
    hour_number = clock.hour_number(Call.started_at)
    per_day: dict[date, int] = {}
    week = [[0] * 24 for _day in range(7)]
    for number, count in session.execute(select(hour_number, func.count()).where(where).group_by(hour_number)):
        local_day = EPOCH + timedelta(days=int(number) // 24)
        per_day[local_day] = per_day.get(local_day, 0) + count
        week[local_day.weekday()][int(number) % 24] += count
    result.per_day = [(period.first + timedelta(days=i), per_day.get(period.first + timedelta(days=i), 0))
                      for i in range(period.days)]
    result.per_hour_of_week = week
    result.calls = sum(per_day.values())

    # Caller group, level and length in a second pass; length in 5-minute steps (capped at an hour), so the
    # database works out each call's length once and the bands are sums of the steps.
    seconds = clock.seconds_between(Call.started_at, Call.ended_at)
    step = func.min(cast(seconds / 300, Integer), 12) if dialect == "sqlite" else func.least(
        cast(func.floor(seconds / 300), Integer), 12)
    group = func.coalesce(Call.caller_group, "not_recorded")
    groups: dict[str, int] = {}
    levels: dict[str, int] = {}
    bands: dict[int, int] = {}
    timed_calls, timed_seconds = 0, 0.0
    for caller_group, level, length_step, count, total_seconds in session.execute(
            select(group, _level(), step, func.count(), func.sum(seconds)).where(where)
            .group_by(group, _level(), step)):
        groups[caller_group] = groups.get(caller_group, 0) + count
        levels[level] = levels.get(level, 0) + count
        if length_step is not None:  # no end time, no length
            index = length_band(int(length_step) * 5)
            bands[index] = bands.get(index, 0) + count
            timed_calls += count
            timed_seconds += float(total_seconds or 0)
    result.by_group = sorted(groups.items(), key=lambda item: (-item[1], item[0]))
    result.by_level = [(level, levels.get(level, 0)) for level in LEVELS]
    result.by_length = [(index, bands.get(index, 0)) for index in range(len(LENGTH_BANDS))]
    result.average_minutes = round(timed_seconds / timed_calls / 60, 1) if timed_calls else None
    result.by_concern = sorted(_concern_rows(session, dialect, where), key=lambda item: (-item[1], item[0]))

    # A repeat call: one from a caller who called more than once in the period.
    repeaters = (select(Call.caller_id, func.count().label("calls")).where(where, col(Call.caller_id).is_not(None))
                 .group_by(Call.caller_id).having(func.count() > 1).subquery())
    result.repeat_calls = int(session.execute(select(func.coalesce(func.sum(repeaters.c.calls), 0))).scalar_one())

    result.distress_rated, result.distress_fell = distress_fell_share(session, since, until, line=period.line)
    result.referrals = referral_figures(session=session, period=period, since=since, until=until)
    result.follow_ups = follow_up_figures(session=session, period=period, clock=clock,
                                          today=(now or datetime.now(UTC)).astimezone(tz).date())
    return result


def referrals_in(period: Period, since: datetime, until: datetime):
    """The condition for referrals opened in the period; the query must join their calls (for the line)."""
    conditions = [Referral.opened_at >= since, Referral.opened_at < until]
    if period.line:
        conditions.append(Call.line == period.line)
    return and_(*conditions)


def referral_figures(*, session: Session, period: Period, since: datetime, until: datetime) -> list[dict]:
    """Per level: opened in the period, closed since, acknowledged within the deadline."""
    on_time = and_(col(Referral.acknowledged_at).is_not(None), col(Referral.deadline_at).is_not(None),
                   Referral.acknowledged_at <= Referral.deadline_at)
    statement = (select(Referral.level, func.count(), func.count(Referral.closed_at),
                        func.sum(case((on_time, 1), else_=0)))
                 .select_from(Referral).join(Call, col(Call.id) == Referral.call_id)
                 .where(referrals_in(period, since, until)).group_by(Referral.level))
    found = {level: (opened, closed, int(acked or 0)) for level, opened, closed, acked in session.execute(statement)}
    rows = []
    for level in REFERRAL_LEVELS:
        opened, closed, acked = found.get(level, (0, 0, 0))
        rows.append({"level": level, "opened": opened, "closed": closed, "on_time": acked,
                     "on_time_share": acked / opened if opened else None})
    return rows


FOLLOW_UP_OUTCOMES = ("on_time", "late", "overdue", "cancelled", "not_yet_due")


def follow_up_figures(*, session: Session, period: Period, clock: LocalClock, today: date) -> dict[str, int]:
    """Follow-ups due in the period: done by their day, done later, still open past their day, cancelled."""
    done_day = clock.day(FollowUp.done_at)
    outcome = case(
        (and_(FollowUp.status == FollowUpStatus.done, done_day <= FollowUp.due_on), "on_time"),
        (FollowUp.status == FollowUpStatus.done, "late"),
        (FollowUp.status == FollowUpStatus.cancelled, "cancelled"),
        (FollowUp.due_on < today, "overdue"),
        else_="not_yet_due")
    conditions = [FollowUp.due_on >= period.first, FollowUp.due_on <= period.last]
    statement = select(outcome, func.count()).select_from(FollowUp)
    if period.line:
        statement = (statement.join(Referral, col(Referral.id) == FollowUp.referral_id)
                     .join(Call, col(Call.id) == Referral.call_id))
        conditions.append(Call.line == period.line)
    counts = dict(session.execute(statement.where(*conditions).group_by(outcome)).all())
    return {name: int(counts.get(name, 0)) for name in FOLLOW_UP_OUTCOMES}


# --- a counsellor's month -------------------------------------------------------------------------------

@dataclass
class MyMonth:
    first: date
    last: date
    calls: int
    hours: float
    heavy_calls: int
    reviews: int
    per_day: list[tuple[date, int]]
    by_level: list[tuple[str, int]]


def my_month(*, session: Session, user: User, first: date, last: date, tz: ZoneInfo) -> MyMonth:
    period = Period(first, last)
    since, until = period.bounds(tz)
    dialect = session.get_bind().dialect.name
    clock = LocalClock(dialect, tz, since, until)
    where = finished_calls_in(period, since, until, counsellor_id=user.id)
    seconds = clock.seconds_between(Call.started_at, Call.ended_at)
    day = clock.day(Call.started_at)
    per_day: dict[date, int] = {}
    levels: dict[str, int] = {}
    total_seconds = 0.0
    for local_day, level, count, spent in session.execute(
            select(day, _level(), func.count(), func.sum(seconds)).where(where).group_by(day, _level())):
        per_day[as_day(local_day)] = per_day.get(as_day(local_day), 0) + count
        levels[level] = levels.get(level, 0) + count
        total_seconds += float(spent or 0)
    reviews = session.execute(
        select(func.count()).select_from(CallReview).join(Call, col(Call.id) == CallReview.call_id)
        .where(Call.counsellor_id == user.id, CallReview.at >= since, CallReview.at < until)).scalar_one()
    return MyMonth(first, last, sum(per_day.values()), round(total_seconds / 3600, 1),
                   sum(levels.get(level, 0) for level in HEAVY_LEVELS), int(reviews),
                   [(first + timedelta(days=i), per_day.get(first + timedelta(days=i), 0))
                    for i in range(period.days)],
                   [(level, levels.get(level, 0)) for level in LEVELS])


# --- staffing over a month (from the roster's forecast) --------------------------------------------------

@dataclass
class StaffingDay:
    day: date
    needed_hours: int  # counsellor-hours the forecast asks for
    assigned_hours: int
    short_hours: int  # hours of the day with fewer counsellors than needed


def staffing_month(*, session: Session, line: Line, first: date, last: date, weeks: int = 4) -> list[StaffingDay]:
    from hotline.roster import forecast

    days: dict[date, StaffingDay] = {}
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        hours, _handle, _counted = forecast.forecast(session=session, line=line, week_start=monday, weeks=weeks)
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if first <= day <= last:
                chunk = hours[offset * 24:(offset + 1) * 24]
                days[day] = StaffingDay(day, sum(h.needed for h in chunk), sum(h.assigned for h in chunk),
                                        sum(1 for h in chunk if h.assigned < h.needed))
        monday += timedelta(days=7)
    return [days[day] for day in sorted(days)]


# --- the monthly summary -------------------------------------------------------------------------------

@dataclass
class Summary:
    period: Period
    calls: int
    by_group: list[tuple[str, int]]
    by_concern: list[tuple[str, int]]
    by_level: list[tuple[str, int]]
    referrals: list[dict]
    by_destination: list[tuple[str, int]]
    follow_ups: dict[str, int]
    distress_rated: int = 0
    distress_fell: int = 0
    given: list[tuple[str, int]] = field(default_factory=list)  # places given to callers: calls per place


def summary(*, session: Session, period: Period, tz: ZoneInfo, now: datetime | None = None) -> Summary:
    figures = dashboard(session=session, period=period, tz=tz, now=now)
    since, until = period.bounds(tz)
    destination = func.coalesce(Destination.name, "")
    statement = (select(destination, func.count()).select_from(Referral)
                 .join(Call, col(Call.id) == Referral.call_id)
                 .join(Destination, col(Destination.id) == Referral.destination_id)
                 .where(referrals_in(period, since, until)).group_by(destination))
    destinations = sorted(((str(name), int(count)) for name, count in session.execute(statement)),
                          key=lambda item: (-item[1], item[0]))
    # Places counsellors gave callers during calls (not the same as referrals a supervisor sent onward).
    given = (select(Destination.name, func.count(func.distinct(DestinationGiven.call_id)))
             .select_from(DestinationGiven).join(Call, col(Call.id) == DestinationGiven.call_id)
             .join(Destination, col(Destination.id) == DestinationGiven.destination_id)
             .where(finished_calls_in(period, since, until)).group_by(Destination.name))
    return Summary(period, figures.calls, figures.by_group, figures.by_concern, figures.by_level,
                   figures.referrals, destinations, figures.follow_ups, figures.distress_rated, figures.distress_fell,
                   sorted(((str(name), int(count)) for name, count in session.execute(given)),
                          key=lambda item: (-item[1], item[0])))
