"""Backups: SQLite through its online backup API; PostgreSQL through pg_dump, checked here."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from hotline.database import alembic_config

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why."""


def head_revision(url: str = "sqlite://") -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("the database is not a SQLite file")
    return Path(database)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    with target:
        source.backup(target, pages=1024)  # in steps, so writers are not locked out for the whole copy


def backup_sqlite(url: str, path: Path) -> str:
    """Copy the live database to `path` (which must not exist) while the console keeps running."""
    database = sqlite_path(url)
    if not database.is_file():
        raise BackupError(f"{database} does not exist")
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    try:
        _copy(source, target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, readable without its -wal
    finally:
        source.close()
        target.close()
    return check_backup(path)


def check_backup(path: Path) -> str:
    """The schema revision of a backup file, once it is known to open whole and be at the head revision."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with path.open("rb") as handle:
        start = handle.read(16)
    if start.startswith(SQLITE_MAGIC):
        revision = _sqlite_revision(path)
    elif start.startswith(PG_CUSTOM_MAGIC):
        revision = _pg_revision(_pg_restore_sql(path))
    else:
        revision = _pg_revision(path.read_text(encoding="utf-8", errors="replace"))
    head = head_revision()
    if revision != head:
        raise BackupError(f"{path} is at schema {revision or 'nothing'}, this version needs {head}")
    return revision


def _sqlite_revision(path: Path) -> str | None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
            if integrity != "ok":
                raise BackupError(f"{path} is damaged: {integrity}")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} does not open as a SQLite database: {error}") from None
    return row[0] if row else None


def _pg_restore_sql(path: Path) -> str:
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed; it is needed to read a custom-format dump")
    result = subprocess.run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{path} does not open as a pg_dump archive: {result.stderr.strip()[:300]}")
    return result.stdout


def _pg_revision(sql: str) -> str | None:
    """The revision in a pg_dump's alembic_version data (COPY block or INSERT)."""
    match = re.search(r"^COPY (?:[\w\".]+\.)?\"?alembic_version\"? \(version_num\) FROM stdin;\n([0-9a-f]+)\n",
                      sql, re.MULTILINE)
    if match is None:
        match = re.search(r"INSERT INTO (?:[\w\".]+\.)?\"?alembic_version\"? .*?VALUES \('([0-9a-f]+)'\)", sql)
    if match is None:
        if "PostgreSQL database dump" not in sql:
            raise BackupError("the file is neither a SQLite database nor a pg_dump")
        return None
    return match.group(1)


def restore_sqlite(path: Path, url: str) -> str:
    """Replace the database's contents with the backup's, page by page. Stop the console first."""
    revision = check_backup(path)
    with path.open("rb") as handle:
        is_sqlite = handle.read(16).startswith(SQLITE_MAGIC)
    if not is_sqlite:
        raise BackupError(f"{path} is not a SQLite backup; restore a pg_dump with pg_restore")
    database = sqlite_path(url)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(database)
    try:
        _copy(source, target)
    finally:
        source.close()
        target.close()
    return revision


def pg_dump_procedure(url: str) -> str:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=True)
    return "\n".join((
        "PostgreSQL backups use the server's own tools (run them as a user that may read every table):",
        f"  pg_dump --format=custom --file=hotline-$(date +%F).dump '{plain}'",
        "  hotline backup --check hotline-$(date +%F).dump      # opens it, checks the schema revision",
        "Restore into an empty database, then check it:",
        "  createdb hotline_restored",
        "  pg_restore --no-owner --dbname=hotline_restored hotline-YYYY-MM-DD.dump",
        "  HOTLINE_DATABASE_URL=postgresql+psycopg://…/hotline_restored hotline db current",
    ))
