"""Two-step login: enrol with a key and a code, then login asks for a code; recovery codes; required by setting."""

import datetime
import re
import time

import pyotp
import pytest

from hotline.accounts import totp
from hotline.accounts.models import Role
from support import PASSWORD, csrf_token, login, post_form


def enrol(client) -> tuple[str, list[str]]:
    page = post_form(client, "/account/totp/start")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert "otpauth://totp/Hotline:" in page.text
    assert '<svg width="' in page.text and ' style=' not in page.text  # the QR code, inline and CSP-safe
    done = post_form(client, "/account/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.text)
    return secret, codes


def test_enrol_then_login_needs_the_code(client, logged_in):
    user = logged_in(Role.supervisor, username="gao")
    refused = post_form(client, "/account/totp/start")
    wrong = post_form(client, "/account/totp/confirm", {"code": "000000"})
    assert refused.status_code == 200 and wrong.status_code == 422 and "not right" in wrong.text
    secret, codes = enrol(client)
    assert len(codes) == 10
    assert client.get("/referrals").status_code == 200  # this browser stays logged in

    client.cookies.clear()
    response = login(client, user)
    assert response.headers["location"] == "/login/totp?next=/"
    assert client.get("/referrals").headers["location"].startswith("/login")  # the password alone is not enough
    bad = post_form(client, "/login/totp", {"code": "123456", "next": "/referrals"})
    assert bad.status_code == 401 and "not right" in bad.text
    # The code used to confirm the setup is spent; the next one (clock drift allows one step) is good.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    good = post_form(client, "/login/totp", {"code": code, "next": "/referrals"})
    assert good.status_code == 303 and good.headers["location"] == "/referrals"
    assert client.get("/referrals").status_code == 200

    # The same code cannot be used twice (someone who saw it over a shoulder).
    client.cookies.clear()
    login(client, user)
    assert post_form(client, "/login/totp", {"code": code}).status_code == 401


def test_a_recovery_code_works_once(client, logged_in):
    user = logged_in(Role.admin, username="recover")
    _secret, codes = enrol(client)
    for attempt, expected in ((codes[0], 303), (codes[0], 401), (codes[1].upper(), 303)):
        client.cookies.clear()
        login(client, user)
        assert post_form(client, "/login/totp", {"code": attempt}).status_code == expected
    assert "Recovery codes left: 8" in client.get("/account/totp").text


def test_wrong_codes_are_throttled_like_passwords(client, logged_in, settings):
    user = logged_in(Role.supervisor, username="slow")
    enrol(client)
    client.cookies.clear()
    login(client, user)
    statuses = [post_form(client, "/login/totp", {"code": "000000"}).status_code
                for _ in range(settings.login_max_failures_account + 1)]
    assert statuses[-1] == 429


def test_turning_off_needs_the_password_and_an_admin_can_reset(client, logged_in, make_user, session):
    user = logged_in(Role.supervisor, username="off")
    enrol(client)
    assert post_form(client, "/account/totp/off", {"current_password": "nope"}).status_code == 422
    assert post_form(client, "/account/totp/off", {"current_password": PASSWORD}).status_code == 303
    session.refresh(user)
    assert not user.uses_totp
    enrol(client)
    client.cookies.clear()
    logged_in(Role.admin, username="boss")
    response = post_form(client, f"/admin/users/{user.id}/totp/off", headers={"HX-Request": "true"})
    assert response.status_code == 200
    session.refresh(user)
    assert not user.uses_totp


@pytest.fixture
def required(app):
    app.state.settings = app.state.settings.model_copy(update={"require_totp": True})


def test_when_required_supervisors_must_set_it_up_before_anything_else(required, client, logged_in):
    logged_in(Role.supervisor, username="must")
    response = client.get("/referrals")
    assert response.status_code == 303 and response.headers["location"] == "/account/totp"
    assert "needs two-step login" in client.get("/account/totp").text
    htmx = client.post("/referrals/1/claim", headers={"X-CSRFToken": csrf_token(client), "HX-Request": "true"})
    assert htmx.status_code == 403 and htmx.headers["hx-redirect"] == "/account/totp"
    enrol(client)
    assert client.get("/referrals").status_code == 200
    assert post_form(client, "/account/totp/off", {"current_password": PASSWORD}).status_code == 409


def test_when_required_counsellors_are_not_asked(required, client, logged_in):
    logged_in(Role.counsellor)
    assert client.get("/calls").status_code == 200


def test_codes_from_a_drifting_clock_are_accepted_one_step_either_side(session, make_user):
    user = make_user(Role.supervisor, username="drift")
    totp.start_enrolment(session=session, user=user)
    secret = user.totp_pending_secret
    previous = pyotp.TOTP(secret).at(datetime.datetime.now() - datetime.timedelta(seconds=30))
    assert totp.confirm_enrolment(session=session, user=user, code=previous)


def test_the_secret_is_sealed_in_the_database(session, make_user):
    """A copy of the database alone must not let anyone make a supervisor's codes."""
    from sqlalchemy import text

    from hotline.accounts.models import User

    user = make_user(Role.supervisor, username="sealed")
    pending = totp.start_enrolment(session=session, user=user)
    assert totp.confirm_enrolment(session=session, user=user, code=pyotp.TOTP(pending).now())
    stored = session.execute(text("SELECT totp_secret FROM users WHERE username = 'sealed'")).scalar_one()
    assert stored.startswith("hl1:") and pending not in stored
    session.expire_all()
    assert session.get(User, user.id).totp_secret == pending
