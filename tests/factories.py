"""Calls for tests, made one way everywhere: through the service as a counsellor would (start, save, finish),
or through the page. Tests that need a call in a particular state build it here rather than each writing
its own `finished_call` with its own meaning."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from hotline.accounts.models import User
from hotline.calls import flows
from hotline.calls import service as calls
from hotline.calls.models import Call, CallUpdate
from hotline.referrals.models import Referral
from support import post_form

# What a finished call's required fields hold unless a test says otherwise.
COMPLETE = {"call_type": "about_self", "caller_group": "general_public", "concerns": ["low_mood"],
            "interventions": ["safety_plan"], "summary": "Talked it through."}


def draft_call(session: Session, user: User, notes: str = "", *, line: str | None = None, **fields) -> Call:
    """A call in progress with these notes (and fields), saved once as the autosave would; `line` is the
    line it came in on, given when the call starts."""
    call, _ = calls.start_call(session=session, counsellor=user, line=line)
    call, _ = flows.save_call(session=session, user=user, call_id=call.id, version=call.version,
                              changes=CallUpdate.parse({"notes": notes, **fields}))
    return call


def finished_call(session: Session, user: User, notes: str = "", *, incomplete: bool = False,
                  level: str | None = None, **fields) -> tuple[Call, Referral | None]:
    """A call finalised with these notes, and the referral that opened (None below moderate). Required
    fields come from COMPLETE unless `incomplete` (ended half-way); `level` overrides the engine's."""
    call = draft_call(session, user, notes, **({} if incomplete else {**COMPLETE, **fields}))
    return finalise(session, user, call, incomplete=incomplete, level=level)


def finalise(session: Session, user: User, call: Call, *, incomplete: bool = False,
             level: str | None = None) -> tuple[Call, Referral | None]:
    """Finalise a draft from draft_call, for a test that does something to the draft first (links a caller,
    say); as finished_call, `level` overrides the engine's and the referral that opened comes back."""
    if level is not None and call.level.value != level:
        call = flows.override_level(session=session, user=user, call_id=call.id, level=level,
                                    reason="the test sets the level")
    return flows.finalise_call(session=session, user=user, call_id=call.id, version=call.version,
                               incomplete=incomplete)


def call_from_the_page(client: TestClient) -> int:
    """Start a call as the counsellor's browser does (the form on /calls); its id."""
    response = post_form(client, "/calls")
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])
