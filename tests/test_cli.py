"""The `hotline` command as an operator uses it."""

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from hotline.accounts import service
from hotline.cli import app
from hotline.database import make_engine

runner = CliRunner()


@pytest.fixture
def env(database_url, tmp_path):
    return {"HOTLINE_DATABASE_URL": database_url, "HOTLINE_SECRET_KEY_FILE": str(tmp_path / "secret"),
            "HOTLINE_DEFAULT_LOCALE": "en"}


def run(args, env, input=None):
    return runner.invoke(app, args, env=env, input=input)


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("serve", "demo", "db", "user"):
        assert name in result.output


def test_serve_refuses_an_out_of_date_schema_and_says_how_to_fix_it(env):
    result = run(["serve"], env)
    assert result.exit_code == 3
    assert "hotline db upgrade" in result.output


def test_db_upgrade_current_and_downgrade(env):
    assert run(["db", "current"], env).exit_code == 3
    assert run(["db", "upgrade"], env).exit_code == 0
    result = run(["db", "current"], env)
    assert result.exit_code == 0 and "current: " in result.output
    assert run(["db", "downgrade", "base"], env).exit_code == 0
    assert run(["db", "current"], env).exit_code == 3


def test_user_add_disable_and_token(env, database_url):
    run(["db", "upgrade"], env)
    result = run(["user", "add", "chen", "--role", "supervisor", "--role", "coordinator", "--password-stdin"],
                 env, input="a very long password\n")
    assert result.exit_code == 0, result.output
    assert "coordinator, supervisor" in result.output
    token = run(["user", "token", "chen"], env).output.strip()
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert service.user_for_token(session=session, token=token).username == "chen"
    assert "revoked 1" in run(["user", "token", "chen", "--revoke"], env).output
    assert run(["user", "disable", "chen"], env).exit_code == 0
    with Session(engine) as session:
        assert service.find_user(session=session, username="chen").is_active is False
        assert service.user_for_token(session=session, token=token) is None
    engine.dispose()


def test_user_add_explains_bad_input(env):
    run(["db", "upgrade"], env)
    result = run(["user", "add", "chen", "--role", "janitor", "--password-stdin"], env, input="a very long password\n")
    assert result.exit_code == 1
    assert "Unknown role: janitor" in result.output
    result = run(["user", "add", "ghost", "--role", "admin", "--password-stdin"], env, input="short\n")
    assert result.exit_code == 1 and "at least 10" in result.output
    assert run(["user", "disable", "nobody"], env).exit_code == 1


def test_user_disable_keeps_the_last_admin_and_says_why(env, database_url):
    run(["db", "upgrade"], env)
    for name, role in (("chief", "admin"), ("wen", "counsellor")):
        assert run(["user", "add", name, "--role", role, "--password-stdin"], env,
                   input="a very long password\n").exit_code == 0
    result = run(["user", "disable", "chief"], env)
    assert result.exit_code == 1
    assert "At least one active administrator must remain." in result.output and "disabled" not in result.output
    chinese = run(["user", "disable", "chief"], {**env, "HOTLINE_DEFAULT_LOCALE": "zh_CN"})
    assert chinese.exit_code == 1 and "至少" in chinese.output
    assert run(["user", "disable", "wen"], env).exit_code == 0
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert service.find_user(session=session, username="chief").is_active is True
        assert service.find_user(session=session, username="wen").is_active is False
    engine.dispose()


def test_demo_prepares_users_with_the_configured_password(env, database_url):
    result = run(["demo", "--no-serve"], {**env, "HOTLINE_DEMO_PASSWORD": "demo-password-1"})
    assert result.exit_code == 0, result.output
    for name in ("counsellor", "coordinator", "supervisor", "admin", "lead"):
        assert name in result.output
    engine = make_engine(database_url)
    with Session(engine) as session:
        lead = service.authenticate(session=session, username="lead", password="demo-password-1", address="t")
        assert {r.value for r in lead.roles} == {"supervisor", "coordinator"}
    assert "log in at http://" not in result.output  # --no-serve starts nothing to log in to
    # Someone changes a demo password; running the demo again keeps every account as it is.
    with Session(engine) as session:
        admin = service.find_user(session=session, username="admin")
        service.set_password(session=session, user=admin, new_password="changed by the admin 1")
    again = run(["demo", "--no-serve"], {**env, "HOTLINE_DEMO_PASSWORD": "demo-password-2"})
    assert again.exit_code == 0, again.output
    assert "demo-password-2" not in again.output and "kept" in again.output
    with Session(engine) as session:
        assert service.authenticate(session=session, username="admin", password="changed by the admin 1",
                                    address="t") is not None
        assert service.authenticate(session=session, username="lead", password="demo-password-1",
                                    address="t") is not None
    engine.dispose()


def test_malformed_setting_stops_with_one_line_naming_it(env):
    result = run(["db", "current"], {**env, "HOTLINE_DATABASE_URL": "mysql://nope"})
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hotline: HOTLINE_DATABASE_URL:")
    result = run(["db", "current"], {**env, "HOTLINE_TIMEZONE": "Mars/Olympus"})
    assert "HOTLINE_TIMEZONE" in result.output


def test_several_workers_need_postgresql(env):
    if not env["HOTLINE_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("this database is PostgreSQL")
    result = run(["serve", "--workers", "2"], env)
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output


def test_serve_behind_a_proxy_trusts_only_its_forwarded_address(env, monkeypatch):
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: started.update(options, target=target))
    assert run(["db", "upgrade"], env).exit_code == 0
    workers = "1" if env["HOTLINE_DATABASE_URL"].startswith("sqlite") else "3"
    result = run(["serve", "--workers", workers, "--behind-proxy", "10.0.0.5"], env)
    assert result.exit_code == 0, result.output
    assert started["target"] == "hotline.asgi:app" and started["workers"] == int(workers)
    assert started["proxy_headers"] is True and started["forwarded_allow_ips"] == "10.0.0.5"
    run(["serve"], env)
    assert started["proxy_headers"] is False
