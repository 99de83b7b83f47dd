"""No route can change or remove an audit entry: every route is walked, and every SQL statement watched."""

import re

import pytest
from sqlalchemy import event
from sqlmodel import select

from hotline.accounts.models import Role
from hotline.audit.models import AuditEntry
from hotline.calls import callers, flows
from hotline.calls import service as calls
from hotline.calls.models import CallUpdate
from support import csrf_token, login
from test_permissions import SAMPLE_PATH_VALUES, app_routes

WRITES_TO_AUDIT = re.compile(r"^\s*(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE|ALTER\s+TABLE)\s+\"?audit_entries\b",
                             re.IGNORECASE)
# Plausible values for every form field a route may read, so routes get past validation and act.
FORM = {"reason": "walking every route", "hold": "on", "confirm": "yes", "format": "json", "identifier": "1380013",
        "comment": "ok", "text": "a note", "roles": "counsellor", "active": "false", "password": "x" * 12}


def _rows(session):
    session.expire_all()
    return [entry.model_dump() for entry in session.exec(select(AuditEntry).order_by(AuditEntry.id))]


@pytest.mark.parametrize("actor", [Role.counsellor, Role.supervisor, Role.admin], ids=str)
def test_no_route_updates_or_deletes_audit_entries(app, client, engine, session, make_user, settings, actor):
    # Live-update streams end quickly here, so the walk reads each to its end and moves on.
    app.state.settings = app.state.settings.model_copy(update={"live_stream_seconds": 0.2})
    make_user(Role.admin, username="first")
    counsellor = make_user(Role.counsellor, username="li")
    call, _created = calls.start_call(session=session, counsellor=counsellor)
    call, _result = flows.save_call(session=session, user=counsellor, call_id=call.id, version=1,
                                    changes=CallUpdate.parse({"notes": "He bought charcoal and plans it tonight.",
                                                              "call_type": "about_self", "caller_group": "student",
                                                              "concerns": ["low_mood"], "summary": "Plan made.",
                                                              "interventions": ["safety_plan"]}))
    callers.link_caller(session=session, user=counsellor, call_id=call.id, identifier="1380013",
                      secret=settings.resolved_secret_key())
    flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version)
    user = make_user(actor, username="actor")
    assert login(client, user).status_code == 303
    before = _rows(session)
    assert before, "the walk starts with entries to protect"

    caught = []

    def watch(_connection, _cursor, statement, _parameters, _context, _many):
        if WRITES_TO_AUDIT.search(statement):
            caught.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        token = csrf_token(client)
        for method, path in sorted(app_routes(app)):
            if path == "/logout":
                continue  # would end the walk's session; its audit entry is tested on its own
            url = path.format(**SAMPLE_PATH_VALUES)
            if method == "GET":
                client.get(url)
            elif path.startswith("/api/"):
                client.request(method, url, json={}, headers={"X-CSRFToken": token})
            else:
                client.post(url, data={**FORM, "csrftoken": token})
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert caught == []
    after = _rows(session)
    assert after[:len(before)] == before, "every entry is still there, unchanged"
    if actor != Role.counsellor:  # a supervisor read li's call, an admin searched and erased: both on record
        assert len(after) > len(before)
