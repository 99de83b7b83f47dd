"""Swap requests against a real database: asked, accepted, approved; refused by the checks, by a shift
that vanished or changed, and by a second yes that came a moment too late."""

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from hotline.accounts.models import Role
from hotline.errors import Conflict, Forbidden, InvalidInput
from hotline.notifications import service as notifications
from hotline.roster import swaps
from hotline.roster.assigning import assign, unassign, update_shift
from hotline.roster.lines import create_template, generate_shifts
from hotline.roster.models import Assignment, SwapStatus
from hotline.roster.people import add_time_off
from hotline.roster.shifts import delete_shift
from hotline.roster.times import line_zone
from roster.factories import D0, D1, MONDAY, make_line, published, three_shifts_a_day

BEFORE = datetime.combine(MONDAY - timedelta(days=10), time(0), UTC)  # "now" for asking: MONDAY's week to come


@pytest.fixture
def week(session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    shifts = published(session, sorted(generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=2),
                                       key=lambda s: s.starts_at))  # Mon night, day, evening, Tue night, day, evening
    coordinator = make_user(Role.coordinator, display_name="Coordinator Chen")
    li = make_user(Role.counsellor, display_name="Li Na")
    wang = make_user(Role.counsellor, display_name="Wang Fang")
    zhao = make_user(Role.counsellor, display_name="Zhao Lei")
    return line, shifts, coordinator, li, wang, zhao


def on(session, shift):
    return {a.user_id for a in session.exec(select(Assignment).where(Assignment.shift_id == shift.id))}


def texts(session, user):
    return [notifications.text_of(n) for n in notifications.recent(session=session, user_id=user.id)]


def test_a_colleague_accepts_the_coordinator_approves_and_the_shift_changes_hands(session, week):
    _line, shifts, coordinator, li, wang, _zhao = week
    day = shifts[1]
    assign(session=session, actor=coordinator, shift_id=day.id, user_id=li.id)
    swap = swaps.ask_swap(session=session, requester=li, shift_id=day.id, colleague_id=wang.id, now=BEFORE)
    assert texts(session, wang) == [f"Li Na asks you to take their shift Hope line Day {D0} 08:00–16:00."]
    assert notifications.unread_count(session=session, user_id=wang.id) == 1

    swap = swaps.accept_swap(session=session, user=wang, swap_id=swap.id, needs_approval=True, now=BEFORE)
    assert swap.status == SwapStatus.accepted
    assert on(session, day) == {li.id}  # nothing changes before the coordinator says yes
    assert f"Wang Fang will take Hope line Day {D0} 08:00–16:00 from Li Na" in texts(session, coordinator)[0]

    swap = swaps.approve_swap(session=session, actor=coordinator, swap_id=swap.id, now=BEFORE)
    assert swap.status == SwapStatus.done
    assert on(session, day) == {wang.id}
    assert texts(session, li)[0] == f"Swap done: Wang Fang now has Hope line Day {D0} 08:00–16:00."
    with pytest.raises(Conflict, match="already been done"):
        swaps.approve_swap(session=session, actor=coordinator, swap_id=swap.id, now=BEFORE)


def test_without_approval_the_colleagues_yes_changes_the_roster(session, week):
    _line, shifts, coordinator, li, wang, _zhao = week
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=li.id)
    swap = swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=wang.id, now=BEFORE)
    done = swaps.accept_swap(session=session, user=wang, swap_id=swap.id, needs_approval=False, now=BEFORE)
    assert done.status == "done"
    assert on(session, shifts[1]) == {wang.id}


def test_an_exchange_moves_both_shifts(session, week):
    _line, shifts, coordinator, li, wang, _zhao = week
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=li.id)
    assign(session=session, actor=coordinator, shift_id=shifts[4].id, user_id=wang.id)
    swap = swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=wang.id,
                          their_shift_id=shifts[4].id, now=BEFORE)
    assert f"for yours Hope line Day {D1} 08:00–16:00" in texts(session, wang)[0]
    swaps.accept_swap(session=session, user=wang, swap_id=swap.id, needs_approval=False, now=BEFORE)
    assert (on(session, shifts[1]), on(session, shifts[4])) == ({wang.id}, {li.id})


