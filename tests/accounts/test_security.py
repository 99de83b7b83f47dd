"""Hardening of accounts and sessions: password policy, session rotation, log out everywhere, idle timeout,
and the security headers every page carries."""

import pytest
from typer.testing import CliRunner

from hotline.accounts import guards, service
from hotline.accounts.models import Role
from hotline.cli import app as cli
from hotline.errors import InvalidInput
from support import PASSWORD, csrf_token, login, post_form
from test_permissions import ROUTES

SESSION = "hotline_session"


# --- password policy --------------------------------------------------------------------------------

@pytest.mark.parametrize(("password", "complaint"), [
    ("short", "at least 10 characters"),
    ("1234567890", "most common"),
    ("Qwertyuiop", "most common"),  # the list is matched without regard to case
    ("iloveyou123", "most common"),
    ("wang.xiaoming", "may not be the username"),
])
def test_weak_passwords_are_refused_with_the_reason(session, password, complaint):
    with pytest.raises(InvalidInput) as error:
        service.create_user(session=session, username="wang.xiaoming", password=password, roles=["counsellor"])
    assert complaint in str(error.value.message)
    assert service.find_user(session=session, username="wang.xiaoming") is None


def test_the_shipped_list_is_the_common_passwords_and_spares_good_ones(session):
    common = service.common_passwords()
    assert len(common) > 10_000 and "password123" in common and "1qaz2wsx3edc" in common
    user = service.create_user(session=session, username="mei", password="tea by the west lake", roles=["counsellor"])
    assert service.authenticate(session=session, username="mei", password="tea by the west lake", address="t") == user


def test_minimum_length_is_a_setting(session):
    with pytest.raises(InvalidInput, match="at least 16"):
        service.create_user(session=session, username="lin", password="fifteen chars!!", roles=["counsellor"],
                            min_length=16)


def test_admin_add_and_reset_apply_the_policy(client, logged_in, session):
    logged_in(Role.admin)
    response = post_form(client, "/admin/users", {"username": "zhao", "password": "password123",
                                                   "roles": ["counsellor"]})
    assert response.status_code == 422 and "most common" in response.text
    assert service.find_user(session=session, username="zhao") is None
    target = service.create_user(session=session, username="qian", password=PASSWORD, roles=["counsellor"])
    response = post_form(client, f"/admin/users/{target.id}/password", {"password": "qian"},
                         headers={"HX-Request": "true"})
    assert response.status_code == 422 and "at least 10" in response.text
    response = post_form(client, f"/admin/users/{target.id}/password", {"password": "QIAN"})
    assert response.status_code == 422


def test_own_change_applies_the_policy_and_says_so_in_chinese(client, logged_in):
    user = logged_in(Role.counsellor, username="sun")
    client.cookies.set("hotline_locale", "zh_CN")
    response = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "qwertyuiop",
                                                          "repeat_password": "qwertyuiop"})
    assert response.status_code == 422 and "最常见的密码" in response.text
    response = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "Sun",
                                                          "repeat_password": "Sun"})
    assert response.status_code == 422 and "至少 10 个字符" in response.text
    assert login(client, user).status_code == 303  # the old password still works


def test_cli_user_add_applies_the_policy(settings, engine, monkeypatch):
    from alembic import command

    from hotline.database import alembic_config

    command.stamp(alembic_config(settings.database_url), "head")
    monkeypatch.setenv("HOTLINE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HOTLINE_SECRET_KEY", settings.secret_key)
    result = CliRunner().invoke(cli, ["user", "add", "zhou", "--role", "admin", "--password-stdin"],
                                input="password123\n")
    assert result.exit_code == 1 and "最常见的密码" in result.output  # the CLI speaks the default locale


# --- sessions ---------------------------------------------------------------------------------------

def test_login_rotates_the_session_cookie(client, make_user):
    user = make_user(username="li")
    login(client, user)
    first = client.cookies[SESSION]
    client.cookies.delete(SESSION)
    login(client, user)
    assert client.cookies[SESSION] != first


