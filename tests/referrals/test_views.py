"""The queue page, a referral's page, follow-ups and destinations as a supervisor's browser sees them."""

import re

from hotline.accounts.models import Role
from support import post_form


def test_queue_page_orders_and_polls(client, logged_in, flagged_call):
    _, high = flagged_call("high")
    _, imminent = flagged_call("imminent")
    logged_in(Role.supervisor)
    page = client.get("/referrals").text
    assert re.findall(r'data-referral="(\d+)"', page) == [str(imminent.id), str(high.id)]
    assert 'hx-trigger="every 3s, live from:#queue-live"' in page and "/static/js/queue.js" in page
    assert 'data-live-src="/live/queue"' in page and "/static/js/live.js" in page
    assert 'data-imminent-waiting="1"' in page
    rows = client.get("/referrals", headers={"HX-Request": "true"}).text
    assert rows.lstrip().startswith('<section id="queue"') and "<html" not in rows


def test_queue_filter_with_a_bad_value_is_a_422(client, logged_in):
    logged_in(Role.supervisor)
    response = client.get("/referrals", params={"status": "lost"})
    assert response.status_code == 422 and "Unknown status: lost" in response.text


def test_claim_from_the_page_and_a_second_supervisor_sees_who_has_it(client, app, logged_in, flagged_call,
                                                                     make_user):
    from fastapi.testclient import TestClient

    from support import login

    _, referral = flagged_call("high")
    logged_in(Role.supervisor, username="first", display_name="Dr Li")
    assert post_form(client, f"/referrals/{referral.id}/claim").status_code == 303
    page = client.get(f"/referrals/{referral.id}").text
    assert 'data-testid="owner">Dr Li<' in page
    make_user(Role.supervisor, username="second")
    with TestClient(app, follow_redirects=False) as other:
        login(other, "second")
        response = post_form(other, f"/referrals/{referral.id}/claim")
        assert response.status_code == 409 and "Dr Li has already taken this referral." in response.text


def test_workflow_through_the_pages_shows_on_the_call(client, logged_in, flagged_call, destination):
    call, referral = flagged_call("imminent")
    logged_in(Role.supervisor)
    url = f"/referrals/{referral.id}"
    post_form(client, f"{url}/claim")
    skipped = post_form(client, f"{url}/transition", {"to": "closed"})
    assert skipped.status_code == 409 and "cannot go from" in skipped.text
    post_form(client, f"{url}/transition", {"to": "in_progress"})
    missing = post_form(client, f"{url}/transition", {"to": "referred"})
    assert missing.status_code == 422 and "Choose where the caller was referred." in missing.text
    post_form(client, f"{url}/transition", {"to": "referred", "destination_id": str(destination.id),
                                           "reference_number": "120-0042"})
    post_form(client, f"{url}/transition", {"to": "closed"})
    page = client.get(url).text
    assert 'data-testid="referral-status">Closed<' in page
    assert "Mental Health Centre · 120-0042" in page
    assert page.count("<li>") >= 5  # timeline and follow-ups
    record = client.get(f"/calls/{call.id}").text
    assert f'href="/referrals/{referral.id}"' in record and "Referred onward" in record
    follow_ups = client.get("/follow-ups").text
    assert "Nothing due today." in follow_ups  # the first one is due tomorrow


def test_review_is_shown_to_the_counsellor(client, app, logged_in, flagged_call):
    from fastapi.testclient import TestClient

    from support import PASSWORD, login

    call, _ = flagged_call("high")
    logged_in(Role.supervisor)
    assert post_form(client, f"/calls/{call.id}/reviews", {"comment": "Calm and clear. Well done."}).status_code == 303
    empty = post_form(client, f"/calls/{call.id}/reviews", {"comment": "  "})
    assert empty.status_code == 422
    with TestClient(app, follow_redirects=False) as counsellor:
        login(counsellor, "counsellor1", PASSWORD)
        record = counsellor.get(f"/calls/{call.id}").text
        assert "Calm and clear. Well done." in record and "Review comment" not in record
        home = counsellor.get("/calls").text
        assert 'data-testid="debriefs"' in home


def test_destinations_admin(client, logged_in):
    logged_in(Role.admin)
    response = post_form(client, "/admin/destinations", {"name": "City 120", "kind": "emergency", "phone": "120",
                                                          "active": "on"})
    assert response.status_code == 303
    page = client.get("/admin/destinations").text
    destination_id = re.search(r'name="destination_id" value="(\d+)"', page).group(1)
    assert 'value="City 120"' in page
    # Edit the row: new hours, taken out of use (the checkbox is not sent when unticked).
    post_form(client, "/admin/destinations", {"destination_id": destination_id, "name": "City 120",
                                              "kind": "emergency", "phone": "120", "hours": "24h"})
    page = client.get("/admin/destinations").text
    assert 'value="24h"' in page and re.search(r'name="active"\s+>', page)
    bad = post_form(client, "/admin/destinations", {"name": "X", "kind": "spaceship"})
    assert bad.status_code == 422 and "Unknown kind of destination." in bad.text


