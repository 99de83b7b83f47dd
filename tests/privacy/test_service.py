"""Retention, legal hold and data requests, through the service functions."""

import csv
import io
import json

import pytest
from sqlalchemy import update
from sqlmodel import select

from hotline.accounts.models import Role
from hotline.audit.models import AuditEntry
from hotline.calls.models import Call, CallAddendum, CallAssessment, Caller
from hotline.errors import Conflict, Forbidden, InvalidInput
from hotline.privacy import service
from hotline.referrals.models import Referral
from privacy.conftest import SECRET


def _entries(session, action):
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_dry_run_counts_what_apply_changes_and_changes_nothing(session, old_call):
    old, recent = old_call(4), old_call(1, phone="139 0000 0000")
    report = service.run_retention(session=session, years=3)
    assert report.calls == 1 and not report.applied
    assert report.counts["calls"] == 1 and report.counts["call_addenda"] == 1 and report.counts["callers"] == 1
    session.expire_all()
    assert session.get(Call, old.id).notes == "He bought charcoal for tonight."
    assert _entries(session, "retention.purge") == []

    applied = service.run_retention(session=session, years=3, apply=True)
    assert applied.counts == report.counts
    session.expire_all()
    gone, kept = session.get(Call, old.id), session.get(Call, recent.id)
    assert gone.notes == "" and gone.summary == "" and gone.caller_id is None and gone.region is None
    assert gone.evidence == [] and gone.deidentified_at is not None
    # The statistics stay.
    assert (gone.caller_group, gone.concerns, gone.level.value) == ("student", ["low_mood"], "high")
    assert gone.started_at == old.started_at and gone.ended_at == old.ended_at
    assert session.exec(select(CallAddendum).where(CallAddendum.call_id == old.id)).all() == []
    assert all(a.evidence == [] for a in session.exec(select(CallAssessment).where(CallAssessment.call_id == old.id)))
    assert kept.notes == "He bought charcoal for tonight." and kept.caller_id is not None
    entry, = _entries(session, "retention.purge")
    assert entry.detail["calls"] == 1 and entry.detail["rows"]["call_addenda"] == 1
    # Running again finds nothing more.
    assert service.run_retention(session=session, years=3, apply=True).calls == 0


def test_legal_hold_on_a_call_or_its_caller_keeps_it(session, old_call, make_user):
    admin = make_user(Role.admin, username="chief")
    held_call, held_caller = old_call(5, phone="111 111"), old_call(5, phone="222 222")
    service.set_legal_hold(session=session, user=admin, target=held_call, hold=True, reason="court order 17")
    caller = session.get(Caller, held_caller.caller_id)
    service.set_legal_hold(session=session, user=admin, target=caller, hold=True, reason="police inquiry")
    report = service.run_retention(session=session, years=3, apply=True)
    assert report.calls == 0 and report.held == 2
    session.expire_all()
    assert session.get(Call, held_call.id).notes and session.get(Call, held_caller.id).notes
    assert [e.reason for e in _entries(session, "legal_hold.set")] == ["court order 17", "police inquiry"]
    service.set_legal_hold(session=session, user=admin, target=held_call, hold=False, reason="case closed")
    assert service.run_retention(session=session, years=3, apply=True).calls == 1


def test_a_hold_needs_a_reason_and_an_admin(session, old_call, make_user):
    call = old_call(1)
    with pytest.raises(InvalidInput):
        service.set_legal_hold(session=session, user=make_user(Role.admin), target=call, hold=True, reason=" ")
    with pytest.raises(Forbidden):
        service.set_legal_hold(session=session, user=make_user(Role.supervisor), target=call, hold=True,
                               reason="because")


