"""Health checks, settings and the page furniture every request shares."""

import os
import stat

import pytest
from alembic import command

from hotline.config import Settings, SettingsError, load_settings
from hotline.database import alembic_config


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_an_out_of_date_schema_then_ready(client, database_url):
    # The fixture database was made from the models, not by Alembic: not ready until migrated.
    response = client.get("/readyz")
    assert response.status_code == 503
    command.stamp(alembic_config(database_url), "head")
    assert client.get("/readyz").json() == {"status": "ready"}


def test_secret_key_is_made_once_in_a_private_file(tmp_path):
    path = tmp_path / "secret"
    settings = Settings(secret_key_file=path)
    key = settings.resolved_secret_key()
    assert len(key) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert Settings(secret_key_file=path).resolved_secret_key() == key


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HOTLINE_DEFAULT_LOCALE", "fr"), ("HOTLINE_SECURE_COOKIES", "perhaps"), ("HOTLINE_SECRET_KEY", "short")],
)
def test_bad_settings_name_their_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(variable + ":")


def test_postgres_url_is_given_the_psycopg_driver():
    assert Settings(database_url="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_pages_carry_security_headers_and_no_inline_script(client):
    response = client.get("/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "<script>" not in response.text and "onclick" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_session_cookie_is_httponly_and_lax(client, make_user):
    from support import login

    make_user(username="wang")
    response = login(client, "wang")
    cookies = response.headers.get_list("set-cookie")
    cookie = next(value for value in cookies if "hotline_session" in value)
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_htmx_is_vendored_with_its_licence(client):
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200 and "htmx" in response.text[:2000]
    assert client.get("/static/vendor/htmx/LICENSE").status_code == 200
