"""Roster services against a real database: generating, assigning with checks, publishing, who is on now."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.accounts.models import Role
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.roster import feeds, forecast, on_now
from hotline.roster.assigning import RosterHasProblems, assign, candidates, problems_between, publish
from hotline.roster.lines import add_holiday, create_template, generate_shifts
from hotline.roster.models import Shift, ShiftStatus
from hotline.roster.people import add_availability, add_time_off, set_profile
from hotline.roster.shifts import assignments_for, shifts_between
from hotline.roster.times import line_zone, local_moment
from roster.factories import D0, D1, D7, MONDAY, make_line, shanghai, three_shifts_a_day

SHANGHAI = ZoneInfo("Asia/Shanghai")


def week(line):
    tz = line_zone(line)
    return local_moment(MONDAY, time(0), tz), local_moment(MONDAY + timedelta(days=7), time(0), tz)


def test_generate_a_week_is_idempotent_and_crosses_midnight(session):
    line = make_line(session)
    three_shifts_a_day(session, line)
    made = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=7)
    assert len(made) == 21
    evening = [s for s in made if s.name == "Evening"][0]
    assert evening.starts_at == shanghai(MONDAY, 16)
    assert evening.ends_at - evening.starts_at == timedelta(hours=8)  # to 24:00, the next day
    assert generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=7) == []


def test_holidays_skip_templates_marked_not_to_run_on_them(session):
    line = make_line(session)
    create_template(session=session, line_id=line.id, name="Day", start=time(8), end=time(16),
                    weekdays=list(range(7)), on_holidays=False)
    create_template(session=session, line_id=line.id, name="Evening", start=time(16), end=time(22),
                    weekdays=list(range(7)))
    add_holiday(session=session, line_id=line.id, day=MONDAY + timedelta(days=2), name="Founders' day")
    made = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=7)
    assert len(made) == 13
    holiday = MONDAY + timedelta(days=2)
    assert not [s for s in made if s.name == "Day" and s.starts_at.astimezone(SHANGHAI).date() == holiday]


@pytest.mark.parametrize(("start", "end", "weekdays", "error"), [
    (time(8), time(8), [0], InvalidInput),       # ends when it starts
    (time(8), time(16), [], InvalidInput),       # no weekday
    (time(12), time(20), [0], Conflict),         # overlaps Day 08–16
    (time(22), time(9), [6], Conflict),          # Sunday night into Monday morning overlaps Monday's Day
])
def test_bad_templates_are_refused_with_a_reason(session, start, end, weekdays, error):
    line = make_line(session)
    create_template(session=session, line_id=line.id, name="Day", start=time(8), end=time(16),
                    weekdays=[0, 1, 2, 3, 4])
    with pytest.raises(error) as raised:
        create_template(session=session, line_id=line.id, name="X", start=start, end=end, weekdays=weekdays)
    assert raised.value.message


def test_daylight_saving_night_shift_lasts_its_wall_clock_hours(session):
    line = make_line(session, name="London", timezone="Europe/London")
    create_template(session=session, line_id=line.id, name="Night", start=time(22), end=time(6),
                    weekdays=list(range(7)))
    made = generate_shifts(session=session, line_id=line.id, first_day=date(2026, 3, 28), days=2)
    assert [s.ends_at - s.starts_at for s in made] == [timedelta(hours=7), timedelta(hours=8)]  # clocks go forward
    made = generate_shifts(session=session, line_id=line.id, first_day=date(2026, 10, 24), days=1)
    assert made[0].ends_at - made[0].starts_at == timedelta(hours=9)  # clocks go back


def test_a_time_skipped_by_the_clocks_moves_to_just_after():
    london = ZoneInfo("Europe/London")
    assert local_moment(date(2026, 3, 29), time(1, 30), london) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_assigning_runs_the_checks_and_refuses_double_booking(session, make_user):
    line, other = make_line(session), make_line(session, name="Student line")
    three_shifts_a_day(session, line, seats=2)
    create_template(session=session, line_id=other.id, name="Day", start=time(10), end=time(14),
                    weekdays=[0])
    shifts = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=1)
    elsewhere = generate_shifts(session=session, line_id=other.id, first_day=MONDAY, days=1)[0]
    coordinator, li = make_user(Role.coordinator), make_user(Role.counsellor, display_name="Li Na")
    day = [s for s in shifts if s.name == "Day"][0]
    _assignment, problems = assign(session=session, actor=coordinator, shift_id=day.id, user_id=li.id)
    assert [p.kind for p in problems] == ["no_supervisor", "understaffed"]
    assert problems[0].message == f"Hope line has no supervisor on call {D0} 00:00–{D7} 00:00."
    assert problems[1].message == f"Hope line {D0} 08:00–16:00: 1 of 2 counsellor seats filled."
    with pytest.raises(Conflict, match="Li Na is already on Hope line at that time"):
        assign(session=session, actor=coordinator, shift_id=elsewhere.id, user_id=li.id)
    with pytest.raises(InvalidInput, match="is not a Supervisor on call"):
        assign(session=session, actor=coordinator, shift_id=day.id, user_id=make_user().id, role="supervisor")
    with pytest.raises(NotFound):
        assign(session=session, actor=coordinator, shift_id=99999, user_id=li.id)


def test_time_off_and_rest_show_up_as_problems_naming_the_person(session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    shifts = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=2)
    coordinator, li = make_user(Role.coordinator), make_user(Role.counsellor, display_name="Li Na")
    add_time_off(session=session, user=li, first_day=MONDAY + timedelta(days=1),
                 last_day=MONDAY + timedelta(days=1), tz=SHANGHAI)
    evening, next_day = shifts[2], shifts[4]  # Monday 16–24, Tuesday 08–16
    assign(session=session, actor=coordinator, shift_id=evening.id, user_id=li.id)
    _a, problems = assign(session=session, actor=coordinator, shift_id=next_day.id, user_id=li.id)
    texts = [p.message for p in problems]
    assert f"Li Na has time off {D1} 00:00–24:00 but is on Hope line {D1} 08:00–16:00." in texts
    assert "Li Na has only 8 hours of rest" not in " ".join(texts)  # exactly the minimum is fine


def test_publish_is_refused_with_problems_unless_published_anyway_with_a_reason(session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=7)
    coordinator = make_user(Role.coordinator)
    start, end = week(line)
    with pytest.raises(RosterHasProblems) as refused:
        publish(session=session, actor=coordinator, line_id=line.id, start=start, end=end)
    kinds = {p.kind for p in refused.value.problems}
    assert kinds == {"understaffed", "no_supervisor"}
    assert refused.value.status_code == 409
    publication = publish(session=session, actor=coordinator, line_id=line.id, start=start, end=end,
                          reason="Volunteers confirm on Friday")
    assert publication.problem_count == len(refused.value.problems)
    assert publication.reason == "Volunteers confirm on Friday"
    statuses = {s.status for s in shifts_between(session=session, start=start, end=end)}
    assert statuses == {ShiftStatus.published}


def fully_staff(session, line, coordinator, days=7):
    """Fill every seat (seats=1) from a pool so nobody works too much, and a supervisor on every shift."""
    shifts = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=days)
    counsellors = [session.merge(c) for c in _pool(session, Role.counsellor, 7)]
    supervisors = [session.merge(c) for c in _pool(session, Role.supervisor, 7)]
    for index, shift in enumerate(sorted(shifts, key=lambda s: s.starts_at)):
        assign(session=session, actor=coordinator, shift_id=shift.id, user_id=counsellors[index % 7].id)
        assign(session=session, actor=coordinator, shift_id=shift.id, user_id=supervisors[index % 7].id,
               role="supervisor")
    return shifts


def _pool(session, role, count):
    from hotline.accounts import service as accounts

    return [accounts.create_user(session=session, username=f"{role.value}-{i}", password="correct horse battery",
                                 roles=[role.value]) for i in range(count)]


def test_a_fully_staffed_week_publishes_without_a_reason(session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    coordinator = make_user(Role.coordinator)
    fully_staff(session, line, coordinator)
    start, end = week(line)
    assert problems_between(session=session, line=line, start=start, end=end) == []
    publication = publish(session=session, actor=coordinator, line_id=line.id, start=start, end=end)
    assert publication.problem_count == 0 and publication.reason is None


def test_who_is_on_now_reads_published_shifts_only(session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    coordinator = make_user(Role.coordinator)
    shifts = fully_staff(session, line, coordinator, days=1)
    noon = shanghai(MONDAY, 12)  # the Day shift
    day = [s for s in shifts if s.name == "Day"][0]
    on_day = assignments_for(session=session, shift_ids=[day.id])[day.id]
    counsellor = [u for a, u in on_day if a.role == "counsellor"][0]
    supervisor = [u for a, u in on_day if a.role == "supervisor"][0]
    assert not on_now.on_shift_now(session=session, user=counsellor, at=noon)  # still a draft
    for shift in shifts:
        shift.status = ShiftStatus.published
        session.add(shift)
    session.commit()
    assert on_now.on_shift_now(session=session, user=counsellor, at=noon)
    assert not on_now.on_shift_now(session=session, user=counsellor, at=noon + timedelta(hours=8))
    assert [u.id for u in on_now.on_call_supervisors(session=session, at=noon)] == [supervisor.id]
    set_profile(session=session, user=counsellor, phone_extension="8012", skills=["bereavement"])
    now = on_now.who_is_on_now(session=session, at=noon)
    assert [(o.role, o.extension) for o in now] == [("supervisor", None), ("counsellor", "8012")]
    # A call this counsellor starts now belongs to the line they are on shift for.
    assert on_now.line_on_shift(session=session, user=counsellor, at=noon) == "Hope line"
    assert on_now.line_on_shift(session=session, user=counsellor, at=noon + timedelta(hours=8)) is None


def test_candidates_show_hours_availability_and_time_off(session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=2)
    shifts = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=2)
    coordinator = make_user(Role.coordinator)
    busy = make_user(Role.counsellor, display_name="Busy")
    away = make_user(Role.counsellor, display_name="Away")
    keen = make_user(Role.counsellor, display_name="Keen")
    make_user(Role.admin, display_name="Not staff")
    assign(session=session, actor=coordinator, shift_id=shifts[0].id, user_id=busy.id)
    add_time_off(session=session, user=away, first_day=MONDAY + timedelta(days=1),
                 last_day=MONDAY + timedelta(days=1), tz=SHANGHAI)
    add_availability(session=session, user=keen, weekday=1, start=time(8), end=time(20))
    target = [s for s in shifts if s.name == "Day"][1]  # Tuesday 08–16
    found = {c.user.display_name: c for c in candidates(session=session, shift=target)}
    assert set(found) == {"Busy", "Away", "Keen"}
    assert found["Busy"].hours_this_week == 8.0 and found["Keen"].available is True
    assert found["Away"].on_time_off and found["Busy"].available is None
    assert list(found)[0] == "Keen"


def test_calendar_feed_tokens_are_hashed_and_revocable(session, make_user):
    user = make_user(Role.counsellor)
    token = feeds.new_feed_token(session=session, user=user)
    assert feeds.user_for_feed(session=session, token=token).id == user.id
    newer = feeds.new_feed_token(session=session, user=user)
    with pytest.raises(NotFound):
        feeds.user_for_feed(session=session, token=token)
    assert feeds.revoke_feeds(session=session, user=user) == 1
    with pytest.raises(NotFound):
        feeds.user_for_feed(session=session, token=newer)
    from sqlmodel import select

    from hotline.roster.models import CalendarFeed

    assert all(token not in f.token_hash and newer not in f.token_hash for f in session.exec(select(CalendarFeed)))


def test_forecast_needs_more_seats_where_calls_come(session, make_user):
    from hotline.calls.models import Call

    line = make_line(session)
    three_shifts_a_day(session, line, seats=2)
    generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=7)
    counsellor = make_user(Role.counsellor)
    # Four weeks of Monday evenings at 20:00 Shanghai: 12 calls an hour, 30 minutes each.
    for weeks_back in range(1, 5):
        start = shanghai(MONDAY, 20) - timedelta(weeks=weeks_back)
        for minute in range(0, 60, 5):
            begun = start + timedelta(minutes=minute)
            session.add(Call(counsellor_id=counsellor.id, started_at=begun, ended_at=begun + timedelta(minutes=30),
                             status="final"))
    session.commit()
    hours, handle, counted = forecast.forecast(session=session, line=line, week_start=MONDAY, weeks=4)
    assert counted == 48 and handle == 30.0
    monday_20 = [h for h in hours if h.weekday == 0 and h.hour == 20][0]
    assert monday_20.calls_per_hour == 12 and monday_20.needed == 9 and monday_20.assigned == 0
    quiet = [h for h in hours if h.weekday == 2 and h.hour == 3][0]
    assert quiet.needed == 2  # the line's minimum while open
    assert len(hours) == 7 * 24
    assert Shift  # imported for readers: forecast counts counsellors on this line's shifts

    # With a second line, each line's forecast counts its own calls only: calls naming no line could be
    # either's and are left out.
    other = make_line(session, name="Night line")
    monday_20_other_line = shanghai(MONDAY - timedelta(weeks=1), 20, 1)
    session.add_all([Call(counsellor_id=counsellor.id, started_at=monday_20_other_line + timedelta(minutes=i),
                          ended_at=monday_20_other_line + timedelta(minutes=i + 10), status="final",
                          line="Night line") for i in range(6)])
    session.add(Call(counsellor_id=counsellor.id, started_at=monday_20_other_line, status="final", line="Hope line",
                     ended_at=monday_20_other_line + timedelta(minutes=30)))
    session.commit()
    _hours, _handle, counted = forecast.forecast(session=session, line=line, week_start=MONDAY, weeks=4)
    assert counted == 1
    _hours, handle, counted = forecast.forecast(session=session, line=other, week_start=MONDAY, weeks=4)
    assert counted == 6 and handle == 10.0


# --- copying last week -------------------------------------------------------------------------------

def test_copying_last_week_places_everyone_who_can_come_and_says_why_the_others_were_skipped(session, make_user):
    from hotline.accounts import service as accounts
    from hotline.roster.assigning import copy_last_week
    from hotline.roster.shifts import delete_shift

    line = make_line(session)
    three_shifts_a_day(session, line, seats=2)
    made = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=14)
    tz = line_zone(line)

    def at(day, name):
        return next(s for s in made if s.name == name and s.starts_at.astimezone(tz).date() == MONDAY
                    + timedelta(days=day))

    coordinator = make_user(Role.coordinator)
    names = ("Li Na", "Wang Fang", "Zhao Lei", "Sun Bo", "Ma Lin", "Gao Yu", "Hu Jun")
    li, wang, zhao, sun, ma, gao, hu = (make_user(Role.counsellor, display_name=n) for n in names)
    chen, xu = (make_user(Role.supervisor, display_name=n) for n in ("Chen Jie", "Xu Hui"))
    for day, shift, person, role in ((0, "Night", li, "counsellor"), (0, "Night", wang, "counsellor"),
                                     (0, "Night", chen, "supervisor"), (0, "Day", zhao, "counsellor"),
                                     (0, "Evening", sun, "counsellor"), (0, "Evening", ma, "counsellor"),
                                     (1, "Night", li, "counsellor"), (1, "Day", wang, "counsellor"),
                                     (7, "Night", wang, "counsellor"), (8, "Night", gao, "counsellor"),
                                     (8, "Night", hu, "counsellor"), (1, "Night", chen, "supervisor"),
                                     (8, "Night", xu, "supervisor")):
        assign(session=session, actor=coordinator, shift_id=at(day, shift).id, user_id=person.id, role=role)
    accounts.set_active(session=session, user=zhao, active=False)
    add_time_off(session=session, user=sun, first_day=MONDAY + timedelta(days=7), last_day=MONDAY + timedelta(days=7),
                 tz=tz)
    add_availability(session=session, user=ma, weekday=0, start=time(8), end=time(16))
    delete_shift(session=session, shift_id=at(8, "Day").id)

    report = copy_last_week(session=session, actor=coordinator, line_id=line.id, monday=MONDAY + timedelta(days=7))
    assert (report.copied, report.already) == (2, 1)
    assert report.skipped == [
        f"Zhao Lei, Day {D7} 08:00: no longer active.",
        f"Ma Lin, Evening {D7} 16:00: not usually available then.",
        f"Sun Bo, Evening {D7} 16:00: on time off.",
        f"Li Na, Night {(MONDAY + timedelta(days=8)):%m-%d} 00:00: its seats are already filled.",
        f"Chen Jie, Night {(MONDAY + timedelta(days=8)):%m-%d} 00:00: it already has a supervisor on call.",
        f"Wang Fang, Day {(MONDAY + timedelta(days=8)):%m-%d} 08:00: there is no such shift this week.",
    ]
    on_monday_night = assignments_for(session=session, shift_ids=[at(7, "Night").id])[at(7, "Night").id]
    assert {(a.role, u.display_name) for a, u in on_monday_night} == {
        ("counsellor", "Li Na"), ("counsellor", "Wang Fang"), ("supervisor", "Chen Jie")}
    again = copy_last_week(session=session, actor=coordinator, line_id=line.id, monday=MONDAY + timedelta(days=7))
    assert (again.copied, again.already) == (0, 3)  # copying twice adds nothing

    with pytest.raises(InvalidInput, match="no shifts to copy into"):
        copy_last_week(session=session, actor=coordinator, line_id=line.id, monday=MONDAY + timedelta(days=21))
    with pytest.raises(InvalidInput, match="Last week has nobody"):
        copy_last_week(session=session, actor=coordinator, line_id=line.id, monday=MONDAY)
