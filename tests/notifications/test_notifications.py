"""Console notifications: told in the reader's language when they read it, counted on the bell, opened only
by their own person, and never leading outside the console."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hotline import i18n
from hotline.accounts.models import Role
from hotline.calls.service import HANDED_OVER
from hotline.errors import NotFound
from hotline.notifications import service
from hotline.notifications.models import Notification
from support import csrf_token


def test_a_notification_is_written_in_the_language_of_whoever_reads_it(session, make_user):
    wang = make_user(Role.counsellor, username="wang")
    entry = service.notify(session=session, user_id=wang.id, kind=HANDED_OVER,
                           params={"name": "Li", "call": 12}, link="/calls/12", commit=True)
    assert service.text_of(entry) == "Li handed you call #12 to finish."
    token = i18n.set_locale("zh_CN")
    try:
        assert service.text_of(entry) == "Li 将来电 #12 移交给你完成记录。"
    finally:
        i18n.reset_locale(token)


def test_unknown_kinds_are_refused_and_long_values_cut(session, make_user):
    wang = make_user(Role.counsellor, username="wang")
    with pytest.raises(ValueError):
        service.notify(session=session, user_id=wang.id, kind="no_such_kind")
    entry = service.notify(session=session, user_id=wang.id, kind=HANDED_OVER,
                           params={"name": "x" * 500, "call": 1}, commit=True)
    assert len(entry.params["name"]) == 200
    # a kind this version no longer knows still reads as something, not an error
    entry.kind = "retired_kind"
    assert service.text_of(entry) == "A notification of a kind this version does not know."


def test_unread_count_and_marking_read_are_per_person(session, make_user):
    wang = make_user(Role.counsellor, username="wang")
    li = make_user(Role.counsellor, username="li")
    first = service.notify(session=session, user_id=wang.id, kind=HANDED_OVER, params={"name": "Li", "call": 1})
    service.notify(session=session, user_id=wang.id, kind=HANDED_OVER, params={"name": "Li", "call": 2})
    service.notify(session=session, user_id=li.id, kind=HANDED_OVER, params={"name": "Wang", "call": 3}, commit=True)
    assert service.unread_count(session=session, user_id=wang.id) == 2
    with pytest.raises(NotFound):  # someone else's notification cannot be touched
        service.mark_read(session=session, user_id=li.id, notification_id=first.id)
    assert service.mark_read(session=session, user_id=wang.id, notification_id=first.id) == 1
    assert service.unread_count(session=session, user_id=wang.id) == 1
    assert service.mark_read(session=session, user_id=wang.id) == 1
    assert service.unread_count(session=session, user_id=wang.id) == 0
    assert service.unread_count(session=session, user_id=li.id) == 1
    assert [n.params["call"] for n in service.recent(session=session, user_id=wang.id)] == ["2", "1"]


def test_the_bell_counts_and_opening_follows_only_console_links(client, session, logged_in):
    wang = logged_in(Role.counsellor, username="wang")
    inside = service.notify(session=session, user_id=wang.id, kind=HANDED_OVER,
                            params={"name": "Li", "call": 7}, link="/calls/7")
    outside = service.notify(session=session, user_id=wang.id, kind=HANDED_OVER,
                             params={"name": "Li", "call": 8}, link="//evil.example/phish", commit=True)
    assert ">2<" in client.get("/notifications/bell").text.replace(" ", "")
    page = client.get("/notifications").text
    assert "Li handed you call #7 to finish." in page and "Li handed you call #8 to finish." in page

    headers = {"X-CSRFToken": csrf_token(client)}
    opened = client.post(f"/notifications/{inside.id}/open", headers=headers, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/calls/7"
    opened = client.post(f"/notifications/{outside.id}/open", headers=headers, follow_redirects=False)
    assert opened.headers["location"] == "/notifications"  # never off to another site
    session.expire_all()
    assert all(n.read_at is not None for n in session.exec(select(Notification)))


def test_nobody_opens_someone_elses_notification(client, session, make_user, logged_in):
    li = make_user(Role.counsellor, username="li")
    theirs = service.notify(session=session, user_id=li.id, kind=HANDED_OVER,
                            params={"name": "Wang", "call": 3}, link="/calls/3", commit=True)
    logged_in(Role.counsellor, username="wang")
    response = client.post(f"/notifications/{theirs.id}/open", headers={"X-CSRFToken": csrf_token(client)},
                           follow_redirects=False)
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Notification, theirs.id).read_at is None
