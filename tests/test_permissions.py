"""Every route, every role, and nobody: who gets in. A new route must be added to ROUTES or this fails."""

import pytest
from fastapi.routing import iter_route_contexts

from hotline.accounts.models import Role
from support import csrf_token, login

ANON, C, CO, S, A = "anonymous", Role.counsellor, Role.coordinator, Role.supervisor, Role.admin
EVERYONE = {ANON, C, CO, S, A}
LOGGED_IN = {C, CO, S, A}

# (method, path) -> who may use it. Everybody else gets 401 (anonymous) or 403.
ROUTES = {
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/readyz"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/logout"): EVERYONE,
    ("POST", "/locale"): EVERYONE,
    ("GET", "/"): LOGGED_IN,
    ("GET", "/account/password"): LOGGED_IN,
    ("POST", "/account/password"): LOGGED_IN,
    ("POST", "/account/logout-everywhere"): LOGGED_IN,
    ("POST", "/account/keepalive"): LOGGED_IN,
    ("GET", "/login/totp"): EVERYONE,
    ("POST", "/login/totp"): EVERYONE,
    ("GET", "/account/totp"): LOGGED_IN,
    ("POST", "/account/totp/start"): LOGGED_IN,
    ("POST", "/account/totp/confirm"): LOGGED_IN,
    ("POST", "/account/totp/off"): LOGGED_IN,
    ("POST", "/admin/users/{user_id}/totp/off"): {A},
    ("GET", "/api/openapi.json"): LOGGED_IN,
    ("GET", "/api/docs"): LOGGED_IN,
    ("GET", "/api/v1/me"): LOGGED_IN,
    ("GET", "/calls"): {C, S},
    ("POST", "/calls"): {C, S},
    ("GET", "/calls/search"): {C, S},
    ("GET", "/calls/now"): {S},
    ("GET", "/calls/{call_id}/destinations"): {C, S},
    ("POST", "/calls/{call_id}/destinations/{destination_id}/given"): {C, S},
    ("POST", "/api/v1/calls/{call_id}/destinations"): {C, S},
    ("GET", "/api/v1/destinations"): {C, S},
    ("GET", "/live/line"): {S},
    ("GET", "/calls/{call_id}"): {C, S},
    ("GET", "/calls/{call_id}/banner"): {C, S},
    ("GET", "/live/queue"): {S},
    ("GET", "/live/calls/{call_id}"): {C, S},
    ("POST", "/calls/{call_id}/save"): {C, S},
    ("POST", "/calls/{call_id}/override"): {C, S},
    ("POST", "/calls/{call_id}/crisis"): {C, S},
    ("POST", "/calls/{call_id}/caller"): {C, S},
    ("POST", "/calls/{call_id}/callback-number"): {C, S},
    ("POST", "/calls/{call_id}/finalise"): {C, S},
    ("POST", "/calls/{call_id}/non-data"): {C, S},
    ("POST", "/calls/{call_id}/addenda"): {C, S},
    ("POST", "/calls/{call_id}/hand-over"): {C, S},
    ("POST", "/api/v1/calls"): {C, S},
    ("GET", "/api/v1/calls/in-progress"): {S},
    ("GET", "/api/v1/calls/{call_id}"): {C, S},
    ("PATCH", "/api/v1/calls/{call_id}"): {C, S},
    ("POST", "/api/v1/calls/{call_id}/finalise"): {C, S},
    ("POST", "/api/v1/calls/{call_id}/hand-over"): {C, S},
    ("GET", "/calls/{call_id}/screenings/new"): {C, S},
    ("POST", "/calls/{call_id}/screenings"): {C, S},
    ("POST", "/calls/{call_id}/distress"): {C, S},
    ("GET", "/api/v1/calls/{call_id}/screenings"): {C, S},
    ("POST", "/api/v1/calls/{call_id}/screenings"): {C, S},
    ("GET", "/api/v1/calls/{call_id}/distress"): {C, S},
    ("POST", "/api/v1/calls/{call_id}/distress"): {C, S},
    ("GET", "/referrals"): {S},
    ("GET", "/referrals/{referral_id}"): {S},
    ("POST", "/referrals/{referral_id}/claim"): {S},
    ("POST", "/referrals/{referral_id}/release"): {S},
    ("POST", "/referrals/{referral_id}/reassign"): {S},
    ("POST", "/referrals/{referral_id}/transition"): {S},
    ("GET", "/follow-ups"): {S},
    ("POST", "/follow-ups/{follow_up_id}/call"): {S},
    ("POST", "/follow-ups/{follow_up_id}/cancel"): {S},
    ("POST", "/calls/{call_id}/reviews"): {S},
    ("POST", "/debriefs/{debrief_id}"): {C, S},
    ("POST", "/callers/{caller_id}/alerts"): {S},
    ("GET", "/admin/destinations"): {A},
    ("GET", "/admin/alerts"): {A},
    ("POST", "/admin/alerts/channels"): {A},
    ("POST", "/admin/alerts/channels/{channel_id}/active"): {A},
    ("POST", "/admin/alerts/channels/{channel_id}/test"): {A},
    ("POST", "/admin/alerts/lines/{line_id}"): {A},
    ("GET", "/alerts/latest"): LOGGED_IN,
    ("POST", "/admin/destinations"): {A},
    ("GET", "/api/v1/referrals"): {S},
    ("GET", "/api/v1/referrals/{referral_id}"): {S},
    ("POST", "/api/v1/referrals/{referral_id}/claim"): {S},
    ("POST", "/api/v1/referrals/{referral_id}/transition"): {S},
    ("GET", "/api/v1/follow-ups"): {S},
    ("GET", "/roster"): {C, CO, S},
    ("POST", "/roster/lines"): {CO},
    ("POST", "/roster/limits"): {CO},
    ("GET", "/roster/lines/{line_id}"): {CO},
    ("POST", "/roster/lines/{line_id}/templates"): {CO},
    ("POST", "/roster/lines/{line_id}/holidays"): {CO},
    ("POST", "/roster/lines/{line_id}/generate"): {CO},
    ("GET", "/roster/lines/{line_id}/week"): {CO},
    ("POST", "/roster/lines/{line_id}/publish"): {CO},
    ("POST", "/roster/lines/{line_id}/copy-last-week"): {CO},
    ("GET", "/roster/lines/{line_id}/forecast"): {CO},
    ("POST", "/roster/shifts/{shift_id}/assign"): {CO},
    ("POST", "/roster/shifts/{shift_id}/edit"): {CO},
    ("POST", "/roster/assignments/{assignment_id}/remove"): {CO},
    ("GET", "/roster/mine"): {C, CO, S},
    ("POST", "/roster/mine/feed"): {C, CO, S},
    ("POST", "/roster/mine/feed/revoke"): {C, CO, S},
    ("POST", "/roster/mine/time-off"): {C, CO, S},
    ("POST", "/roster/mine/availability"): {C, CO, S},
    ("GET", "/roster/feed/{token}.ics"): EVERYONE,  # the unguessable token is the key; a wrong one is a 404
    ("GET", "/api/v1/roster/now"): LOGGED_IN,
    ("POST", "/roster/swaps"): {C, CO, S},
    ("POST", "/roster/swaps/{swap_id}/accept"): {C, CO, S},
    ("POST", "/roster/swaps/{swap_id}/decline"): {C, CO, S},
    ("POST", "/roster/swaps/{swap_id}/cancel"): {C, CO, S},
    ("GET", "/roster/swaps"): {CO},
    ("POST", "/roster/swaps/{swap_id}/approve"): {CO},
    ("POST", "/roster/swaps/{swap_id}/reject"): {CO},
    ("GET", "/roster/import"): {CO},
    ("POST", "/roster/import"): {CO},
    ("POST", "/roster/import/apply"): {CO},
    ("GET", "/roster/lines/{line_id}/export.csv"): {CO},
    ("GET", "/roster/lines/{line_id}/export.ics"): {CO},
    ("POST", "/roster/templates/{template_id}/delete"): {CO},
    ("POST", "/roster/holidays/{holiday_id}/delete"): {CO},
    ("POST", "/roster/shifts/{shift_id}/delete"): {CO},
    ("GET", "/roster/staff"): {CO},
    ("POST", "/roster/staff/{user_id}"): {CO},
    ("GET", "/notifications"): LOGGED_IN,
    ("GET", "/notifications/bell"): LOGGED_IN,
    ("POST", "/notifications/read"): LOGGED_IN,
    ("POST", "/notifications/{notification_id}/open"): LOGGED_IN,
    ("GET", "/roster/wellbeing"): {CO, S},
    ("POST", "/roster/rating"): {C, S},
    ("GET", "/reports"): {S, A},
    ("GET", "/reports/calls.csv"): {S, A},
    ("GET", "/reports/referrals.csv"): {S, A},
    ("GET", "/reports/summary"): {S, A},
    ("GET", "/reports/summary.csv"): {S, A},
    ("GET", "/reports/mine"): {C, S},
    ("GET", "/reports/staffing"): {CO},
    ("GET", "/triage"): {S, A},
    ("POST", "/triage"): {S, A},
    ("GET", "/triage/rules"): {S, A},
    ("GET", "/triage/rules/words/{item_id}"): {S, A},
    ("GET", "/triage/rules/combinations/{item_id}"): {S, A},
    ("POST", "/triage/rules/reload"): {A},
    ("GET", "/triage/rule-sets"): {A},
    ("POST", "/triage/rule-sets"): {A},
    ("GET", "/triage/rule-sets/{record_id}"): {A},
    ("POST", "/triage/rule-sets/{record_id}/publish"): {A},
    ("POST", "/api/v1/triage"): LOGGED_IN,
    ("GET", "/admin/users"): {A},
    ("POST", "/admin/users"): {A},
    ("POST", "/admin/users/{user_id}/roles"): {A},
    ("POST", "/admin/users/{user_id}/active"): {A},
    ("POST", "/admin/users/{user_id}/password"): {A},
    ("POST", "/admin/users/{user_id}/tokens/revoke"): {A},
    ("GET", "/admin/audit"): {A},
    ("GET", "/admin/data-requests"): {A},
    ("POST", "/admin/data-requests"): {A},
    ("GET", "/admin/callers/{caller_id}"): {A},
    ("POST", "/admin/callers/{caller_id}/export"): {A},
    ("POST", "/admin/callers/{caller_id}/erase"): {A},
    ("POST", "/admin/callers/{caller_id}/legal-hold"): {A},
    ("POST", "/admin/calls/{call_id}/legal-hold"): {A},
}