def test_data_request_finds_exports_and_erases_one_callers_records(session, old_call, make_user):
    admin = make_user(Role.admin, username="chief")
    first, second, other = old_call(1), old_call(0.5), old_call(0.5, phone="139 9999 9999")
    caller = service.find_caller_records(session=session, user=admin, identifier="+86 138-0013-8000",
                                         secret=SECRET, reason="request DR-1")
    assert caller is not None and caller.id == first.caller_id
    caller_id = caller.id
    assert [c.id for c in service.caller_calls(session=session, caller=caller)] == [first.id, second.id]

    name, media_type, content = service.export_caller(session=session, user=admin, caller_id=caller.id,
                                                      fmt="json", reason="request DR-1")
    data = json.loads(content)
    assert name.endswith(".json") and media_type == "application/json"
    assert [r["call"]["id"] for r in data["calls"]] == [first.id, second.id]
    assert data["calls"][0]["call"]["notes"] == "He bought charcoal for tonight."
    assert data["calls"][0]["addenda"][0]["text"] == "Mother phoned back later."
    assert data["calls"][0]["referral"]["level"] == "high"
    assert "identifier_hash" not in data["caller"]
    _name, _media, table = service.export_caller(session=session, user=admin, caller_id=caller.id, fmt="csv",
                                                 reason="request DR-1")
    rows = list(csv.DictReader(io.StringIO(table.lstrip("\ufeff"))))
    assert [int(r["id"]) for r in rows] == [first.id, second.id] and rows[0]["summary"].startswith("Safety plan")

    counts = service.erase_caller(session=session, user=admin, caller_id=caller.id, reason="request DR-1")
    assert counts["calls"] == 2 and counts["callers"] == 1
    session.expire_all()
    assert session.get(Caller, caller_id) is None
    assert session.get(Call, first.id).notes == "" and session.get(Call, first.id).caller_group == "student"
    assert session.get(Call, other.id).notes != ""  # someone else's records are untouched
    assert session.exec(select(Referral).where(Referral.call_id == first.id)).one().level == "high"
    assert service.find_caller_records(session=session, user=admin, identifier="13800138000", secret=SECRET,
                                       reason="request DR-1") is None
    actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.actor_id == admin.id)
                                              .order_by(AuditEntry.id))]
    assert actions == ["data_request.search", "data_request.export", "data_request.export", "data_request.erase",
                       "data_request.search"]


def test_erasure_is_refused_on_legal_hold(session, old_call, make_user):
    admin = make_user(Role.admin)
    call = old_call(1)
    service.set_legal_hold(session=session, user=admin, target=call, hold=True, reason="court order")
    with pytest.raises(Conflict):
        service.erase_caller(session=session, user=admin, caller_id=call.caller_id, reason="request")
    assert session.get(Call, call.id).notes


def test_export_refuses_an_unknown_format_and_a_missing_reason(session, old_call, make_user):
    admin, call = make_user(Role.admin), old_call(1)
    with pytest.raises(InvalidInput):
        service.export_caller(session=session, user=admin, caller_id=call.caller_id, fmt="xml", reason="req")
    with pytest.raises(InvalidInput):
        service.export_caller(session=session, user=admin, caller_id=call.caller_id, fmt="json", reason="")
    assert _entries(session, "data_request.export") == []


def test_a_callers_records_as_csv_carry_no_formula(session, old_call, make_user):
    """Notes, summaries and addenda are the caller's and the counsellor's words: a spreadsheet opening the
    export shows them, and runs none of them."""
    admin = make_user(Role.admin, username="chief")
    call = old_call(1, notes="=HYPERLINK(\"http://x.example\",\"open\")")
    session.execute(update(Call).where(Call.id == call.id).values(summary="@SUM(1+1)*cmd|' /C calc'!A0"))
    session.execute(update(CallAddendum).where(CallAddendum.call_id == call.id).values(text="-2+3"))
    session.commit()
    _name, _media, table = service.export_caller(session=session, user=admin, caller_id=call.caller_id, fmt="csv",
                                                 reason="request DR-2")
    row, = csv.DictReader(io.StringIO(table.lstrip("\ufeff")))
    assert row["notes"] == "'=HYPERLINK(\"http://x.example\",\"open\")"
    assert row["summary"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["addenda"] == "'-2+3"
    assert row["mood_start"] == "" and row["id"] == str(call.id)