def test_referrals_api(client, session, flagged_call, make_user, destination):
    from hotline.accounts import service as accounts

    _, referral = flagged_call("high")
    _, imminent = flagged_call("imminent")
    first = make_user(Role.supervisor, username="api1")
    second = make_user(Role.supervisor, username="api2")
    headers = {"Authorization": "Bearer " + accounts.issue_token(session=session, user=first)}
    other = {"Authorization": "Bearer " + accounts.issue_token(session=session, user=second)}
    listed = client.get("/api/v1/referrals?status=open", headers=headers).json()
    assert [r["id"] for r in listed] == [imminent.id, referral.id]
    assert set(listed[0]) >= {"id", "call_id", "level", "status", "owner", "opened_at", "deadline_at"}
    assert client.post(f"/api/v1/referrals/{referral.id}/claim", headers=headers).status_code == 200
    taken = client.post(f"/api/v1/referrals/{referral.id}/claim", headers=other)
    assert taken.status_code == 409 and taken.json()["owner"] == "api1"
    moved = client.post(f"/api/v1/referrals/{referral.id}/transition", headers=headers, json={"to": "in_progress"})
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    bad = client.post(f"/api/v1/referrals/{referral.id}/transition", headers=headers, json={"to": "flying"})
    assert bad.status_code == 422
    detail = client.get(f"/api/v1/referrals/{referral.id}", headers=headers).json()
    # The alert when it opened (alerts/: nobody on the roster, so the admin), then the steps taken.
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds == ["opened", "alerted", "claimed", "status"]
    assert client.get("/api/v1/follow-ups?due=today", headers=headers).json() == []
    assert client.get("/api/v1/follow-ups?due=someday", headers=headers).status_code == 422
    counsellor = {"Authorization": "Bearer " + accounts.issue_token(
        session=session, user=make_user(Role.counsellor))}
    assert client.get("/api/v1/referrals", headers=counsellor).status_code == 403


def test_a_long_queue_shows_the_most_urgent_and_says_how_many_more(client, logged_in, flagged_call, monkeypatch):
    from hotline.referrals import views

    monkeypatch.setattr(views, "QUEUE_PAGE_ROWS", 2)
    _, moderate = flagged_call("moderate")
    _, high = flagged_call("high")
    _, imminent = flagged_call("imminent")
    logged_in(Role.supervisor)
    page = client.get("/referrals", headers={"HX-Request": "true"}).text
    assert re.findall(r'data-referral="(\d+)"', page) == [str(imminent.id), str(high.id)]
    assert "Showing the 2 most urgent of 3." in page
    assert 'data-imminent-waiting="1"' in page
    narrowed = client.get("/referrals", params={"level": "moderate"}, headers={"HX-Request": "true"}).text
    assert re.findall(r'data-referral="(\d+)"', narrowed) == [str(moderate.id)]
    assert "most urgent" not in narrowed


def test_a_deadline_shows_its_date_when_not_today_and_is_overdue_by_the_full_moment(client, logged_in,
                                                                                    flagged_call):
    """A moderate referral is acknowledged within a day: opened at 10:25, "acknowledge by 10:25" read at 10:32
    is tomorrow's 10:25 and says so; read the next day at 10:32 it is overdue. (The line's clock is UTC+8.)"""
    from datetime import UTC, datetime

    import time_machine

    with time_machine.travel(datetime(2026, 3, 14, 2, 25, tzinfo=UTC), tick=False):
        _, moderate = flagged_call("moderate")
    with time_machine.travel(datetime(2026, 3, 14, 2, 20, tzinfo=UTC), tick=False):
        _, high = flagged_call("high")

    def deadline_cell(page, referral):
        row = re.search(rf'<tr[^>]*data-referral="{referral.id}".*?</tr>', page, re.S).group(0)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", row.split("</td>")[1]))

    with time_machine.travel(datetime(2026, 3, 14, 2, 32, tzinfo=UTC), tick=False):
        logged_in(Role.supervisor)
        page = client.get("/referrals").text
        assert "acknowledge by 2026-03-15 10:25" in deadline_cell(page, moderate)
        assert "overdue" not in deadline_cell(page, moderate)
        # High: 15 minutes from 10:20, today, so the clock time alone; passed at 10:36.
        assert "overdue" not in deadline_cell(page, high) and "acknowledge by 10:35" in deadline_cell(page, high)
        assert "acknowledge by 2026-03-15 10:25" in client.get(f"/referrals/{moderate.id}").text
    with time_machine.travel(datetime(2026, 3, 14, 2, 36, tzinfo=UTC), tick=False):
        assert "overdue" in deadline_cell(client.get("/referrals").text, high)
    with time_machine.travel(datetime(2026, 3, 15, 2, 32, tzinfo=UTC), tick=False):
        logged_in(Role.supervisor)  # the night's login has timed out
        cell = deadline_cell(client.get("/referrals").text, moderate)
        assert "overdue" in cell and "acknowledge by 10:25" in cell


