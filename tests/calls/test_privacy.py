"""Repeat callers are matched by a keyed hash; notes search works although notes are encrypted."""

import zoneinfo
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from hotline.accounts.models import Role
from hotline.calls import callers, flows, search, service
from hotline.calls.models import Call, Caller, CallUpdate
from hotline.database import utcnow
from hotline.errors import Forbidden
from support import csrf_token

SECRET = "s" * 40  # the server secret, which hashed callers before they had a key of their own
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def counsellor(make_user):
    return make_user(Role.counsellor, username="mei")


def start(session, user) -> Call:
    call, _ = service.start_call(session=session, counsellor=user)
    return call


def save(session, user, call, **fields) -> Call:
    call, _ = flows.save_call(session=session, user=user, call_id=call.id, version=call.version,
                                changes=CallUpdate.parse(fields))
    return call


def finish(session, user, call) -> Call:
    call = save(session, user, call, call_type="about_self", caller_group="student", concerns=["anxiety"],
                summary=call.summary or "talked")
    call, _ = flows.finalise_call(session=session, user=user, call_id=call.id, version=call.version)
    return call


def test_a_repeat_caller_is_found_by_the_caller_hash_key_and_the_number_is_nowhere(session, counsellor, make_user):
    first = start(session, counsellor)
    callers.link_caller(session=session, user=counsellor, call_id=first.id, identifier="138 0013 8000", secret=SECRET)
    finish(session, counsellor, first)
    other = make_user(Role.counsellor)
    second = start(session, other)
    caller = callers.link_caller(session=session, user=other, call_id=second.id, identifier="+86 13800138000",
                                 secret=SECRET)

    assert session.exec(select(Caller)).one().id == caller.id
    assert [c.id for c in callers.caller_history(session=session, user=other, call=session.get(Call, second.id))] \
        == [first.id]
    # Hashed with its own key, not the server secret; the number is not kept at all by default.
    assert caller.identifier_hash != callers.caller_hash("13800138000", SECRET)
    assert caller.callback_number is None
    dump = " ".join(str(value) for row in session.execute(text("SELECT * FROM callers")) for value in row)
    assert "13800138000" not in dump and "8000" not in dump


def test_a_caller_hashed_with_the_server_secret_is_still_recognised_and_moved_to_the_new_key(session, counsellor):
    legacy = Caller(identifier_hash=callers.caller_hash("13900001111", SECRET))
    session.add(legacy)
    session.commit()
    call = start(session, counsellor)
    caller = callers.link_caller(session=session, user=counsellor, call_id=call.id, identifier="139-0000-1111",
                                 secret=SECRET)
    assert caller.id == legacy.id
    assert caller.identifier_hash == callers.caller_digest("13900001111")
    assert callers.find_caller(session=session, identifier="13900001111") is not None  # without the old secret


def test_a_line_that_calls_back_keeps_the_number_sealed(session, counsellor):
    call = start(session, counsellor)
    caller = callers.link_caller(session=session, user=counsellor, call_id=call.id, identifier="13712345678",
                                 secret=SECRET, keep_number=True)
    (stored,) = session.execute(text("SELECT callback_number FROM callers")).one()
    assert stored.startswith("hl1:") and "13712345678" not in stored
    session.expire_all()
    assert session.get(Caller, caller.id).callback_number == "13712345678"


def test_the_api_keeps_the_number_only_when_the_line_calls_back(client, logged_in, session, settings):
    logged_in(Role.counsellor)
    headers = {"X-CSRFToken": csrf_token(client)}
    response = client.post("/api/v1/calls", json={"caller_number": "13811112222"}, headers=headers)
    assert response.status_code == 201, response.text
    assert session.exec(select(Caller)).one().callback_number is None
    client.app.state.settings.keep_callback_numbers = True
    response = client.post("/api/v1/calls", json={"caller_number": "13833334444"}, headers=headers)
    assert response.status_code == 201
    numbers = {c.callback_number for c in session.exec(select(Caller))}
    assert numbers == {None, "13833334444"}


