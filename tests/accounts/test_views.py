"""What a person sees at the login page, the language switch and the users page."""

import re

from hotline.accounts import service
from hotline.accounts.models import Role
from support import PASSWORD, csrf_token, login, post_form


def test_pages_send_people_to_login_first(client):
    response = client.get("/admin/users")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/users"


def test_login_then_home_shows_name_and_roles(client, make_user):
    make_user(Role.supervisor, Role.coordinator, username="lead", display_name="Li Na")
    assert login(client, "lead").headers["location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Welcome, Li Na" in page.text
    assert 'data-role="supervisor"' in page.text and 'data-role="coordinator"' in page.text


def test_wrong_password_is_a_401_with_a_message_in_the_chosen_language(client, make_user):
    make_user(username="wang")
    response = login(client, "wang", "wrong password!")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    client.cookies.set("hotline_locale", "zh_CN")
    response = login(client, "wang", "wrong password!")
    assert "用户名或密码错误。" in response.text


def test_accept_language_picks_chinese_for_any_chinese_variant(client):
    for header in ("zh-CN,zh;q=0.9", "en;q=0.5, zh;q=0.9"):
        page = client.get("/login", headers={"Accept-Language": header})
        assert "<h1>登录</h1>" in page.text, header
    page = client.get("/login", headers={"Accept-Language": "zh-TW"})
    assert "<h1>登入</h1>" in page.text  # Taiwan reads Traditional
    page = client.get("/login", headers={"Accept-Language": "fr-FR, en;q=0.8"})
    assert "<h1>Log in</h1>" in page.text


def test_disabled_user_sees_why(client, make_user, session):
    user = make_user(username="gone")
    service.set_active(session=session, user=user, active=False)
    response = login(client, "gone")
    assert response.status_code == 403
    assert "disabled" in response.text


def test_repeated_failures_are_throttled_with_a_clear_message(client, make_user):
    make_user(username="wang")
    for _ in range(5):
        assert login(client, "wang", "wrong password!").status_code == 401
    response = login(client, "wang")
    assert response.status_code == 429
    assert "Too many failed logins" in response.text


def test_login_without_csrf_token_is_refused_in_the_readers_language(client, make_user):
    make_user(username="wang")
    csrf_token(client)
    response = client.post("/login", data={"username": "wang", "password": PASSWORD},
                           headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 403
    assert "表单已过期" in response.text
    assert "Traceback" not in response.text


def test_state_change_without_csrf_is_refused(client, logged_in):
    logged_in(Role.admin)
    response = client.post("/admin/users", data={"username": "x1", "password": PASSWORD, "roles": "counsellor"})
    assert response.status_code == 403


def test_forged_or_stale_session_cookie_means_logged_out(client, make_user, session):
    user = make_user(username="wang")
    login(client, user)
    assert client.get("/").status_code == 200
    cookie = client.cookies["hotline_session"]
    client.cookies.set("hotline_session", cookie[:-3] + "abc")
    assert client.get("/").status_code == 303
    client.cookies.set("hotline_session", cookie)
    assert client.get("/").status_code == 200
    service.set_password(session=session, user=user, new_password="a brand new one")
    assert client.get("/").status_code == 303


def test_logout_ends_the_session(client, logged_in):
    logged_in(Role.counsellor)
    response = post_form(client, "/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 303
    assert "You have logged out." in client.get("/login").text


def test_language_switch_is_remembered_for_the_user(client, logged_in, session):
    user = logged_in(Role.counsellor)
    response = post_form(client, "/locale", {"locale": "zh_CN", "next": "/"})
    assert response.status_code == 303
    assert "欢迎" in client.get("/").text
    session.refresh(user)
    assert user.locale == "zh_CN"
    # A new browser picks the preference up at login.
    client.cookies.clear()
    login(client, user)
    assert "欢迎" in client.get("/").text


def test_unknown_locale_is_a_400_with_a_message(client, logged_in):
    logged_in(Role.counsellor)
    response = post_form(client, "/locale", {"locale": "klingon"})
    assert response.status_code == 400
    assert "Unknown language: klingon" in response.text


def test_login_next_cannot_point_off_site(client, make_user):
    make_user(username="wang")
    response = client.post("/login", data={"username": "wang", "password": PASSWORD, "next": "//evil.example/x",
                                           "csrftoken": csrf_token(client)})
    assert response.headers["location"] == "/"


def test_change_own_password(client, logged_in):
    logged_in(Role.counsellor, username="mei")
    response = post_form(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "twelve chars!", "repeat_password": "twelve chars!"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this browser stays logged in
    post_form(client, "/logout")
    assert login(client, "mei", "twelve chars!").status_code == 303


def test_change_password_mistakes_are_explained(client, logged_in):
    logged_in(Role.counsellor)
    response = post_form(client, "/account/password", {"current_password": PASSWORD,
                                                        "new_password": "twelve chars!", "repeat_password": "other"})
    assert response.status_code == 422 and "differ" in response.text
    response = post_form(client, "/account/password", {
        "current_password": "nope", "new_password": "twelve chars!", "repeat_password": "twelve chars!"})
    assert response.status_code == 422 and "not right" in response.text


def test_admin_adds_a_user_who_can_then_log_in(client, logged_in):
    logged_in(Role.admin)
    response = post_form(client, "/admin/users", {"username": "newbie", "display_name": "New Bie",
                                                  "password": "a long password", "roles": ["counsellor", "supervisor"]})
    assert response.status_code == 303
    assert "User newbie added." in client.get("/admin/users").text
    post_form(client, "/logout")
    assert login(client, "newbie", "a long password").status_code == 303


def test_adding_a_user_with_missing_or_oversized_fields_explains(client, logged_in):
    logged_in(Role.admin)
    response = post_form(client, "/admin/users", {"username": "ok.name", "password": "a long password"})
    assert response.status_code == 422
    assert "Choose at least one role." in response.text
    assert 'value="ok.name"' in response.text  # what was typed is kept
    response = post_form(client, "/admin/users", {"username": "x" * 400, "password": "p", "roles": "counsellor"})
    assert response.status_code == 422
    assert "too long" in response.text


def test_role_change_through_htmx_returns_just_the_row(client, logged_in, make_user):
    logged_in(Role.admin)
    other = make_user(Role.counsellor, username="other")
    response = post_form(client, f"/admin/users/{other.id}/roles", {"roles": ["supervisor"]},
                         headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="user-{other.id}"')
    assert re.search(r'value="supervisor"\s+checked', response.text)
    assert response.headers["vary"].startswith("HX-Request")


def test_the_last_admin_cannot_be_removed(client, logged_in):
    admin = logged_in(Role.admin)
    response = post_form(client, f"/admin/users/{admin.id}/roles", {"roles": ["counsellor"]})
    assert response.status_code == 409
    assert "At least one active administrator must remain." in response.text
    response = post_form(client, f"/admin/users/{admin.id}/active", {"active": "false"})
    assert response.status_code == 409


def test_an_admin_cannot_disable_their_own_account_even_with_another_admin(client, logged_in, make_user):
    admin = logged_in(Role.admin)
    make_user(Role.admin, username="deputy")
    response = post_form(client, f"/admin/users/{admin.id}/active", {"active": "false"})
    assert response.status_code == 409 and "You cannot disable your own account." in response.text
    assert client.get("/admin/users").status_code == 200  # still logged in, still active


def test_admin_disables_a_user_and_their_session_ends(client, app, logged_in, make_user):
    from fastapi.testclient import TestClient

    logged_in(Role.admin)
    victim = make_user(Role.counsellor, username="victim")
    with TestClient(app, follow_redirects=False) as other_browser:
        login(other_browser, victim)
        assert other_browser.get("/").status_code == 200
        assert post_form(client, f"/admin/users/{victim.id}/active", {"active": "false"}).status_code == 303
        assert other_browser.get("/").status_code == 303


def test_unknown_user_id_is_a_404(client, logged_in):
    logged_in(Role.admin)
    response = post_form(client, "/admin/users/9999/roles", {"roles": ["counsellor"]})
    assert response.status_code == 404
    response = post_form(client, "/admin/users/not-a-number/roles", {"roles": ["counsellor"]})
    assert response.status_code == 422


def test_oversized_body_is_refused_before_parsing(client, logged_in):
    logged_in(Role.admin)
    response = post_form(client, "/admin/users", {"username": "a", "password": "x" * 2_000_000})
    assert response.status_code == 413
    assert "too large" in response.text


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert "此页面不存在" in response.text
