"""An imminent referral at 03:00 finds the supervisor on call, escalates when nobody claims it, and every
step is on the timeline. The clock is moved, never waited for."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlmodel import select

from factories import draft_call, finished_call
from hotline.accounts.models import Role
from hotline.alerts import delivery
from hotline.alerts import service as alerts
from hotline.alerts.models import AlertChannel, AlertDelivery, AlertEscalation, LineAlertPolicy
from hotline.calls import flows
from hotline.notifications import service as notifications
from hotline.referrals import service as referrals
from hotline.referrals.models import Referral, ReferralEvent
from hotline.roster.models import Line

IMMINENT_NOTES = "She took an overdose of sleeping pills just now."
HIGH_NOTES = "He has bought charcoal and plans to do it tonight."
SECRET = "pager-gateway-secret"


def bell(session, user) -> list[str]:
    session.commit()  # see what the worker's rounds wrote
    return [notifications.text_of(n) for n in notifications.recent(session=session, user_id=user.id)]


def timeline(session, referral) -> list[tuple[str, int | None, str]]:
    session.commit()
    events = session.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                          .order_by(ReferralEvent.id))
    return [(e.kind, e.actor_id, alerts.describe_event(e.kind, e.detail)) for e in events]


def pager(session, night, receiver) -> AlertChannel:
    """The line's own pager gateway: a generic webhook signed with a shared secret."""
    channel = AlertChannel(kind="webhook", name="值班寻呼", line_id=night.line.id,
                           settings={"url": receiver.url + "/page", "secret": SECRET})
    session.add(channel)
    session.commit()
    return channel


def a_round(engine):
    return delivery.run_once(engine, base_url="https://hotline.example.org", locale="zh_CN")


def imminent_call(session, night):
    call = draft_call(session, night.counsellor, IMMINENT_NOTES, line=night.line.name)
    return call, referrals.referral_for_call(session=session, call=call)


def test_an_imminent_referral_at_3am_reaches_the_supervisor_on_call_and_climbs_the_chain_until_claimed(
        session, engine, night, receiver, clock):
    pager(session, night, receiver)
    _call, referral = imminent_call(session, night)
    assert referral.level == "imminent"

    # At once: the supervisor on shift longest hears it in the console; nobody else yet.
    assert any(f"#{referral.id}" in text for text in bell(session, night.first))
    assert bell(session, night.second) == [] and bell(session, night.coordinator) == []
    assert ("alerted", night.first.id, "step 1 · console") in timeline(session, referral)

    # The worker's round sends the pager its signed message: level, line, wait and a link; nothing else.
    assert a_round(engine) == (0, 1)
    page = receiver.requests[-1]
    signed = page.headers["x-hotline-timestamp"].encode() + b"." + page.body
    assert page.headers["x-hotline-signature"] == "sha256=" + hmac.new(SECRET.encode(), signed,
                                                                      hashlib.sha256).hexdigest()
    assert page.json["level"] == "imminent" and page.json["referral_id"] == referral.id
    assert page.json["line"] == "希望热线" and page.json["waited_minutes"] == 0 and page.json["step"] == 1
    assert page.json["link"] == f"https://hotline.example.org/referrals/{referral.id}"
    assert page.json["text"].startswith(f"紧急风险转介 #{referral.id} 已等待 0 分钟 · 希望热线 · 打开: https://")
    assert "overdose" not in page.body.decode() and "sleeping" not in page.body.decode()
    assert page.headers["idempotency-key"] == page.json["id"]

    # Nobody claims it for two minutes: the second supervisor on call is alerted, then the coordinator.
    clock.shift(timedelta(minutes=1, seconds=59))
    assert a_round(engine) == (0, 0)
    clock.shift(timedelta(seconds=2))
    assert a_round(engine) == (1, 1)
    assert any(f"#{referral.id}" in text for text in bell(session, night.second))
    assert receiver.requests[-1].json["waited_minutes"] == 2 and receiver.requests[-1].json["step"] == 2
    clock.shift(timedelta(minutes=2))
    a_round(engine)
    assert bell(session, night.coordinator) and bell(session, night.admin) == []

    # Bai claims it: no more steps, nobody else is woken.
    referrals.claim(session=session, user=night.first, referral_id=referral.id)
    clock.shift(timedelta(minutes=10))
    assert a_round(engine) == (0, 0)
    assert bell(session, night.admin) == []
    assert session.get(AlertEscalation, referral.id).done_at is not None

    steps = [(kind, actor, detail) for kind, actor, detail in timeline(session, referral) if kind.startswith("alert")]
    assert [(kind, actor) for kind, actor, _ in steps] == [
        ("alerted", night.first.id), ("alert_posted", None), ("alert_delivered", None),
        ("alerted", night.second.id), ("alert_posted", None), ("alert_delivered", None),
        ("alerted", night.coordinator.id), ("alert_posted", None), ("alert_delivered", None)]
    assert steps[1][2] == "step 1 · webhook “值班寻呼”" and steps[4][2].startswith("step 2")


