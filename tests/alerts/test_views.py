"""The admins' alert page: channels (sealed at rest), "send a test", line policies, the delivery log; the
browser's poll for a new alert; the timeline's words."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import select

from factories import draft_call
from hotline.accounts.models import Role
from hotline.alerts.models import AlertChannel, LineAlertPolicy
from hotline.referrals import service as referrals
from hotline.roster.models import Line
from support import login, post_form

IMMINENT_NOTES = "She took an overdose of sleeping pills just now."


def add_pager(client, receiver, **fields):
    return post_form(client, "/admin/alerts/channels", {
        "kind": "webhook", "name": "Duty pager", "url": receiver.url + "/page", "secret": "s3cret-pager", **fields})


def test_an_admin_adds_a_webhook_its_address_and_secret_are_sealed_and_a_test_reaches_it(
        client, logged_in, session, receiver, engine):
    logged_in(Role.admin)
    response = add_pager(client, receiver)
    assert response.status_code == 303, response.text
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT settings FROM alert_channels")).scalar_one()
    assert "s3cret-pager" not in stored and "127.0.0.1" not in stored and stored.startswith("hl1:")
    channel = session.exec(select(AlertChannel)).one()

    response = post_form(client, f"/admin/alerts/channels/{channel.id}/test")
    assert response.status_code == 303
    assert receiver.requests[-1].json["type"] == "test"
    assert "Duty pager" in receiver.requests[-1].json["text"]
    page = client.get(response.headers["location"])
    assert "The test message was sent." in page.text
    assert 'data-status="sent"' in page.text


def test_a_test_to_a_robot_that_refuses_says_why(client, logged_in, session, receiver):
    logged_in(Role.admin)
    receiver.answers = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    post_form(client, "/admin/alerts/channels", {"kind": "wecom", "name": "值班群", "url": receiver.url + "/wecom"})
    channel = session.exec(select(AlertChannel)).one()
    response = post_form(client, f"/admin/alerts/channels/{channel.id}/test")
    page = client.get(response.headers["location"])
    assert "The test message was not delivered: errcode 93000: invalid webhook url" in page.text
    assert 'data-status="failed"' in page.text


def test_bad_channel_settings_get_a_clear_message_not_an_error(client, logged_in, receiver):
    logged_in(Role.admin)
    cases = [
        ({"kind": "pigeon"}, "Choose the kind of channel."),
        ({"url": "javascript:alert(1)"}, "Paste the webhook address, starting with https://."),
        ({"kind": "dingtalk", "secret": ""}, "signing secret"),
        ({"username": "nobody-here"}, "There is no active user nobody-here."),
        ({"line_id": "12x"}, "Choose a line from the list."),
        ({"line_id": "999"}, "Choose a line from the list."),
        ({"name": ""}, "Give the channel a name"),
        ({"kind": "email", "host": "smtp.example.org", "sender": "alerts@example.org", "recipients": "not-an-address"},
         "Give one to 20 addresses"),
        ({"kind": "email", "host": "smtp.example.org", "sender": "alerts@example.org", "recipients": "a@example.org",
          "smtp_username": "duty", "smtp_password": "pw"}, "A relay login is sent only encrypted"),
    ]
    for fields, message in cases:
        response = add_pager(client, receiver, **fields)
        assert response.status_code == 422, (fields, response.status_code)
        assert message in response.text, fields
    assert post_form(client, "/admin/alerts/channels/4242/test").status_code == 404
    assert client.get("/admin/alerts?kind=pigeon").status_code == 422


def test_a_line_gets_its_own_waits_and_fallback_list(client, logged_in, session, make_user):
    line = Line(name="希望热线")
    session.add(line)
    session.commit()
    deputy = make_user(Role.supervisor, username="deputy")
    logged_in(Role.admin)
    response = post_form(client, f"/admin/alerts/lines/{line.id}", {
        "imminent_minutes": "3", "high_minutes": "10", "fallback": "deputy", "coordinators": ""})
    assert response.status_code == 303
    session.expire_all()
    policy = session.get(LineAlertPolicy, line.id)
    assert (policy.imminent_minutes, policy.high_minutes, policy.fallback_ids) == (3, 10, [deputy.id])
    assert 'value="deputy"' in client.get("/admin/alerts").text
    bad = post_form(client, f"/admin/alerts/lines/{line.id}", {"imminent_minutes": "0", "high_minutes": "10"})
    assert bad.status_code == 422 and "a whole number from 1 to 1440" in bad.text
    assert post_form(client, "/admin/alerts/lines/999", {"imminent_minutes": "2", "high_minutes": "15"}).status_code \
        == 404


def test_the_supervisor_alerted_sees_it_in_the_poll_and_on_the_timeline(client, session, make_user):
    supervisor = make_user(Role.supervisor, username="bai", display_name="Bai")
    counsellor = make_user(Role.counsellor)
    call = draft_call(session, counsellor, IMMINENT_NOTES)
    referral = referrals.referral_for_call(session=session, call=call)
    assert login(client, supervisor).status_code == 303
    latest = client.get("/alerts/latest").json()
    assert latest["body"] == f"Imminent-risk referral #{referral.id} is waiting for a supervisor: claim it."
    assert latest["link"] == f"/referrals/{referral.id}"
    page = client.get(f"/referrals/{referral.id}")
    assert "Bai\n        was alerted: step 1 · console" in page.text or "was alerted: step 1 · console" in page.text
    post_form(client, "/notifications/read")
    assert client.get("/alerts/latest").json() == {"id": None}


def test_each_worker_sends_the_outbox_by_itself_while_it_runs(settings, engine, session, make_user, receiver):
    """The app's background task, not a test calling it: the referral is written, the pager hears of it."""
    from fastapi.testclient import TestClient

    from hotline.app import create_app

    session.add(AlertChannel(kind="webhook", name="Duty pager", settings={"url": receiver.url + "/page"}))
    session.commit()
    make_user(Role.supervisor)
    app = create_app(settings.model_copy(update={"alerts_worker": True, "alerts_poll_seconds": 0.05}), engine)
    with TestClient(app):
        call = draft_call(session, make_user(Role.counsellor), IMMINENT_NOTES)
        assert receiver.arrived.wait(timeout=20), "the worker sent nothing"
    referral = referrals.referral_for_call(session=session, call=call)
    assert receiver.requests[0].json["referral_id"] == referral.id


