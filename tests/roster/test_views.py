"""The roster pages as a coordinator's and a counsellor's browser see them, and the calendar feed."""

import re
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from hotline.accounts.models import Role
from hotline.roster.assigning import assign
from hotline.roster.lines import create_template, generate_shifts
from hotline.roster.models import ShiftStatus
from hotline.roster.people import set_profile
from hotline.roster.times import line_zone, parse_time
from roster.factories import D0, D7, MONDAY, make_line, three_shifts_a_day
from support import post_form

HX = {"HX-Request": "true"}
WEEK = f"?start={MONDAY.isoformat()}"


def a_week(session, seats=1):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=seats)
    shifts = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=7)
    return line, shifts


def test_coordinator_adds_a_line_and_a_template_and_makes_a_week(client, logged_in, session):
    logged_in(Role.coordinator)
    response = post_form(client, "/roster/lines", {"name": "Hope line", "timezone": "Asia/Shanghai", "open_24h": "on"})
    assert response.status_code == 303
    line_url = response.headers["location"]
    response = post_form(client, f"{line_url}/templates", {"name": "Evening", "start": "16:00", "end": "00:00",
                                                           "weekdays": [str(d) for d in range(7)], "seats": "2",
                                                           "colour": "#aa3300", "on_holidays": "on"})
    assert response.status_code == 303
    page = client.get(line_url)
    assert "Evening" in page.text and "16:00–24:00" in page.text
    response = post_form(client, f"{line_url}/generate", {"first_day": MONDAY.isoformat(), "days": "7"})
    assert response.status_code == 303 and response.headers["location"].endswith(f"/week{WEEK}")
    page = client.get(response.headers["location"])
    assert page.text.count('data-testid="shift-card"') == 7
    assert "7 shifts made." in page.text


def test_bad_input_gets_a_clear_message_and_a_4xx(client, logged_in, session):
    logged_in(Role.coordinator)
    line, _shifts = a_week(session)
    cases = [
        ("/roster/lines", {"name": "", "open_24h": "on"}, "Give a name."),
        ("/roster/lines", {"name": "Hope line", "open_24h": "on"}, "There is already a line called Hope line."),
        ("/roster/lines", {"name": "X", "timezone": "Mars/Olympus", "open_24h": "on"}, "is not a known timezone"),
        ("/roster/lines", {"name": "X"}, "Give the opening hours of at least one day"),
        (f"/roster/lines/{line.id}/templates", {"name": "Late", "start": "08:00", "end": "08:00", "weekdays": "1"},
         "A shift must end after it starts"),
        (f"/roster/lines/{line.id}/templates", {"name": "Late", "start": "20:00", "end": "02:00", "weekdays": "1"},
         "This overlaps the template"),
        (f"/roster/lines/{line.id}/templates", {"name": "Late", "start": "25:00", "end": "02:00", "weekdays": "1"},
         "Start must be a time such as 08:00."),
        (f"/roster/lines/{line.id}/generate", {"first_day": "2026-13-01", "days": "7"}, "must be a date"),
        (f"/roster/lines/{line.id}/generate", {"first_day": MONDAY.isoformat(), "days": "900"}, "out of range"),
        ("/roster/limits", {"max_hours_per_week": "lots"}, "must be a number"),
        ("/roster/shifts/999999/assign", {"user_id": "1"}, "There is no shift 999999; it may have been deleted."),
        ("/roster/assignments/999999/remove", {}, "That person is no longer on this shift."),
        ("/roster/mine/time-off", {"first_day": f"{MONDAY + timedelta(days=2)}",
                                  "last_day": f"{MONDAY + timedelta(days=1)}"},
         "Time off must end on or after the day it starts."),
    ]
    for url, data, message in cases:
        response = post_form(client, url, data)
        assert 400 <= response.status_code < 500, (url, data, response.status_code)
        assert message in response.text, (url, message)
    assert client.get("/roster/lines/999/week").status_code == 404
    assert client.get(f"/roster/lines/{line.id}/week?start=tuesday").status_code == 422


