"""What follows a change to a referral, across domains: a referral released back to the queue unclaimed
alerts the next people on call again (alerts/service.py), in the same transaction as the release."""

from __future__ import annotations

from sqlmodel import Session

from hotline.alerts import service as alerts
from hotline.calls.models import Call
from hotline.referrals import service
from hotline.referrals.models import Referral


def _alert_again(session: Session, referral: Referral) -> None:
    call = session.get(Call, referral.call_id)
    alerts.resume_alerts(session=session, referral=referral, line_name=call.line if call else None)


def release(**kwargs) -> Referral:
    """service.release; nobody holds it now, so whoever is next in the alert chain hears of it."""
    return service.release(**kwargs, then=_alert_again)
