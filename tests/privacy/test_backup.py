"""`hotline backup`, `--check` and `hotline restore`: a round trip that compares every table, row for row."""

import re
import shutil
import sqlite3
import subprocess

import pytest
from sqlalchemy import MetaData, select
from sqlmodel import Session
from typer.testing import CliRunner

from factories import draft_call
from hotline.accounts import service as accounts
from hotline.audit import service as audit
from hotline.cli import app
from hotline.database import make_engine
from support import PG_URL

runner = CliRunner()
sqlite_only = pytest.mark.skipif(
    bool(PG_URL), reason="SQLite backups; PostgreSQL uses pg_dump (see docs/security-and-privacy.md)"
)


@pytest.fixture
def env(database_url, tmp_path):
    return {"HOTLINE_DATABASE_URL": database_url, "HOTLINE_SECRET_KEY_FILE": str(tmp_path / "secret"),
            "HOTLINE_DEFAULT_LOCALE": "en"}


def run(args, env, input=None):
    return runner.invoke(app, args, env=env, input=input)


def _tables(url) -> dict[str, list[tuple]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = MetaData()
            tables.reflect(connection)
            return {name: connection.execute(select(table).order_by(*(table.primary_key.columns or table.columns)))
                    .all() for name, table in tables.tables.items()}
    finally:
        engine.dispose()


def _some_records(url):
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        user = accounts.create_user(session=session, username="li", password="a long password", roles=["counsellor"])
        call = draft_call(session, user, "来电者说今晚准备吃安眠药", concerns=["insomnia"])
        audit.record(session=session, actor_id=user.id, action="call.read", target_type="call", target_id=call.id)
    engine.dispose()


@sqlite_only
def test_round_trip_keeps_every_row(env, database_url, tmp_path):
    assert run(["db", "upgrade"], env).exit_code == 0
    _some_records(database_url)
    original = _tables(database_url)
    assert original["calls"] and original["audit_entries"] and original["users"]

    target = tmp_path / "backup.sqlite3"
    result = run(["backup", str(target)], env)
    assert result.exit_code == 0, result.output
    assert _tables(f"sqlite:///{target}") == original
    assert "current" in run(["backup", "--check", str(target)], env).output

    added = run(["user", "add", "wang", "--role", "admin", "--password-stdin"], env,
                              input="another long password\n")
    assert added.exit_code == 0
    assert _tables(database_url) != original
    result = run(["restore", str(target), "--yes"], env)
    assert result.exit_code == 0, result.output
    assert _tables(database_url) == original


@sqlite_only
def test_backup_refuses_to_overwrite_and_check_refuses_bad_files(env, tmp_path):
    run(["db", "upgrade"], env)
    existing = tmp_path / "there.sqlite3"
    existing.write_text("keep me")
    result = run(["backup", str(existing)], env)
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_text() == "keep me"

    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    result = run(["backup", "--check", str(junk)], env)
    assert result.exit_code == 1 and "neither" in result.output
    assert run(["restore", str(junk), "--yes"], env).exit_code == 1

    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        connection.execute("INSERT INTO alembic_version VALUES ('a67188a7ca2a')")
    result = run(["backup", "--check", str(old)], env)
    assert result.exit_code == 1 and "a67188a7ca2a" in result.output and "needs" in result.output


def test_check_reads_a_pg_dump_plain_file(env, tmp_path):
    from hotline.privacy.backup import head_revision

    dump = tmp_path / "hotline.sql"
    dump.write_text("-- PostgreSQL database dump\n\nCOPY public.alembic_version (version_num) FROM stdin;\n"
                    f"{head_revision()}\n\\.\n")
    result = run(["backup", "--check", str(dump)], env)
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(not PG_URL or not shutil.which("pg_dump"), reason="needs PostgreSQL and pg_dump")
def test_check_reads_a_real_pg_dump_and_backup_prints_the_procedure(env, database_url, tmp_path):
    assert run(["db", "upgrade"], env).exit_code == 0
    schema = re.search(r"search_path%3D(\w+)", database_url).group(1)
    dump = tmp_path / "hotline.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}",
                    PG_URL.replace("postgresql+psycopg://", "postgresql://")], check=True)
    result = run(["backup", "--check", str(dump)], env)
    assert result.exit_code == 0, result.output
    printed = run(["backup", str(tmp_path / "other.dump")], env)
    assert printed.exit_code == 2 and "pg_dump --format=custom" in printed.output


def test_retention_command_is_a_dry_run_unless_told(env, database_url):
    run(["db", "upgrade"], env)
    result = run(["retention", "run"], env)
    assert result.exit_code == 0, result.output
    assert "would de-identify 0 call(s)" in result.output and "dry run" in result.output
    result = run(["retention", "run", "--apply", "--years", "5"], env)
    assert result.exit_code == 0 and "de-identified 0 call(s)" in result.output and "(5 years)" in result.output
    assert [row.action for row in _tables(database_url)["audit_entries"] if row.action == "retention.purge"]
