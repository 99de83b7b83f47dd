"""`hotline demo` has enough history for every report to draw something."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from hotline.database import utcnow
from hotline.demo import load_demo_users
from hotline.referrals.models import Referral, ReferralStatus
from hotline.reports import service
from hotline.reports.service import Period

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_every_dashboard_chart_has_figures_from_the_demo(session):
    load_demo_users(session=session, password="demo password 1")
    load_demo_users(session=session, password="demo password 1")  # a second run adds nothing
    today = utcnow().astimezone(SHANGHAI).date()
    figures = service.dashboard(session=session, period=Period(today - timedelta(days=59), today), tz=SHANGHAI)
    assert 150 <= figures.calls <= 600
    assert sum(count for _day, count in figures.per_day[-7:]) == 0  # the last week is left to live calls
    assert sum(map(sum, figures.per_hour_of_week)) == figures.calls
    assert len(figures.by_group) >= 5 and len(figures.by_concern) >= 5
    assert all(count for level, count in figures.by_level)
    assert all(row["opened"] and row["closed"] for row in figures.referrals)
    assert figures.follow_ups["on_time"] and figures.follow_ups["late"]
    assert sum(count for _band, count in figures.by_length) == figures.calls
    assert figures.repeat_calls > 0
    # the live referral queue is untouched: every demo referral is closed
    assert not session.exec(select(Referral).where(Referral.status != ReferralStatus.closed)).first()
