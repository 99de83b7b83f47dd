"""The call pages and the fragments HTMX swaps, as a counsellor's browser sees them."""

import re

import pytest

from factories import call_from_the_page
from hotline.accounts.models import Role
from hotline.calls.models import Call
from support import post_form

HX = {"HX-Request": "true"}



def call_form(version, **fields):
    data = {"form": "call", "version": str(version), "notes": "", "summary": ""}
    data.update(fields)
    return data


def test_home_offers_start_drafts_and_today(client, logged_in):
    logged_in(Role.counsellor)
    page = client.get("/calls")
    assert 'data-testid="start-call"' in page.text and "No unfinished calls." in page.text
    call_id = call_from_the_page(client)
    page = client.get("/calls")
    assert f'href="/calls/{call_id}"' in page.text and "Save and end" in page.text


def test_call_screen_has_every_part_of_the_form(client, logged_in):
    logged_in(Role.counsellor)
    page = client.get(f"/calls/{call_from_the_page(client)}").text
    for needle in ('id="call-timer"', 'name="notes"', 'name="call_type"', 'name="caller_group"',
                   'name="concerns"', 'name="a_wish_dead"', 'name="a_support_present"', 'name="interventions"',
                   'name="summary"', 'name="mood_end"', 'id="risk-banner"', 'data-testid="finalise"',
                   'name="reason"', "/static/js/call.js"):
        assert needle in page, needle
    # every visible control has a label
    for control in re.findall(r'<(?:textarea|select|input)\s[^>]*id="([^"]+)"', page):
        assert f'for="{control}"' in page or control in ("version", "finalise-version", "nondata-version"), control


