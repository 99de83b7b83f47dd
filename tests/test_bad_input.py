"""Every form field of every form, and every query parameter, sent oversized, of the wrong type, with HTML
and script, with SQL metacharacters and with control characters: never a 500, and what was sent is shown
escaped wherever it appears."""

import typing

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import Session

from hotline.accounts.models import Role
from hotline.calls import service as calls
from hotline.demo import load_demo_users
from support import csrf_token, login
from test_permissions import SAMPLE_PATH_VALUES

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
PAYLOADS = {
    "oversized": "长" * 20_000,
    "wrong type": "not-a-number-[]{}",
    "html": SCRIPT,
    "sql": "' OR 1=1; DROP TABLE users; -- \" ; SELECT * FROM calls WHERE '1'='1",
    "control": "a\x00b\x1b[31m\u202e\ud7ff\r\n",
    "negative": "-99999999999999999999",
    "digit int() refuses": "²",  # str.isdigit() says yes, int() raises: isdecimal() is the check to use
}
# These end the session or the whole account's sessions; they are covered by their own tests.
SKIP = {"/logout", "/account/logout-everywhere", "/login"}


def _fields(dependant):
    """(name, annotation, where) of every form field and query parameter a route reads, sub-dependencies too."""
    found = [(f.alias, f.field_info.annotation, "form") for f in dependant.body_params]
    found += [(f.alias, f.field_info.annotation, "query") for f in dependant.query_params]
    for sub in dependant.dependencies:
        found += _fields(sub)
    return found


def _is_list(annotation) -> bool:
    return typing.get_origin(annotation) is list


def routes_with_inputs(app):
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute) or context.path.startswith("/api/") or context.path in SKIP:
            continue
        fields = _fields(route.dependant)
        if fields:
            for method in set(context.methods) - {"HEAD"}:
                yield method, context.path, fields


@pytest.fixture
def fuzzer(client, engine, make_user):
    user = make_user(Role.counsellor, Role.coordinator, Role.supervisor, Role.admin, username="fuzz")
    with Session(engine) as session:
        load_demo_users(session=session, password="demo password for fuzzing")
        counsellor = calls.start_call(session=session, counsellor=user)
        assert counsellor
    assert login(client, user).status_code == 303
    return user


def test_no_form_or_query_field_gives_a_500_or_unescaped_html(app, client, fuzzer):
    token = csrf_token(client)
    values = {**SAMPLE_PATH_VALUES, "user_id": "2"}  # not the fuzzer: a password reset would log it out
    failures = []
    checked = 0
    routes = sorted(routes_with_inputs(app))
    for kind, payload, (method, path, fields) in ((k, p, r) for k, p in PAYLOADS.items() for r in routes):
        url = path.format(**values)
        form, query = {}, {}
        for name, annotation, where in fields:
            value = [payload] * 30 if _is_list(annotation) else payload
            if where == "query":
                query[name] = value[:1000] if isinstance(value, str) else value[:3]  # URLs have their own limit
            else:
                form[name] = value
        if method == "GET":
            response = client.get(url, params=query)
        else:
            response = client.post(url, params=query, data={**form, "csrftoken": token})
        checked += 1
        if response.status_code >= 500:
            failures.append(f"{kind}: {method} {path}: {response.status_code}")
        # Escaped, the payload is harmless text ("&lt;img src=x onerror=…"); only a live tag is a failure.
        if "<script>alert(" in response.text or "<img src=x onerror" in response.text:
            failures.append(f"{kind}: {method} {path}: the script came back unescaped")
        if "hotline_session" not in client.cookies or client.get("/api/v1/me").status_code != 200:
            login(client, fuzzer)  # a form that changed this account's session: carry on logged in
            token = csrf_token(client)
    assert checked > 30
    # Whatever was stored is shown escaped on every page.
    for page in ("/", "/calls", "/calls/search", "/referrals", "/follow-ups", "/roster", "/roster/mine",
                 "/roster/lines/1", "/roster/lines/1/week", "/admin/users", "/admin/destinations", "/triage/rules",
                 "/triage/rule-sets", "/calls/1", "/roster/wellbeing"):
        response = client.get(page)
        if response.status_code >= 500 or "<script>alert(" in response.text:
            failures.append(f"GET {page} afterwards: {response.status_code}")
    assert not failures, failures


