"""Schema changes go through Alembic: it builds the schema from nothing, takes it away, and matches the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
