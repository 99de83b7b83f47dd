"""Each worker's background task: take the escalation steps that are due, and send what the outbox holds.

At least once: a message is leased to one worker (a conditional UPDATE), sent, then marked sent; a worker
that dies mid-send leaves its lease to run out and another worker (or itself, restarted) sends it again. The
idempotency key travels with every message, so a receiver can drop the second copy. Failures are retried with
a doubling wait; after the last attempt the referral's timeline says the alert could not be delivered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import anyio.to_thread
from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from hotline import i18n
from hotline.accounts import service as accounts
from hotline.alerts import channels, service
from hotline.alerts.models import AlertChannel, AlertDelivery, DeliveryStatus
from hotline.database import utcnow
from hotline.i18n import _
from hotline.referrals.models import Referral, ReferralStatus

log = logging.getLogger("hotline.alerts")

MAX_ATTEMPTS = 8  # 5 s, 10 s, 20 s … about 10 minutes in all
FIRST_RETRY_SECONDS = 5
LONGEST_RETRY_SECONDS = 300
LEASE = timedelta(seconds=60)  # longer than a send can take (two 10-second timeouts)
BATCH = 20

Sender = Callable[[str, dict, channels.AlertMessage], None]


def retry_after(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS))


def _lease(session: Session, delivery_id: int, now: datetime) -> bool:
    taken = session.execute(
        update(AlertDelivery)
        .where(col(AlertDelivery.id) == delivery_id, AlertDelivery.status == DeliveryStatus.pending,
               or_(col(AlertDelivery.locked_until).is_(None), col(AlertDelivery.locked_until) < now))
        .values(locked_until=now + LEASE, attempts=col(AlertDelivery.attempts) + 1)
        .execution_options(synchronize_session=False))
    return taken.rowcount == 1


def deliver_due(*, session: Session, base_url: str = "", now: datetime | None = None,
                send: Sender = channels.send, limit: int = BATCH) -> int:
    """Send the outbox messages that are due; returns how many went. Sends outside any transaction."""
    now = now or utcnow()
    due = list(session.exec(
        select(AlertDelivery.id).where(AlertDelivery.status == DeliveryStatus.pending,
                                       AlertDelivery.next_attempt_at <= now,
                                       or_(col(AlertDelivery.locked_until).is_(None),
                                           col(AlertDelivery.locked_until) < now))
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id).limit(limit)))
    sent = 0
    for delivery_id in due:
        # Leased one at a time, just before its send: a lease taken for the whole batch would run out while
        # the messages ahead of it were slow, and another worker would send the same message again.
        leased_now = max(now, utcnow())
        if _lease(session, delivery_id, leased_now):
            session.commit()
            sent += _send_one(session, delivery_id, base_url=base_url, now=now, send=send)
        else:
            session.rollback()
    return sent


def deliver_one(*, session: Session, delivery_id: int, base_url: str = "", now: datetime | None = None,
                send: Sender = channels.send) -> AlertDelivery:
    """Send this one now if nobody else is (the admin's "send a test"); returns it as it stands after."""
    now = now or utcnow()
    if _lease(session, delivery_id, now):
        session.commit()
        _send_one(session, delivery_id, base_url=base_url, now=now, send=send)
    else:
        session.rollback()
    delivery = session.get(AlertDelivery, delivery_id)
    session.refresh(delivery)
    return delivery


def _send_one(session: Session, delivery_id: int, *, base_url: str, now: datetime, send: Sender) -> bool:
    delivery = session.get(AlertDelivery, delivery_id)
    session.refresh(delivery)
    channel = session.get(AlertChannel, delivery.channel_id) if delivery.channel_id else None
    session.commit()  # nothing is held open while the network is slow
    if channel is None or not channel.active:
        _failed(session, delivery, channel, _("the channel was turned off"), now, final=True)
        return False
    if _taken_meanwhile(session, delivery):
        # Claimed or closed while this message waited for its turn or its retry: "needs someone" sent now would
        # send a supervisor to a referral someone already has. A release alerts again with new messages.
        session.execute(update(AlertDelivery).where(col(AlertDelivery.id) == delivery.id)
                        .values(status=DeliveryStatus.withdrawn.value, locked_until=None)
                        .execution_options(synchronize_session=False))
        session.commit()
        return False
    try:
        send(channel.kind, channel.settings, service.message_for(delivery, now=now, base_url=base_url,
                                                                 channel=channel))
    except channels.SendFailed as error:
        _failed(session, delivery, channel, error.reason, now, final=delivery.attempts >= MAX_ATTEMPTS
                or bool(delivery.params.get("test")))
        return False
    except Exception as error:  # noqa: BLE001 - one broken channel must not stop the others
        _failed(session, delivery, channel, type(error).__name__, now, final=delivery.attempts >= MAX_ATTEMPTS)
        return False
    session.execute(update(AlertDelivery).where(col(AlertDelivery.id) == delivery.id)
                    .values(status=DeliveryStatus.sent.value, sent_at=utcnow(), locked_until=None, last_error=None)
                    .execution_options(synchronize_session=False))
    if delivery.referral_id is not None:
        service.note_on_timeline(session, delivery.referral_id, None, "alert_delivered",
                                 _facts(session, delivery, channel), utcnow())
    session.commit()
    log.info("alert %s sent by %s (attempt %s)", delivery.id, channel.kind, delivery.attempts)
    return True


def _taken_meanwhile(session: Session, delivery: AlertDelivery) -> bool:
    if delivery.referral_id is None or delivery.params.get("test"):
        return False
    referral = session.get(Referral, delivery.referral_id)
    taken = referral is None or referral.owner_id is not None or referral.status == ReferralStatus.closed
    session.commit()
    return taken


def _facts(session: Session, delivery: AlertDelivery, channel: AlertChannel | None, reason: str = "") -> dict:
    person = accounts.get_user(session=session, user_id=delivery.user_id) if delivery.user_id else None
    facts: dict = {"step": delivery.step + 1, "via": [[delivery.kind, channel.name if channel else ""]]}
    if person is not None:
        facts["to"] = person.display_name
    if reason:
        facts["reason"] = reason
    return facts


def _failed(session: Session, delivery: AlertDelivery, channel: AlertChannel | None, reason: str, now: datetime,
            *, final: bool) -> None:
    values: dict = {"locked_until": None, "last_error": reason[:300]}
    if final:
        values["status"] = DeliveryStatus.failed.value
    else:
        values["next_attempt_at"] = now + retry_after(delivery.attempts)
    session.execute(update(AlertDelivery).where(col(AlertDelivery.id) == delivery.id).values(**values)
                    .execution_options(synchronize_session=False))
    if final and delivery.referral_id is not None:
        service.note_on_timeline(session, delivery.referral_id, None, "alert_failed",
                                 _facts(session, delivery, channel, reason), now)
    session.commit()
    log.warning("alert %s not sent by %s (attempt %s%s): %s", delivery.id, delivery.kind, delivery.attempts,
                ", giving up" if final else "", reason)


def run_once(engine: Engine, *, base_url: str = "", locale: str = "zh_CN", now: datetime | None = None,
             send: Sender = channels.send) -> tuple[int, int]:
    """One round: escalation steps due, then messages due. (steps taken, messages sent)."""
    token = i18n.set_locale(locale)  # alerts and the timeline are written in the console's language
    try:
        with Session(engine, expire_on_commit=False) as session:
            steps = service.escalate_due(session=session, now=now)
            sent = deliver_due(session=session, base_url=base_url, now=now, send=send)
        return steps, sent
    finally:
        i18n.reset_locale(token)


async def keep_delivering(engine: Engine, settings, *, every: float | None = None) -> None:
    """The background task each worker runs from start to shutdown."""
    every = every if every is not None else settings.alerts_poll_seconds
    while True:
        try:
            await anyio.to_thread.run_sync(lambda: run_once(engine, base_url=settings.public_url,
                                                            locale=settings.default_locale))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - the database is away: try again next round
            log.warning("alerts: round failed (%s)", type(error).__name__)
        await asyncio.sleep(every)
