"""Account rules, called directly."""

from datetime import timedelta

import pytest
from sqlmodel import select

from hotline.accounts import service
from hotline.accounts.models import ApiToken, LoginAttempt, Role
from hotline.database import utcnow
from hotline.errors import Conflict, InvalidInput, TooManyRequests
from support import PASSWORD


def authenticate(session, username, password=PASSWORD, address="10.0.0.1", **limits):
    return service.authenticate(session=session, username=username, password=password, address=address, **limits)


def test_new_user_gets_roles_and_an_argon2_hash(session, make_user):
    user = make_user(Role.supervisor, Role.coordinator, username="lin")
    assert user.roles == {Role.supervisor, Role.coordinator}
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": "A B"}, "username"),
        ({"username": "x"}, "username"),
        ({"username": "u" * 65}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "p" * 257}, "password"),
        ({"roles": []}, "roles"),
        ({"roles": ["janitor"]}, "roles"),
        ({"display_name": "n" * 121}, "display_name"),
        ({"locale": "fr"}, "locale"),
    ],
)
def test_bad_user_fields_are_refused_naming_the_field(session, fields, field):
    values = {"username": "valid.name", "password": PASSWORD, "roles": ["counsellor"], **fields}
    with pytest.raises(InvalidInput) as error:
        service.create_user(session=session, **values)
    assert error.value.field == field
    assert error.value.status_code == 422


def test_usernames_are_unique_whatever_the_case(session, make_user):
    make_user(username="mei")
    with pytest.raises(Conflict):
        service.create_user(session=session, username="MEI", password=PASSWORD, roles=["counsellor"])


def test_login_succeeds_with_the_right_password_and_is_recorded(session, make_user):
    user = make_user(username="wang")
    assert authenticate(session, " Wang ").id == user.id
    attempt = session.exec(select(LoginAttempt)).one()
    assert attempt.succeeded and attempt.username == "wang"


def test_wrong_password_and_unknown_user_fail_alike(session, make_user):
    make_user(username="wang")
    with pytest.raises(service.LoginFailed) as wrong:
        authenticate(session, "wang", "not the password")
    with pytest.raises(service.LoginFailed) as unknown:
        authenticate(session, "nobody", "not the password")
    assert wrong.value.status_code == unknown.value.status_code == 401
    assert str(wrong.value.message) == str(unknown.value.message)


def test_disabled_user_cannot_log_in(session, make_user):
    user = make_user(username="gone")
    service.set_active(session=session, user=user, active=False)
    with pytest.raises(service.LoginFailed) as error:
        authenticate(session, "gone")
    assert error.value.status_code == 403


def test_login_is_throttled_per_account_even_with_the_right_password(session, make_user):
    make_user(username="target")
    for _ in range(3):
        with pytest.raises(service.LoginFailed):
            authenticate(session, "target", "guess-guess", max_failures_account=3)
    with pytest.raises(TooManyRequests) as error:
        authenticate(session, "target", max_failures_account=3)
    assert error.value.status_code == 429
    assert "Retry-After" in error.value.headers


def test_login_is_throttled_per_address_across_accounts(session, make_user):
    make_user(username="someone")
    for name in ("a1", "a2", "a3", "a4"):
        with pytest.raises(service.LoginFailed):
            authenticate(session, name, "guess-guess", address="192.0.2.9", max_failures_address=4)
    with pytest.raises(TooManyRequests):
        authenticate(session, "someone", address="192.0.2.9", max_failures_address=4)
    # Another address is not punished for it.
    assert authenticate(session, "someone", address="192.0.2.10", max_failures_address=4)


def test_api_token_is_stored_hashed_and_can_be_revoked(session, make_user):
    user = make_user(username="bot")
    token = service.issue_token(session=session, user=user)
    assert token.startswith("hl_") and len(token) > 30
    assert service.user_for_token(session=session, token=token).id == user.id
    assert service.user_for_token(session=session, token=token + "x") is None
    assert service.revoke_tokens(session=session, user=user) == 1
    assert service.user_for_token(session=session, token=token) is None


def test_disabling_a_user_revokes_their_tokens_and_ends_sessions(session, make_user):
    user = make_user(username="leaver")
    token = service.issue_token(session=session, user=user)
    version = user.session_version
    service.set_active(session=session, user=user, active=False)
    assert service.user_for_token(session=session, token=token) is None
    assert user.session_version > version


