"""With a year of calls (1,000,000 rows) on PostgreSQL, no list the console shows scans the calls table.

The statements are the ones the services really send (captured as they run), explained after ANALYZE.
PostgreSQL only: SQLite's planner is not what production runs. Takes well under a minute.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, text

from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from hotline.calls import search
from hotline.calls import service as calls
from hotline.calls.models import Call
from hotline.database import utcnow
from hotline.referrals import service as referrals
from hotline.referrals.service import queue_rows
from hotline.roster import wellbeing
from support import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="query plans are checked on PostgreSQL only "
                                                  "(set HOTLINE_TEST_DATABASE_URL)")

CALLS = 1_000_000
COUNSELLORS = 40
OPEN_REFERRALS = 10_000


@pytest.fixture
def year_of_calls(engine, session, make_user, monkeypatch):
    """COUNSELLORS counsellors, a call every 30 seconds for a year, the newest flagged ones referred."""
    # Password hashing is not what is tested here: make the accounts quickly.
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    counsellors = [make_user(Role.counsellor) for _ in range(COUNSELLORS)]
    supervisor = make_user(Role.supervisor, username="sup")
    ids = "{" + ",".join(str(user.id) for user in counsellors) + "}"
    began = time.monotonic()
    with engine.begin() as connection:
        # Building the indexes once afterwards is much faster than keeping them up to date row by row.
        for index in Call.__table__.indexes:
            index.drop(connection)
        connection.execute(text("""
            INSERT INTO calls (counsellor_id, status, version, form_version, started_at, ended_at, updated_at,
                ended_incomplete, call_type, caller_group, concerns, interventions, answers, notes, engine_level,
                engine_score, evidence, summary, callback_needed, callback_ok, supervisor_consulted)
            SELECT (CAST(:ids AS int[]))[1 + n % :k],
                   CASE WHEN n % 5000 = 0 THEN 'draft' ELSE 'finalised' END, 2, 1,
                   now() - n * interval '30 seconds', now() - n * interval '30 seconds' + interval '12 minutes',
                   now() - n * interval '30 seconds', false, 'about_self', 'general_public',
                   '["anxiety"]', '["listening"]', '{}', 'note ' || n,
                   (ARRAY['none','none','none','low','moderate','high','imminent'])[1 + n % 7], 0, '[]',
                   'summary', false, false, false
            FROM generate_series(1, :n) AS n"""), {"ids": ids, "k": COUNSELLORS, "n": CALLS})
        for index in Call.__table__.indexes:
            index.create(connection)
        connection.execute(text("""
            INSERT INTO referrals (call_id, level, status, opened_at, opened_by_id, deadline_at, version)
            SELECT id, engine_level, 'new', started_at, counsellor_id, started_at + interval '15 minutes', 1
            FROM calls WHERE engine_level IN ('moderate', 'high', 'imminent') ORDER BY id LIMIT :m"""),
            {"m": OPEN_REFERRALS})
        connection.execute(text("""
            INSERT INTO follow_ups (referral_id, due_on, status)
            SELECT id, CURRENT_DATE + (id % 60 - 30), 'due' FROM referrals"""))
        for table in ("calls", "referrals", "follow_ups", "users"):
            connection.execute(text(f"ANALYZE {table}"))
    print(f"\nloaded {CALLS:,} calls in {time.monotonic() - began:.1f} s")
    return counsellors, supervisor


@contextmanager
def captured(engine):
    statements = []

    def keep(_connection, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


def _plan(engine, statement: str, parameters) -> list[dict]:
    with engine.connect() as connection:
        explained = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
    return list(_plan_nodes(explained[0]["Plan"]))


def _scans_of_calls(engine, statement: str, parameters) -> list[str]:
    return [node["Node Type"] for node in _plan(engine, statement, parameters)
            if node.get("Relation Name") == "calls" and node["Node Type"] == "Seq Scan"]


def test_no_list_scans_the_calls_table(engine, session, year_of_calls):
    counsellors, supervisor = year_of_calls
    me = counsellors[3]
    tz = ZoneInfo("Asia/Shanghai")
    today = utcnow().astimezone(tz).date()
    lists = {
        "my drafts": lambda: calls.list_drafts(session=session, user=me),
        "my calls today": lambda: calls.list_since(session=session, user=me, since=utcnow() - timedelta(hours=8)),
        "my search, a month": lambda: search.search_calls(session=session, user=me, tz=tz, query=search.CallSearch(
            date_from=today - timedelta(days=30), date_to=today)),
        "my search, words": lambda: search.search_calls(session=session, user=me, tz=tz,
                                                       query=search.CallSearch(text="note 12")),
        "everyone's, a day": lambda: search.search_calls(session=session, user=supervisor, tz=tz,
                                                        query=search.CallSearch(everyone=True, date_from=today)),
        "everyone's, high": lambda: search.search_calls(session=session, user=supervisor, tz=tz,
                                                       query=search.CallSearch(everyone=True, level="high")),
        "everyone's, newest": lambda: search.search_calls(session=session, user=supervisor, tz=tz,
                                                         query=search.CallSearch(everyone=True)),
        "calls on the line now": lambda: calls.calls_in_progress(session=session, user=supervisor),
        "referral queue": lambda: queue_rows(session=session,
                                             referrals=referrals.queue(session=session, user=supervisor)),
        "overdue referrals": lambda: queue_rows(session=session, referrals=referrals.queue(
            session=session, user=supervisor, filters=referrals.QueueFilter(overdue=True))),
        "follow-ups due": lambda: referrals.follow_ups_due(session=session, user=supervisor, today=today),
        "wellbeing this week": lambda: wellbeing.counsellor_loads(session=session, tz=tz, per_shift_limit=2,
                                                                  per_week_limit=5),
    }
    failures, seen = [], 0
    for name, run in lists.items():
        with captured(engine) as statements:
            assert run() is not None
        session.rollback()  # audit entries from supervisors' searches are not part of the question
        for statement, parameters in statements:
            if " calls" not in statement:
                continue
            seen += 1
            if _scans_of_calls(engine, statement, parameters):
                failures.append(f"{name}: sequential scan of calls in {statement[:200]}")
    assert seen >= len(lists) - 1, "every list but the follow-ups reads the calls table"
    assert not failures, "\n".join(failures)
    # And the check can fail: a query that must read every note is reported.
    assert _scans_of_calls(engine, "SELECT id FROM calls WHERE notes LIKE %(p)s", {"p": "%never%"}) == ["Seq Scan"]

    # The queue's page reads its 100 rows off the open referrals' index, already in queue order, instead of
    # sorting all 10,000 open referrals on every supervisor's 3-second refresh.
    with captured(engine) as statements:
        shown = referrals.queue(session=session, user=supervisor, limit=100)
    session.rollback()
    assert len(shown) == 100
    statement, parameters = next((s, p) for s, p in statements if "FROM referrals" in s and "ORDER BY" in s)
    nodes = _plan(engine, statement, parameters)
    assert any(node.get("Index Name") == "ix_referrals_queue" for node in nodes), nodes
    assert not any(node["Node Type"] in ("Sort", "Incremental Sort") for node in nodes), nodes


