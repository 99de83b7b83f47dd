"""The encryption migration seals rows written before it, and its downgrade gives them back in the clear."""

import json

from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from hotline.calls.models import Call
from hotline.database import alembic_config, make_engine

BEFORE = "a67188a7ca2a"
NOTE = "来电者说想从楼顶跳下去"
EVIDENCE = [{"rule_id": "suicide.jump", "text": "从楼顶跳下去", "level": "high"}]


def test_existing_notes_are_encrypted_on_upgrade_and_decrypted_on_downgrade(database_url):
    config = alembic_config(database_url)
    command.upgrade(config, BEFORE)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, username, display_name, password_hash, is_active, session_version, "
                "created_at) VALUES (1, 'mei', 'Mei', 'x', true, 1, '2026-01-01 00:00:00+00:00')"))
            connection.execute(text(
                "INSERT INTO calls (id, counsellor_id, status, version, form_version, started_at, updated_at, "
                "ended_incomplete, concerns, interventions, answers, notes, engine_level, engine_score, evidence, "
                "supervisor_consulted, summary, callback_needed, callback_ok, override_reason) VALUES (1, 1, "
                "'finalised', 3, 1, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', false, '[]', '[]', "
                "'{}', :notes, 'high', 3.0, :evidence, false, 'safe now', false, false, 'she sounded calm')"),
                {"notes": NOTE, "evidence": json.dumps(EVIDENCE, ensure_ascii=False)})

        command.upgrade(config, "head")
        with engine.connect() as connection:
            row = connection.execute(text("SELECT notes, summary, evidence, override_reason FROM calls")).one()
        assert all(value.startswith("hl1:") for value in row)
        assert not any(word in value for value in row for word in ("楼顶", "safe now", "calm"))
        with Session(engine) as session:
            call = session.get(Call, 1)
            assert (call.notes, call.summary, call.override_reason) == (NOTE, "safe now", "she sounded calm")
            assert call.evidence == EVIDENCE

        command.downgrade(config, BEFORE)
        with engine.connect() as connection:
            notes, summary, evidence = connection.execute(text("SELECT notes, summary, evidence FROM calls")).one()
        assert (notes, summary) == (NOTE, "safe now")
        assert (json.loads(evidence) if isinstance(evidence, str) else evidence) == EVIDENCE
    finally:
        engine.dispose()