def test_every_change_to_where_alerts_go_is_on_the_audit_record_without_its_address_or_secret(
        client, logged_in, session, receiver, engine):
    from hotline.audit.models import AuditEntry

    admin = logged_in(Role.admin)
    add_pager(client, receiver)
    channel = session.exec(select(AlertChannel)).one()
    post_form(client, f"/admin/alerts/channels/{channel.id}/test")
    post_form(client, f"/admin/alerts/channels/{channel.id}/active", {"active": ""})
    line = session.exec(select(Line)).first()
    if line is None:
        line = Line(name="Main line")
        session.add(line)
        session.commit()
    response = post_form(client, f"/admin/alerts/lines/{line.id}", {"imminent_minutes": "3", "high_minutes": "10",
                                                                      "fallback": admin.username})
    assert response.status_code == 303, response.text

    session.expire_all()
    entries = session.exec(select(AuditEntry).where(AuditEntry.action.startswith("alert."))
                           .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["alert.channel.add", "alert.channel.test", "alert.channel.disable",
                                           "alert.policy.save"]
    assert all(e.actor_id == admin.id for e in entries)
    assert entries[-1].detail["imminent_minutes"] == 3 and entries[-1].detail["fallback_ids"] == [admin.id]
    with engine.connect() as connection:
        stored = " ".join(str(row) for row in connection.execute(text("SELECT detail FROM audit_entries")))
    assert "s3cret-pager" not in stored and receiver.url not in stored
    page = client.get("/admin/audit", params={"action": "alert.channel.disable"})
    assert "Alert channel turned off" in page.text