def test_a_raised_level_shows_the_counsellors_reason_beside_the_engines_evidence(client, logged_in, session,
                                                                                  make_user):
    from factories import draft_call, finalise
    from hotline.calls import flows

    counsellor = make_user(Role.counsellor)
    call = draft_call(session, counsellor, "She has been thinking about ways to die but has no plan.",
                      call_type="about_self", caller_group="general_public", concerns=["low_mood"],
                      interventions=["safety_plan"], summary="Referred.")
    assert call.engine_level == "moderate"
    call = flows.override_level(session=session, user=counsellor, call_id=call.id, level="high",
                                reason="Flat voice, gave her cat away this week")
    _, referral = finalise(session, counsellor, call)
    logged_in(Role.supervisor)
    page = client.get("/referrals").text
    row = re.search(rf'<tr[^>]*data-referral="{referral.id}".*?</tr>', page, re.S).group(0)
    judgement = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(
        r'data-testid="judgement">(.*?)</p>', row, re.S).group(1)))
    assert "Counsellor raised the level to High risk (engine: Moderate risk)" in judgement
    assert "Flat voice, gave her cat away this week" in judgement
    assert "<mark" in row  # the engine's evidence stays beside it
    assert "Flat voice, gave her cat away this week" in client.get(f"/referrals/{referral.id}").text


def test_the_counsellor_hears_in_the_bell_when_a_supervisor_reviews_their_call(client, app, logged_in,
                                                                                flagged_call):
    from fastapi.testclient import TestClient

    from support import PASSWORD, csrf_token, login

    call, _ = flagged_call("high")
    logged_in(Role.supervisor, display_name="Supervisor Zhou")
    assert post_form(client, f"/calls/{call.id}/reviews", {"comment": "Calm and clear. Well done."}).status_code == 303
    with TestClient(app, follow_redirects=False) as counsellor:
        login(counsellor, "counsellor1", PASSWORD)
        assert 'data-testid="bell-count">1<' in counsellor.get("/notifications/bell").text
        page = counsellor.get("/notifications").text
        assert f"Supervisor Zhou reviewed your call #{call.id}." in page
        assert "Calm and clear" not in page  # the comment is on the record, never in the header
        entry = re.search(r'action="/notifications/(\d+)/open"', page).group(1)
        opened = counsellor.post(f"/notifications/{entry}/open", headers={"X-CSRFToken": csrf_token(counsellor)})
        assert opened.headers["location"] == f"/calls/{call.id}"
        assert "Calm and clear. Well done." in counsellor.get(f"/calls/{call.id}").text


def test_a_step_refused_is_answered_beside_its_form_and_the_page_stays(client, logged_in, flagged_call):
    call, referral = flagged_call("high")
    logged_in(Role.supervisor)
    url = f"/referrals/{referral.id}"
    post_form(client, f"{url}/claim")
    post_form(client, f"{url}/transition", {"to": "in_progress"})
    page = client.get(url).text
    # the "resolved" step posts in place and has its own slot for what the server says
    assert f'hx-post="{url}/transition" hx-target="#step-resolved-error"' in page
    assert '<div id="step-resolved-error" class="form-error"></div>' in page
    refused = post_form(client, f"{url}/transition", {"to": "resolved", "resolution": "   "},
                        headers={"HX-Request": "true", "HX-Target": "step-resolved-error"})
    # a 4xx swapped into the form's slot, not a page of its own and not the message area at the top
    assert refused.status_code == 422 and "Say how the referral was resolved." in refused.text
    assert "HX-Retarget" not in refused.headers and "<html" not in refused.text
    done = post_form(client, f"{url}/transition", {"to": "resolved", "resolution": "GP appointment booked"},
                     headers={"HX-Request": "true", "HX-Target": "step-resolved-error"})
    assert done.headers["HX-Redirect"] == url
    # the review on the call's record answers the same way, keeping a half-written comment
    record = client.get(f"/calls/{call.id}").text
    assert f'hx-post="/calls/{call.id}/reviews" hx-target="#review-error"' in record
    refused_review = post_form(client, f"/calls/{call.id}/reviews", {"comment": " "},
                               headers={"HX-Request": "true", "HX-Target": "review-error"})
    assert 400 <= refused_review.status_code < 500 and "HX-Retarget" not in refused_review.headers
