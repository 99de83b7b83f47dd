"""Cross-site request forgery: a write from a browser carries the page's token, as a form field (urlencoded or
multipart) or as the X-CSRFToken header HTMX adds; without it the reader gets a translated 403 (a page, a
fragment for HTMX, JSON under /api/). Bearer-token API calls and cookieless requests other than the login
stay exempt, as they were."""

from importlib import resources

import anyio
import httpx
from itsdangerous import URLSafeSerializer

from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from hotline.csrf import COOKIE as CSRF_COOKIE
from support import PASSWORD, csrf_token, login, post_form

EXPIRED_ZH = "表单已过期"
NEW_USER = {"username": "new1", "password": PASSWORD, "roles": "counsellor"}


def stricter() -> bytes:
    """The shipped rules with one more imminent phrase: a rule file the console accepts as a candidate."""
    text = resources.files("hotline.triage").joinpath("rules.toml").read_text(encoding="utf-8")
    return text.replace('"took a whole bottle",', '"took a whole bottle", "ate the whole pack",', 1).encode()


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "hotlineboundary") -> tuple[bytes, str]:
    """A multipart/form-data body written by hand, so a test chooses the order of the parts."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        body += b"Content-Type: text/plain\r\n" if filename else b""
        body += b"\r\n" + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_form_without_the_token_gets_a_translated_403_page_or_fragment(client, logged_in):
    logged_in(Role.admin)
    csrf_token(client)
    page = client.post("/admin/users", data=NEW_USER, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert EXPIRED_ZH in page.text and "<html" in page.text and "Traceback" not in page.text
    fragment = client.post("/admin/users", data=NEW_USER, headers={"Accept-Language": "zh-CN", "HX-Request": "true"})
    assert fragment.status_code == 403 and EXPIRED_ZH in fragment.text and "<html" not in fragment.text
    assert fragment.headers["HX-Retarget"] == "#flash"
    assert "new1" not in client.get("/admin/users").text


def test_an_api_write_on_the_session_without_the_header_gets_a_translated_json_403(client, logged_in):
    logged_in(Role.counsellor)
    refused = client.post("/api/v1/calls", json={}, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 403 and EXPIRED_ZH in refused.json()["detail"]
    forged = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": csrf_token(client) + "x"})
    assert forged.status_code == 403
    assert client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": csrf_token(client)}).status_code == 201


def test_the_token_passes_as_a_form_field_or_as_the_htmx_header(client, logged_in):
    logged_in(Role.admin)
    assert post_form(client, "/admin/users", NEW_USER).status_code == 303
    as_htmx = client.post("/admin/users", data={**NEW_USER, "username": "new2"},
                          headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)})
    assert as_htmx.status_code == 303
    page = client.get("/admin/users").text
    assert "new1" in page and "new2" in page
    # The page hands the token to HTMX in <body hx-headers> and to forms in a hidden field.
    assert f'hx-headers=\'{{"X-CSRFToken": "{csrf_token(client)}"}}\'' in page
    assert f'name="csrftoken" value="{csrf_token(client)}"' in page


def test_a_multipart_form_may_carry_the_token_as_a_field_before_or_after_the_file(client, logged_in):
    """A file upload from a browser without script sends the token as a form field, like any other form."""
    logged_in(Role.admin)
    token = csrf_token(client).encode()
    for parts in ([("csrftoken", None, token), ("file", "stricter.toml", stricter())],
                  [("file", "stricter.toml", stricter()), ("csrftoken", None, token)]):
        body, content_type = multipart(parts)
        response = client.post("/triage/rule-sets", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/triage/rule-sets/")
    for parts in ([("csrftoken", None, token + b"x"), ("file", "x.toml", stricter())],
                  [("file", "x.toml", stricter())]):
        body, content_type = multipart(parts)
        refused = client.post("/triage/rule-sets", content=body, headers={"Content-Type": content_type})
        assert refused.status_code == 403


def test_an_unrelated_cookie_the_standard_library_cannot_parse_does_not_break_every_form(client, logged_in):
    """Another application on the same host may set a cookie with a JSON value; the console's forms still work."""
    logged_in(Role.admin)
    token, login_cookie = csrf_token(client), client.cookies["hotline_session"]
    client.cookies.clear()
    cookies = f'prefs={{"theme":"dark"}}; hotline_session={login_cookie}; {CSRF_COOKIE}={token}'
    response = client.post("/admin/users", data={**NEW_USER, "csrftoken": token}, headers={"Cookie": cookies})
    assert response.status_code == 303
    assert "new1" in client.get("/admin/users", headers={"Cookie": cookies}).text


