"""The demo month of roster: staffed, with a few gaps on purpose, and loading it twice changes nothing."""

from datetime import date, time, timedelta

from sqlmodel import func, select

from hotline.demo import DEMO_LINE, load_demo_users
from hotline.roster.assigning import problems_between
from hotline.roster.models import Assignment, Line, Shift, ShiftStatus
from hotline.roster.times import line_zone


def test_demo_roster_has_a_month_with_deliberate_gaps_and_is_idempotent(session):
    load_demo_users(session=session, password="demo-password-1")
    line = session.exec(select(Line).where(Line.name == DEMO_LINE)).one()
    shifts = list(session.exec(select(Shift).where(Shift.line_id == line.id).order_by(Shift.starts_at)))
    assert len(shifts) == 35 * 3
    assert sum(1 for s in shifts if s.status == ShiftStatus.published) == 14 * 3
    problems = problems_between(session=session, line=line, start=shifts[0].starts_at,
                                end=shifts[-1].ends_at)
    kinds = sorted({p.kind for p in problems})
    assert kinds == ["no_supervisor", "understaffed"]  # gaps only: nobody is overworked or double-booked
    assert 5 <= len(problems) <= 15
    before = session.exec(select(func.count()).select_from(Assignment)).one()
    load_demo_users(session=session, password="demo-password-1")
    assert session.exec(select(func.count()).select_from(Assignment)).one() == before
    assert session.exec(select(func.count()).select_from(Line)).one() == 1


def test_demo_shifts_start_at_midnight_on_this_weeks_monday(session):
    load_demo_users(session=session, password="demo-password-1")
    first = session.exec(select(Shift).order_by(Shift.starts_at)).first()
    local = first.starts_at.astimezone(line_zone(session.exec(select(Line)).one()))
    assert local.weekday() == 0 and local.time() == time(0)
    assert local.date() > date.today() - timedelta(days=8)