def test_a_high_referral_waits_fifteen_minutes_and_a_line_can_shorten_that(session, engine, night, clock):
    session.add(LineAlertPolicy(line_id=night.line.id, imminent_minutes=2, high_minutes=5))
    session.commit()
    _call, referral = finished_call(session, night.counsellor, HIGH_NOTES, line=night.line.name, level="high")
    assert bell(session, night.first) and bell(session, night.second) == []
    clock.shift(timedelta(minutes=4))
    assert a_round(engine) == (0, 0)
    clock.shift(timedelta(minutes=1, seconds=1))
    assert a_round(engine) == (1, 0)
    assert any(f"#{referral.id}" in text for text in bell(session, night.second))


def test_without_a_line_policy_a_high_referral_waits_fifteen_minutes(session, engine, night, clock):
    finished_call(session, night.counsellor, HIGH_NOTES, line=night.line.name, level="high")
    clock.shift(timedelta(minutes=14, seconds=59))
    assert a_round(engine) == (0, 0)
    clock.shift(timedelta(seconds=2))
    assert a_round(engine) == (1, 0)


def test_with_nobody_rostered_the_lines_fallback_list_is_alerted_in_its_order(session, engine, make_user, clock):
    line = Line(name="夜间热线")
    session.add(line)
    session.commit()
    on_call_at_home = make_user(Role.supervisor,
                                username="wang", display_name="王督导")
    deputy = make_user(Role.supervisor, username="zhao")
    counsellor = make_user()
    session.add(LineAlertPolicy(line_id=line.id, fallback_ids=[deputy.id, on_call_at_home.id]))
    session.commit()
    draft_call(session, counsellor, IMMINENT_NOTES, line=line.name)
    assert bell(session, deputy) and bell(session, on_call_at_home) == []
    clock.shift(timedelta(minutes=2, seconds=1))
    a_round(engine)
    assert bell(session, on_call_at_home)


def test_a_counsellor_asking_for_a_supervisor_reaches_the_same_people(session, night, clock):
    call = draft_call(session, night.counsellor, "Caller is worried about exams.", line=night.line.name)
    flows.tick_crisis_step(session=session, user=night.counsellor, call_id=call.id, step="supervisor_told")
    referral = referrals.referral_for_call(session=session, call=call)
    assert referral is not None
    assert bell(session, night.first) == [
        f"A counsellor on a call asks for a supervisor: referral #{referral.id}, claim it."]
    assert session.get(AlertEscalation, referral.id).next_at == referral.opened_at + timedelta(minutes=2)
    # The caller turns out to be in danger now: later messages say imminent.
    flows.override_level(session=session, user=night.counsellor, call_id=call.id, level="imminent",
                         reason="she is on the roof")
    assert session.get(AlertEscalation, referral.id).level == "imminent"


def test_a_moderate_referral_alerts_nobody(session, night, clock):
    finished_call(session, night.counsellor, "She has been thinking about ways to die but has no plan.",
                  line=night.line.name, level="moderate")
    assert bell(session, night.first) == []
    assert session.exec(select(AlertDelivery)).all() == []


