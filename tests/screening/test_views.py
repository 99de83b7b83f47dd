"""The screening panel, the distress keys and the charts as the browser gets them, and the JSON API."""

import re

import pytest

from factories import call_from_the_page
from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from support import post_form

HX = {"HX-Request": "true"}



def bearer(session, user):
    return {"Authorization": "Bearer " + accounts.issue_token(session=session, user=user)}


def phq9_form(answers):
    return {"instrument": "phq9", **{f"q{i}": str(a) for i, a in enumerate(answers, start=1)}}


def finalise(client, call_id):
    data = {"form": "call", "version": "1", "notes": "", "summary": "Listened.", "call_type": "about_self",
            "caller_group": "student", "concerns": "low_mood", "interventions": "listening"}
    assert post_form(client, f"/calls/{call_id}/save", data).status_code == 303
    page = client.get(f"/calls/{call_id}").text
    version = re.search(r'id="finalise-version" value="(\d+)"', page).group(1)
    assert post_form(client, f"/calls/{call_id}/finalise", {"version": version}).status_code == 303


def test_call_screen_offers_the_instruments_and_distress_keys(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    page = client.get(f"/calls/{call_id}").text
    for instrument in ("phq9", "gad7", "phq4"):
        assert f"/calls/{call_id}/screenings/new?instrument={instrument}" in page
    assert page.count("data-distress=") == 11 and "/static/js/screening.js" in page


def test_the_form_has_every_item_in_the_callers_language(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    form = client.get(f"/calls/{call_id}/screenings/new?instrument=phq9", headers=HX).text
    assert form.count('class="screening-item"') == 9 and 'name="q9"' in form
    assert "better off dead" in form and "Kroenke" in form
    client.cookies.set("hotline_locale", "zh_CN")
    form = client.get(f"/calls/{call_id}/screenings/new?instrument=gad7", headers=HX).text
    assert form.count('class="screening-item"') == 7 and "很难放松下来" in form and "几乎每天" in form


def test_unknown_instrument_form_is_a_clear_422(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = client.get(f"/calls/{call_id}/screenings/new?instrument=beck", headers=HX)
    assert response.status_code == 422 and "Unknown screening instrument: beck." in response.text


def test_scoring_answers_with_the_band_and_the_banner_at_once(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    response = post_form(client, f"/calls/{call_id}/screenings", phq9_form([2, 2, 2, 2, 2, 1, 1, 0, 1]), headers=HX)
    assert response.status_code == 200
    assert re.search(r'data-testid="screening-band">Moderate<', response.text)
    assert "total 13 of 27" in response.text
    # the banner comes along out of band, with item 9 as evidence
    assert 'id="risk-banner"' in response.text and 'hx-swap-oob="true"' in response.text
    assert 'data-rule="answers.phq9_item9"' in response.text and "PHQ-9 item 9" in response.text
    page = client.get(f"/calls/{call_id}").text
    assert 'data-level="low"' in page


def test_an_unanswered_item_is_named_and_nothing_is_kept(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    data = phq9_form([1] * 9)
    del data["q5"]
    response = post_form(client, f"/calls/{call_id}/screenings", data, headers=HX)
    assert response.status_code == 422 and "Question 5 is not answered yet." in response.text
    data = phq9_form([1] * 8 + [7])
    response = post_form(client, f"/calls/{call_id}/screenings", data, headers=HX)
    assert response.status_code == 422 and "Question 9: the answer must be between 0 and 3." in response.text
    assert "screening-list" not in client.get(f"/calls/{call_id}").text


def test_distress_marks_draw_the_curve_on_the_record(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    for level in (9, 6, 3):
        response = post_form(client, f"/calls/{call_id}/distress", {"level": str(level)}, headers=HX)
        assert response.status_code == 200
    assert response.text.count('class="point"') == 3 and "latest 3" in response.text
    bad = post_form(client, f"/calls/{call_id}/distress", {"level": "11"}, headers=HX)
    assert bad.status_code == 422 and "Distress is marked from 0 (calm) to 10 (worst)." in bad.text
    finalise(client, call_id)
    record = client.get(f"/calls/{call_id}").text
    curve = re.search(r'<svg[^>]*data-testid="distress-curve".*?</svg>', record, re.S).group(0)
    assert re.findall(r'data-value="(\d+)"', curve) == ["9", "6", "3"]
    assert "<polyline" in curve and "data-distress=" not in record  # no keys on a finished call
    late = post_form(client, f"/calls/{call_id}/distress", {"level": "2"}, headers=HX)
    assert late.status_code == 409 and "finalised" in late.text


def test_another_counsellor_cannot_mark_or_screen(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    logged_in(Role.counsellor, username="other")
    assert post_form(client, f"/calls/{call_id}/distress", {"level": "5"}).status_code == 403
    assert post_form(client, f"/calls/{call_id}/screenings", phq9_form([0] * 9)).status_code == 403


def test_trend_on_the_callers_history(client, logged_in):
    logged_in(Role.counsellor)
    first = call_from_the_page(client)
    post_form(client, f"/calls/{first}/caller", {"identifier": "13900002222"}, headers=HX)
    post_form(client, f"/calls/{first}/screenings", phq9_form([3, 3, 3, 3, 3, 3, 0, 0, 0]), headers=HX)
    finalise(client, first)
    second = call_from_the_page(client)
    linked = post_form(client, f"/calls/{second}/caller", {"identifier": "13900002222"}, headers=HX).text
    assert re.findall(r'data-value="(\d+)"', linked) == ["18"]  # the trend appears as soon as the caller is known
    scored = post_form(client, f"/calls/{second}/screenings", phq9_form([1, 1, 1, 1, 1, 1, 0, 0, 0]), headers=HX)
    live = re.search(r'<div id="screening-trends"[^>]*hx-swap-oob="true".*?</svg>', scored.text, re.S).group(0)
    assert re.findall(r'data-value="(\d+)"', live) == ["18", "6"]  # the trend follows at once
    page = client.get(f"/calls/{second}").text
    trend = re.search(r'<svg[^>]*data-testid="trend-phq9".*?</svg>', page, re.S).group(0)
    assert re.findall(r'data-value="(\d+)"', trend) == ["18", "6"]


# --- JSON API -------------------------------------------------------------------------------------------

def test_api_screenings_and_distress(client, session, make_user):
    headers = bearer(session, make_user(Role.counsellor))
    call = client.post("/api/v1/calls", headers=headers).json()
    url = f"/api/v1/calls/{call['id']}"
    created = client.post(f"{url}/screenings", headers=headers,
                          json={"instrument": "phq4", "answers": [3, 3, 1, 1]})
    assert created.status_code == 201, created.text
    assert created.json() | {"at": None, "id": None} == {
        "id": None, "call_id": call["id"], "instrument": "phq4", "answers": [3, 3, 1, 1], "total": 8,
        "band": "moderate", "band_label": "Moderate", "at": None}
    assert [s["total"] for s in client.get(f"{url}/screenings", headers=headers).json()] == [8]
    for level in (7, 4):
        assert client.post(f"{url}/distress", headers=headers, json={"level": level}).status_code == 201
    marks = client.get(f"{url}/distress", headers=headers).json()
    assert [m["level"] for m in marks] == [7, 4] and all(m["minute"] >= 0 for m in marks)


@pytest.mark.parametrize(
    "path, body, status, message",
    [
        ("screenings", {"instrument": "phq9", "answers": [0] * 7}, 422,
         "This screening has 9 questions; 7 answers were given."),
        ("screenings", {"instrument": "phq9", "answers": [0] * 8 + [-1]}, 422,
         "Question 9: the answer must be between 0 and 3."),
        ("screenings", {"instrument": "sds", "answers": [0] * 20}, 422, "Unknown screening instrument: sds."),
        ("screenings", {"instrument": "phq4"}, 422, "Answers is required."),
        ("screenings", {"instrument": "phq4", "answers": [0] * 4, "extra": 1}, 422, "Unknown field: extra."),
        ("distress", {"level": 11}, 422, "Distress is marked from 0 (calm) to 10 (worst)."),
        ("distress", {"level": "loud"}, 422, "Level is not valid."),
        ("distress", {}, 422, "Level is required."),
    ],
)
def test_api_bad_input(client, session, make_user, path, body, status, message):
    headers = bearer(session, make_user(Role.counsellor))
    call = client.post("/api/v1/calls", headers=headers).json()
    response = client.post(f"/api/v1/calls/{call['id']}/{path}", headers=headers, json=body)
    assert response.status_code == status and message in response.json()["detail"], response.text
    assert client.get(f"/api/v1/calls/{call['id']}/{path}", headers=headers).json() == []


def test_api_refuses_a_finalised_call(client, session, make_user):
    headers = bearer(session, make_user(Role.counsellor))
    call = client.post("/api/v1/calls", headers=headers).json()
    client.post(f"/api/v1/calls/{call['id']}/finalise", headers=headers, json={"version": 1, "incomplete": True})
    response = client.post(f"/api/v1/calls/{call['id']}/screenings", headers=headers,
                           json={"instrument": "phq9", "answers": [0] * 9})
    assert response.status_code == 409 and "finalised" in response.json()["detail"]
    response = client.post(f"/api/v1/calls/{call['id']}/distress", headers=headers, json={"level": 3})
    assert response.status_code == 409


def test_the_record_lists_screenings_not_as_yes_no_questions(client, logged_in):
    logged_in(Role.counsellor)
    call_id = call_from_the_page(client)
    post_form(client, f"/calls/{call_id}/screenings", phq9_form([0, 0, 0, 0, 0, 0, 0, 0, 3]), headers=HX)
    finalise(client, call_id)
    record = client.get(f"/calls/{call_id}").text
    assert "Item 9 above “not at all”" in record and "Risk questions" not in record
    assert 'data-rule="answers.phq9_item9"' in record  # the evidence stays with the finished call