def test_autosave_returns_saved_time_new_version_and_banner(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = post_form(client, f"/calls/{call_id}/save",
                         call_form(1, notes="She said she has stockpiled pills and will take them tonight."),
                         headers=HX)
    assert response.status_code == 200
    assert re.search(r'id="save-status"[^>]*>Saved \d\d:\d\d:\d\d<', response.text)
    assert 'id="version" value="2" hx-swap-oob="true"' in response.text
    banner = re.search(r'<section id="risk-banner" class="banner level-(\w+)"[^>]*hx-swap-oob="true"', response.text)
    assert banner and banner.group(1) in ("high", "imminent")
    assert "<mark>" in response.text


def test_imminent_banner_turns_into_a_crisis_checklist(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = post_form(client, f"/calls/{call_id}/save",
                         call_form(1, notes="他现在就站在楼顶上，说马上要跳下去。"),
                         headers=HX)
    assert 'data-level="imminent"' in response.text
    assert 'data-testid="crisis-checklist"' in response.text
    response = post_form(client, f"/calls/{call_id}/crisis", {"step": "emergency_called"}, headers=HX)
    assert response.status_code == 200
    assert re.search(r"✔ 120 / 110 called <time>\d\d:\d\d:\d\d</time>", response.text)


@pytest.mark.parametrize("notes", [
    "来电者说半小时前把攒的药全吞下去了，现在头很晕",  # Mandarin: an act, its means, its time
    "佢話啱啱飲咗成支漂白水，而家喉嚨好痛",  # Cantonese
    "She's up on the roof of her building right now and says she's done.",
    "Took ~30 of her diazepam about 20 min ago, slurring.",
])
def test_an_act_just_made_is_one_explained_finding_and_the_crisis_checklist(client, logged_in, notes):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = post_form(client, f"/calls/{call_id}/save", call_form(1, notes=notes), headers=HX)
    assert 'data-level="imminent"' in response.text
    assert 'data-testid="crisis-checklist"' in response.text
    banner = response.text.split('id="risk-banner"', 1)[1].split("</section>", 1)[0]
    assert banner.count("<mark>") == 1  # one finding for the one act, however many rules fired on it
    assert re.search(r'data-testid="why">[^<]*(act|place) &#39;', banner)


def test_stale_save_is_a_409_fragment_showing_the_saved_text(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    post_form(client, f"/calls/{call_id}/save", call_form(1, notes="from tab one"), headers=HX)
    response = post_form(client, f"/calls/{call_id}/save", call_form(1, notes="from tab two"), headers=HX)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#conflict"
    assert 'data-server-version="2"' in response.text and "from tab one" in response.text
    assert "Nothing was overwritten" in response.text


def test_bad_field_values_get_a_422_message_and_save_nothing(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = post_form(client, f"/calls/{call_id}/save", call_form(1, caller_group="aliens", notes="refused-text"),
                         headers=HX)
    assert response.status_code == 422
    assert "Caller group: aliens is not one of the choices." in response.text
    response = post_form(client, f"/calls/{call_id}/save", call_form(1, notes="x" * 100_001), headers=HX)
    assert response.status_code == 422 and "too long" in response.text
    response = post_form(client, f"/calls/{call_id}/save", {"notes": "no version"}, headers=HX)
    assert response.status_code == 422
    page = client.get(f"/calls/{call_id}").text
    assert "refused-text" not in page and 'id="version" value="1"' in page


def test_finalise_with_missing_fields_lists_them_then_ends(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = post_form(client, f"/calls/{call_id}/finalise", {"version": "1"}, headers=HX)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#finalise-problems"
    assert 'data-field="summary"' in response.text
    post_form(client, f"/calls/{call_id}/save", call_form(1, call_type="about_self", caller_group="student",
                                                          concerns="anxiety", summary="Exam stress."), headers=HX)
    response = post_form(client, f"/calls/{call_id}/finalise", {"version": "2"}, headers=HX)
    assert response.headers["HX-Redirect"] == f"/calls/{call_id}"
    record = client.get(f"/calls/{call_id}").text
    assert "Finalised" in record and "Exam stress." in record and 'name="notes"' not in record


def test_non_data_call_takes_two_clicks(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = post_form(client, f"/calls/{call_id}/non-data", {"version": "1", "reason": "hang_up"})
    assert response.status_code == 303 and response.headers["location"] == "/calls"
    assert "Hang-up" in client.get("/calls").text


def test_override_needs_a_reason_and_shows_both_levels(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = post_form(client, f"/calls/{call_id}/override", {"level": "high", "reason": ""}, headers=HX)
    assert response.status_code == 422 and "Say why" in response.text
    response = post_form(client, f"/calls/{call_id}/override", {"level": "high", "reason": "Gave away his dog"},
                         headers=HX)
    assert 'data-level="high"' in response.text
    assert "Engine: No risk identified. Your judgement: High risk — Gave away his dog" in response.text


def test_repeat_caller_lookup_shows_earlier_calls(client, logged_in, session):
    counsellor = logged_in(Role.counsellor)
    first = call_from_the_page(client)
    post_form(client, f"/calls/{first}/caller", {"identifier": "13800138000"}, headers=HX)
    post_form(client, f"/calls/{first}/save", call_form(1, call_type="about_self", caller_group="elderly_alone",
                                                        concerns="loneliness", summary="Lonely since spring."),
              headers=HX)
    post_form(client, f"/calls/{first}/finalise", {"version": "2"}, headers=HX)
    second = call_from_the_page(client)
    response = post_form(client, f"/calls/{second}/caller", {"identifier": "138 0013 8000"}, headers=HX)
    assert 'data-testid="caller-history"' in response.text and "Lonely since spring." in response.text
    assert counsellor.id


def test_a_counsellor_cannot_open_anothers_call_but_a_supervisor_can(client, app, logged_in, make_user):
    from fastapi.testclient import TestClient

    from support import login

    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    other = make_user(Role.counsellor, username="other")
    supervisor = make_user(Role.supervisor, username="sup")
    with TestClient(app, follow_redirects=False) as browser:
        login(browser, other)
        response = browser.get(f"/calls/{call_id}")
        assert response.status_code == 403 and "belongs to another counsellor" in response.text
        browser.cookies.clear()
        login(browser, supervisor)
        response = browser.get(f"/calls/{call_id}")
        assert response.status_code == 200 and 'name="notes"' not in response.text


def test_coordinators_have_no_call_pages(client, logged_in):
    logged_in(Role.coordinator)
    assert client.get("/calls").status_code == 403


def test_search_page_filters_and_reports_bad_dates(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    post_form(client, f"/calls/{call_id}/save", call_form(1, notes="panic attacks at work"), headers=HX)
    page = client.get("/calls/search", params={"text": "panic"})
    assert "1 call found" in page.text and f'href="/calls/{call_id}"' in page.text
    page = client.get("/calls/search", params={"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert page.status_code == 422 and "start date is after the end date" in page.text
    page = client.get("/calls/search", params={"level": "catastrophic"})
    assert page.status_code == 422


def test_home_says_whether_i_am_on_a_published_shift(client, app, logged_in, make_user, session):
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from hotline.database import utcnow
    from hotline.roster.models import Assignment, Line, Shift, ShiftStatus
    from support import login

    user = logged_in(Role.counsellor)
    assert "No published roster covers this hour" in client.get("/calls").text
    line = Line(name="Test line", timezone="Asia/Shanghai")
    session.add(line)
    session.flush()
    shift = Shift(line_id=line.id, starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(hours=3),
                  seats=1, supervisor_required=False, status=ShiftStatus.published)
    session.add(shift)
    session.flush()
    session.add(Assignment(shift_id=shift.id, user_id=user.id, role="counsellor"))
    session.commit()
    assert "You are on shift now." in client.get("/calls").text
    make_user(Role.counsellor, username="offduty")
    with TestClient(app, follow_redirects=False) as other:
        login(other, "offduty")
        assert "You are not on a shift now." in other.get("/calls").text


def test_a_call_started_on_shift_belongs_to_that_line(client, logged_in, session):
    """Reports and the staffing forecast count calls per line: a call started from the console carries the
    line of the counsellor's shift, and none when they are off shift."""
    from datetime import timedelta

    from hotline.calls.models import Call
    from hotline.database import utcnow
    from hotline.roster.lines import create_line
    from hotline.roster.models import Assignment, Shift, ShiftStatus

    counsellor = logged_in(Role.counsellor)
    off_shift = session.get(Call, call_from_the_page(client))
    line = create_line(session=session, name="Hope line", timezone="Asia/Shanghai")
    now = utcnow()
    shift = Shift(line_id=line.id, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=7),
                  status=ShiftStatus.published)
    session.add(shift)
    session.commit()
    session.add(Assignment(shift_id=shift.id, user_id=counsellor.id))
    session.commit()
    on_shift = session.get(Call, call_from_the_page(client))
    assert off_shift.line is None and on_shift.line == "Hope line"
    # The phone system names the line itself over the API; without one the shift's line is taken.
    from support import csrf_token

    headers = {"X-CSRFToken": csrf_token(client)}
    for body, line_name in (({}, "Hope line"), ({"line": "12356"}, "12356")):
        response = client.post("/api/v1/calls", json=body, headers=headers)
        assert response.status_code == 201 and session.get(Call, response.json()["id"]).line == line_name


def test_hand_over_from_the_call_screen_and_the_supervisors_record(client, logged_in, make_user, session):
    from hotline.calls.models import Call

    make_user(Role.counsellor, username="zhou", display_name="Zhou Min")
    make_user(Role.coordinator, username="rota", display_name="Rota Person")
    logged_in(Role.counsellor, display_name="Li Na")
    call_id = call_from_the_page(client)
    screen = client.get(f"/calls/{call_id}").text
    assert 'data-testid="hand-over"' in screen and ">Zhou Min<" in screen and "Rota Person" not in screen
    refused = post_form(client, f"/calls/{call_id}/hand-over", {"to": "rota"})
    assert refused.status_code == 422 and "Choose an active counsellor or supervisor" in refused.text
    done = post_form(client, f"/calls/{call_id}/hand-over", {"to": "zhou", "reason": "shift ended"})
    assert done.status_code == 303 and done.headers["location"] == "/calls"
    assert "Call handed over." in client.get("/calls").text
    # No longer theirs, and the pages say to whom: a save still coming from the old screen, its banner
    # refresh, and the page itself. The screen is told to stop saving (HX-Trigger).
    late_save = post_form(client, f"/calls/{call_id}/save", call_form(2, notes="one more line"), headers=HX)
    assert late_save.status_code == 403 and "handed over to Zhou Min" in late_save.text
    assert "hotline:handed-over" in late_save.headers["HX-Trigger"]
    banner = client.get(f"/calls/{call_id}/banner", headers=HX)
    assert banner.status_code == 403 and "hotline:handed-over" in banner.headers["HX-Trigger"]
    page = client.get(f"/calls/{call_id}")
    assert page.status_code == 403 and "handed over to Zhou Min" in page.text

    # A supervisor reading a live call can take it over.
    supervisor = logged_in(Role.supervisor, username="lead")
    record = client.get(f"/calls/{call_id}").text
    assert 'data-testid="hand-over"' in record and "hx-sync" not in record.split('data-testid="hand-over"')[1]
    assert "Li Na handed the call to Zhou Min" in record
    taken = post_form(client, f"/calls/{call_id}/hand-over", {"to": "lead"})
    assert taken.headers["location"] == f"/calls/{call_id}"
    session.expire_all()
    assert session.get(Call, call_id).counsellor_id == supervisor.id
    screen = client.get(f"/calls/{call_id}").text
    assert 'id="call-form"' in screen  # now the supervisor's call screen, which shows how it got there
    hand_overs = screen.split('data-testid="hand-overs"')[1].split("</ul>")[0]
    assert "Li Na handed the call to Zhou Min" in hand_overs
    assert f"Zhou Min handed the call to {supervisor.display_name} (by {supervisor.display_name})" in hand_overs


def test_the_finished_record_shows_everything_the_counsellor_recorded(client, logged_in, make_user, session):
    """Region, language, callback, supervisor consulted and every crisis tick with its time: what a supervisor
    and an auditor read is all that was recorded, whatever the level is at the end."""
    from datetime import UTC, datetime

    import time_machine

    from factories import draft_call, finalise
    from hotline.calls import flows

    counsellor = make_user(Role.counsellor, username="nightowl")
    with time_machine.travel(datetime(2026, 3, 14, 2, 5, 9, tzinfo=UTC), tick=False):
        call = draft_call(session, counsellor, "She took an overdose of sleeping pills just now.",
                          call_type="about_self", caller_group="general_public", concerns=["low_mood"],
                          interventions=["safety_plan"], summary="Ambulance sent.", region="Haidian",
                          language="Cantonese", callback_needed=True, supervisor_consulted=True)
        flows.tick_crisis_step(session=session, user=counsellor, call_id=call.id, step="location_obtained")
    with time_machine.travel(datetime(2026, 3, 14, 2, 7, 30, tzinfo=UTC), tick=False):
        flows.tick_crisis_step(session=session, user=counsellor, call_id=call.id, step="emergency_called")
    session.refresh(call)
    # The counsellor judged it lower by the end: the ticks made at imminent stay on the record.
    finalise(session, counsellor, call, level="high")
    logged_in(Role.supervisor)
    page = client.get(f"/calls/{call.id}").text

    def fact(testid):
        return re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', page).group(1)

    assert fact("region") == "Haidian" and fact("language") == "Cantonese"
    assert fact("callback-needed") == "Yes" and fact("callback-ok") == "No"
    assert fact("supervisor-consulted") == "Yes"
    ticks = re.search(r'data-testid="crisis-ticks">(.*?)</ul>', page, re.S).group(1)
    assert "Location obtained" in ticks and "2026-03-14 10:05:09" in ticks
    assert "120 / 110 called" in ticks and "2026-03-14 10:07:30" in ticks


def test_imminent_banner_says_when_the_supervisors_were_alerted_and_who_took_it(client, app, logged_in, make_user,
                                                                                session):
    from datetime import datetime

    import time_machine

    from hotline.referrals import service as referrals

    tz = app.state.settings.tz
    with time_machine.travel(datetime(2026, 3, 4, 2, 14, 5, tzinfo=tz)):
        counsellor = logged_in(Role.counsellor)
        call_id = call_from_the_page(client)
        response = post_form(client, f"/calls/{call_id}/save",
                             call_form(1, notes="他现在就站在楼顶上，说马上要跳下去。"), headers=HX)
        assert 'data-level="imminent"' in response.text
        # The ask-a-supervisor button is gone at imminent: the banner says the queue already has the call.
        assert "Ask a supervisor" not in response.text
        alerted = re.search(r'data-testid="supervisors-alerted">([^<]+)</p>', response.text)
        assert alerted, response.text
        assert re.search(r"Supervisors alerted at 02:14:\d\d: the call is in their queue\. Nobody has taken it yet\.",
                         alerted.group(1))

    with time_machine.travel(datetime(2026, 3, 4, 2, 16, 30, tzinfo=tz)):
        supervisor = make_user(Role.supervisor, display_name="Supervisor Wang")
        referral = referrals.referral_for_call(session=session, call=session.get(Call, call_id))
        referrals.claim(session=session, user=supervisor, referral_id=referral.id)
        banner = client.get(f"/calls/{call_id}/banner", headers=HX).text
    assert counsellor.id != supervisor.id
    assert re.search(r"Supervisors alerted at 02:14:\d\d: the call is in their queue\. "
                     r"Supervisor Wang took it at 02:16:\d\d\.", banner), banner


def test_debrief_prompt_names_the_level_the_call_ended_at(client, logged_in, session):
    from factories import finished_call

    counsellor = logged_in(Role.counsellor)
    imminent, _referral = finished_call(session, counsellor, "他现在就站在楼顶上，说马上要跳下去。")
    high, _referral = finished_call(session, counsellor, "Caller feels low.", level="high")
    assert imminent.level.value == "imminent"
    page = client.get("/calls").text
    assert f"Call {imminent.id} ended at Imminent risk." in page
    assert f"Call {high.id} ended at High risk." in page
    assert "was high risk" not in page


def test_unfinished_calls_show_the_call_number_and_first_words_to_their_own_counsellor_only(
        client, logged_in, make_user, session):
    from factories import draft_call

    counsellor = logged_in(Role.counsellor)
    english = draft_call(session, counsellor, "Caller is a nurse on night shifts who cannot sleep and worries "
                                              "about her mother in hospital; she called twice last week.")
    chinese = draft_call(session, counsellor, "来电者是社区工作者，连续加班，睡不好，担心家人。" * 4)
    empty = draft_call(session, counsellor)
    colleague = make_user(Role.counsellor, username="colleague")
    theirs = draft_call(session, colleague, "Someone else's caller talks about the bridge.")

    page = client.get("/calls").text
    row = re.search(rf'<tr data-testid="draft-{english.id}">(.*?)</tr>', page, re.S).group(1)
    assert f"Call {english.id}" in row
    assert "Caller is a nurse on night shifts who cannot sleep and…" in row
    assert "hospital" not in row  # the first words, not the whole note
    row = re.search(rf'<tr data-testid="draft-{chinese.id}">(.*?)</tr>', page, re.S).group(1)
    assert "来电者是社区工作者，连续加班，睡不好，担心家人。来电者是社区工作者" in row and "…" in row
    row = re.search(rf'<tr data-testid="draft-{empty.id}">(.*?)</tr>', page, re.S).group(1)
    assert "No notes yet" in row
    # A colleague's call in progress is theirs: neither its number nor its words are listed here.
    assert f'data-testid="draft-{theirs.id}"' not in page and "bridge" not in page

    logged_in(Role.supervisor)
    page = client.get("/calls").text
    assert "nurse on night shifts" not in page and "bridge" not in page and "社区工作者" not in page


def test_mood_and_distress_scales_say_which_end_is_which(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    page = client.get(f"/calls/{call_id}").text
    assert "0 calm – 10 worst" in page  # distress: 10 is the worst
    assert '<label for="mood_start">Mood at start (1 very low – 10 very good)</label>' in page
    assert '<label for="mood_end">Mood at end (1 very low – 10 very good)</label>' in page
    mood_end = re.search(r'<select id="mood_end".*?</select>', page, re.S).group(0)
    assert '<option value="1" >1 · very low</option>' in mood_end
    assert '<option value="10" >10 · very good</option>' in mood_end
    assert "the other way from distress, where 10 is worst" in page

    post_form(client, f"/calls/{call_id}/save", call_form(1, mood_start="3", mood_end="7"), headers=HX)
    post_form(client, f"/calls/{call_id}/finalise", {"version": "2", "incomplete": "on"})
    record = client.get(f"/calls/{call_id}").text
    assert re.search(r"Mood at start \(1 very low – 10 very good\)</dt><dd>3</dd>", record)
    assert re.search(r"Mood at end \(1 very low – 10 very good\)</dt><dd>7</dd>", record)
