"""What one autosave asks of the database (issue #22): sent every second or two by every counsellor on a
call, each statement it sends is paid for many times over."""

import pytest
from sqlalchemy import event

from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from support import csrf_token


@pytest.fixture
def statements(engine):
    sent = []

    def note(_connection, _cursor, statement, *_rest):
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    yield sent
    event.remove(engine, "before_cursor_execute", note)


def test_a_page_autosave_reads_the_call_and_writes_it_nothing_more(client, logged_in, statements):
    logged_in(Role.counsellor)
    token = csrf_token(client)
    call = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": token}).json()
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    assert client.post(f"/calls/{call['id']}/save", headers=headers,
                       data={"version": "1", "notes": "first"}).status_code == 200
    statements.clear()
    assert client.post(f"/calls/{call['id']}/save", headers=headers,
                       data={"version": "2", "notes": "second"}).status_code == 200
    # The login was remembered from the save before (accounts/logins.py); the level did not change.
    assert [s.split()[0] for s in statements] == ["SELECT", "UPDATE"], statements
    assert "FROM calls" in statements[0]


def test_an_api_autosave_answers_the_whole_record_without_reading_it_again(client, session, make_user,
                                                                           statements):
    headers = {"Authorization": "Bearer " + accounts.issue_token(session=session, user=make_user(Role.counsellor))}
    call = client.post("/api/v1/calls", json={}, headers=headers).json()
    first = client.patch(f"/api/v1/calls/{call['id']}", headers=headers, json={
        "version": 1, "notes": "first", "call_type": "about_self", "caller_group": "general_public"})
    assert first.status_code == 200
    statements.clear()
    second = client.patch(f"/api/v1/calls/{call['id']}", headers=headers, json={"version": 2, "notes": "second"})
    assert second.status_code == 200
    body = second.json()
    # What this save wrote, and what the one before wrote, in the one answer.
    assert body["notes"] == "second" and body["version"] == 3
    assert body["call_type"] == "about_self" and body["caller_group"] == "general_public"
    reads_of_the_call = [s for s in statements if s.startswith("SELECT") and "FROM calls" in s]
    assert len(reads_of_the_call) == 1, statements
    # The token's login was remembered from the save before (accounts/logins.py): no read of it.
    assert not [s for s in statements if "FROM users" in s or "api_tokens" in s], statements
