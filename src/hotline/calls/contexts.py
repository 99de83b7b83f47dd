"""What the call pages show, shared by every page that draws a part of a call (the risk banner appears on
the call screen, after each save, and on the screening pages): so screening draws the banner from here
rather than from calls/views.py, and the two view modules no longer import each other."""

from __future__ import annotations

from fastapi import Request

from hotline.calls import service
from hotline.calls.choices import CrisisStep
from hotline.calls.models import Call
from hotline.i18n import chinese_text, is_chinese
from hotline.triage import RiskLevel, default_rules


def actions_for(level: RiskLevel, rules=None) -> list[str]:
    """The rule set's actions for a level, in the reader's language."""
    actions = (rules or default_rules()).actions.get(level, ())
    return [chinese_text(action.zh) if is_chinese() else action.en for action in actions]


def banner_context(request: Request, session, call: Call) -> dict:
    """The live risk banner: level, what to do, and the crisis checklist from moderate up."""
    return {
        "call": call,
        "actions": actions_for(call.level, request.app.state.rules.current),
        # Ticks show only on a draft from moderate up: most saves need not ask for them.
        "ticks": service.crisis_ticks(session=session, call=call)
        if call.is_draft and call.level >= RiskLevel.moderate else {},
        "crisis_steps": list(CrisisStep),
        "levels": list(RiskLevel),
    }