def test_a_token_not_signed_by_this_console_is_refused(client, logged_in):
    logged_in(Role.admin)
    client.cookies.set(CSRF_COOKIE, "chosen-by-an-attacker")
    response = client.post("/admin/users", data={**NEW_USER, "csrftoken": "chosen-by-an-attacker"})
    assert response.status_code == 403
    other_console = URLSafeSerializer("another-secret-" + "y" * 32).dumps("abc", "csrftoken")
    client.cookies.set(CSRF_COOKIE, other_console)
    response = client.post("/admin/users", data={**NEW_USER, "csrftoken": other_console})
    assert response.status_code == 403


def test_a_token_from_before_an_upgrade_still_works(client, logged_in, settings):
    """Pages open across an upgrade keep working: the token format is the one asgi-csrf wrote."""
    logged_in(Role.admin)
    token = URLSafeSerializer(settings.secret_key).dumps("TokenMadeByTheOldMiddleware", "csrftoken")
    client.cookies.set(CSRF_COOKIE, token)
    assert client.post("/admin/users", data={**NEW_USER, "csrftoken": token}).status_code == 303


def test_a_form_body_that_is_not_utf8_is_checked_not_crashed(client, logged_in):
    logged_in(Role.admin)
    token = csrf_token(client)
    body = b"username=\xff\xfe&csrftoken=" + token.encode()
    response = client.post("/admin/users", content=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code < 500
    assert response.status_code != 403
    refused = client.post("/admin/users", content=b"username=\xff\xfe",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 403


def test_a_form_sent_in_chunks_is_checked_and_reaches_the_route_whole(app, client, logged_in):
    logged_in(Role.admin)
    token = csrf_token(client)
    body = f"csrftoken={token}&username=chunked1&password={PASSWORD.replace(' ', '+')}&roles=counsellor".encode()

    async def send() -> httpx.Response:
        async def chunks():
            for start in range(0, len(body), 7):
                yield body[start:start + 7]

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                     cookies=client.cookies) as asgi:
            return await asgi.post("/admin/users", content=chunks(),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})

    response = anyio.run(send)
    assert response.status_code == 303, response.text
    assert "chunked1" in client.get("/admin/users").text


def test_bearer_token_calls_are_exempt_even_with_cookies(client, session, make_user):
    csrf_token(client)  # the client now carries a CSRF cookie, as a script run from a browser profile might
    headers = {"Authorization": "Bearer " + accounts.issue_token(session=session, user=make_user(Role.counsellor))}
    assert client.post("/api/v1/calls", json={}, headers=headers).status_code == 201


def test_the_login_is_protected_without_cookies_other_cookieless_posts_are_not(client, make_user):
    make_user(username="wang")
    refused = client.post("/login", data={"username": "wang", "password": PASSWORD},
                          headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 403 and EXPIRED_ZH in refused.text
    # No cookie at all means no session to act with: such a request reaches the route (which asks for a login).
    client.cookies.clear()
    assert client.post("/locale", data={"locale": "en", "next": "/"}).status_code == 303
    client.cookies.clear()
    assert client.post("/admin/users", data=NEW_USER).status_code == 401
    client.cookies.clear()
    assert login(client, "wang").status_code == 303


def test_pages_set_the_token_cookie_once_and_vary_on_cookie(client):
    first = client.get("/login")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=") and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "HttpOnly" in cookie  # scripts read the token from the page, never from the cookie
    assert "Cookie" in first.headers["vary"] and "HX-Request" in first.headers["vary"]
    again = client.get("/login")
    assert "set-cookie" not in again.headers
    assert client.get("/healthz").headers.get("vary") is None