def test_log_out_everywhere_ends_other_browsers_and_this_one(app, client, make_user, session):
    from fastapi.testclient import TestClient

    user = make_user(username="he")
    with TestClient(app, follow_redirects=False) as other:
        assert login(other, user).status_code == 303
        assert other.get("/").status_code == 200
        login(client, user)
        response = post_form(client, "/account/logout-everywhere")
        assert response.status_code == 303 and response.headers["location"] == "/login"
        assert other.get("/").headers["location"].startswith("/login")
    assert client.get("/").headers["location"].startswith("/login")
    assert login(client, user).status_code == 303 and client.get("/").status_code == 200
    from sqlmodel import select

    from hotline.audit.models import AuditEntry
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "session.logout_all")).one().actor_id == user.id


def test_role_change_ends_the_users_sessions(app, client, logged_in, make_user):
    from fastapi.testclient import TestClient

    target = make_user(Role.supervisor, username="ma")
    with TestClient(app, follow_redirects=False) as theirs:
        login(theirs, target)
        assert theirs.get("/referrals").status_code == 200
        logged_in(Role.admin)
        post_form(client, f"/admin/users/{target.id}/roles", {"roles": ["counsellor"]})
        assert theirs.get("/referrals").headers["location"].startswith("/login")


def test_idle_session_ends_and_background_polling_does_not_keep_it(client, logged_in, monkeypatch, settings):
    clock = [1_000_000.0]
    monkeypatch.setattr(guards, "now", lambda: clock[0])
    logged_in(Role.supervisor)
    limit = settings.idle_minutes * 60
    clock[0] += limit - 60
    assert client.get("/referrals").status_code == 200  # activity: the clock starts again
    clock[0] += limit - 60
    assert client.get("/referrals", headers={"X-Hotline-Background": "1", "HX-Request": "true"}).status_code == 200
    clock[0] += 60 + guards.IDLE_GRACE_SECONDS + 1  # past the limit since the last real activity
    response = client.get("/referrals")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    page = client.get(response.headers["location"])
    assert "without activity" in page.text
    assert client.get("/api/v1/me").status_code == 401


def test_keepalive_counts_as_activity(client, logged_in, monkeypatch, settings):
    clock = [1_000_000.0]
    monkeypatch.setattr(guards, "now", lambda: clock[0])
    logged_in(Role.counsellor)
    for _ in range(3):
        clock[0] += settings.idle_minutes * 60 - 10
        assert client.post("/account/keepalive", headers={"X-CSRFToken": csrf_token(client)}).status_code == 204
    assert client.get("/").status_code == 200


def test_idle_logout_returns_to_the_same_page_after_login(client, logged_in):
    logged_in(Role.counsellor)
    response = post_form(client, "/logout", {"reason": "idle", "next": "/calls/7"})
    assert response.headers["location"] == "/login?next=/calls/7"
    assert "without activity" in client.get(response.headers["location"]).text
    response = post_form(client, "/logout", {"reason": "idle", "next": "https://elsewhere.example/"})
    assert response.headers["location"] == "/login?next=/"


# --- headers ----------------------------------------------------------------------------------------

def _check_headers(response, where):
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "same-origin", where
    assert "camera=()" in headers.get("permissions-policy", ""), where
    assert headers.get("x-request-id"), where


def test_every_main_page_carries_the_security_headers(app, client, logged_in):
    app.state.settings = app.state.settings.model_copy(update={"live_stream_seconds": 0.2})  # streams end soon
    logged_in(Role.counsellor, Role.coordinator, Role.supervisor, Role.admin)
    pages = sorted(path for (method, path), _who in ROUTES.items() if method == "GET" and "{" not in path)
    assert len(pages) > 15
    for path in pages + ["/no-such-page", "/static/js/call.js", "/api/v1/calls/999999"]:
        response = client.get(path)
        assert response.status_code < 500 or path == "/readyz", path  # unmigrated test database: 503
        _check_headers(response, path)
        if response.headers.get("content-type", "").startswith("text/html"):
            assert "<script>" not in response.text and " style=" not in response.text, path
    client.cookies.clear()
    _check_headers(client.get("/login"), "/login anonymous")
