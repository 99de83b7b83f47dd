"""Swaps and notifications as the counsellors' and the coordinator's browsers see them."""

import re
from datetime import timedelta

from sqlmodel import select

from hotline.accounts.models import Role
from hotline.roster import swaps
from hotline.roster.assigning import assign
from hotline.roster.lines import generate_shifts
from hotline.roster.models import Assignment
from roster.factories import MONDAY, make_line, published, three_shifts_a_day
from support import login, post_form

NEXT_WEEK = MONDAY + timedelta(days=7)


def switch(client, user):
    client.cookies.clear()
    assert login(client, user).status_code == 303


def on(session, shift):
    session.expire_all()
    return {a.user_id for a in session.exec(select(Assignment).where(Assignment.shift_id == shift.id))}


def test_a_counsellor_asks_a_colleague_who_accepts_and_the_coordinator_approves(client, session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    day = published(session, sorted(generate_shifts(session=session, line_id=line.id, first_day=NEXT_WEEK, days=1),
                                    key=lambda s: s.starts_at))[1]
    coordinator = make_user(Role.coordinator, display_name="Coordinator Chen")
    li, wang = make_user(Role.counsellor, display_name="Li Na"), make_user(Role.counsellor, display_name="Wang Fang")
    assign(session=session, actor=coordinator, shift_id=day.id, user_id=li.id)

    switch(client, li)
    page = client.get("/roster/mine")
    assert 'data-testid="swap-form"' in page.text and 'data-name="Wang Fang"' in page.text
    response = post_form(client, "/roster/swaps", {"shift_id": str(day.id), "colleague_id": str(wang.id)})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Request sent. You stay on the shift until it is accepted and approved." in page.text
    assert "Waiting for an answer" in page.text

    switch(client, wang)
    assert 'data-testid="bell-count">1<' in client.get("/notifications/bell").text
    listing = client.get("/notifications")
    assert "Li Na asks you to take their shift Hope line Day" in listing.text
    assert 'data-testid="accept-swap"' in client.get("/roster/mine").text
    swap_id = int(client.get("/roster/mine").text.split('data-testid="swap-')[1].split('"')[0])
    assert post_form(client, f"/roster/swaps/{swap_id}/accept").status_code == 303
    assert on(session, day) == {li.id}
    assert post_form(client, "/notifications/read").status_code == 303
    assert "bell-count" not in client.get("/notifications/bell").text

    switch(client, coordinator)
    assert "Wang Fang will take Hope line Day" in client.get("/notifications").text
    page = client.get("/roster/swaps")
    assert 'data-testid="approve-swap"' in page.text and "Li Na" in page.text
    response = post_form(client, f"/roster/swaps/{swap_id}/approve")
    assert response.status_code == 303
    assert "Swap approved." in client.get("/roster/swaps").text
    assert on(session, day) == {wang.id}
    again = post_form(client, f"/roster/swaps/{swap_id}/approve")
    assert again.status_code == 409 and "This swap has already been done." in again.text


def test_a_lead_cannot_approve_their_own_swap_and_is_told_why(client, session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    day = published(session, sorted(generate_shifts(session=session, line_id=line.id, first_day=NEXT_WEEK, days=1),
                                    key=lambda s: s.starts_at))[1]
    coordinator = make_user(Role.coordinator, display_name="Coordinator Chen")
    lead = make_user(Role.supervisor, Role.coordinator, display_name="Lead Liu")
    wang = make_user(Role.counsellor, display_name="Wang Fang")
    assign(session=session, actor=coordinator, shift_id=day.id, user_id=lead.id)
    swap = swaps.ask_swap(session=session, requester=lead, shift_id=day.id, colleague_id=wang.id)
    swaps.accept_swap(session=session, user=wang, swap_id=swap.id, needs_approval=True)

    switch(client, lead)
    page = client.get("/roster/swaps", headers={"Accept-Language": "en"})
    assert f'data-testid="swap-{swap.id}"' in page.text and 'data-testid="approve-swap"' not in page.text
    assert "You are part of this swap" in page.text
    refused = post_form(client, f"/roster/swaps/{swap.id}/approve", headers={"Accept-Language": "en"})
    assert refused.status_code == 403 and "another coordinator approves it" in refused.text
    chinese = post_form(client, f"/roster/swaps/{swap.id}/approve", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 403 and "另一位协调员" in chinese.text
    assert on(session, day) == {lead.id}

    switch(client, coordinator)
    assert 'data-testid="approve-swap"' in client.get("/roster/swaps").text
    assert post_form(client, f"/roster/swaps/{swap.id}/approve").status_code == 303
    assert on(session, day) == {wang.id}


def test_bad_swap_input_gets_a_clear_message_and_a_4xx(client, session, logged_in):
    logged_in(Role.counsellor)
    cases = [
        ({"shift_id": "abc"}, 422, "Shift must be a whole number."),
        ({"shift_id": "999999"}, 404, "There is no shift 999999"),
        ({"shift_id": "1", "their_shift": "x:y"}, 422, "Their shift must be a whole number."),
    ]
    for data, status, message in cases:
        response = post_form(client, "/roster/swaps", data)
        assert response.status_code == status, (data, response.status_code)
        assert message in response.text, data
    response = post_form(client, "/roster/swaps/424242/accept")
    assert response.status_code == 404 and "There is no swap request 424242." in response.text
    response = post_form(client, "/notifications/424242/open")
    assert response.status_code == 404 and "There is no such notification." in response.text


def test_a_notification_link_opens_only_inside_the_console(client, session, logged_in):
    from hotline.notifications import service as notifications

    user = logged_in(Role.counsellor)
    inside = notifications.notify(session=session, user_id=user.id, kind="swap_rejected",
                                  params={"shift": "Hope line Day"}, link="/roster/mine#swaps", commit=True)
    outside = notifications.notify(session=session, user_id=user.id, kind="swap_rejected",
                                   params={"shift": "Hope line Day"}, link="//evil.example/", commit=True)
    assert post_form(client, f"/notifications/{inside.id}/open").headers["location"] == "/roster/mine#swaps"
    assert post_form(client, f"/notifications/{outside.id}/open").headers["location"] == "/notifications"
    assert notifications.unread_count(session=session, user_id=user.id) == 0


def test_the_swap_form_offers_published_shifts_and_only_the_chosen_colleagues(client, session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=2)
    night, day, evening = sorted(generate_shifts(session=session, line_id=line.id, first_day=NEXT_WEEK, days=1),
                                 key=lambda s: s.starts_at)
    published(session, [night, day])  # the evening is still a draft
    coordinator = make_user(Role.coordinator)
    li, wang, zhao = (make_user(Role.counsellor, display_name=name) for name in ("Li Na", "Wang Fang", "Zhao Lei"))
    for shift, person in ((night, li), (evening, li), (day, wang), (evening, wang), (night, zhao)):
        assign(session=session, actor=coordinator, shift_id=shift.id, user_id=person.id)

    switch(client, li)
    page = client.get("/roster/mine").text
    mine = page.split('id="swap-shift"')[1].split("</select>")[0]
    assert f'value="{night.id}"' in mine and f'value="{evening.id}"' not in mine  # drafts are not offered
    theirs = page.split('id="swap-theirs"')[1].split("</select>")[0]
    assert theirs.count("<option") == 1  # nobody chosen: nothing to exchange for yet

    fragment = client.get("/roster/mine", params={"colleague_id": str(wang.id)}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<select id="swap-theirs"') and "<html" not in fragment.text
    assert re.findall(r'<option value="(\d+):(\d+)"', fragment.text) == [(str(day.id), str(wang.id))]
    assert re.findall(r'<option value="(\d+):(\d+)"', client.get(
        "/roster/mine", params={"colleague_id": str(zhao.id)}, headers={"HX-Request": "true"}).text) == [
        (str(night.id), str(zhao.id))]
    assert client.get("/roster/mine", params={"colleague_id": "x"}).status_code == 422

    response = post_form(client, "/roster/swaps", {"shift_id": str(evening.id), "colleague_id": str(wang.id)})
    assert response.status_code == 422 and "not published yet" in response.text
    response = post_form(client, "/roster/swaps", {"shift_id": str(night.id), "their_shift": f"{evening.id}:{wang.id}"})
    assert response.status_code == 422 and "Wang Fang has no such coming shift to swap." in response.text
