"""The `hotline` command."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from alembic import command as alembic_command

from hotline.config import Settings, SettingsError, load_settings

app = typer.Typer(help="Hotline console: serve it, migrate its database, manage users.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


def _settings(**overrides) -> Settings:
    try:
        settings = load_settings(**overrides)
    except SettingsError as error:
        typer.echo(f"hotline: {error}", err=True)
        raise typer.Exit(2) from None
    from hotline.i18n import set_locale

    set_locale(settings.default_locale)  # messages from the services speak the line's language
    return settings


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
    # Behind nginx every request comes from the proxy: trust its X-Forwarded-For (only from that
    # address), or login throttling and the audit log would see one address for everyone.
    uvicorn.run("hotline.asgi:app", host=host, port=port, workers=workers, proxy_headers=bool(behind_proxy),
                forwarded_allow_ips=behind_proxy, log_level="info",
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
    _upgrade(settings)
    password = demo_password(os.environ.get("HOTLINE_DEMO_PASSWORD"))
    engine = _engine(settings)
    with Session(engine) as session:
        made = load_demo_users(session=session, password=password)
    engine.dispose()
    typer.echo(f"\nHotline demo: log in at http://{host}:{port} with one of these users:")
    for username, roles in made:
        typer.echo(f"  {username:<12} {password:<16} {' + '.join(role.value for role in roles)}")
    typer.echo("")
    if not no_serve:
        _serve(settings, host, port, 1)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head"):
    """Apply migrations up to REVISION (default: the newest)."""
    from hotline.database import alembic_config

    settings = _settings()
    alembic_command.upgrade(alembic_config(settings.database_url), revision)
    typer.echo(f"database upgraded to {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")] = "-1"):
    """Undo migrations down to REVISION (default: one step)."""
    from hotline.database import alembic_config

    settings = _settings()
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
                                       password=password, roles=role)
        except HotlineError as error:
            typer.echo(f"hotline: {error.message}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"added {user.username} ({', '.join(sorted(r.value for r in user.roles))})")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="Login name.")]):
    """Disable a user: their sessions end and their API tokens are revoked."""
    from hotline.accounts import service

    _with_user(name, lambda session, user: service.set_active(session=session, user=user, active=False))
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


def main() -> None:  # pragma: no cover - console entry
    app()
