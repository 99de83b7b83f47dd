"""`hotline keys new|rotate`, and start-up without a key, as an operator meets them."""

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from hotline.accounts import service as accounts
from hotline.calls import flows
from hotline.calls import service as calls
from hotline.calls.models import Call, CallUpdate
from hotline.cli import app
from hotline.database import make_engine
from hotline.encryption import keys
from hotline.encryption.keys import KeyRing, key_id, parse_key

runner = CliRunner()


@pytest.fixture
def env(database_url, tmp_path):
    return {"HOTLINE_DATABASE_URL": database_url, "HOTLINE_SECRET_KEY_FILE": str(tmp_path / "secret"),
            "HOTLINE_DEFAULT_LOCALE": "en", "HOTLINE_ENCRYPTION_KEY_FILE": str(tmp_path / "keys"),
            "HOTLINE_CALLER_HASH_KEY_FILE": str(tmp_path / "caller-key")}


def run(args, env):
    return runner.invoke(app, args, env=env)


def new_key() -> str:
    result = runner.invoke(app, ["keys", "new"])
    assert result.exit_code == 0
    return result.output.strip()


def test_keys_new_prints_a_fresh_usable_key_each_time():
    first, second = new_key(), new_key()
    assert first != second
    assert len(parse_key(first)) == 32


def test_serve_refuses_to_start_without_an_encryption_key(env):
    result = run(["serve"], {**env, "HOTLINE_ENCRYPTION_KEYS": None})
    assert result.exit_code == 2
    assert "HOTLINE_ENCRYPTION_KEYS" in result.output and "hotline keys new" in result.output


def test_demo_makes_a_key_and_says_so(env, tmp_path):
    result = run(["demo", "--no-serve"], {**env, "HOTLINE_ENCRYPTION_KEYS": None, "HOTLINE_CALLER_HASH_KEY": None,
                                          "HOTLINE_DEMO_PASSWORD": "demo-password-1"})
    assert result.exit_code == 0, result.output
    assert f"made a new key in {tmp_path / 'keys'}" in result.output
    assert (tmp_path / "keys").exists() and (tmp_path / "caller-key").exists()


def test_rotate_moves_every_sealed_value_to_the_newest_key(env, database_url):
    old, new = new_key(), new_key()
    assert run(["db", "upgrade"], {**env, "HOTLINE_ENCRYPTION_KEYS": old}).exit_code == 0
    engine = make_engine(database_url)
    keys.install(KeyRing.from_text([old], "caller-hash-key-" + "c" * 32))
    with Session(engine) as session:
        mei = accounts.create_user(session=session, username="mei", password="correct horse battery",
                                   roles=["counsellor"])
        for n in range(7):
            call, _ = calls.start_call(session=session, counsellor=mei)
            flows.save_call(session=session, user=mei, call_id=call.id, version=1,
                            changes=CallUpdate.parse({"notes": f"来电者失眠 {n}"}))

    result = run(["keys", "rotate", "--batch-size", "3"], {**env, "HOTLINE_ENCRYPTION_KEYS": f"{new},{old}"})
    assert result.exit_code == 0, result.output
    assert "re-encrypting" in result.output and f"under key {key_id(parse_key(new))}" in result.output
    with engine.connect() as connection:
        stored = [value for (value,) in connection.execute(text("SELECT notes FROM calls"))]
    assert len(stored) == 7 and all(value.startswith(f"hl1:{key_id(parse_key(new))}:") for value in stored)

    again = run(["keys", "rotate"], {**env, "HOTLINE_ENCRYPTION_KEYS": f"{new},{old}"})
    assert again.exit_code == 0 and "0 value(s)" in again.output

    keys.install(KeyRing.from_text([new], "caller-hash-key-" + "c" * 32))  # the old key is gone now
    with Session(engine) as session:
        assert sorted(call.notes for call in session.exec(select(Call))) == [f"来电者失眠 {n}" for n in range(7)]
    engine.dispose()


def test_rotate_without_the_old_key_stops_and_names_the_row(env, database_url):
    old, new = new_key(), new_key()
    assert run(["db", "upgrade"], {**env, "HOTLINE_ENCRYPTION_KEYS": old}).exit_code == 0
    engine = make_engine(database_url)
    keys.install(KeyRing.from_text([old], "caller-hash-key-" + "c" * 32))
    with Session(engine) as session:
        mei = accounts.create_user(session=session, username="mei", password="correct horse battery",
                                   roles=["counsellor"])
        calls.start_call(session=session, counsellor=mei)
    engine.dispose()
    result = run(["keys", "rotate"], {**env, "HOTLINE_ENCRYPTION_KEYS": new})
    assert result.exit_code == 1
    assert "row 1" in result.output and "not configured" in result.output
