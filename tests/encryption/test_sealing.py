"""Sensitive fields are encrypted in the database and plain text to the services that read them."""

import pytest
from sqlalchemy import text
from sqlmodel import select

import factories
from hotline.accounts.models import Role
from hotline.calls import service
from hotline.calls.models import Call, CallAddendum
from hotline.config import Settings, SettingsError, load_settings
from hotline.encryption import keys
from hotline.encryption.keys import KeyRing, SealedFieldUnreadable, new_key
from hotline.encryption.service import count_stale, reseal, sealed_columns
from hotline.models import metadata
from hotline.referrals import service as referrals

NOTE = "来电者说今晚准备吃安眠药，已经写好遗书"
SUMMARY = "Agreed a safety plan with her sister"


def ring(*encryption_keys: str) -> KeyRing:
    return KeyRing.from_text(list(encryption_keys), "caller-hash-key-" + "c" * 32)


@pytest.fixture
def counsellor(make_user):
    return make_user(Role.counsellor, username="mei")


def call_with_notes_and_summary(session, user, notes=NOTE, summary=SUMMARY) -> Call:
    call, _referral = factories.finished_call(session, user, notes, summary=summary, caller_group="student")
    return call


def raw(session, sql: str) -> list[str]:
    return [value for (value,) in session.execute(text(sql))]


def test_notes_summary_evidence_and_addenda_are_ciphertext_in_the_row(session, counsellor, make_user):
    call = call_with_notes_and_summary(session, counsellor)
    service.add_addendum(session=session, user=counsellor, call_id=call.id, text="Called back: 她很安全")
    supervisor = make_user(Role.supervisor)
    referrals.add_review(session=session, user=supervisor, call_id=call.id, comment="Good safety plan, 安眠药 noted")

    stored = (raw(session, "SELECT notes FROM calls") + raw(session, "SELECT summary FROM calls")
              + raw(session, "SELECT evidence FROM calls") + raw(session, "SELECT evidence FROM call_assessments")
              + raw(session, "SELECT text FROM call_addenda") + raw(session, "SELECT comment FROM call_reviews"))
    assert stored and all(value.startswith("hl1:") for value in stored)
    for secret in ("安眠药", "遗书", "safety plan", "她很安全", "sister"):
        assert not any(secret in value for value in stored), secret

    session.expire_all()
    again = session.get(Call, call.id)
    assert again.notes == NOTE and again.summary == SUMMARY
    assert any(item.get("text") == "写好遗书" for item in again.evidence)
    assert session.exec(select(CallAddendum)).one().text == "Called back: 她很安全"


def test_the_same_note_twice_is_stored_differently(session, counsellor):
    call_with_notes_and_summary(session, counsellor)
    call_with_notes_and_summary(session, counsellor)
    first, second = raw(session, "SELECT notes FROM calls")
    assert first != second  # a fresh nonce each time: equal notes cannot be spotted in the table


def test_a_sealed_value_moved_to_another_column_does_not_open(session, counsellor):
    call = call_with_notes_and_summary(session, counsellor)
    session.execute(text("UPDATE calls SET summary = notes WHERE id = :id"), {"id": call.id})
    session.commit()
    session.expire_all()
    with pytest.raises(SealedFieldUnreadable):
        session.get(Call, call.id)


