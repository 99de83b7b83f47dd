"""The coordinator sees who carried the heavy calls this shift and this week, and how heavy it felt."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from factories import finished_call
from hotline.accounts.models import Role
from hotline.calls import flows
from hotline.calls import service as calls
from hotline.database import utcnow
from hotline.errors import InvalidInput
from hotline.roster import wellbeing
from hotline.roster.models import Assignment, Line, Shift, ShiftStatus
from support import post_form

TZ = ZoneInfo("Asia/Shanghai")


def on_shift(session, user, hours_ago=2, length=6):
    line = Line(name=f"line-{user.id}", timezone="Asia/Shanghai")
    session.add(line)
    session.flush()
    shift = Shift(line_id=line.id, starts_at=utcnow() - timedelta(hours=hours_ago),
                  ends_at=utcnow() + timedelta(hours=length - hours_ago), status=ShiftStatus.published)
    session.add(shift)
    session.flush()
    session.add(Assignment(shift_id=shift.id, user_id=user.id))
    session.commit()
    return shift


def test_heavy_calls_are_counted_per_shift_and_week_and_flagged(session, make_user):
    busy = make_user(Role.counsellor, username="busy")
    calm = make_user(Role.counsellor, username="calm")
    make_user(Role.coordinator, username="coord")  # takes no calls: not listed
    on_shift(session, busy)
    for level in ("high", "imminent", "moderate", "none"):
        finished_call(session, busy, "shift note", incomplete=True, level=level)
    finished_call(session, calm, "shift note", incomplete=True, level="high")
    loads = wellbeing.counsellor_loads(session=session, tz=TZ, per_shift_limit=2, per_week_limit=5)
    by_name = {load.user.username: load for load in loads}
    assert set(by_name) == {"busy", "calm"}
    assert (by_name["busy"].high_this_shift, by_name["busy"].high_this_week, by_name["busy"].over) == (2, 2, True)
    assert (by_name["calm"].high_this_shift, by_name["calm"].high_this_week, by_name["calm"].over) == (0, 1, False)
    assert loads[0].user.username == "busy"  # the heaviest first


def test_a_heavy_call_handed_over_weighs_on_both_who_held_it(session, make_user):
    first = make_user(Role.counsellor, username="first")
    second = make_user(Role.counsellor, username="second")
    call, _ = calls.start_call(session=session, counsellor=first)
    call = flows.override_level(session=session, user=first, call_id=call.id, level="high", reason="plan tonight")
    call = calls.hand_over_call(session=session, user=first, call_id=call.id, to_username="second")
    flows.finalise_call(session=session, user=second, call_id=call.id, version=call.version, incomplete=True)
    finished_call(session, second, "shift note", incomplete=True, level="imminent")
    loads = {load.user.username: load.high_this_week
             for load in wellbeing.counsellor_loads(session=session, tz=TZ, per_shift_limit=2, per_week_limit=5)}
    assert loads == {"first": 1, "second": 2}


def test_last_weeks_calls_do_not_count(session, make_user):
    user = make_user(Role.counsellor)
    finished_call(session, user, "shift note", incomplete=True, level="high")
    next_week = utcnow() + timedelta(days=8)
    loads = wellbeing.counsellor_loads(session=session, tz=TZ, per_shift_limit=2, per_week_limit=5, now=next_week)
    assert loads[0].high_this_week == 0


def test_shift_rating_is_one_to_five_and_averaged(session, make_user):
    user = make_user(Role.counsellor)
    on_shift(session, user)
    for bad in ("0", "6", "heavy", ""):
        with pytest.raises(InvalidInput):
            wellbeing.rate_shift(session=session, user=user, rating=bad)
    assert wellbeing.rate_shift(session=session, user=user, rating="5").shift_id is not None
    wellbeing.rate_shift(session=session, user=user, rating=2)
    load = wellbeing.counsellor_loads(session=session, tz=TZ, per_shift_limit=2, per_week_limit=5)[0]
    assert load.rating_this_week == 3.5


def test_pages(client, logged_in, make_user, session):
    counsellor = logged_in(Role.counsellor, username="rater")
    assert 'data-testid="shift-rating"' in client.get("/calls").text
    assert post_form(client, "/roster/rating", {"rating": "4"}).status_code == 303
    bad = post_form(client, "/roster/rating", {"rating": "9"})
    assert bad.status_code == 422 and "from 1 (light) to 5" in bad.text
    finished_call(session, counsellor, "shift note", incomplete=True, level="imminent")
    finished_call(session, counsellor, "shift note", incomplete=True, level="high")
    post_form(client, "/logout")
    logged_in(Role.coordinator)
    page = client.get("/roster/wellbeing").text
    assert 'data-user="rater"' in page
    row = page[page.index('data-user="rater"'):][:600]
    assert "<td>2</td>" in row and "4.0" in row
