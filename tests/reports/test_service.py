"""Every figure of the reports against the hand-counted week in factories.py, on SQLite and PostgreSQL."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.errors import InvalidInput
from hotline.reports import service
from hotline.reports.service import Period
from reports.factories import FIRST, LAST, NOW, TODAY, add_call, utc, week_of_calls

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def week(session, make_user):
    return week_of_calls(session, make_user)


def test_dashboard_counts_match_the_hand_count(session, week):
    figures = service.dashboard(session=session, period=Period(FIRST, LAST), tz=SHANGHAI, now=NOW)
    assert figures.calls == 5
    assert dict(figures.per_day) == {date(2026, 3, 1): 2, date(2026, 3, 2): 1, date(2026, 3, 3): 2,
                                     date(2026, 3, 4): 0, date(2026, 3, 5): 0, date(2026, 3, 6): 0,
                                     date(2026, 3, 7): 0}
    busy = {(day, hour): n for day, row in enumerate(figures.per_hour_of_week) for hour, n in enumerate(row) if n}
    assert busy == {(6, 23): 1, (6, 0): 1, (0, 0): 1, (1, 10): 2}
    assert dict(figures.by_group) == {"student": 2, "not_recorded": 1, "medical_staff": 1, "elderly_alone": 1}
    assert figures.by_group[0] == ("student", 2)
    assert dict(figures.by_concern) == {"anxiety": 2, "insomnia": 1, "grief": 1, "loneliness": 1}
    assert figures.by_level == [("none", 1), ("low", 1), ("moderate", 1), ("high", 1), ("imminent", 1)]
    assert figures.by_length == [(0, 1), (1, 1), (2, 1), (3, 1), (4, 1)]
    assert figures.average_minutes == pytest.approx(29.6, abs=0.05)
    assert figures.repeat_calls == 4
    assert figures.repeat_share == pytest.approx(0.8)
    assert figures.referrals == [
        {"level": "moderate", "opened": 1, "closed": 0, "on_time": 0, "on_time_share": 0.0},
        {"level": "high", "opened": 1, "closed": 1, "on_time": 1, "on_time_share": 1.0},
        {"level": "imminent", "opened": 1, "closed": 0, "on_time": 0, "on_time_share": 0.0},
    ]
    assert figures.follow_ups == {"on_time": 1, "late": 1, "overdue": 1, "cancelled": 1, "not_yet_due": 0}
    assert (figures.distress_rated, figures.distress_fell) == (3, 2)
    assert figures.distress_fell_share == pytest.approx(2 / 3)


def test_a_line_narrows_every_figure(session, week):
    figures = service.dashboard(session=session, period=Period(FIRST, LAST, "Other line"), tz=SHANGHAI, now=NOW)
    assert figures.calls == 1
    assert dict(figures.by_group) == {"medical_staff": 1}
    assert [row["opened"] for row in figures.referrals] == [0, 0, 1]
    assert figures.follow_ups == {"on_time": 0, "late": 0, "overdue": 0, "cancelled": 0, "not_yet_due": 0}
    hope = service.dashboard(session=session, period=Period(FIRST, LAST, "Hope line"), tz=SHANGHAI, now=NOW)
    assert hope.calls == 4
    assert hope.follow_ups["overdue"] == 1
    assert (figures.distress_rated, figures.distress_fell) == (1, 1)
    assert (hope.distress_rated, hope.distress_fell) == (2, 1)


def test_an_empty_period_has_zeros_not_errors(session, week):
    figures = service.dashboard(session=session, period=Period(date(2025, 1, 1), date(2025, 1, 3)), tz=SHANGHAI)
    assert figures.calls == 0 and figures.average_minutes is None and figures.repeat_share is None
    assert figures.distress_rated == 0 and figures.distress_fell_share is None
    assert [count for _day, count in figures.per_day] == [0, 0, 0]


def test_hours_follow_the_clock_change(session, make_user):
    """New York springs forward at 07:00 UTC on 2026-03-08: 06:30 UTC is 01:30, 07:30 UTC is 03:30."""
    counsellor = make_user()
    add_call(session, counsellor, utc(2026, 3, 8, 6, 30), 5)
    add_call(session, counsellor, utc(2026, 3, 8, 7, 30), 5)
    add_call(session, counsellor, utc(2026, 3, 9, 3, 30), 5)  # 23:30 on the 8th, daylight time
    figures = service.dashboard(session=session, period=Period(date(2026, 3, 7), date(2026, 3, 9)),
                                tz=ZoneInfo("America/New_York"))
    busy = {(day, hour): n for day, row in enumerate(figures.per_hour_of_week) for hour, n in enumerate(row) if n}
    assert busy == {(6, 1): 1, (6, 3): 1, (6, 23): 1}
    assert dict(figures.per_day)[date(2026, 3, 8)] == 3


def test_my_month_counts_only_my_calls(session, week):
    mine = service.my_month(session=session, user=week["counsellor"], first=date(2026, 3, 1), last=date(2026, 3, 31),
                            tz=SHANGHAI)
    assert mine.calls == 3  # calls 1, 2 and the one at 00:00 on the 1st; not the draft, not February's
    assert mine.hours == pytest.approx((10 + 3 + 70) / 60, abs=0.05)
    assert mine.heavy_calls == 1
    assert mine.reviews == 1
    assert len(mine.per_day) == 31 and dict(mine.per_day)[date(2026, 3, 1)] == 2
    other = service.my_month(session=session, user=week["other"], first=date(2026, 3, 1), last=date(2026, 3, 31),
                             tz=SHANGHAI)
    assert (other.calls, other.heavy_calls, other.reviews) == (2, 1, 0)


def test_summary_counts_destinations(session, week):
    from sqlmodel import select

    from hotline.referrals.models import Destination, Referral

    place = Destination(name="City Mental Health Centre", kind="psychiatric_hospital")
    session.add(place)
    session.commit()
    for referral in session.exec(select(Referral).where(Referral.level != "imminent")):
        referral.destination_id = place.id
        session.add(referral)
    session.commit()
    # During calls, counsellors gave two callers the centre's number and a third caller 120.
    from hotline.calls.models import DestinationGiven

    emergency = Destination(name="Emergency 120", kind="emergency")
    session.add(emergency)
    session.commit()
    first, second, third = [c.id for c in week["calls"][:3]]
    for call_id, destination in ((first, place), (second, place), (third, emergency)):
        session.add(DestinationGiven(call_id=call_id, destination_id=destination.id, by_id=week["counsellor"].id))
    session.commit()
    summary = service.summary(session=session, period=Period(FIRST, LAST), tz=SHANGHAI, now=NOW)
    assert summary.calls == 5
    assert summary.by_destination == [("City Mental Health Centre", 2)]
    assert summary.given == [("City Mental Health Centre", 2), ("Emergency 120", 1)]


@pytest.mark.parametrize("start, end, line, message", [
    ("2026-03-07", "2026-03-01", "", "start date is after the end date"),
    ("2026-03-01", "2026-03-11", "", "in the future"),
    ("2020-01-01", "2026-03-01", "", "at most 5 years"),
    ("2026-03-01", "2026-03-07", "Nowhere line", "Unknown line: Nowhere line"),
    ("yesterday", "", "", "Start is not a date"),  # the field by its label, not its code
    ("", "2026-13-01", "", "End is not a date"),
])
def test_bad_filters_are_refused_with_a_reason(session, week, start, end, line, message):
    with pytest.raises(InvalidInput) as error:
        service.parse_period(session=session, start=start, end=end, line=line, today=TODAY)
    assert message in str(error.value.message)


def test_filters_default_to_the_last_30_days(session, week):
    period = service.parse_period(session=session, start="", end="", line="Hope line", today=TODAY)
    assert (period.first, period.last, period.line) == (TODAY - timedelta(days=29), TODAY, "Hope line")
    assert service.parse_period(session=session, start="2021-03-11", end="", line="", today=TODAY).days == 1826


@pytest.mark.parametrize("value, message", [("2026-04", "not started"), ("03/2026", "not a month"),
                                            ("2019-01", "at most 5 years")])
def test_bad_months_are_refused(value, message):
    with pytest.raises(InvalidInput) as error:
        service.parse_month(value, today=TODAY)
    assert message in str(error.value.message)


def test_months_have_their_own_length():
    assert service.parse_month("2024-02", today=TODAY) == (date(2024, 2, 1), date(2024, 2, 29))
    assert service.parse_month("", today=TODAY) == (date(2026, 3, 1), date(2026, 3, 31))