def test_role_and_password_changes_end_other_sessions(session, make_user):
    user = make_user(username="mover")
    version = user.session_version
    service.set_roles(session=session, user=user, roles=["supervisor"])
    assert user.roles == {Role.supervisor}
    assert user.session_version == version + 1
    service.change_own_password(session=session, user=user, current_password=PASSWORD, new_password="another long one")
    assert user.session_version == version + 2
    with pytest.raises(InvalidInput):
        service.change_own_password(session=session, user=user, current_password="wrong", new_password="x" * 12)


def test_the_last_active_admin_can_be_neither_disabled_nor_stripped_of_the_role(session, make_user):
    """Kept by the service, so every way in (the admin pages, the `hotline` command) keeps it."""
    chief = make_user(Role.admin, username="chief")
    retired = make_user(Role.admin, username="retired")
    service.set_active(session=session, user=retired, active=False)  # a disabled admin does not count
    for change in (lambda: service.set_active(session=session, user=chief, active=False),
                   lambda: service.set_roles(session=session, user=chief, roles=["counsellor"])):
        with pytest.raises(Conflict, match="At least one active administrator must remain."):
            change()
    session.expire_all()
    assert chief.is_active and chief.roles == {Role.admin}
    deputy = make_user(Role.admin, Role.supervisor, username="deputy")
    service.set_roles(session=session, user=deputy, roles=["supervisor"])  # another admin remains: fine
    with pytest.raises(Conflict):
        service.set_active(session=session, user=chief, active=False)
    service.set_active(session=session, user=retired, active=True)
    service.set_active(session=session, user=chief, active=False)
    assert not chief.is_active


def test_nobody_disables_their_own_account(session, make_user):
    chief, deputy = make_user(Role.admin, username="chief"), make_user(Role.admin, username="deputy")
    with pytest.raises(Conflict, match="You cannot disable your own account."):
        service.set_active(session=session, user=chief, active=False, by=chief)
    service.set_active(session=session, user=chief, active=False, by=deputy)
    assert not chief.is_active


def test_two_admins_disabling_each_other_at_once_leave_one(engine, session, make_user, monkeypatch):
    """Both changes are made before either is checked: the second waits for the first (a lock on PostgreSQL,
    the single writer on SQLite), then sees no other admin left, and is refused."""
    import threading

    from sqlmodel import Session as DbSession

    from hotline.accounts.models import User

    first, second = make_user(Role.admin, username="first"), make_user(Role.admin, username="second")
    both_changed = threading.Barrier(2, timeout=3)
    count = service._active_admins

    def count_when_both_changed(session):
        try:
            both_changed.wait()
        except threading.BrokenBarrierError:
            pass  # the other one is waiting for this one to finish: as it should
        return count(session)

    monkeypatch.setattr(service, "_active_admins", count_when_both_changed)
    outcomes = {}

    def disable(target_id, by_id):
        with DbSession(engine, expire_on_commit=False) as own:
            try:
                service.set_active(session=own, user=own.get(User, target_id), active=False, by=own.get(User, by_id))
                outcomes[target_id] = "disabled"
            except Conflict:
                outcomes[target_id] = "refused"

    threads = [threading.Thread(target=disable, args=(a.id, b.id)) for a, b in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes.values()) == ["disabled", "refused"]
    session.expire_all()
    assert service._active_admins(session) == 1


def test_a_token_s_use_is_recorded_at_most_once_a_minute(session, make_user):
    user = make_user(username="phone-system")
    token = service.issue_token(session=session, user=user)
    first = utcnow()

    def last_used():
        session.expire_all()
        return session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one().last_used_at

    assert last_used() is None
    assert service.user_for_token(session=session, token=token, now=first).id == user.id
    assert last_used() == first
    # Saves every second from an integration do not each write: the minute-old figure stands.
    for seconds in (1, 30, 59):
        assert service.user_for_token(session=session, token=token, now=first + timedelta(seconds=seconds))
    assert last_used() == first
    later = first + timedelta(seconds=61)
    assert service.user_for_token(session=session, token=token, now=later).roles == frozenset({Role.counsellor})
    assert last_used() == later
