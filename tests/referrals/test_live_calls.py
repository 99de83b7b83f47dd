"""A caller at imminent risk, or a counsellor asking for help, reaches the supervisors while the call goes on."""

from datetime import timedelta

import pytest
from sqlmodel import select

from hotline.accounts.models import Role
from hotline.calls import flows
from hotline.calls import service as calls
from hotline.calls.models import CallUpdate
from hotline.referrals import service
from hotline.referrals.models import Debrief, Referral, ReferralEvent


@pytest.fixture
def counsellor(make_user):
    return make_user(Role.counsellor, username="counsellor1")


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.supervisor, username="sup1")


def type_notes(session, user, call, notes):
    call, _ = flows.save_call(session=session, user=user, call_id=call.id, version=call.version,
                              changes=CallUpdate.parse({"notes": notes}))
    return call


def test_a_call_that_turns_imminent_is_in_the_queue_before_it_ends(session, counsellor, supervisor):
    call, _ = calls.start_call(session=session, counsellor=counsellor)
    call = type_notes(session, counsellor, call, "She lost her job in the lockdown and cannot sleep.")
    assert service.queue(session=session, user=supervisor) == []

    call = type_notes(session, counsellor, call, call.notes + " She says she has the pills in her hand right "
                      "now and is going to take them all.")
    assert call.level.value == "imminent" and call.is_draft
    queued = service.queue(session=session, user=supervisor)
    assert [(r.call_id, r.level) for r in queued] == [(call.id, "imminent")]
    assert queued[0].deadline_at - queued[0].opened_at == timedelta(minutes=2)
    assert session.exec(select(Debrief).where(Debrief.call_id == call.id)).first() is not None

    # more typing and the end of the call keep the one referral
    call = type_notes(session, counsellor, call, call.notes + " Still on the line.")
    call, _ = flows.save_call(session=session, user=counsellor, call_id=call.id, version=call.version,
                              changes=CallUpdate.parse({"call_type": "about_self", "caller_group": "general_public",
                                                        "concerns": ["low_mood"], "summary": "120 called.",
                                                        "interventions": ["safety_plan"]}))
    call, referral = flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version)
    assert referral.id == queued[0].id
    assert len(session.exec(select(Referral).where(Referral.call_id == call.id)).all()) == 1
    assert len(session.exec(select(Debrief).where(Debrief.call_id == call.id)).all()) == 1


def test_asking_for_a_supervisor_opens_the_referral_at_once_and_a_rise_brings_the_deadline_forward(
        session, counsellor, supervisor):
    call, _ = calls.start_call(session=session, counsellor=counsellor)
    call = type_notes(session, counsellor, call, "She has been thinking about ways to die but has no plan.")
    assert call.level.value == "moderate"
    flows.tick_crisis_step(session=session, user=counsellor, call_id=call.id, step="supervisor_told")
    (referral,) = service.queue(session=session, user=supervisor)
    assert referral.level == "moderate" and referral.deadline_at - referral.opened_at == timedelta(hours=24)

    call = flows.override_level(session=session, user=counsellor, call_id=call.id, level="imminent",
                                reason="she is standing on the balcony")
    session.refresh(referral)
    assert referral.level == "imminent"
    assert referral.deadline_at - referral.opened_at <= timedelta(minutes=3)
    kinds = [e.kind for e in session.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id))]
    assert kinds == ["opened", "alerted", "level_raised"]  # asking alerts the supervisor (alerts/) at once


def test_a_claimed_referral_keeps_its_owner_when_the_risk_rises(session, counsellor, supervisor):
    call, _ = calls.start_call(session=session, counsellor=counsellor)
    call = type_notes(session, counsellor, call, "He has bought charcoal and plans to do it tonight.")
    flows.tick_crisis_step(session=session, user=counsellor, call_id=call.id, step="supervisor_told")
    (referral,) = service.queue(session=session, user=supervisor)
    service.claim(session=session, user=supervisor, referral_id=referral.id)
    type_notes(session, counsellor, call, call.notes + " He has lit the charcoal now, the car is closed.")
    session.refresh(referral)
    assert referral.owner_id == supervisor.id and referral.level == "imminent"