def test_week_grid_shows_gaps_and_the_checks_then_assigning_fixes_them(client, logged_in, session, make_user):
    logged_in(Role.coordinator)
    line, shifts = a_week(session)
    li = make_user(Role.counsellor, display_name="Li Na")
    page = client.get(f"/roster/lines/{line.id}/week{WEEK}")
    assert 'data-state="gap"' in page.text
    assert f"Hope line {D0} 00:00–08:00: 0 of 1 counsellor seats filled." in page.text
    assert f"Hope line has no supervisor on call {D0} 00:00–{D7} 00:00." in page.text
    night = shifts[0]
    panel = client.get(f"/roster/lines/{line.id}/week{WEEK}&shift={night.id}", headers=HX)
    assert panel.text.lstrip().startswith('<section id="shift-panel"')
    assert re.search(rf'<option value="{li.id}"[^>]*>Li Na — 0 h this week', panel.text)
    response = post_form(client, f"/roster/shifts/{night.id}/assign", {"user_id": str(li.id), "role": "counsellor"})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "0 of 1 counsellor seats filled" not in page.text.split(f"{D0} 08:00")[0]
    assert "Li Na" in page.text
    # the same person again at the same time on another line: refused, with who and where
    other = make_line(session, name="Student line")
    create_template(session=session, line_id=other.id, name="Night", start=night.starts_at.astimezone(
        line_zone(line)).time(), end=parse_time("04:00", field="end"), weekdays=[0])
    clash = generate_shifts(session=session, line_id=other.id, first_day=MONDAY, days=1)[0]
    response = post_form(client, f"/roster/shifts/{clash.id}/assign", {"user_id": str(li.id)})
    assert response.status_code == 409
    assert f"Li Na is already on Hope line at that time ({D0} 00:00–{D0} 08:00)." in response.text


def test_a_week_with_no_shifts_says_nobody_is_on_the_line(client, logged_in, session):
    logged_in(Role.coordinator)
    line = make_line(session)
    page = client.get(f"/roster/lines/{line.id}/week{WEEK}").text
    problems = re.search(r'data-testid="roster-problems".*?</section>', page, re.S).group(0)
    assert f"Hope line has no shift {D0} 00:00–{D7} 00:00: nobody is on the line." in problems
    assert f"Hope line has no supervisor on call {D0} 00:00–{D7} 00:00." in problems


def test_a_coordinator_copies_last_weeks_people_into_this_week_and_sees_who_was_skipped(client, logged_in, session,
                                                                                     make_user):
    from hotline.roster.people import add_time_off

    coordinator = logged_in(Role.coordinator)
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    made = sorted(generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=14),
                  key=lambda s: s.starts_at)
    li, wang = make_user(Role.counsellor, display_name="Li Na"), make_user(Role.counsellor, display_name="Wang Fang")
    for index, shift in enumerate(made[:21]):
        assign(session=session, actor=coordinator, shift_id=shift.id, user_id=(li, wang)[index % 2].id)
    add_time_off(session=session, user=wang, first_day=MONDAY + timedelta(days=13),
                 last_day=MONDAY + timedelta(days=13), tz=line_zone(line))
    next_week = (MONDAY + timedelta(days=7)).isoformat()
    page = client.get(f"/roster/lines/{line.id}/week?start={next_week}").text
    assert 'data-testid="copy-last-week"' in page and "Li Na" not in page.split('data-testid="shift-card"', 1)[1]

    response = post_form(client, f"/roster/lines/{line.id}/copy-last-week", {"start": next_week})
    assert response.status_code == 200
    report = re.sub(r"\s+", " ", re.search(r'data-testid="copy-report">(.*?)</section>', response.text, re.S).group(1))
    sunday = f"{MONDAY + timedelta(days=13):%m-%d}"
    assert "20 assignments made, 0 already in place." in report and "1 skipped:" in report
    assert f"Wang Fang, Day {sunday} 08:00: on time off." in report
    assert response.text.count("Li Na") >= 11 and 'data-state="gap"' in response.text

    assert post_form(client, f"/roster/lines/{line.id}/copy-last-week", {"start": "not a day"}).status_code == 422
    logged_in(Role.counsellor)
    assert post_form(client, f"/roster/lines/{line.id}/copy-last-week", {"start": next_week}).status_code == 403


