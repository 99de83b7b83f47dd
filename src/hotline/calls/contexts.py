"""What the call pages show, shared by every page that draws a part of a call (the risk banner appears on
the call screen, after each save, and on the screening pages): so screening draws the banner from here
rather than from calls/views.py, and the two view modules no longer import each other."""

from __future__ import annotations

import time

from fastapi import Request

from hotline.accounts import service as accounts
from hotline.calls import service
from hotline.calls.choices import CrisisStep
from hotline.calls.models import Call
from hotline.i18n import in_both_languages
from hotline.referrals import service as referrals
from hotline.triage import RiskLevel, default_rules


def actions_for(level: RiskLevel, rules=None) -> list[str]:
    """The rule set's actions for a level, in the reader's language."""
    actions = (rules or default_rules()).actions.get(level, ())
    return [in_both_languages(action.zh, action.en) for action in actions]


def supervisors_alerted(session, call: Call) -> dict | None:
    """The call in the supervisors' queue while the caller is on the line (asked for, or brought in by
    imminent risk): when it reached the queue, and who took it and when, once someone has."""
    referral = referrals.referral_for_call(session=session, call=call)
    if referral is None:
        return None
    owner = accounts.people(session=session, ids=[referral.owner_id]).get(referral.owner_id) \
        if referral.owner_id else None
    return {"at": referral.opened_at, "taken_by": owner.display_name if owner else None,
            "taken_at": referral.acknowledged_at if owner else None}


def banner_context(request: Request, session, call: Call) -> dict:
    """The live risk banner: level, what to do, and the crisis checklist from moderate up."""
    # Ticks and the queue show only on a draft from moderate up: most saves need not ask for them.
    at_risk = call.is_draft and call.level >= RiskLevel.moderate
    return {
        "call": call,
        # When this picture of the call was drawn (microseconds): the screen keeps the newest, so the answer
        # to an autosave sent before a tick or an override, arriving after it, cannot draw the call back.
        "drawn_at": time.time_ns() // 1000,
        "actions": actions_for(call.level, request.app.state.rules.current),
        "ticks": service.crisis_ticks(session=session, call=call) if at_risk else {},
        "alerted": supervisors_alerted(session, call) if at_risk else None,
        "crisis_steps": list(CrisisStep),
        "levels": list(RiskLevel),
    }
