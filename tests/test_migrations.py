"""Schema changes go through Alembic: it builds the schema from nothing, takes it away, and matches the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from hotline.database import alembic_config, make_engine, schema_revisions
from hotline.models import compared_by_autogenerate, metadata


def test_upgrade_to_head_and_back_to_nothing(database_url):
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"users", "user_roles", "api_tokens", "login_attempts"} <= tables
        current, head = schema_revisions(engine)
        assert current == head
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")  # and up again: downgrades leave nothing behind
    finally:
        engine.dispose()


def test_models_match_the_migrations(database_url):
    command.upgrade(alembic_config(database_url), "head")
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_object": compared_by_autogenerate})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == [], "write a migration: alembic revision --autogenerate -m '...'"


def test_two_step_login_secrets_already_there_are_sealed_by_the_upgrade(database_url):
    from hotline.encryption import keys

    config = alembic_config(database_url)
    command.upgrade(config, "fe52b52dd085")  # before the secrets were sealed
    engine = make_engine(database_url)
    secret = "JBSWY3DPEHPK3PXP"
    read = text("SELECT totp_secret, totp_pending_secret FROM users WHERE username = 'gao'")
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (username, display_name, password_hash, is_active, session_version, created_at,"
                " totp_secret) VALUES ('gao', 'Gao', 'x', true, 1, CURRENT_TIMESTAMP, :secret)"), {"secret": secret})
        command.upgrade(config, "head")
        with engine.connect() as connection:
            stored, pending = connection.execute(read).one()
        assert stored.startswith(keys.PREFIX) and secret not in stored and pending is None
        assert keys.current().open(stored, "users.totp_secret") == secret
        command.downgrade(config, "fe52b52dd085")
        with engine.connect() as connection:
            assert connection.execute(read).one() == (secret, None)
    finally:
        engine.dispose()


def test_recovery_codes_already_there_keep_working_after_the_upgrade(database_url):
    """They were kept as plain SHA-256; the upgrade hashes those with Argon2id, so the codes people wrote
    down still log them in, and a copy of the database no longer gives them away."""
    import hashlib

    from sqlmodel import Session, select

    from hotline.accounts import totp
    from hotline.accounts.models import User
    from hotline.encryption import keys

    config = alembic_config(database_url)
    command.upgrade(config, "b32e55fe90b3")  # before recovery codes were hashed with Argon2id
    engine = make_engine(database_url)
    read = text("SELECT code_hash FROM recovery_codes ORDER BY id")
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (username, display_name, password_hash, is_active, session_version, created_at,"
                " totp_secret) VALUES ('gao', 'Gao', 'x', true, 1, CURRENT_TIMESTAMP, :secret)"),
                {"secret": keys.current().seal("JBSWY3DPEHPK3PXP", "users.totp_secret")})
            for code in ("abcde12345", "0f1e2d3c4b"):
                connection.execute(text("INSERT INTO recovery_codes (user_id, code_hash) "
                                        "SELECT id, :hash FROM users WHERE username = 'gao'"),
                                   {"hash": hashlib.sha256(code.encode()).hexdigest()})
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert all(value.startswith("$argon2id$") for (value,) in connection.execute(read))
        with Session(engine) as session:
            user = session.exec(select(User).where(User.username == "gao")).one()
            assert totp.verify(session=session, user=user, code="ABCDE-12345")
            assert not totp.verify(session=session, user=user, code="abcde-12345")  # spent
            assert totp.recovery_codes_left(session=session, user=user) == 1
        # Argon2 cannot be undone: going back, the codes go (their owners turn two-step login off and on).
        command.downgrade(config, "b32e55fe90b3")
        with engine.connect() as connection:
            assert connection.execute(read).all() == []
    finally:
        engine.dispose()
