"""The supervisors' board of calls on the line now: most urgent first, nothing the caller said, free colleagues."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from calls.test_api import bearer
from factories import draft_call
from hotline.accounts.models import Role
from hotline.audit.models import AuditEntry
from hotline.calls import flows
from hotline.calls.models import Call
from hotline.errors import Forbidden
from hotline.roster.assigning import assign
from hotline.roster.lines import generate_shifts
from roster.factories import MONDAY, make_line, three_shifts_a_day

HX = {"HX-Request": "true"}


def test_calls_in_progress_most_urgent_then_longest_and_none_that_ended(session, make_user):
    wang = make_user(Role.counsellor, username="wang", display_name="Wang Fang")
    li = make_user(Role.counsellor, username="li", display_name="Li Na")
    supervisor = make_user(Role.supervisor)
    quiet_long = draft_call(session, wang, "Cannot sleep, worried about her mother.")
    quiet_short = draft_call(session, li, "Lonely since the lockdown.")
    high = draft_call(session, li, "He has bought charcoal and plans to do it tonight.")
    ended = draft_call(session, wang, "Wrong number.")
    flows.finalise_call(session=session, user=wang, call_id=ended.id, version=ended.version, incomplete=True)
    now = datetime.now(UTC)
    quiet_long.started_at = now - timedelta(hours=5)  # left open since the evening shift
    quiet_short.started_at = now - timedelta(minutes=12)
    high.started_at = now - timedelta(minutes=3)
    session.add_all([quiet_long, quiet_short, high])
    session.commit()

    board = flows.calls_in_progress(session=session, user=supervisor, now=now)
    assert [c.call_id for c in board] == [high.id, quiet_long.id, quiet_short.id]
    assert [(c.counsellor, c.level.value, c.minutes, c.stale) for c in board] == [
        ("Li Na", "high", 3, False), ("Wang Fang", "none", 300, True), ("Li Na", "none", 12, False)]
    # A counsellor's own judgement is what the board shows, and says so.
    flows.override_level(session=session, user=wang, call_id=quiet_long.id, level="moderate",
                           reason="Talks of giving things away")
    judged = [c for c in flows.calls_in_progress(session=session, user=supervisor, now=now)
              if c.call_id == quiet_long.id][0]
    assert (judged.level.value, judged.judged) == ("moderate", True)
    with pytest.raises(Forbidden):
        flows.calls_in_progress(session=session, user=wang)


def test_the_board_page_shows_who_and_how_risky_but_not_what_was_said(client, logged_in, session, make_user):
    counsellor = make_user(Role.counsellor, username="wang", display_name="Wang Fang")
    free = make_user(Role.counsellor, username="zhou", display_name="Zhou Min")
    coordinator = make_user(Role.coordinator)
    call = draft_call(session, counsellor, "She took an overdose of sleeping pills just now.", line="Hope line")
    me = logged_in(Role.supervisor)
    # Both counsellors are on a published shift now; only Zhou Min is free.
    line = make_line(session)
    three_shifts_a_day(session, line, seats=2)
    shift = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=1)[0]
    now = datetime.now(UTC)
    shift.starts_at, shift.ends_at, shift.status = now - timedelta(hours=1), now + timedelta(hours=3), "published"
    session.add(shift)
    session.commit()
    for person in (counsellor, free):
        assign(session=session, actor=coordinator, shift_id=shift.id, user_id=person.id, role="counsellor")

    page = client.get("/calls/now")
    assert page.status_code == 200
    assert "1 call in progress" in page.text and "1 at high or imminent risk" in page.text
    row = page.text.split(f'data-call="{call.id}"')[1].split("</tr>")[0]
    assert 'data-level="imminent"' in row and "Wang Fang" in row and "Hope line" in row
    assert 'href="/referrals/' in row  # imminent on the line brought a supervisor in: the referral is open
    assert "overdose" not in page.text  # the board shows no notes and unseals none
    free_now = page.text.split('data-testid="free-now"')[1].split("</ul>")[0]
    assert "Zhou Min" in free_now and "Wang Fang" not in free_now
    # Listing is not reading: only opening the call leaves an audit entry.
    assert session.exec(select(AuditEntry).where(AuditEntry.actor_id == me.id,
                                                 AuditEntry.action == "call.read")).first() is None
    assert client.get(f"/calls/{call.id}").status_code == 200
    assert session.exec(select(AuditEntry).where(AuditEntry.actor_id == me.id,
                                                 AuditEntry.action == "call.read")).first() is not None

    # The poll and the live stream fetch the board alone; once the call ends it leaves the board.
    flows.finalise_call(session=session, user=counsellor, call_id=call.id,
                          version=session.get(Call, call.id).version, incomplete=True)
    fragment = client.get("/calls/now", headers=HX)
    assert fragment.text.lstrip().startswith('<section id="board"') and 'data-testid="board-empty"' in fragment.text


def test_counsellors_do_not_see_the_board(client, logged_in):
    logged_in(Role.counsellor)
    assert client.get("/calls/now").status_code == 403
    assert 'href="/calls/now"' not in client.get("/calls").text


def test_the_board_over_the_api(client, session, make_user):
    counsellor = make_user(Role.counsellor, display_name="Wang Fang")
    call = draft_call(session, counsellor, "He has bought charcoal and plans to do it tonight.")
    supervisor = make_user(Role.supervisor)
    answer = client.get("/api/v1/calls/in-progress", headers=bearer(session, supervisor))
    assert answer.status_code == 200
    [row] = answer.json()
    assert (row["call_id"], row["counsellor"], row["level"], row["stale"]) == (call.id, "Wang Fang", "high", False)
    assert "notes" not in row
    assert client.get("/api/v1/calls/in-progress", headers=bearer(session, counsellor)).status_code == 403
