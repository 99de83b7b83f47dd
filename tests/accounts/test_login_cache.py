"""The hot paths (autosave, the queue's poll) remember a session's user for a few seconds per process
(accounts/logins.py). Whatever ends or narrows someone's access through this process must take effect at
the very next request; a change this process did not make (another worker, the database by hand) is
taken up within login_cache_seconds."""

import pytest
from sqlalchemy import event, text, update
from sqlmodel import select

from hotline.accounts import logins
from hotline.accounts import service as accounts
from hotline.accounts.models import Role, User
from support import PASSWORD, csrf_token, login, post_form


@pytest.fixture
def user_reads(engine):
    """How many times the users table was read since the fixture started, as a list to look at."""
    reads = []

    def count(_connection, _cursor, statement, *_rest):
        if "FROM users" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield reads
    event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def on_a_call(client, logged_in):
    """A counsellor logged in with a call open: save(notes) -> the autosave's answer."""
    user = logged_in(Role.counsellor)
    token = csrf_token(client)
    call = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": token}).json()
    version = [call["version"]]

    def save(notes: str):
        answer = client.post(f"/calls/{call['id']}/save", data={"version": str(version[0]), "notes": notes},
                             headers={"X-CSRFToken": token, "HX-Request": "true"})
        if answer.status_code == 200:
            version[0] += 1
        return answer

    save.user = user
    return save


def test_the_autosave_reads_the_login_once_in_a_few_seconds(on_a_call, user_reads):
    logins.CACHE.forget()
    assert on_a_call("first").status_code == 200
    assert on_a_call("second").status_code == 200
    assert on_a_call("third").status_code == 200
    assert len(user_reads) == 1


def test_disabling_an_account_stops_its_autosave_at_once(on_a_call, session):
    assert on_a_call("remembered now").status_code == 200
    user = session.get(User, on_a_call.user.id)
    accounts.set_active(session=session, user=user, active=False)
    assert on_a_call("after being disabled").status_code == 401


def test_a_role_change_takes_effect_at_the_next_save(on_a_call, session):
    assert on_a_call("remembered now").status_code == 200
    user = session.get(User, on_a_call.user.id)
    accounts.set_roles(session=session, user=user, roles=["coordinator"])
    assert on_a_call("after the change").status_code in (401, 403)


def test_logout_everywhere_from_another_browser_ends_this_one_at_once(on_a_call, app):
    from fastapi.testclient import TestClient

    assert on_a_call("remembered now").status_code == 200
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as other:
        assert login(other, on_a_call.user, PASSWORD).status_code == 303
        assert post_form(other, "/account/logout-everywhere").status_code in (200, 303)
    assert on_a_call("after logout everywhere").status_code == 401


def test_logout_forgets_the_user_in_this_process(on_a_call, client, engine):
    assert on_a_call("remembered now").status_code == 200
    assert logins.CACHE.get(engine, on_a_call.user.id) is not None
    post_form(client, "/logout")
    assert logins.CACHE.get(engine, on_a_call.user.id) is None
    assert on_a_call("after logout").status_code == 401


def test_a_bulk_update_of_users_is_seen_at_once(on_a_call, session):
    assert on_a_call("remembered now").status_code == 200
    session.execute(update(User).where(User.id == on_a_call.user.id).values(is_active=False))
    session.commit()
    assert on_a_call("after the update").status_code == 401


def test_a_change_this_process_did_not_make_is_taken_up_within_the_cache_time(on_a_call, engine, monkeypatch):
    """As another worker's change looks from here: written straight to the database."""
    assert on_a_call("remembered now").status_code == 200
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET is_active = false WHERE id = :id"), {"id": on_a_call.user.id})
    assert on_a_call("within the cache time").status_code == 200  # the documented delay
    later = logins.CACHE.clock() + 5.1
    monkeypatch.setattr(logins.CACHE, "clock", lambda: later)
    assert on_a_call("after the cache time").status_code == 401


def test_nothing_is_remembered_when_the_cache_is_off(settings, engine, client, make_user, user_reads):
    from fastapi.testclient import TestClient

    from hotline.app import create_app

    app = create_app(settings.model_copy(update={"login_cache_seconds": 0}), engine)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as browser:
        user = make_user(Role.counsellor)
        assert login(browser, user).status_code == 303
        token = csrf_token(browser)
        call = browser.post("/api/v1/calls", json={}, headers={"X-CSRFToken": token}).json()
        user_reads.clear()
        for n in range(3):
            answer = browser.post(f"/calls/{call['id']}/save", data={"version": str(call["version"] + n),
                                                                       "notes": f"save {n}"},
                                  headers={"X-CSRFToken": token, "HX-Request": "true"})
            assert answer.status_code == 200
    assert len(user_reads) == 3
    assert logins.CACHE.get(engine, user.id) is None