def test_a_failing_pager_is_retried_with_the_same_key_and_the_timeline_says_when_it_got_through(
        session, engine, night, receiver, clock):
    pager(session, night, receiver)
    receiver.answers = [(503, {}), (500, {}), (200, {})]
    _call, referral = imminent_call(session, night)
    assert a_round(engine) == (0, 0)
    clock.shift(delivery.retry_after(1))
    assert a_round(engine) == (0, 0)
    clock.shift(delivery.retry_after(2) - timedelta(seconds=1))
    assert a_round(engine) == (0, 0)  # not yet: the wait doubles
    clock.shift(timedelta(seconds=1))
    assert a_round(engine) == (0, 1)
    keys = {r.headers["idempotency-key"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(keys) == 1
    kinds = [kind for kind, _actor, _detail in timeline(session, referral)]
    assert kinds.count("alert_delivered") == 1 and "alert_failed" not in kinds


def test_a_pager_that_never_answers_is_given_up_on_and_the_timeline_says_so(session, engine, night, receiver, clock):
    pager(session, night, receiver)
    receiver.answers = [(500, {})]
    _call, referral = imminent_call(session, night)
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        a_round(engine)
        clock.shift(delivery.retry_after(attempt))
    session.commit()
    sent = session.exec(select(AlertDelivery).where(AlertDelivery.kind == "webhook", AlertDelivery.step == 0)).one()
    assert sent.status == "failed" and sent.attempts == delivery.MAX_ATTEMPTS and sent.last_error == "HTTP 500"
    assert ("alert_failed", None, "step 1 · webhook “值班寻呼” · HTTP 500") in timeline(session, referral)
    first_step = [r for r in receiver.requests if r.json["step"] == 1]
    assert len(first_step) == delivery.MAX_ATTEMPTS and len({r.json["id"] for r in first_step}) == 1


def test_a_worker_that_dies_mid_send_loses_nothing(session, engine, night, receiver, clock):
    """Its lease runs out and the next round (this worker restarted, or another) sends the message."""
    pager(session, night, receiver)
    _call, referral = imminent_call(session, night)
    session.commit()
    waiting = session.exec(select(AlertDelivery).where(AlertDelivery.kind == "webhook")).one()

    def die(*_args):
        raise SystemExit("the worker was killed")

    try:
        delivery.run_once(engine, send=die)
    except SystemExit:
        pass
    assert receiver.requests == []
    assert a_round(engine) == (0, 0)  # still leased to the dead worker
    clock.shift(delivery.LEASE + timedelta(seconds=1))
    assert a_round(engine) == (0, 1)
    session.refresh(waiting)
    assert waiting.status == "sent" and receiver.requests[0].json["referral_id"] == referral.id


def test_a_second_round_does_not_repeat_a_step_taken(session, engine, night, clock):
    _call, referral = imminent_call(session, night)
    clock.shift(timedelta(minutes=2, seconds=1))
    assert sum(delivery.run_once(engine)[0] for _ in range(2)) == 1
    assert session.get(Referral, referral.id) is not None
    assert len(bell(session, night.second)) == 1


def test_two_workers_racing_for_one_step_take_it_once(session, engine, night, clock, monkeypatch):
    """Both workers read the same due step before either writes (a barrier holds each after reading): the
    conditional UPDATE lets one take it; the other leaves it. Without the condition both would alert."""
    import threading

    _call, referral = imminent_call(session, night)
    clock.shift(timedelta(minutes=2, seconds=1))
    both_read = threading.Barrier(2, timeout=20)
    real_wait_for = alerts.wait_for

    def wait_for_after_both_read(policy, level):
        both_read.wait()  # called after `due` was read and before the step is written
        return real_wait_for(policy, level)

    monkeypatch.setattr(alerts, "wait_for", wait_for_after_both_read)
    taken: list[int] = []
    workers = [threading.Thread(target=lambda: taken.append(delivery.run_once(engine)[0])) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert not both_read.broken and sorted(taken) == [0, 1]
    assert len(bell(session, night.second)) == 1


def test_a_referral_released_unclaimed_alerts_the_next_supervisor_at_once_and_escalates_again(
        session, engine, night, clock):
    from hotline.referrals import flows as referral_flows

    _call, referral = imminent_call(session, night)
    referrals.claim(session=session, user=night.first, referral_id=referral.id)
    clock.shift(timedelta(minutes=5))
    assert a_round(engine) == (0, 0)  # held: the escalation stops
    assert bell(session, night.second) == []

    # Bai lets it go (called to another emergency): it is back in the queue, and someone must hear of it now.
    referral_flows.release(session=session, user=night.first, referral_id=referral.id, reason="另一个紧急来电")
    assert any(f"#{referral.id}" in text for text in bell(session, night.second))
    assert ("alerted", night.second.id, "step 2 · console") in timeline(session, referral)
    # ...and unclaimed again it climbs on after the imminent wait
    clock.shift(timedelta(minutes=2, seconds=1))
    assert a_round(engine)[0] == 1
    assert bell(session, night.coordinator)


def test_a_message_still_waiting_when_the_referral_is_claimed_is_withdrawn_not_sent_late(
        session, engine, night, receiver, clock):
    """A pager that was down when the alert went out is not paged ten minutes later about a referral a
    supervisor already has: the retry finds it claimed and withdraws the message."""
    pager(session, night, receiver)
    receiver.answers = [(503, {}), (200, {})]
    _call, referral = imminent_call(session, night)
    assert a_round(engine) == (0, 0)  # the pager is down: a retry is due later
    referrals.claim(session=session, user=night.first, referral_id=referral.id)
    clock.shift(delivery.retry_after(1))
    assert a_round(engine) == (0, 0)
    assert len(receiver.requests) == 1  # only the first, failed attempt ever reached the pager
    session.expire_all()
    waiting = session.exec(select(AlertDelivery).where(AlertDelivery.kind == "webhook")).one()
    assert waiting.status == "withdrawn"
