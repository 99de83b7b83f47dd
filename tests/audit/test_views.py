"""The admin's audit log page."""

from hotline.accounts.models import Role
from hotline.audit import service as audit


def test_admin_finds_who_read_a_call(client, session, logged_in, make_user):
    sam = make_user(Role.supervisor, username="sam")
    audit.record(session=session, actor_id=sam.id, action="call.read", target_type="call", target_id=42,
                 address="10.1.2.3")
    audit.record(session=session, actor_id=sam.id, action="call.read", target_type="call", target_id=43)
    logged_in(Role.admin)
    page = client.get("/admin/audit", params={"target": "call:42"})
    assert page.status_code == 200
    assert "1 entry" in page.text and "sam" in page.text and "10.1.2.3" in page.text and "Call read" in page.text
    everything = client.get("/admin/audit", params={"who": "sam"})
    assert "2 entries" in everything.text


def test_bad_filter_gets_a_message_not_an_error_page(client, logged_in):
    logged_in(Role.admin)
    page = client.get("/admin/audit", params={"date_from": "31/12/2026"})
    assert page.status_code == 422 and "is not a date" in page.text


def test_paging_links_keep_the_filters(client, session, logged_in, make_user):
    sam = make_user(Role.supervisor, username="sam")
    for number in range(audit.PAGE_SIZE + 1):
        audit.record(session=session, actor_id=sam.id, action="call.read", target_type="call", target_id=number,
                     commit=False)
    session.commit()
    logged_in(Role.admin)
    first = client.get("/admin/audit", params={"who": "sam"})
    assert "page 1 of 2" in first.text and "who=sam&amp;" in first.text and "page=2" in first.text
    second = client.get("/admin/audit", params={"who": "sam", "page": "2"})
    assert "page 2 of 2" in second.text and ">0<" not in second.text.replace("call:0", "")
