"""An admin handles a caller's data request through the pages."""

import json

from sqlmodel import select

from hotline.accounts.models import Role
from hotline.audit.models import AuditEntry
from hotline.calls.models import Call, DestinationGiven
from hotline.referrals.models import Destination
from support import post_form


def test_find_export_hold_and_erase(client, session, logged_in, old_call):
    call = old_call(1)
    caller_id = call.caller_id
    clinic = Destination(name="市精神卫生中心", kind="psychiatric_hospital", phone="010-00000001")
    session.add(clinic)
    session.commit()
    session.add(DestinationGiven(call_id=call.id, destination_id=clinic.id, by_id=call.counsellor_id))
    session.commit()
    admin = logged_in(Role.admin)
    missing = post_form(client, "/admin/data-requests", {"identifier": "139 1111 2222", "reason": "request 7"})
    assert missing.status_code == 200 and "No records" in missing.text
    no_reason = post_form(client, "/admin/data-requests", {"identifier": "138 0013 8000", "reason": ""})
    assert no_reason.status_code == 422 and "Give a reason" in no_reason.text

    found = post_form(client, "/admin/data-requests", {"identifier": "138 0013 8000", "reason": "request 7"})
    assert found.status_code == 303 and found.headers["location"] == f"/admin/callers/{call.caller_id}"
    page = client.get(found.headers["location"])
    assert page.status_code == 200 and f"<td>{call.id}</td>" in page.text
    assert "138" not in page.text  # the number is never shown back

    download = post_form(client, f"/admin/callers/{call.caller_id}/export", {"format": "json", "reason": "request 7"})
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    exported = json.loads(download.text)["calls"][0]
    assert exported["call"]["notes"] == "He bought charcoal for tonight."
    assert [(d["name"], d["phone"]) for d in exported["destinations_given"]] == [("市精神卫生中心", "010-00000001")]

    held = post_form(client, f"/admin/calls/{call.id}/legal-hold", {"hold": "on", "reason": "court order"})
    assert held.status_code == 303
    refused = post_form(client, f"/admin/callers/{call.caller_id}/erase", {"reason": "request 7", "confirm": "yes"})
    assert refused.status_code == 303
    assert "legal hold" in client.get(refused.headers["location"]).text
    post_form(client, f"/admin/calls/{call.id}/legal-hold", {"hold": "", "reason": "order lifted"})

    unconfirmed = post_form(client, f"/admin/callers/{call.caller_id}/erase", {"reason": "request 7"})
    assert "Tick the box" in client.get(unconfirmed.headers["location"]).text
    session.expire_all()
    assert session.get(Call, call.id).notes

    erased = post_form(client, f"/admin/callers/{call.caller_id}/erase", {"reason": "request 7", "confirm": "yes"})
    assert erased.status_code == 303 and erased.headers["location"] == "/admin/data-requests"
    session.expire_all()
    assert session.get(Call, call.id).notes == ""
    assert client.get(f"/admin/callers/{caller_id}").status_code == 404
    actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.actor_id == admin.id)
                                              .order_by(AuditEntry.id))]
    assert actions.count("caller.read") == 3  # each time the caller's page was shown
    assert [a for a in actions if a != "caller.read"] == [
        "login.success", "data_request.search", "data_request.search", "data_request.export", "legal_hold.set",
        "legal_hold.clear", "data_request.erase"]


def test_a_hold_on_the_caller_shows_on_their_page_and_needs_a_reason(client, session, logged_in, old_call):
    call = old_call(1)
    logged_in(Role.admin)
    no_reason = post_form(client, f"/admin/callers/{call.caller_id}/legal-hold", {"hold": "on", "reason": ""})
    assert "Give a reason" in client.get(no_reason.headers["location"]).text
    held = post_form(client, f"/admin/callers/{call.caller_id}/legal-hold", {"hold": "on", "reason": "inquiry 3"})
    page = client.get(held.headers["location"])
    assert "Legal hold placed." in page.text and 'data-testid="caller-hold"' in page.text and "inquiry 3" in page.text
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "legal_hold.set")).one()
    assert (entry.target_type, entry.target_id, entry.reason) == ("caller", call.caller_id, "inquiry 3")