def test_a_swap_that_breaks_a_check_is_refused_with_the_problem_and_nothing_changes(session, week):
    _line, shifts, coordinator, li, wang, _zhao = week
    assign(session=session, actor=coordinator, shift_id=shifts[2].id, user_id=li.id)  # Mon 16–24
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=wang.id)  # Mon 08–16
    add_time_off(session=session, user=wang, first_day=MONDAY, last_day=MONDAY,
                 tz=line_zone(_line))
    swap = swaps.ask_swap(session=session, requester=li, shift_id=shifts[2].id, colleague_id=wang.id, now=BEFORE)
    with pytest.raises(Conflict) as refused:
        swaps.accept_swap(session=session, user=wang, swap_id=swap.id, needs_approval=False, now=BEFORE)
    assert "Wang Fang works 16 hours without a break" in refused.value.message
    assert "Wang Fang has time off" in refused.value.message
    assert on(session, shifts[2]) == {li.id}
    assert swaps.get_swap(session=session, swap_id=swap.id).status == SwapStatus.asked


def test_double_booking_across_shifts_refuses_the_swap(session, week, make_user):
    line, shifts, coordinator, li, wang, _zhao = week
    other = make_line(session, name="Student line")
    create_template(session=session, line_id=other.id, name="Day", start=time(10), end=time(14),
                    weekdays=[0])
    elsewhere = generate_shifts(session=session, line_id=other.id, first_day=MONDAY, days=1)[0]
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=li.id)
    assign(session=session, actor=coordinator, shift_id=elsewhere.id, user_id=wang.id)
    swap = swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=wang.id, now=BEFORE)
    with pytest.raises(Conflict, match="Wang Fang is on two shifts at once"):
        swaps.accept_swap(session=session, user=wang, swap_id=swap.id, now=BEFORE)


def test_a_shift_deleted_or_changed_since_is_refused_clearly(session, week):
    line, shifts, coordinator, li, wang, zhao = week
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=li.id)
    assign(session=session, actor=coordinator, shift_id=shifts[4].id, user_id=li.id)
    gone = swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=wang.id, now=BEFORE)
    moved = swaps.ask_swap(session=session, requester=li, shift_id=shifts[4].id, colleague_id=zhao.id, now=BEFORE)
    delete_shift(session=session, shift_id=shifts[1].id, people_confirmed=True)
    with pytest.raises(Conflict, match=rf"The shift Hope line Day {D0} 08:00–16:00 no longer exists; nothing"):
        swaps.accept_swap(session=session, user=wang, swap_id=gone.id, now=BEFORE)
    update_shift(session=session, shift_id=shifts[4].id, day=MONDAY + timedelta(days=1), start=time(9),
                 end=time(17), seats=1, supervisor_required=False)
    with pytest.raises(Conflict, match=rf"was changed after the swap was asked \(now Hope line Day {D1} 09:00"):
        swaps.accept_swap(session=session, user=zhao, swap_id=moved.id, now=BEFORE)
    assert on(session, shifts[4]) == {li.id}


def test_a_coordinator_who_moved_the_shift_to_someone_else_wins(session, week):
    _line, shifts, coordinator, li, wang, zhao = week
    assignment, _p = assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=li.id)
    swap = swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=wang.id, now=BEFORE)
    swaps.accept_swap(session=session, user=wang, swap_id=swap.id, now=BEFORE)
    unassign(session=session, assignment_id=assignment.id)
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=zhao.id)
    with pytest.raises(Conflict, match="Li Na is no longer on Hope line Day"):
        swaps.approve_swap(session=session, actor=coordinator, swap_id=swap.id, now=BEFORE)
    assert on(session, shifts[1]) == {zhao.id}


