"""The referral workflow, step by step, through the service functions."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from hotline.accounts.models import Role
from hotline.errors import Conflict, Forbidden, InvalidInput
from hotline.referrals import service
from hotline.referrals.models import Debrief, FollowUp, ReferralEvent


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.supervisor, username="sup1")


def events(session, referral):
    return [(e.kind, e.status) for e in session.exec(select(ReferralEvent).where(
        ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id))]


def test_a_flagged_call_opens_a_referral_with_a_deadline_by_level(flagged_call):
    for level, minutes in (("imminent", 2), ("high", 15), ("moderate", 24 * 60)):
        _call, referral = flagged_call(level)
        assert referral.status == "new" and referral.owner_id is None
        assert referral.deadline_at - referral.opened_at == timedelta(minutes=minutes)


def test_high_and_imminent_calls_offer_the_counsellor_a_debrief(session, flagged_call):
    call, _ = flagged_call("high")
    flagged_call("moderate")
    offered = session.exec(select(Debrief)).all()
    assert [d.call_id for d in offered] == [call.id]


def test_everyone_who_held_a_heavy_call_is_offered_a_debrief(session, make_user, supervisor):
    from hotline.calls import flows
    from hotline.calls import service as calls
    from hotline.calls.models import CallUpdate

    wang = make_user(Role.counsellor, username="wang")
    zhou = make_user(Role.counsellor, username="zhou")
    done = {"call_type": "about_self", "caller_group": "general_public", "concerns": ["low_mood"],
            "summary": "Safety plan agreed.", "interventions": ["safety_plan"]}

    def offered_to(call):
        return sorted(d.counsellor_id for d in session.exec(select(Debrief).where(Debrief.call_id == call.id)))

    # A high-risk call Wang hands over to Zhou at the end of a shift: both heard the caller.
    call, _ = calls.start_call(session=session, counsellor=wang)
    call, _ = flows.save_call(session=session, user=wang, call_id=call.id, version=1, changes=CallUpdate.parse(
        {"notes": "He has bought charcoal and plans to do it tonight.", **done}))
    call = calls.hand_over_call(session=session, user=wang, call_id=call.id, to_username="zhou")
    flows.finalise_call(session=session, user=zhou, call_id=call.id, version=call.version)
    assert offered_to(call) == sorted([wang.id, zhou.id])

    # Imminent while on the line: the referral (and Wang's debrief) open at once; a supervisor takes the call
    # over and ends it, and is offered one too, once.
    call, _ = calls.start_call(session=session, counsellor=wang)
    call, _ = flows.save_call(session=session, user=wang, call_id=call.id, version=1, changes=CallUpdate.parse(
        {"notes": "She took an overdose of sleeping pills just now.", **done}))
    assert offered_to(call) == [wang.id]
    call = calls.hand_over_call(session=session, user=supervisor, call_id=call.id, to_username=supervisor.username)
    flows.finalise_call(session=session, user=supervisor, call_id=call.id, version=call.version)
    assert offered_to(call) == sorted([wang.id, supervisor.id])
    assert len(service.debriefs_offered(session=session, user=wang)) == 2  # one for each call Wang heard


def test_queue_puts_imminent_first_then_the_longest_waiting(session, flagged_call, supervisor):
    _, moderate = flagged_call("moderate")
    _, high_first = flagged_call("high")
    _, imminent = flagged_call("imminent")
    _, high_second = flagged_call("high")
    order = [r.id for r in service.queue(session=session, user=supervisor)]
    assert order == [imminent.id, high_first.id, high_second.id, moderate.id]


def test_queue_filters(session, flagged_call, supervisor):
    _, high = flagged_call("high")
    _, moderate = flagged_call("moderate")
    service.claim(session=session, user=supervisor, referral_id=high.id)
    assert [r.id for r in service.queue(session=session, user=supervisor,
                                        filters=service.QueueFilter(mine=True))] == [high.id]
    assert [r.id for r in service.queue(session=session, user=supervisor,
                                        filters=service.QueueFilter(level="moderate"))] == [moderate.id]
    with pytest.raises(InvalidInput):
        service.queue(session=session, user=supervisor, filters=service.QueueFilter(status="lost"))


def test_overdue_means_not_acknowledged_by_the_deadline(session, flagged_call, supervisor):
    _, referral = flagged_call("imminent")
    later = referral.opened_at + timedelta(minutes=3)
    assert service.is_overdue(referral, later)
    assert [r.id for r in service.queue(session=session, user=supervisor, now=later,
                                        filters=service.QueueFilter(overdue=True))] == [referral.id]
    referral = service.claim(session=session, user=supervisor, referral_id=referral.id)
    assert not service.is_overdue(referral, later)


def test_claim_then_a_second_claim_names_the_owner(session, flagged_call, supervisor, make_user):
    _, referral = flagged_call("high")
    claimed = service.claim(session=session, user=supervisor, referral_id=referral.id)
    assert claimed.owner_id == supervisor.id and claimed.status == "acknowledged" and claimed.acknowledged_at
    other = make_user(Role.supervisor, username="sup2", display_name="Dr Wang")
    with pytest.raises(Conflict) as taken:
        service.claim(session=session, user=other, referral_id=referral.id)
    assert supervisor.display_name in str(taken.value.message)
    assert taken.value.extra["owner"] == "sup1"


def test_counsellors_cannot_work_the_queue(session, flagged_call):
    from hotline.accounts.models import User

    _, referral = flagged_call("high")
    counsellor = session.exec(select(User).where(User.username == "counsellor1")).one()
    with pytest.raises(Forbidden):
        service.claim(session=session, user=counsellor, referral_id=referral.id)


def test_the_whole_workflow_with_a_timeline_and_follow_ups(session, flagged_call, supervisor, destination):
    _, referral = flagged_call("high")
    service.claim(session=session, user=supervisor, referral_id=referral.id)
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="in_progress")
    with pytest.raises(InvalidInput):
        service.transition(session=session, user=supervisor, referral_id=referral.id, to="referred")
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="referred",
                       destination_id=destination.id, reference_number="A-778")
    closed = service.transition(session=session, user=supervisor, referral_id=referral.id, to="closed")
    assert closed.status == "closed" and closed.closed_at and closed.reference_number == "A-778"
    # Nobody is on the roster: every supervisor was alerted when it opened (alerts/), then the workflow.
    assert events(session, referral) == [("opened", "new"), ("alerted", None), ("claimed", "acknowledged"),
                                         ("status", "in_progress"), ("status", "referred"), ("status", "closed")]
    due = sorted(f.due_on for f in session.exec(select(FollowUp)))
    today = closed.closed_at.date()
    assert due == [today + timedelta(days=d) for d in (1, 7, 30, 90, 365)]


def test_moderate_gets_one_follow_up_in_a_week(session, flagged_call, supervisor):
    _, referral = flagged_call("moderate")
    service.claim(session=session, user=supervisor, referral_id=referral.id)
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="in_progress")
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="resolved",
                       resolution="Caller linked with a counsellor at school.")
    closed = service.transition(session=session, user=supervisor, referral_id=referral.id, to="closed")
    assert [f.due_on for f in session.exec(select(FollowUp))] == [closed.closed_at.date() + timedelta(days=7)]


@pytest.mark.parametrize(("steps", "refused"), [
    ((), "in_progress"),            # not claimed yet
    (("claim",), "referred"),       # skipping in progress
    (("claim",), "closed"),
    (("claim", "in_progress"), "acknowledged"),
    (("claim", "in_progress"), "nowhere"),
])
def test_steps_cannot_be_skipped_or_invented(session, flagged_call, supervisor, destination, steps, refused):
    _, referral = flagged_call("high")
    for step in steps:
        if step == "claim":
            service.claim(session=session, user=supervisor, referral_id=referral.id)
        else:
            service.transition(session=session, user=supervisor, referral_id=referral.id, to=step)
    before = events(session, referral)
    with pytest.raises((Conflict, Forbidden, InvalidInput)):
        service.transition(session=session, user=supervisor, referral_id=referral.id, to=refused,
                           destination_id=destination.id)
    assert events(session, referral) == before  # the timeline shows no step that did not happen


def test_only_the_owner_moves_it_on_and_release_reassign_are_recorded(session, flagged_call, supervisor, make_user):
    _, referral = flagged_call("high")
    other = make_user(Role.supervisor, username="sup2")
    service.claim(session=session, user=supervisor, referral_id=referral.id)
    with pytest.raises(Forbidden):
        service.transition(session=session, user=other, referral_id=referral.id, to="in_progress")
    with pytest.raises(Conflict):
        service.release(session=session, user=other, referral_id=referral.id)
    released = service.release(session=session, user=supervisor, referral_id=referral.id, reason="end of shift")
    assert released.owner_id is None and released.status == "acknowledged"
    handed = service.reassign(session=session, user=supervisor, referral_id=referral.id, to_username="sup2")
    assert handed.owner_id == other.id
    assert [k for k, _ in events(session, referral)][-2:] == ["released", "reassigned"]
    with pytest.raises(InvalidInput):
        service.reassign(session=session, user=other, referral_id=referral.id, to_username="counsellor1")


def test_closed_referral_cannot_be_claimed(session, flagged_call, supervisor, destination, make_user):
    _, referral = flagged_call("moderate")
    service.claim(session=session, user=supervisor, referral_id=referral.id)
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="in_progress")
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="resolved", resolution="ok")
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="closed")
    with pytest.raises(Conflict):
        service.claim(session=session, user=make_user(Role.supervisor), referral_id=referral.id)


def test_follow_up_call_links_the_caller_and_cancel_needs_a_reason(session, flagged_call, supervisor):
    call, referral = flagged_call("moderate")
    service.claim(session=session, user=supervisor, referral_id=referral.id)
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="in_progress")
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="resolved", resolution="ok")
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="closed")
    follow_up = session.exec(select(FollowUp)).one()
    in_a_week = follow_up.due_on
    assert service.follow_ups_due(session=session, user=supervisor, today=in_a_week - timedelta(days=1)) == []
    assert [f.id for f in service.follow_ups_due(session=session, user=supervisor, today=in_a_week)] == [follow_up.id]
    new_call = service.start_follow_up_call(session=session, user=supervisor, follow_up_id=follow_up.id)
    assert new_call.is_draft and new_call.caller_id == call.caller_id
    with pytest.raises(Conflict):
        service.start_follow_up_call(session=session, user=supervisor, follow_up_id=follow_up.id)
    assert service.follow_ups_due(session=session, user=supervisor, today=date(2100, 1, 1)) == []


def test_cancel_follow_up(session, flagged_call, supervisor):
    _, referral = flagged_call("moderate")
    service.claim(session=session, user=supervisor, referral_id=referral.id)
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="in_progress")
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="resolved", resolution="ok")
    service.transition(session=session, user=supervisor, referral_id=referral.id, to="closed")
    follow_up = session.exec(select(FollowUp)).one()
    with pytest.raises(InvalidInput):
        service.cancel_follow_up(session=session, user=supervisor, follow_up_id=follow_up.id, reason=" ")
    cancelled = service.cancel_follow_up(session=session, user=supervisor, follow_up_id=follow_up.id,
                                         reason="Unreachable after three tries")
    assert cancelled.status == "cancelled"


def test_reviews_debriefs_and_alerts(session, flagged_call, supervisor):
    from hotline.accounts.models import User
    from hotline.calls import callers
    from hotline.calls import service as calls

    call, _ = flagged_call("high")
    review = service.add_review(session=session, user=supervisor, call_id=call.id, comment="Good safety plan.")
    assert [r.id for r in service.reviews_of(session=session, call=call)] == [review.id]
    counsellor = session.exec(select(User).where(User.username == "counsellor1")).one()
    offered = service.debriefs_offered(session=session, user=counsellor)
    with pytest.raises(InvalidInput):
        service.settle_debrief(session=session, user=counsellor, debrief_id=offered[0].id, done=False, reason="")
    service.settle_debrief(session=session, user=counsellor, debrief_id=offered[0].id, done=True,
                           supervisor_username="sup1")
    assert service.debriefs_offered(session=session, user=counsellor) == []
    caller = callers.link_caller(session=session, user=counsellor, call_id=calls.start_call(
        session=session, counsellor=counsellor)[0].id, identifier="13800000001", secret="k" * 40)
    today = date(2026, 11, 23)
    service.add_caller_alert(session=session, user=supervisor, caller_id=caller.id, text="Has a safety plan",
                             expires_on=today + timedelta(days=30), today=today)
    service.add_caller_alert(session=session, user=supervisor, caller_id=caller.id, text="Old", expires_on=today,
                             today=today)
    assert [a.text for a in service.active_alerts(session=session, caller_id=caller.id,
                                                  today=today + timedelta(days=1))] == ["Has a safety plan"]
    with pytest.raises(InvalidInput):
        service.add_caller_alert(session=session, user=supervisor, caller_id=caller.id, text="x",
                                 expires_on=today - timedelta(days=1), today=today)


def test_a_review_reaches_everyone_who_held_the_call(session, make_user, supervisor):
    """A call handed over at the end of a shift was written by two people: both hear of the review,
    the reviewer does not notify themself."""
    from factories import COMPLETE, draft_call, finalise
    from hotline.calls import flows as call_flows
    from hotline.notifications import service as notifications

    first = make_user(Role.counsellor, username="day1")
    second = make_user(Role.counsellor, username="night1")
    call = draft_call(session, first, "She has been thinking about ways to die but has no plan.", **COMPLETE)
    call = call_flows.hand_over_call(session=session, user=first, call_id=call.id, to_username="night1",
                                     reason="end of shift")
    finalise(session, second, call)
    service.add_review(session=session, user=supervisor, call_id=call.id, comment="Clear notes.")
    for holder in (first, second):
        texts = [notifications.text_of(n) for n in notifications.recent(session=session, user_id=holder.id)]
        assert any(f"#{call.id}" in t and "reviewed" in t for t in texts), (holder.username, texts)
    assert notifications.unread_count(session=session, user_id=supervisor.id) == 0