SAMPLE_PATH_VALUES = {"user_id": "1", "call_id": "1", "referral_id": "1", "follow_up_id": "1", "debrief_id": "1",
                      "caller_id": "1", "line_id": "1", "shift_id": "1", "assignment_id": "1", "token": "x",
                      "record_id": "1", "swap_id": "1", "notification_id": "1",
                      "template_id": "1", "holiday_id": "1", "destination_id": "1", "channel_id": "1",
                      "item_id": "c.ingest_done"}


def app_routes(app):
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_every_route_is_in_the_permission_table(app):
    assert app_routes(app) == set(ROUTES), "add new routes to ROUTES with who may use them"


@pytest.mark.parametrize("actor", [ANON, C, CO, S, A], ids=str)
def test_each_role_gets_exactly_the_routes_it_should(app, client, make_user, actor):
    # Live-update streams end quickly here, so an allowed one can be read to its end.
    app.state.settings = app.state.settings.model_copy(update={"live_stream_seconds": 0.2})
    make_user(Role.admin, username="first")  # user 1, for the {user_id} routes
    if actor != ANON:
        user = make_user(actor, username="actor")
        assert login(client, user).status_code == 303
    token = csrf_token(client)
    failures = []
    for (method, path), allowed in sorted(ROUTES.items()):
        url = path.format(**SAMPLE_PATH_VALUES)
        if method == "GET":
            response = client.get(url)
        elif path.startswith("/api/"):
            response = client.request(method, url, json={}, headers={"X-CSRFToken": token})
        else:
            response = client.post(url, data={"csrftoken": token})
        status = response.status_code
        if actor in allowed:
            ok = status != 500 and status not in (401, 403) and not (
                status == 303 and response.headers["location"].startswith("/login?"))
        elif actor == ANON:
            ok = status == 401 or (status == 303 and response.headers["location"].startswith("/login?"))
        else:
            ok = status == 403
        if not ok:
            failures.append(f"{method} {path}: {status}")
        if path in ("/logout", "/account/logout-everywhere") and actor != ANON:
            login(client, "actor")  # logging out was allowed; log back in for the rest
    assert not failures, failures