def test_json_api_refuses_wrong_types_and_control_characters_without_a_500(client, fuzzer):
    headers = {"X-CSRFToken": csrf_token(client)}
    call = client.post("/api/v1/calls", json={}, headers=headers).json()
    for body in ({"version": "one", "notes": "x"}, {"version": call["version"], "notes": 12},
                 {"version": call["version"], "notes": PAYLOADS["control"]},
                 {"version": call["version"], "concerns": ["<b>"] * 200}, [1, 2], "null"):
        response = client.patch(f"/api/v1/calls/{call['id']}", json=body, headers=headers)
        assert response.status_code < 500, (body, response.text)
        assert response.status_code == 200 or isinstance(response.json()["detail"], str)


def test_a_body_that_is_not_utf8_is_told_so_in_the_readers_language(client, fuzzer):
    headers = {"X-CSRFToken": csrf_token(client), "Content-Type": "application/json"}
    call = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": headers["X-CSRFToken"]}).json()
    response = client.patch(f"/api/v1/calls/{call['id']}", content=b'{"version": 1, "notes": "\xff\xfe"}',
                            headers=headers)
    assert response.status_code == 400
    assert "could not be read: send text in UTF-8" in response.json()["detail"]
    translated = client.patch(f"/api/v1/calls/{call['id']}", content=b"\x80 notes",
                              headers={**headers, "Accept-Language": "zh-CN"})
    assert translated.status_code == 400 and "UTF-8" in translated.json()["detail"]
    assert "could not be read" not in translated.json()["detail"]


def test_ids_and_versions_past_the_database_integer_range_are_a_422(client, logged_in):
    logged_in(Role.counsellor)
    headers = {"X-CSRFToken": csrf_token(client)}
    for url, body in ((f"/api/v1/calls/{2**40}", {"version": 1}), (f"/api/v1/calls/{2**70}", {"version": 1}),
                      ("/api/v1/calls/1", {"version": -(2**45)})):
        response = client.patch(url, json=body, headers=headers)
        assert response.status_code in (404, 422), (url, response.text)
        assert isinstance(response.json()["detail"], str)


# Every field a save may carry, sent with values a script or a phone system might get wrong.
ODD_VALUES = [None, "", "   ", 0, -1, 12, 2**70, -(2**70), 1.5, True, [], {}, ["x"], {"a": 1}, "x" * 200_000,
              "no-such-choice", "2024-02-30", "9999-12-31", ["low_mood", "low_mood"], [None]]
# What the record never leaves empty: null is refused rather than stored (leave the field out to keep it).
NEVER_NULL = {"notes", "summary", "concerns", "interventions", "callback_needed", "callback_ok",
              "supervisor_consulted"}


def test_every_field_of_a_call_save_with_odd_values_is_a_translated_4xx_never_a_500(app, session, make_user):
    from fastapi.testclient import TestClient

    from hotline.accounts import service as accounts
    from hotline.calls.models import CallSave

    client = TestClient(app, raise_server_exceptions=False)  # every 500 is listed, not only the first
    user = make_user(Role.counsellor)
    headers = {"Authorization": "Bearer " + accounts.issue_token(session=session, user=user),
               "Accept-Language": "zh-CN"}
    failures = []
    for name in CallSave.model_fields:
        for value in ODD_VALUES:
            call = client.post("/api/v1/calls", json={}, headers=headers).json()  # a fresh one: a bad save spoils none
            body = {"version": value} if name == "version" else {"version": call["version"], name: value}
            response = client.patch(f"/api/v1/calls/{call['id']}", json=body, headers=headers)
            label = f"{name}={str(value)[:30]!r}: {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{label} {response.text[:200]}")
            elif response.status_code >= 400:
                detail = response.json().get("detail")
                if not isinstance(detail, str) or not any("\u4e00" <= ch <= "\u9fff" for ch in detail):
                    failures.append(f"{label} untranslated: {detail!r}"[:300])
            elif value is None and name in NEVER_NULL:
                failures.append(f"{label}: null accepted")
    assert not failures, "\n".join(failures)