def test_what_was_read_before_a_change_committed_is_not_kept_after_it(engine, session, make_user):
    user = make_user(Role.counsellor)
    generation = logins.CACHE.generation()  # a request starts reading the user
    accounts.end_all_sessions(session=session, user=session.get(User, user.id))  # a change commits meanwhile
    logins.CACHE.keep(engine, user, seconds=5, generation=generation, uses_totp=False)  # what it read is old
    assert logins.CACHE.get(engine, user.id) is None


def test_no_secret_is_remembered(on_a_call, engine):
    assert on_a_call("remembered now").status_code == 200
    remembered = logins.CACHE.get(engine, on_a_call.user.id)
    assert remembered is not None
    assert not logins.SECRETS & remembered.values.keys()


# --- API tokens: remembered by their hash on the API's call start and autosave --------------------------

@pytest.fixture
def by_token(client, make_user, session):
    """A counsellor's integration with a token and a call started through the API: save(notes) -> the
    API autosave's answer."""
    user = make_user(Role.counsellor)
    token = accounts.issue_token(session=session, user=user)
    headers = {"Authorization": f"Bearer {token}"}
    call = client.post("/api/v1/calls", json={}, headers=headers).json()
    version = [call["version"]]

    def save(notes: str):
        answer = client.patch(f"/api/v1/calls/{call['id']}", json={"version": version[0], "notes": notes},
                              headers=headers)
        if answer.status_code == 200:
            version[0] = answer.json()["version"]
        return answer

    save.user, save.token, save.headers = user, token, headers
    return save


def test_the_api_autosave_reads_a_tokens_login_once_in_a_few_seconds(by_token, user_reads):
    logins.CACHE.forget()
    assert by_token("first").status_code == 200
    assert by_token("second").status_code == 200
    assert by_token("third").status_code == 200
    assert len(user_reads) == 1


def test_a_revoked_token_is_refused_at_once(by_token, session):
    assert by_token("remembered now").status_code == 200
    accounts.revoke_tokens(session=session, user=session.get(User, by_token.user.id))
    answer = by_token("after the revocation")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "Please log in."


def test_a_revoked_token_cannot_start_a_call_either(by_token, client, session):
    assert by_token("remembered now").status_code == 200
    accounts.revoke_tokens(session=session, user=session.get(User, by_token.user.id))
    assert client.post("/api/v1/calls", json={}, headers=by_token.headers).status_code == 401


def test_disabling_a_tokens_user_or_changing_its_roles_is_seen_at_once(by_token, session, make_user):
    assert by_token("remembered now").status_code == 200
    user = session.get(User, by_token.user.id)
    accounts.set_roles(session=session, user=user, roles=["coordinator"])
    assert by_token("after the role change").status_code == 403
    accounts.set_roles(session=session, user=user, roles=["counsellor"])
    assert by_token("counsellor again").status_code == 200
    accounts.set_active(session=session, user=user, active=False)
    assert by_token("after being disabled").status_code == 401


def test_a_token_revoked_elsewhere_is_refused_within_the_cache_time(by_token, engine, monkeypatch):
    """As another worker's revocation looks from here: written straight to the database. The memory ends at
    its time exactly: accepted just before, refused from then on."""
    assert by_token("remembered now").status_code == 200
    with engine.begin() as connection:
        connection.execute(text("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = :id"),
                           {"id": by_token.user.id})
    assert by_token("within the cache time").status_code == 200  # the documented delay
    now = logins.CACHE.clock()
    monkeypatch.setattr(logins.CACHE, "clock", lambda: now + 4.9)
    assert by_token("just before the end").status_code == 200
    monkeypatch.setattr(logins.CACHE, "clock", lambda: now + 5.0)
    assert by_token("at the end").status_code == 401


def test_a_tokens_use_is_still_written_once_a_minute(by_token, session, monkeypatch):
    from datetime import timedelta

    from hotline.accounts.models import ApiToken

    assert by_token("remembered now").status_code == 200
    first = session.exec(select(ApiToken).where(ApiToken.user_id == by_token.user.id)).one().last_used_at
    later = first + timedelta(minutes=1, seconds=1)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    assert by_token("a minute later").status_code == 200
    session.expire_all()
    assert session.exec(select(ApiToken).where(ApiToken.user_id == by_token.user.id)).one().last_used_at == later
    assert by_token("remembered still").status_code == 200  # the note of its use forgot nobody
    assert logins.CACHE.get_token(session.get_bind(), accounts.token_hash(by_token.token)) is not None


def test_a_token_is_remembered_by_its_hash_only(by_token, engine):
    assert by_token("remembered now").status_code == 200
    kept = logins.CACHE._tokens
    assert kept and not any(by_token.token in repr(key) or by_token.token in repr(value)
                            for key, value in kept.items())
    assert logins.CACHE.get_token(engine, accounts.token_hash(by_token.token)) is not None
