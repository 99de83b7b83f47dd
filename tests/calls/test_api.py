"""The calls API: the same services for scripts and the phone system."""

from hotline.accounts import service as accounts
from hotline.accounts.models import Role


def bearer(session, user):
    return {"Authorization": "Bearer " + accounts.issue_token(session=session, user=user)}


def test_start_save_and_finalise_a_call_over_the_api(client, session, make_user):
    headers = bearer(session, make_user(Role.counsellor))
    started = client.post("/api/v1/calls", json={}, headers=headers)
    assert started.status_code == 201
    call = started.json()
    assert call["version"] == 1 and call["url"] == f"/calls/{call['id']}"
    saved = client.patch(f"/api/v1/calls/{call['id']}", headers=headers, json={
        "version": 1, "notes": "She took an overdose of sleeping pills just now.",
        "call_type": "about_self", "caller_group": "general_public", "concerns": ["low_mood"],
        "summary": "Ambulance sent.", "interventions": ["referral"]})
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["version"] == 2 and body["level"] == "imminent"
    assert body["evidence"] and body["actions"]
    stale = client.patch(f"/api/v1/calls/{call['id']}", headers=headers, json={"version": 1, "notes": "lost?"})
    assert stale.status_code == 409 and stale.json()["version"] == 2
    ended = client.post(f"/api/v1/calls/{call['id']}/finalise", headers=headers, json={"version": 2})
    assert ended.status_code == 200
    assert ended.json()["status"] == "finalised" and ended.json()["referral_id"] is not None


def test_finalise_names_each_missing_field(client, session, make_user):
    headers = bearer(session, make_user(Role.counsellor))
    call = client.post("/api/v1/calls", headers=headers).json()
    response = client.post(f"/api/v1/calls/{call['id']}/finalise", headers=headers, json={"version": 1})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"call_type", "caller_group", "concerns", "summary"}


def test_phone_system_start_is_idempotent_and_links_the_caller(client, session, make_user):
    headers = bearer(session, make_user(Role.counsellor))
    payload = {"external_id": "pbx-778", "line": "12356", "seat": "7", "caller_number": "13900001111"}
    first = client.post("/api/v1/calls", headers=headers, json=payload)
    again = client.post("/api/v1/calls", headers=headers, json=payload)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert "13900001111" not in again.text


def test_api_bad_input(client, session, make_user):
    headers = bearer(session, make_user(Role.counsellor))
    call = client.post("/api/v1/calls", headers=headers).json()
    url = f"/api/v1/calls/{call['id']}"
    assert client.patch(url, headers=headers, json={"notes": "no version"}).status_code == 422
    response = client.patch(url, headers=headers, json={"version": 1, "answers": {"favourite": True}})
    assert response.status_code == 422 and "Unknown field" in response.json()["detail"]
    response = client.patch(url, headers=headers, json={"version": 1, "notes": "n" * 100_001})
    assert response.status_code == 422
    response = client.patch(url, headers={**headers, "Content-Type": "application/json"}, content="{not json")
    assert response.status_code == 422 and "not valid JSON" in response.json()["detail"]
    other = bearer(session, make_user(Role.counsellor))
    assert client.get(url, headers=other).status_code == 403
    coordinator = bearer(session, make_user(Role.coordinator))
    assert client.post("/api/v1/calls", headers=coordinator).status_code == 403


def test_session_writes_need_the_csrf_header(client, logged_in):
    from support import csrf_token

    logged_in(Role.counsellor)
    assert client.post("/api/v1/calls", json={}).status_code == 403
    response = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201