def test_publish_refused_with_problems_then_published_anyway_with_a_reason(client, logged_in, session):
    logged_in(Role.coordinator)
    line, _shifts = a_week(session)
    response = post_form(client, f"/roster/lines/{line.id}/publish", {"start": MONDAY.isoformat()})
    assert response.status_code == 409
    assert "Fix them, or publish anyway and say why." in response.text
    assert 'name="reason"' in response.text
    response = post_form(client, f"/roster/lines/{line.id}/publish",
                         {"start": MONDAY.isoformat(), "reason": "Volunteers confirm on Friday"})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Week published with" in page.text
    assert "Volunteers confirm on Friday" in client.get(f"/roster/lines/{line.id}").text


def test_my_shifts_and_the_calendar_feed_parse_back(client, logged_in, session, make_user):
    me = logged_in(Role.counsellor, display_name="Li Na")
    coordinator = make_user(Role.coordinator)
    line, shifts = a_week(session)
    soon = (datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)
    shift = shifts[0]
    shift.starts_at, shift.ends_at, shift.status = soon, soon + timedelta(hours=6), ShiftStatus.published
    session.add(shift)
    session.commit()
    assign(session=session, actor=coordinator, shift_id=shift.id, user_id=me.id)
    draft = shifts[1]
    draft.starts_at, draft.ends_at = soon + timedelta(days=2), soon + timedelta(days=2, hours=6)
    session.add(draft)
    session.commit()
    assign(session=session, actor=coordinator, shift_id=draft.id, user_id=me.id)
    page = client.get("/roster/mine")
    listed = page.text.split('data-testid="my-shifts"')[1].split("</table>")[0]
    # the draft shift is not listed: it may still change before the coordinator publishes the week
    assert page.status_code == 200 and listed.count("Hope line") == 1
    assert draft.starts_at.strftime("%m-%d") not in listed
    response = post_form(client, "/roster/mine/feed")
    url = re.search(r'data-testid="feed-url">([^<]+)<', response.text).group(1)
    assert url.startswith("http://testserver/roster/feed/") and url.endswith(".ics")
    feed = client.get(url.replace("http://testserver", ""))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1  # only published shifts go to the calendar
    assert str(events[0]["summary"]) == "Hope line · Night"
    assert events[0].decoded("dtstart") == soon
    assert events[0].decoded("dtend") - events[0].decoded("dtstart") == timedelta(hours=6)
    assert str(events[0]["uid"]) == f"shift-{shift.id}-user-{me.id}@testserver"
    assert post_form(client, "/roster/mine/feed/revoke").status_code == 303
    assert client.get(url.replace("http://testserver", "")).status_code == 404


def test_who_is_on_now_page_and_api(client, logged_in, session, make_user):
    me = logged_in(Role.supervisor, display_name="Chen Jie")
    coordinator = make_user(Role.coordinator)
    line, shifts = a_week(session)
    now = datetime.now(UTC)
    shift = shifts[0]
    shift.starts_at, shift.ends_at, shift.status = now - timedelta(hours=1), now + timedelta(hours=3), "published"
    session.add(shift)
    session.commit()
    assign(session=session, actor=coordinator, shift_id=shift.id, user_id=me.id, role="supervisor")
    set_profile(session=session, user=me, phone_extension="8001", skills=[])
    page = client.get("/roster")
    assert "Chen Jie" in page.text and "8001" in page.text and "Supervisor on call" in page.text
    assert client.get("/api/v1/roster/now").json()[0] | {"until": None} == {
        "line": "Hope line", "user_id": me.id, "name": "Chen Jie", "role": "supervisor", "extension": "8001",
        "until": None}


def test_forecast_heat_map(client, logged_in, session):
    logged_in(Role.coordinator)
    line, _shifts = a_week(session)
    page = client.get(f"/roster/lines/{line.id}/forecast{WEEK}")
    assert page.status_code == 200
    # no calls recorded: every open hour needs the line's minimum of 2; nobody is assigned yet
    assert page.text.count('class="heat-short2"') == 7 * 24
    assert "168 hours have fewer counsellors than needed." in page.text
    assert "2 / 0" in page.text
