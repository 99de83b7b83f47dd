"""/api/v1/me by cookie and by token."""

from hotline.accounts import service
from hotline.accounts.models import Role


def test_me_by_bearer_token(client, make_user, session):
    user = make_user(Role.supervisor, Role.coordinator, username="lead", display_name="Li")
    token = service.issue_token(session=session, user=user)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"username": "lead", "display_name": "Li",
                               "roles": ["coordinator", "supervisor"], "locale": None}


def test_me_by_session_cookie(client, logged_in):
    logged_in(Role.counsellor, username="mei")
    assert client.get("/api/v1/me").json()["username"] == "mei"


def test_bad_or_revoked_token_is_a_json_401(client, make_user, session):
    user = make_user(username="bot")
    token = service.issue_token(session=session, user=user)
    service.revoke_tokens(session=session, user=user)
    for header in (f"Bearer {token}", "Bearer hl_forged", "Basic abc"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.json()["detail"] == "Please log in."


def test_a_token_beside_a_cookie_is_judged_alone(client, logged_in):
    logged_in(Role.counsellor)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer hl_forged"})
    assert response.status_code == 401


def test_api_docs_need_a_login_and_load_nothing_from_outside(client, logged_in):
    assert client.get("/api/openapi.json").status_code == 401
    logged_in(Role.counsellor)
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/me" in spec["paths"]
    page = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "http" not in page.replace("http-equiv", "")
