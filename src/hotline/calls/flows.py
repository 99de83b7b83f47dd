"""What follows a change to a call, across domains: the supervisors' queue hears of imminent risk while the
caller is still on the line, and a finalised call at moderate risk or above opens a referral.

calls/service.py changes the call and knows nothing of referrals; views and the API call these instead,
so every way in to a call gets the same follow-up, in the same transaction as the change.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from hotline.accounts.models import User
from hotline.calls import service
from hotline.calls.models import Call
from hotline.referrals import service as referrals
from hotline.referrals.models import Referral
from hotline.triage import RiskLevel


def bring_in_supervisor(session: Session, call: Call, user: User) -> None:
    """Put the call in the supervisors' queue now: imminent risk cannot wait for the call to end.
    Finalising later finds the same referral."""
    referrals.open_referral(session=session, call=call, by=user)


def _refer_if_at_risk(policy=None):
    def follow(session: Session, call: Call, user: User, now: datetime) -> Referral | None:
        referral = referrals.referral_for_call(session=session, call=call)
        if call.level >= RiskLevel.moderate or referral is not None:
            referral = referrals.open_referral(session=session, call=call, by=user, now=now,
                                               **({"policy": policy} if policy else {}))
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