def test_hand_over_over_the_api(client, session, make_user):
    counsellor = make_user(Role.counsellor)
    colleague = make_user(Role.counsellor, username="zhou")
    headers = bearer(session, counsellor)
    call = client.post("/api/v1/calls", json={}, headers=headers).json()
    refused = client.post(f"/api/v1/calls/{call['id']}/hand-over", json={"to": "nobody"}, headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "to"
    bad = client.post(f"/api/v1/calls/{call['id']}/hand-over", json={"to": "zhou", "extra": 1}, headers=headers)
    assert bad.status_code == 422
    handed = client.post(f"/api/v1/calls/{call['id']}/hand-over", json={"to": "zhou"}, headers=headers)
    assert handed.status_code == 200 and handed.json()["counsellor_id"] == colleague.id
    assert handed.json()["version"] == 2
    again = client.patch(f"/api/v1/calls/{call['id']}", headers=headers, json={"version": 2, "notes": "x"})
    assert again.status_code == 403 and again.json()["handed_over_to"] == "zhou"
    # The domain names the event ("handed-over"); only an HTMX screen is sent it as HX-Trigger.
    assert "HX-Trigger" not in again.headers


def test_a_call_names_its_referral_wherever_its_page_shows_it(client, session, make_user):
    """A call brought to the supervisors mid-call (imminent notes; "ask a supervisor" at moderate) and a
    finished call: GET, PATCH and the board all give the referral the call's page shows."""
    counsellor = make_user(Role.counsellor)
    supervisor = make_user(Role.supervisor)
    headers, sup_headers = bearer(session, counsellor), bearer(session, supervisor)
    imminent = client.post("/api/v1/calls", json={}, headers=headers).json()
    saved = client.patch(f"/api/v1/calls/{imminent['id']}", headers=headers, json={
        "version": 1, "notes": "She took an overdose of sleeping pills just now."}).json()
    assert saved["level"] == "imminent" and saved["referral_id"] is not None
    referral_id = saved["referral_id"]
    for who in (headers, sup_headers):
        assert client.get(f"/api/v1/calls/{imminent['id']}", headers=who).json()["referral_id"] == referral_id
    board = {c["call_id"]: c for c in client.get("/api/v1/calls/in-progress", headers=sup_headers).json()}
    assert board[imminent["id"]]["referral_id"] == referral_id

    quiet = client.post("/api/v1/calls", json={}, headers=headers).json()
    assert quiet["referral_id"] is None
    assert client.get(f"/api/v1/calls/{quiet['id']}", headers=headers).json()["referral_id"] is None

    ended = client.patch(f"/api/v1/calls/{imminent['id']}", headers=headers, json={
        "version": 2, "call_type": "about_self", "caller_group": "general_public", "concerns": ["low_mood"],
        "summary": "Ambulance sent.", "interventions": ["referral"]}).json()
    client.post(f"/api/v1/calls/{imminent['id']}/finalise", headers=headers, json={"version": ended["version"]})
    after = client.get(f"/api/v1/calls/{imminent['id']}", headers=sup_headers).json()
    assert after["status"] == "finalised" and after["referral_id"] == referral_id


def test_a_blank_phone_system_id_means_none_and_opens_a_call_each_time(client, session, make_user):
    """The phone system sends "" (or spaces) when it has no id: each is a call of its own, stored without one."""
    from hotline.calls.models import Call

    headers = bearer(session, make_user(Role.counsellor))
    ids = []
    for external_id in ("", "", "   "):
        response = client.post("/api/v1/calls", headers=headers,
                               json={"caller_number": None, "external_id": external_id, "line": "", "seat": ""})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    assert len(set(ids)) == 3
    session.expire_all()
    assert [session.get(Call, i).external_id for i in ids] == [None, None, None]
    assert {session.get(Call, i).line for i in ids} == {None} and {session.get(Call, i).seat for i in ids} == {None}


def test_the_phone_system_retrying_gets_the_same_call_with_its_id_trimmed(client, session, make_user):
    headers = bearer(session, make_user(Role.counsellor))
    first = client.post("/api/v1/calls", headers=headers, json={"external_id": "pbx-9"})
    again = client.post("/api/v1/calls", headers=headers, json={"external_id": " pbx-9 "})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