def test_rotation_with_two_keys_reencrypts_everything_once(session, engine, counsellor):
    old, new = new_key(), new_key()
    keys.install(ring(old))
    calls = [call_with_notes_and_summary(session, counsellor, notes=f"{NOTE} {n}") for n in range(5)]
    old_id, new_id = ring(old).newest_id, ring(new).newest_id

    keys.install(ring(new, old))  # the new key first: it seals, the old one still opens
    session.expire_all()
    assert session.get(Call, calls[0].id).notes == f"{NOTE} 0"
    columns = sealed_columns(metadata)
    stale = count_stale(engine=engine, ring=ring(new, old), columns=columns)
    assert stale["calls.notes"] == 5 and stale["call_assessments.evidence"] == 10  # engine and final

    # Stopped after the first batch, then run again: it continues where it stopped.
    class Interrupted(Exception):
        pass

    def stop(_done):
        raise Interrupted

    with pytest.raises(Interrupted):
        reseal(engine=engine, ring=ring(new, old), columns=columns, batch_size=2, progress=stop)
    assert count_stale(engine=engine, ring=ring(new, old), columns=columns)["calls.notes"] == 3
    reseal(engine=engine, ring=ring(new, old), columns=columns, batch_size=2)
    assert sum(count_stale(engine=engine, ring=ring(new, old), columns=columns).values()) == 0
    assert reseal(engine=engine, ring=ring(new, old), columns=columns) == 0  # nothing left to do

    notes = raw(session, "SELECT notes FROM calls")
    assert all(value.startswith(f"hl1:{new_id}:") for value in notes)
    assert not any(old_id in value.split(":")[1] for value in notes)
    keys.install(ring(new))  # the old key can go
    session.expire_all()
    assert [session.get(Call, c.id).notes for c in calls] == [f"{NOTE} {n}" for n in range(5)]


def test_rows_written_before_encryption_are_read_and_then_sealed_by_rotation(session, engine, counsellor):
    call = call_with_notes_and_summary(session, counsellor)
    session.execute(text("UPDATE calls SET notes = :clear WHERE id = :id"), {"clear": "written in the clear", "id":
                                                                               call.id})
    session.commit()
    session.expire_all()
    assert session.get(Call, call.id).notes == "written in the clear"
    ring_now = keys.current()
    assert count_stale(engine=engine, ring=ring_now, columns=sealed_columns(metadata))["calls.notes"] == 1
    reseal(engine=engine, ring=ring_now, columns=sealed_columns(metadata))
    assert raw(session, "SELECT notes FROM calls")[0].startswith("hl1:")
    session.expire_all()
    assert session.get(Call, call.id).notes == "written in the clear"


def test_a_record_under_a_key_that_is_not_configured_gives_a_clear_503(client, logged_in, session):
    user = logged_in(Role.counsellor)
    call = call_with_notes_and_summary(session, user)
    keys.install(ring(new_key()))  # the key that sealed the call was dropped too early

    page = client.get(f"/calls/{call.id}")
    assert page.status_code == 503
    assert "not configured" in page.text and "HOTLINE_ENCRYPTION_KEYS" in page.text
    assert "Traceback" not in page.text and NOTE not in page.text
    api = client.get(f"/api/v1/calls/{call.id}")
    assert api.status_code == 503 and "not configured" in api.json()["detail"]


def test_a_missing_or_malformed_key_stops_start_up_naming_the_setting(tmp_path, database_url):
    settings = Settings(database_url=database_url, encryption_keys=None, encryption_key_file=tmp_path / "keys",
                        caller_hash_key_file=tmp_path / "caller-key")
    with pytest.raises(SettingsError, match="HOTLINE_ENCRYPTION_KEYS"):
        keys.ring_from(settings)
    assert not (tmp_path / "keys").exists()
    with pytest.raises(SettingsError, match="HOTLINE_ENCRYPTION_KEYS"):
        load_settings(encryption_keys="too-short")

    from hotline.app import create_app

    with pytest.raises(SettingsError):
        create_app(settings)


def test_demo_mode_makes_private_key_files_once(tmp_path, database_url):
    settings = Settings(database_url=database_url, encryption_keys=None, caller_hash_key=None,
                        encryption_key_file=tmp_path / "keys", caller_hash_key_file=tmp_path / "caller-key")
    first, made = keys.ring_from(settings, create=True)
    assert made == [tmp_path / "keys", tmp_path / "caller-key"]
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o600
    again, made_again = keys.ring_from(settings, create=True)
    assert made_again == [] and again.newest_id == first.newest_id
