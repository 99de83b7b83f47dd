"""The `hotline` command."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from alembic import command as alembic_command

from hotline.config import Settings, SettingsError, load_settings

app = typer.Typer(help="Hotline console: serve it, migrate its database, manage users.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys for notes and caller details.", no_args_is_help=True)
retention_app = typer.Typer(help="Keep records as long as the rules require, and no longer.", no_args_is_help=True)
app.add_typer(db_app, name="db")
roster_app = typer.Typer(help="Rosters: import counsellors.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")
app.add_typer(retention_app, name="retention")
app.add_typer(roster_app, name="roster")


def _settings(**overrides) -> Settings:
    try:
        settings = load_settings(**overrides)
    except SettingsError as error:
        typer.echo(f"hotline: {error}", err=True)
        raise typer.Exit(2) from None
    from hotline.i18n import set_locale

    set_locale(settings.default_locale)  # messages from the services speak the line's language
    return settings


def _keyring(settings: Settings, *, create: bool = False):
    """Install the key ring for this process, or stop with the variable to set."""
    from hotline.encryption import keys

    try:
        ring, made = keys.ring_from(settings, create=create)
    except SettingsError as error:
        typer.echo(f"hotline: {error}", err=True)
        raise typer.Exit(2) from None
    for path in made:
        lost = ("repeat callers are not recognised" if path == settings.caller_hash_key_file
                else "notes cannot be read")
        typer.echo(f"hotline: made a new key in {path} (demo). Without it {lost}: keep it, and back it up "
                   "apart from the database.", err=True)
    keys.install(ring)
    return ring


def _engine(settings: Settings):
    from hotline.database import make_engine

    return make_engine(settings.database_url, **settings.engine_options())


def _upgrade(settings: Settings) -> None:
    from hotline.database import alembic_config

    alembic_command.upgrade(alembic_config(settings.database_url), "head")


def _check_schema(settings: Settings) -> None:
    from hotline.database import schema_revisions

    engine = _engine(settings)
    try:
        current, head = schema_revisions(engine)
    finally:
        engine.dispose()
    if current != head:
        typer.echo(
            f"hotline: the database schema is at {current or 'nothing'} but this version needs {head}. "
            "Run `hotline db upgrade` first.",
            err=True,
        )
        raise typer.Exit(3)


def _check_rules(settings: Settings) -> None:
    from hotline.triage import RuleFileError, load_rules

    if settings.rules_file:
        try:
            load_rules(settings.rules_file)
        except RuleFileError as error:
            typer.echo(f"hotline: HOTLINE_RULES_FILE: {error}", err=True)
            raise typer.Exit(2) from None


def _serve(settings: Settings, host: str, port: int, workers: int, behind_proxy: str | None = None) -> None:
    import uvicorn

    # Workers re-read settings from the environment; pass what was decided here along.
    os.environ["HOTLINE_DATABASE_URL"] = settings.database_url
    settings.resolved_secret_key()  # make the key file once, before workers race to create it
    from hotline.logs import log_config

    # Behind nginx every request comes from the proxy: trust its X-Forwarded-For (only from that
    # address), or login throttling and the audit log would see one address for everyone.
    uvicorn.run("hotline.asgi:app", host=host, port=port, workers=workers, proxy_headers=bool(behind_proxy),
                forwarded_allow_ips=behind_proxy, log_config=log_config(json_lines=settings.json_logs),
                access_log=False,
                timeout_graceful_shutdown=5)  # live-update streams would otherwise hold a restart open


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL; SQLite takes one).", min=1,
                                         max=64)] = 1,
    behind_proxy: Annotated[str | None, typer.Option(
        help="Address(es) of the TLS proxy in front, comma-separated, whose X-Forwarded-For is trusted.")] = None,
):
    """Serve the console. Refuses to start on an out-of-date database schema."""
    settings = _settings()
    _keyring(settings)
    if workers > 1 and settings.is_sqlite:
        typer.echo("hotline: several workers need PostgreSQL (HOTLINE_DATABASE_URL); SQLite serves with one.",
                   err=True)
        raise typer.Exit(2)
    _check_schema(settings)
    _check_rules(settings)
    _serve(settings, host, port, workers, behind_proxy)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Prepare the demo database, then exit.")] = False,
):
    """Migrate the database, load demo users (printed below) and serve."""
    from sqlmodel import Session

    from hotline.demo import demo_password, load_demo_users

    settings = _settings()
    _keyring(settings, create=True)
    _upgrade(settings)
    password = demo_password(os.environ.get("HOTLINE_DEMO_PASSWORD"))
    engine = _engine(settings)
    with Session(engine) as session:
        made = load_demo_users(session=session, password=password)
    engine.dispose()
    where = "start it with `hotline serve`, then log in" if no_serve else f"log in at http://{host}:{port}"
    typer.echo(f"\nHotline demo: {where} with one of these users:")
    for username, roles, new in made:
        shown = password if new else "(kept: the password it already had)"
        typer.echo(f"  {username:<12} {shown:<16} {' + '.join(role.value for role in roles)}")
    typer.echo("")
    if not no_serve:
        _serve(settings, host, port, 1)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head"):
    """Apply migrations up to REVISION (default: the newest)."""
    from hotline.database import alembic_config

    settings = _settings()
    _keyring(settings)  # the encryption migration seals rows written before it
    alembic_command.upgrade(alembic_config(settings.database_url), revision)
    typer.echo(f"database upgraded to {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")] = "-1"):
    """Undo migrations down to REVISION (default: one step)."""
    from hotline.database import alembic_config

    settings = _settings()
    _keyring(settings)
    alembic_command.downgrade(alembic_config(settings.database_url), revision)
    typer.echo(f"database downgraded to {revision}")


@db_app.command("current")
def db_current():
    """Print the revision the database is at and the one this version needs."""
    from hotline.database import schema_revisions

    settings = _settings()
    engine = _engine(settings)
    current, head = schema_revisions(engine)
    engine.dispose()
    typer.echo(f"current: {current or 'none'}\nhead:    {head}")
    if current != head:
        raise typer.Exit(3)


def _with_user(username: str, action):
    from sqlmodel import Session

    from hotline.accounts import service

    settings = _settings()
    _check_schema(settings)
    engine = _engine(settings)
    with Session(engine) as session:
        user = service.find_user(session=session, username=username)
        if user is None:
            typer.echo(f"hotline: no user named {username}", err=True)
            raise typer.Exit(1)
        return action(session, user)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        list[str], typer.Option("--role", help="counsellor, coordinator, supervisor or admin; repeatable.")
    ],
    display_name: Annotated[str | None, typer.Option(help="Name shown to colleagues.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
):
    """Add a user. Without --password-stdin the password is asked for twice."""
    from sqlmodel import Session

    from hotline.accounts import service
    from hotline.errors import HotlineError

    settings = _settings()
    _check_schema(settings)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = _engine(settings)
    with Session(engine) as session:
        try:
            user = service.create_user(session=session, username=name, display_name=display_name,
                                       password=password, roles=role, min_length=settings.password_min_length)
        except HotlineError as error:
            typer.echo(f"hotline: {error.message}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"added {user.username} ({', '.join(sorted(r.value for r in user.roles))})")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="Login name.")]):
    """Disable a user: their sessions end and their API tokens are revoked."""
    from hotline.accounts import service
    from hotline.errors import HotlineError

    try:  # the service refuses to disable the last active administrator, and says so
        _with_user(name, lambda session, user: service.set_active(session=session, user=user, active=False))
    except HotlineError as error:
        typer.echo(f"hotline: {error.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"disabled {name}")


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="Login name.")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke all of the user's tokens instead.")] = False,
):
    """Print a new API token for the user (shown once, stored hashed), or revoke them all."""
    from hotline.accounts import service

    if revoke:
        count = _with_user(name, lambda session, user: service.revoke_tokens(session=session, user=user))
        typer.echo(f"revoked {count} token(s) of {name}")
        return
    token = _with_user(name, lambda session, user: service.issue_token(session=session, user=user))
    typer.echo(token)


@keys_app.command("new")
def keys_new():
    """Print a new random key (32 bytes, URL-safe base64) for HOTLINE_ENCRYPTION_KEYS or the key file."""
    from hotline.encryption.keys import new_key

    typer.echo(new_key())


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(help="Rows re-encrypted per transaction.", min=1, max=100_000)] = 500,
):
    """Re-encrypt every encrypted field with the newest key (the first listed); also encrypts rows still in
    the clear. Safe to stop and run again: it continues where it stopped."""
    from hotline.encryption.service import RotationStopped, count_stale, reseal, sealed_columns
    from hotline.models import metadata

    settings = _settings()
    ring = _keyring(settings)
    _check_schema(settings)
    engine = _engine(settings)
    columns = sealed_columns(metadata)
    try:
        stale = count_stale(engine=engine, ring=ring, columns=columns)
        total = sum(stale.values())
        typer.echo(f"newest key {ring.newest_id}; {total} value(s) in {sum(1 for n in stale.values() if n)} "
                   f"column(s) to re-encrypt")
        if total:
            with typer.progressbar(length=total, label="re-encrypting") as bar:
                reseal(engine=engine, ring=ring, columns=columns, batch_size=batch_size, progress=bar.update)
        left = sum(count_stale(engine=engine, ring=ring, columns=columns).values())
    except RotationStopped as error:
        typer.echo(f"hotline: stopped at {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if left:
        # Only values written meanwhile by a console still on the old key: run it again after restarting it.
        typer.echo(f"{left} value(s) still under an older key: restart every worker with the new key first, "
                   "then run this again.", err=True)
        raise typer.Exit(1)
    typer.echo(f"every encrypted field is under key {ring.newest_id}; older keys may now be removed")


@app.command()
def triage(
    text: Annotated[str | None, typer.Argument(help="The note to assess.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help='Read {"id", "text", "answers"} lines from stdin.')] = False,
    rules: Annotated[str | None, typer.Option("--rules", help="Use this rule file instead.")] = None,
    answers: Annotated[str | None, typer.Option("--answers", help='Screener answers as JSON, e.g. {"plan": true}.')]
    = None,
):
    """Assess a note with the triage rules: how a supervisor tests a rule change against many cases."""
    import json

    from hotline.errors import HotlineError
    from hotline.rulebook.service import assess_text
    from hotline.triage import RuleFileError, default_rules, load_rules

    _settings()  # messages in the line's language
    try:
        rule_set = load_rules(rules) if rules else default_rules()
    except (RuleFileError, OSError) as error:
        typer.echo(f"hotline: {error}", err=True)
        raise typer.Exit(2) from None

    if jsonl:
        failures = 0
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
                if not isinstance(case, dict) or not isinstance(case.get("text"), str):
                    raise ValueError('each line needs a "text" string')
                result = assess_text(text=case["text"], answers=case.get("answers"), rules=rule_set).to_dict()
                typer.echo(json.dumps({"id": case.get("id"), **result}, ensure_ascii=False))
            except (ValueError, HotlineError) as error:
                failures += 1
                message = getattr(error, "message", error)
                typer.echo(json.dumps({"id": case.get("id") if isinstance(case, dict) else None,
                                       "line": number, "error": str(message)}, ensure_ascii=False))
        raise typer.Exit(1 if failures else 0)

    if text is None:
        typer.echo("hotline: give a text, or --jsonl with lines on standard input", err=True)
        raise typer.Exit(2)
    try:
        parsed = json.loads(answers) if answers else None
        result = assess_text(text=text, answers=parsed, rules=rule_set)
    except (ValueError, HotlineError) as error:
        typer.echo(f"hotline: {getattr(error, 'message', error)}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"level: {result.level.value}   score: {result.score:g}   rules: {result.rules_version[:12]}")
    for item in result.evidence:
        where = f"[{item.start}:{item.end}] {item.text!r}" if item.source == "text" else "(answer)"
        note = f" — {item.discount.value}" if item.discount else ""
        who = " (third party)" if item.subject.value == "third_party" else ""
        typer.echo(f"  {item.level.value:<9} {item.rule_id:<28} {where}{who}{note}")
    for action in result.actions:
        typer.echo(f"  → {action.en}")


@retention_app.command("run")
def retention_run(
    apply: Annotated[bool, typer.Option("--apply", help="Change the records. Without it, only count.")] = False,
    years: Annotated[int | None, typer.Option(help="Override HOTLINE_RETENTION_YEARS.", min=1, max=100)] = None,
):
    """De-identify finalised calls older than the retention period, except those on legal hold."""
    from sqlmodel import Session

    from hotline.privacy import service

    settings = _settings()
    _check_schema(settings)
    engine = _engine(settings)
    with Session(engine) as session:
        report = service.run_retention(session=session, years=years or settings.retention_years, apply=apply)
    engine.dispose()
    verb = "de-identified" if apply else "would de-identify"
    typer.echo(f"{verb} {report.calls} call(s) that ended before {report.cutoff:%Y-%m-%d} "
               f"({years or settings.retention_years} years); {report.held} kept on legal hold")
    for table, rows in sorted(report.counts.items()):
        typer.echo(f"  {table:<20} {rows}")
    if not apply:
        typer.echo("dry run: nothing changed. Run again with --apply to de-identify.")


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write (or to check with --check).")],
    check: Annotated[bool, typer.Option("--check", help="Check an existing backup instead of making one.")] = False,
):
    """Back up a SQLite database while the console runs; check a SQLite or pg_dump backup."""
    from hotline.privacy import backup as backups

    settings = _settings()
    try:
        if check:
            revision = backups.check_backup(path)
            typer.echo(f"{path}: opens, schema at {revision} (current)")
            return
        if not settings.is_sqlite:
            typer.echo(backups.pg_dump_procedure(settings.database_url))
            raise typer.Exit(2)
        _check_schema(settings)
        revision = backups.backup_sqlite(settings.database_url, path)
    except backups.BackupError as error:
        typer.echo(f"hotline: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"backed up to {path} (schema {revision}); keep it somewhere safe: it holds every record")


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A backup made by `hotline backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
):
    """Replace the SQLite database with a backup. Stop the console first."""
    from hotline.privacy import backup as backups

    settings = _settings()
    if not settings.is_sqlite:
        typer.echo(backups.pg_dump_procedure(settings.database_url))
        raise typer.Exit(2)
    try:
        backups.check_backup(path)
        if not yes:
            typer.confirm(f"Replace every record in {settings.database_url} with {path}?", abort=True)
        revision = backups.restore_sqlite(path, settings.database_url)
    except backups.BackupError as error:
        typer.echo(f"hotline: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restored {path} (schema {revision})")


@roster_app.command("import")
def roster_import(
    file: Annotated[typer.FileBinaryRead, typer.Argument(help="CSV: username, display_name, extension, skills, "
                                                              "languages, availability (see docs/guide.md).")],
    apply: Annotated[bool, typer.Option("--apply", help="Write the good rows. Without it, only check.")] = False,
):
    """Check a CSV of counsellors and their availability; bad rows are listed by line number. With --apply
    the good rows are written (bad rows are left out). Exits 1 when any row has a problem."""
    from rich.progress import Progress
    from sqlmodel import Session

    from hotline.errors import HotlineError
    from hotline.roster import staff_import

    settings = _settings()
    _check_schema(settings)
    engine = _engine(settings)
    with Session(engine) as session:
        try:
            plan = staff_import.read_staff_csv(session=session, content=file.read(staff_import.MAX_BYTES + 1))
        except HotlineError as error:
            typer.echo(f"hotline: {error.message}", err=True)
            raise typer.Exit(2) from None
        for problem in plan.errors:
            typer.echo(f"line {problem.line}: {problem.message}", err=True)
        new = sum(1 for row in plan.rows if not row.exists)
        typer.echo(f"{len(plan.rows)} good rows ({new} new counsellors, {len(plan.rows) - new} updates), "
                   f"{len(plan.errors)} rows with problems")
        if apply and plan.rows:
            with Progress(transient=True) as progress:
                task = progress.add_task("importing", total=len(plan.rows))
                created, updated = staff_import.apply_staff_import(
                    session=session, plan=plan, actor=None, progress=lambda _row: progress.advance(task))
            typer.echo(f"imported: {created} created, {updated} updated; an admin sets new people's passwords")
        elif plan.rows:
            typer.echo("nothing written; run again with --apply to import the good rows")
    engine.dispose()
    raise typer.Exit(1 if plan.errors else 0)


def main() -> None:  # pragma: no cover - console entry
    app()
