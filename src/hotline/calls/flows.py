"""What follows a change to a call, across domains: the supervisors' queue hears of imminent risk while the
caller is still on the line, a finalised call at moderate risk or above opens a referral, a call handed over
refreshes its queue row, and the supervisors' board of calls in progress shows each call's open referral.

calls/service.py changes the call and knows nothing of referrals; views and the API call these instead,
so every way in to a call gets the same follow-up, in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from hotline.accounts.models import User
from hotline.alerts import service as alerts
from hotline.calls import service
from hotline.calls.models import Call
from hotline.live import service as live
from hotline.referrals import service as referrals
from hotline.referrals.models import Referral
from hotline.triage import RiskLevel


def bring_in_supervisor(session: Session, call: Call, user: User) -> None:
    """Put the call in the supervisors' queue now: imminent risk cannot wait for the call to end.
    Finalising later finds the same referral. A high or imminent one alerts the supervisor on call for the
    call's line (the outbox rows are written in this transaction), as does a counsellor's "ask a supervisor"."""
    referral = referrals.open_referral(session=session, call=call, by=user)
    alerts.start_alerts(session=session, referral=referral, line_name=call.line, asked=True)


def _refer_if_at_risk(policy=None):
    def follow(session: Session, call: Call, user: User, now: datetime) -> Referral | None:
        referral = referrals.referral_for_call(session=session, call=call)
        if call.level >= RiskLevel.moderate or referral is not None:
            referral = referrals.open_referral(session=session, call=call, by=user, now=now,
                                               **({"policy": policy} if policy else {}))
            alerts.start_alerts(session=session, referral=referral, line_name=call.line, now=now)
        return referral
    return follow


def save_call(**kwargs):
    """service.save_call, with a supervisor brought in when the notes turn the risk imminent."""
    return service.save_call(**kwargs, escalate=bring_in_supervisor)


def override_level(**kwargs):
    """service.override_level, with a supervisor brought in when the counsellor judges the risk imminent."""
    return service.override_level(**kwargs, escalate=bring_in_supervisor)


def tick_crisis_step(**kwargs):
    """service.tick_crisis_step; ticking "supervisor told" puts the call in the queue."""
    return service.tick_crisis_step(**kwargs, escalate=bring_in_supervisor)


def finalise_call(*, policy=None, **kwargs):
    """service.finalise_call; moderate risk or above (or a referral already open) opens the referral."""
    return service.finalise_call(**kwargs, then=_refer_if_at_risk(policy))


def end_non_data_call(**kwargs):
    """service.end_non_data_call, with the same follow-ups as a save and a finalise."""
    return service.end_non_data_call(**kwargs, escalate=bring_in_supervisor, then=_refer_if_at_risk())


def hand_over_call(*, session: Session, **kwargs) -> Call:
    """service.hand_over_call; a queue row showing the call's counsellor is refreshed at once."""
    call = service.hand_over_call(session=session, **kwargs)
    if referrals.referral_for_call(session=session, call=call) is not None:
        live.announce(session, live.QUEUE_TOPIC, call=call.id, what="handed_over")
        session.commit()
    return call


def calls_in_progress(*, session: Session, user: User, now: datetime | None = None) -> list[service.CallInProgress]:
    """service.calls_in_progress, each call with its open referral (a supervisor asked for, or the level
    brought one in)."""
    board = service.calls_in_progress(session=session, user=user, now=now)
    open_ids = referrals.open_referral_ids(session=session, call_ids=[c.call_id for c in board])
    return [replace(c, referral_id=open_ids.get(c.call_id)) for c in board]