def test_words_are_found_in_encrypted_notes_and_summaries(session, counsellor):
    insomnia = save(session, counsellor, start(session, counsellor), notes="三个星期失眠，Insomnia every night")
    summary = save(session, counsellor, start(session, counsellor), summary="Referred for 失眠 clinic")
    save(session, counsellor, start(session, counsellor), notes="grief after her father died")
    found = search.search_calls(session=session, user=counsellor, query=search.CallSearch(text="失眠"), tz=TZ)
    assert {c.id for c in found} == {insomnia.id, summary.id}
    found = search.search_calls(session=session, user=counsellor, query=search.CallSearch(text="INSOMNIA"), tz=TZ)
    assert [c.id for c in found] == [insomnia.id] and found.oldest_scanned is None


def test_a_text_search_reads_a_bounded_number_of_calls_and_says_where_it_stopped(session, counsellor):
    oldest = save(session, counsellor, start(session, counsellor), notes="烧炭 mentioned once")
    session.execute(text("UPDATE calls SET started_at = :at WHERE id = :id"),
                    {"at": utcnow() - timedelta(days=30), "id": oldest.id})
    session.commit()
    newer = [save(session, counsellor, start(session, counsellor), notes=f"ordinary call {n}") for n in range(3)]
    query = search.CallSearch(text="烧炭")
    found = search.search_calls(session=session, user=counsellor, query=query, tz=TZ, scan_limit=3)
    assert list(found) == [] and found.scanned == 3 and found.oldest_scanned is not None
    # Narrowing to the older dates finds it.
    day = (utcnow() - timedelta(days=30)).astimezone(TZ).date()
    found = search.search_calls(session=session, user=counsellor, tz=TZ, scan_limit=3,
                                 query=search.CallSearch(text="烧炭", date_from=day, date_to=day))
    assert [c.id for c in found] == [oldest.id]
    assert newer  # the three newer calls filled the bound


def test_the_search_page_says_when_older_calls_were_not_searched(client, logged_in, session):
    user = logged_in(Role.counsellor)
    for n in range(3):
        save(session, user, start(session, user), notes=f"ordinary call {n}")
    client.app.state.settings.search_scan_limit = 2
    page = client.get("/calls/search", params={"text": "ordinary"})
    assert page.status_code == 200
    assert "2 calls found" in page.text and "Narrow the dates" in page.text
    client.app.state.settings.search_scan_limit = 10
    page = client.get("/calls/search", params={"text": "ordinary"})
    assert "3 calls found" in page.text and "Narrow the dates" not in page.text


def test_the_counsellor_sees_the_kept_number_on_request_and_the_look_is_audited(client, logged_in, session,
                                                                                 make_user):
    from hotline.audit.models import AuditEntry

    client.app.state.settings.keep_callback_numbers = True
    user = logged_in(Role.counsellor)
    call = start(session, user)
    linked = client.post(f"/calls/{call.id}/caller", data={"identifier": "13911112222"},
                         headers={"X-CSRFToken": csrf_token(client), "HX-Request": "true"})
    assert linked.status_code == 200 and "Show the number to call back" in linked.text
    assert "13911112222" not in linked.text  # shown only when asked for

    shown = client.post(f"/calls/{call.id}/callback-number",
                        headers={"X-CSRFToken": csrf_token(client), "HX-Request": "true"})
    assert shown.status_code == 200 and "13911112222" in shown.text
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "caller.callback_number")).one()
    assert entry.actor_id == user.id

    stranger = make_user(Role.counsellor)
    with pytest.raises(Forbidden) as refused:
        callers.callback_number(session=session, user=stranger, call_id=call.id)
    assert refused.value.status_code == 403


def test_asking_for_a_number_that_was_not_kept_says_so(client, logged_in, session):
    user = logged_in(Role.counsellor)
    call = start(session, user)
    callers.link_caller(session=session, user=user, call_id=call.id, identifier="13911112222", secret=SECRET)
    response = client.post(f"/calls/{call.id}/callback-number", headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 404 and "No number is kept" in response.text
