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
    codes = re.findall(r"<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>", done.text)
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


def _enrolled(session, make_user, username):
    user = make_user(Role.supervisor, username=username)
    pending = totp.start_enrolment(session=session, user=user)
    codes = totp.confirm_enrolment(session=session, user=user, code=pyotp.TOTP(pending).now())
    return user, codes


def test_recovery_codes_carry_80_bits_in_groups_of_four_for_reading_aloud(session, make_user):
    """Sixteen characters of a 32-letter alphabet without I, L, O or U (Crockford's): 80 bits, where the
    earlier ten hex digits carried 40 that a copy of the database gave away in minutes."""
    _user, codes = _enrolled(session, make_user, "long")
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}", code), code


def test_a_recovery_code_is_taken_in_any_case_with_or_without_dashes_or_spaces(session, make_user):
    user, codes = _enrolled(session, make_user, "typist")
    typed = [codes[0].upper(), codes[1].replace("-", ""), codes[2].replace("-", " "),
             " " + codes[3].replace("-", " - ").upper() + " ",
             # read aloud and typed back: O for zero, I or L for one
             codes[4].replace("0", "O").replace("1", "l")]
    for code in typed:
        assert totp.verify(session=session, user=user, code=code), code
    assert not totp.verify(session=session, user=user, code=codes[0]), "a code is good once"
    assert totp.recovery_codes_left(session=session, user=user) == 5


def test_a_copy_of_the_database_does_not_give_the_recovery_codes_away(session, make_user):
    """Kept as Argon2id hashes, salted per code: no table of precomputed hashes, and each guess is slow."""
    import hashlib

    from sqlmodel import select

    from hotline.accounts.models import RecoveryCode

    user, codes = _enrolled(session, make_user, "copied")
    stored = [row.code_hash for row in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id))]
    assert len(stored) == 10 and all(value.startswith("$argon2id$") for value in stored)
    plain = {code.replace("-", "") for code in codes}
    assert not {hashlib.sha256(code.encode()).hexdigest() for code in plain} & set(stored)
    assert not any(code in value for code in plain for value in stored)