def test_two_colleagues_accepting_an_open_offer_at_once_only_one_gets_it(session, engine, week):
    _line, shifts, coordinator, li, wang, zhao = week
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=li.id)
    swap = swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, now=BEFORE)
    assert "offers their shift" in texts(session, zhao)[0]
    with Session(engine) as late:
        stale = late.get(type(swap), swap.id)  # Zhao's page loaded while the offer was still open
        assert stale.status == SwapStatus.asked
        swaps.accept_swap(session=session, user=wang, swap_id=swap.id, needs_approval=False, now=BEFORE)
        with pytest.raises(Conflict, match="Someone answered this swap request a moment ago"):
            swaps._set_status(late, stale, SwapStatus.asked, SwapStatus.done, colleague_id=zhao.id)
        with pytest.raises(Conflict):
            swaps.accept_swap(session=late, user=late.merge(zhao), swap_id=swap.id, needs_approval=False, now=BEFORE)
    assert on(session, shifts[1]) == {wang.id}


def test_bad_requests_are_refused_with_a_reason(session, week):
    _line, shifts, coordinator, li, wang, zhao = week
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=li.id)
    with pytest.raises(InvalidInput, match="You are not on this shift"):
        swaps.ask_swap(session=session, requester=wang, shift_id=shifts[1].id, colleague_id=zhao.id, now=BEFORE)
    with pytest.raises(InvalidInput, match="already started"):
        swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=wang.id,
                       now=shifts[1].starts_at)
    with pytest.raises(InvalidInput, match="Choose a colleague"):
        swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=coordinator.id,
                       now=BEFORE)
    swap = swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=wang.id, now=BEFORE)
    with pytest.raises(Conflict, match="already asked"):
        swaps.ask_swap(session=session, requester=li, shift_id=shifts[1].id, colleague_id=zhao.id, now=BEFORE)
    with pytest.raises(Forbidden):
        swaps.accept_swap(session=session, user=zhao, swap_id=swap.id, now=BEFORE)
    with pytest.raises(Conflict, match="already started"):
        swaps.accept_swap(session=session, user=wang, swap_id=swap.id, now=shifts[1].starts_at)
    with pytest.raises(Forbidden):
        swaps.cancel_swap(session=session, user=wang, swap_id=swap.id)
    declined = swaps.decline_swap(session=session, user=wang, swap_id=swap.id)
    assert declined.status == SwapStatus.declined
    assert texts(session, li)[0] == f"Wang Fang declined your swap for Hope line Day {D0} 08:00–16:00."
    with pytest.raises(Conflict, match="closed"):
        swaps.accept_swap(session=session, user=wang, swap_id=swap.id, now=BEFORE)


def test_nobody_approves_a_swap_they_asked_for_or_take(session, week, make_user):
    """Separation of duties: a lead who is supervisor and coordinator can ask for a swap or take one, and
    another coordinator approves it; the roster does not change on their own say."""
    _line, shifts, coordinator, li, wang, _zhao = week
    lead = make_user(Role.supervisor, Role.coordinator, display_name="Lead Liu")
    day, tuesday = shifts[1], shifts[4]
    assign(session=session, actor=coordinator, shift_id=day.id, user_id=lead.id)
    assign(session=session, actor=coordinator, shift_id=tuesday.id, user_id=li.id)
    asked = swaps.ask_swap(session=session, requester=lead, shift_id=day.id, colleague_id=wang.id, now=BEFORE)
    swaps.accept_swap(session=session, user=wang, swap_id=asked.id, needs_approval=True, now=BEFORE)
    offered = swaps.ask_swap(session=session, requester=li, shift_id=tuesday.id, now=BEFORE)
    swaps.accept_swap(session=session, user=lead, swap_id=offered.id, needs_approval=True, now=BEFORE)
    for swap in (asked, offered):
        with pytest.raises(Forbidden, match="another coordinator approves it"):
            swaps.approve_swap(session=session, actor=lead, swap_id=swap.id, now=BEFORE)
        assert swaps.get_swap(session=session, swap_id=swap.id).status == SwapStatus.accepted
        assert swaps.is_party(swap, lead) and not swaps.is_party(swap, coordinator)
    assert on(session, day) == {lead.id} and on(session, tuesday) == {li.id}
    for swap in (asked, offered):
        assert swaps.approve_swap(session=session, actor=coordinator, swap_id=swap.id, now=BEFORE).status == "done"
    assert on(session, day) == {wang.id} and on(session, tuesday) == {lead.id}
