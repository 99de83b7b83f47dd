"""The roster checks as pure functions: table cases, and properties any generated roster must have."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.roster.checks import (
    SUPERVISOR,
    Absence,
    Limits,
    Placement,
    Roster,
    ShiftSlot,
    check_roster,
    double_bookings,
    hours_by_user,
    nobody_on,
    supervisor_gaps,
    time_off_conflicts,
    understaffed,
    workload,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, tzinfo=SHANGHAI)  # a Monday
PEOPLE = {1: "Li Na", 2: "Wang Wei", 3: "Zhang Min", 9: "Chen Jie (supervisor)"}
LINES = {1: "Hope line", 2: "Student line"}


def at(day: int, hour: float) -> datetime:
    return (MONDAY + timedelta(days=day, hours=hour)).astimezone(UTC)


def shift(id, day, start, hours, line=1, seats=1, supervisor_required=False):
    return ShiftSlot(id, line, at(day, start), at(day, start + hours), seats, supervisor_required)


def roster(shifts, placements, absences=(), open_hours=None):
    return Roster(tuple(shifts), tuple(placements), tuple(absences), open_hours or {}, PEOPLE, LINES, SHANGHAI)


def messages(problems):
    return [p.message for p in problems]


# --- table cases -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("shifts", "placements", "expected"), [
    ([shift(1, 0, 8, 6), shift(2, 0, 14, 6)], [Placement(1, 1), Placement(2, 1)], []),  # back to back is fine
    ([shift(1, 0, 8, 6), shift(2, 0, 12, 6)], [Placement(1, 1), Placement(2, 1)],
     ["Li Na is on two shifts at once, 11-23 12:00–14:00: Hope line 11-23 08:00–14:00 and "
      "Hope line 11-23 12:00–18:00."]),
    ([shift(1, 0, 8, 6), shift(2, 0, 10, 2, line=2)], [Placement(1, 2), Placement(2, 2)],
     ["Wang Wei is on two shifts at once, 11-23 10:00–12:00: Hope line 11-23 08:00–14:00 and "
      "Student line 11-23 10:00–12:00."]),  # across lines
    ([shift(1, 0, 22, 4), shift(2, 1, 1, 2, line=2)], [Placement(1, 3), Placement(2, 3)],
     ["Zhang Min is on two shifts at once, 11-24 01:00–02:00: Hope line 11-23 22:00–11-24 02:00 and "
      "Student line 11-24 01:00–03:00."]),  # across midnight
    ([shift(1, 0, 8, 6), shift(2, 0, 12, 6)], [Placement(1, 1), Placement(2, 2)], []),  # different people
])
def test_double_booking(shifts, placements, expected):
    assert messages(double_bookings(roster(shifts, placements))) == expected


def test_understaffed_counts_counsellors_not_supervisors():
    problems = understaffed(roster([shift(1, 0, 8, 6, seats=2), shift(2, 0, 14, 6, seats=1)],
                                   [Placement(1, 1), Placement(1, 9, SUPERVISOR), Placement(2, 2)]))
    assert messages(problems) == ["Hope line 11-23 08:00–14:00: 1 of 2 counsellor seats filled."]
    assert problems[0].shift_ids == (1,)


def test_no_supervisor_in_open_hours_is_reported_as_one_span_per_gap():
    open_hours = {1: ((at(0, 0), at(1, 0)),)}  # open all Monday
    shifts = [shift(1, 0, 0, 8), shift(2, 0, 8, 8), shift(3, 0, 16, 8)]
    problems = supervisor_gaps(roster(shifts, [Placement(2, 9, SUPERVISOR)], open_hours=open_hours))
    assert messages(problems) == ["Hope line has no supervisor on call 11-23 00:00–08:00.",
                                  "Hope line has no supervisor on call 11-23 16:00–24:00."]
    assert problems[0].shift_ids == (1,) and problems[1].shift_ids == (3,)


def test_open_hours_no_shift_covers_say_nobody_is_on_the_line():
    open_hours = {1: ((at(0, 0), at(7, 0)),)}  # open all week
    assert messages(check_roster(roster([], [], open_hours=open_hours))) == [
        "Hope line has no shift 11-23 00:00–11-30 00:00: nobody is on the line.",
        "Hope line has no supervisor on call 11-23 00:00–11-30 00:00."]
    problems = nobody_on(roster([shift(1, 0, 0, 8), shift(2, 0, 16, 8, line=2)], [],
                                open_hours={1: ((at(0, 0), at(1, 0)),)}))
    assert messages(problems) == ["Hope line has no shift 11-23 08:00–24:00: nobody is on the line."]


def test_supervisor_on_another_line_does_not_cover_this_one():
    open_hours = {1: ((at(0, 8), at(0, 16)),)}
    problems = supervisor_gaps(roster([shift(1, 0, 8, 8), shift(2, 0, 8, 8, line=2)],
                                      [Placement(2, 9, SUPERVISOR)], open_hours=open_hours))
    assert messages(problems) == ["Hope line has no supervisor on call 11-23 08:00–16:00."]


def test_shift_that_requires_a_supervisor():
    problems = supervisor_gaps(roster([shift(1, 0, 8, 6, supervisor_required=True)], [Placement(1, 1)]))
    assert messages(problems) == ["Hope line 11-23 08:00–14:00 needs a supervisor on the shift and has none."]


@pytest.mark.parametrize(("shifts", "limits", "expected"), [
    # five 8-hour days and one more: 48 hours against 40
    ([shift(i, i, 8, 8) for i in range(6)], Limits(),
     ["Li Na works 48 hours in the week of 2026-11-23 (limit 40)."]),
    # two 6-hour shifts back to back with a third: 18 hours at a stretch
    ([shift(1, 0, 2, 6), shift(2, 0, 8, 6), shift(3, 0, 14, 6)], Limits(),
     ["Li Na works 18 hours without a break, 11-23 02:00–20:00 (limit 12)."]),
    # a night shift ending at 08:00 and a day shift at 12:00: 4 hours rest
    ([shift(1, 0, 0, 8), shift(2, 0, 12, 6)], Limits(),
     ["Li Na has only 4 hours of rest between 11-23 08:00–12:00 (minimum 8)."]),
    # the same with a looser limit: fine
    ([shift(1, 0, 0, 8), shift(2, 0, 12, 6)], Limits(min_rest_hours=4), []),
    # a week boundary: Sunday 20:00 to Monday 04:00 splits 4 + 4 between two weeks
    ([shift(1, 6, 20, 8)], Limits(max_hours_per_week=3.5),
     ["Li Na works 4 hours in the week of 2026-11-23 (limit 3.5).",
      "Li Na works 4 hours in the week of 2026-11-30 (limit 3.5)."]),
])
def test_workload(shifts, limits, expected):
    placements = [Placement(s.id, 1) for s in shifts]
    assert messages(workload(roster(shifts, placements), limits)) == expected


def test_time_off():
    absence = Absence(2, at(2, 0), at(4, 0))  # Wednesday and Thursday
    problems = time_off_conflicts(roster([shift(1, 1, 20, 6), shift(2, 4, 8, 6)],
                                         [Placement(1, 2), Placement(2, 2)], [absence]))
    assert messages(problems) == ["Wang Wei has time off 11-25 00:00–11-27 00:00 but is on Hope line "
                                  "11-24 20:00–11-25 02:00."]


def test_check_roster_puts_every_kind_in_time_order():
    shifts = [shift(1, 0, 8, 6, seats=2), shift(2, 0, 10, 6, line=2)]
    problems = check_roster(roster(shifts, [Placement(1, 1), Placement(2, 1)], [Absence(1, at(0, 9), at(0, 10))],
                                   {1: ((at(0, 8), at(0, 14)),)}))
    assert [p.kind for p in problems] == ["understaffed", "no_supervisor", "time_off", "double_booked"]


def test_daylight_saving_week_is_a_wall_clock_week():
    london = ZoneInfo("Europe/London")
    # Clocks go back on 2026-10-25: that Sunday night shift 20:00–08:00 lasts 13 real hours.
    start = datetime(2026, 10, 24, 20, tzinfo=london).astimezone(UTC)
    end = datetime(2026, 10, 25, 8, tzinfo=london).astimezone(UTC)
    data = Roster((ShiftSlot(1, 1, start, end),), (Placement(1, 1),), (), {}, PEOPLE, LINES, london)
    assert messages(workload(data, Limits(max_consecutive_hours=12))) == [
        "Li Na works 13 hours without a break, 10-24 20:00–10-25 08:00 (limit 12)."]


def test_hours_by_user_counts_each_hour_once():
    shifts = [shift(1, 0, 8, 6), shift(2, 0, 12, 6, line=2)]
    data = roster(shifts, [Placement(1, 1), Placement(2, 1)])
    assert hours_by_user(data, at(0, 0), at(7, 0)) == {1: 10.0}


# --- properties --------------------------------------------------------------------------------------

@st.composite
def rosters(draw):
    count = draw(st.integers(1, 12))
    shifts = []
    for index in range(count):
        day = draw(st.integers(0, 6))
        start = draw(st.integers(0, 23))
        length = draw(st.integers(1, 10))
        shifts.append(shift(index + 1, day, start, length, line=draw(st.sampled_from([1, 2])),
                            seats=draw(st.integers(0, 3)), supervisor_required=draw(st.booleans())))
    placements = set()
    for _ in range(draw(st.integers(0, 20))):
        placements.add(Placement(draw(st.integers(1, count)), draw(st.sampled_from([1, 2, 3, 9])),
                                 draw(st.sampled_from(["counsellor", SUPERVISOR]))))
    absences = [Absence(draw(st.sampled_from([1, 2, 3])), at(d := draw(st.integers(0, 6)), 0), at(d, 12))
                for _ in range(draw(st.integers(0, 2)))]
    open_hours = {1: ((at(0, 0), at(7, 0)),)} if draw(st.booleans()) else {}
    return roster(shifts, sorted(placements, key=lambda p: (p.shift_id, p.user_id, p.role)), absences, open_hours)


def brute_double_booked(data: Roster) -> set[int]:
    by_id = {s.id: s for s in data.shifts}
    found = set()
    for a in data.placements:
        for b in data.placements:
            x, y = by_id[a.shift_id], by_id[b.shift_id]
            if a.user_id == b.user_id and x.id != y.id and x.starts_at < y.ends_at and y.starts_at < x.ends_at:
                found.add(a.user_id)
    return found


@settings(max_examples=150, deadline=None)
@given(rosters())
def test_checks_agree_with_a_brute_force_reading(data):
    problems = check_roster(data)
    assert {u for p in problems if p.kind == "double_booked" for u in p.user_ids} == brute_double_booked(data)
    short = {s.id for s in data.shifts
             if sum(1 for p in data.placements if p.shift_id == s.id and p.role == "counsellor") < s.seats}
    assert {p.shift_ids[0] for p in problems if p.kind == "understaffed"} == short
    for problem in problems:
        assert problem.starts_at < problem.ends_at or problem.kind == "short_rest"
        assert set(problem.user_ids) <= {p.user_id for p in data.placements}
        assert problem.message and "%(" not in problem.message


@settings(max_examples=100, deadline=None)
@given(rosters())
def test_a_roster_that_passes_stays_passing_when_moved_by_whole_weeks(data):
    moved = Roster(tuple(ShiftSlot(s.id, s.line_id, s.starts_at + timedelta(weeks=3), s.ends_at + timedelta(weeks=3),
                                   s.seats, s.supervisor_required) for s in data.shifts),
                   data.placements,
                   tuple(Absence(a.user_id, a.starts_at + timedelta(weeks=3), a.ends_at + timedelta(weeks=3))
                         for a in data.absences),
                   {k: tuple((s + timedelta(weeks=3), e + timedelta(weeks=3)) for s, e in v)
                    for k, v in data.open_hours.items()}, data.people, data.lines, data.tz)
    assert [p.kind for p in check_roster(data)] == [p.kind for p in check_roster(moved)]


@settings(max_examples=100, deadline=None)
@given(rosters())
def test_a_roster_with_every_problem_fixed_passes_every_check(data):
    """Fill every seat with its own fresh counsellor and every shift and open hour with a fresh supervisor:
    no double booking, no gaps, nobody overworked — check_roster must then find nothing."""
    placements, people, next_id = [], dict(data.people), 100
    for s in data.shifts:
        for role, count in (("counsellor", s.seats), (SUPERVISOR, 1)):
            for _ in range(count):
                placements.append(Placement(s.id, next_id, role))
                people[next_id] = f"p{next_id}"
                next_id += 1
    covered = Roster(data.shifts, tuple(placements), (), {}, people, data.lines, data.tz)
    assert check_roster(covered, Limits(max_consecutive_hours=24)) == []


def test_messages_are_in_the_readers_language():
    from hotline import i18n

    token = i18n.set_locale("zh_CN")
    try:
        problems = check_roster(roster([shift(1, 0, 8, 6, seats=2)], [Placement(1, 1)]))
    finally:
        i18n.reset_locale(token)
    assert [p.message for p in problems] == ["Hope line 11-23 08:00–14:00：咨询员席位 2 个，仅排了 1 人。"]
