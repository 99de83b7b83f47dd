"""What lands in the audit log, and that the database refuses to change it."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from hotline.audit import service as audit
from hotline.audit.models import AuditEntry
from hotline.errors import InvalidInput
from support import PASSWORD, login, post_form


def _actions(session, **where):
    statement = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        statement = statement.where(getattr(AuditEntry, name) == value)
    return [entry.action for entry in session.exec(statement)]


def test_logins_in_and_out_are_recorded_with_the_address(client, session, make_user):
    user = make_user(Role.counsellor, username="wei")
    assert login(client, "wei", "wrong password!").status_code == 401
    assert login(client, "nobody", "wrong password!").status_code == 401
    assert login(client, user).status_code == 303
    post_form(client, "/logout")
    session.expire_all()
    entries = session.exec(select(AuditEntry).where(AuditEntry.action.in_(
        ["login.failure", "login.success", "logout"])).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id) for e in entries] == [
        ("login.failure", user.id), ("login.failure", None), ("login.success", user.id), ("logout", user.id)]
    assert entries[1].detail["username"] == "nobody"
    assert all(e.address == "testclient" for e in entries)
    assert all(PASSWORD not in str(e.detail) and "wrong password!" not in str(e.detail) for e in entries)


def test_account_changes_name_who_did_them(session, make_user):
    admin, user = make_user(Role.admin, username="chief"), make_user(Role.counsellor, username="wei")
    accounts.set_roles(session=session, user=user, roles=["supervisor"], by=admin, address="10.0.0.9")
    accounts.set_password(session=session, user=user, new_password="another long password", by=admin)
    accounts.change_own_password(session=session, user=user, current_password="another long password",
                                 new_password="my own long password")
    accounts.issue_token(session=session, user=user, by=admin)
    accounts.set_active(session=session, user=user, active=False, by=admin)
    entries = session.exec(select(AuditEntry).where(AuditEntry.target_id == user.id, AuditEntry.target_type == "user")
                           .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id) for e in entries] == [
        ("user.create", None), ("user.roles", admin.id), ("user.password_reset", admin.id),
        ("user.password", user.id), ("token.issue", admin.id), ("user.disable", admin.id),
        ("token.revoke", admin.id)]
    assert entries[1].detail["before"] == ["counsellor"] and entries[1].detail["after"] == ["supervisor"]
    assert entries[1].address == "10.0.0.9"


def test_search_filters_and_pages(session, make_user, settings):
    admin, other = make_user(Role.admin, username="chief"), make_user(Role.supervisor, username="sam")
    for number in range(7):
        audit.record(session=session, actor_id=other.id, action="call.read", target_type="call", target_id=number)
    audit.record(session=session, actor_id=admin.id, action="referral.read", target_type="referral", target_id=3)
    found, total = audit.search(session=session, query=audit.AuditQuery.parse(who="sam", action="call.read"),
                                tz=settings.tz, actor_id=other.id, per_page=5)
    assert total == 7 and [e.target_id for e in found] == [6, 5, 4, 3, 2]
    second, _total = audit.search(session=session, query=audit.AuditQuery.parse(who="sam", page="2"),
                                  tz=settings.tz, actor_id=other.id, per_page=5)
    assert [e.target_id for e in second] == [1, 0]
    by_target, total = audit.search(session=session, query=audit.AuditQuery.parse(target="referral:3"),
                                    tz=settings.tz)
    assert total == 1 and by_target[0].actor_id == admin.id
    assert audit.search(session=session, query=audit.AuditQuery.parse(who="nobody"), tz=settings.tz)[1] == 0
    assert audit.search(session=session, query=audit.AuditQuery.parse(date_to="2000-01-01"), tz=settings.tz)[1] == 0


@pytest.mark.parametrize("fields", [{"date_from": "yesterday"}, {"target": "call:x"}, {"page": "0"},
                                    {"date_from": "2026-02-01", "date_to": "2026-01-01"}])
def test_bad_filters_are_refused(fields):
    with pytest.raises(InvalidInput):
        audit.AuditQuery.parse(**fields)


@pytest.mark.parametrize("statement", ["UPDATE audit_entries SET action = 'nothing'", "DELETE FROM audit_entries"])
def test_the_database_refuses_to_change_or_remove_an_entry(engine, session, statement):
    audit.record(session=session, actor_id=None, action="call.read", target_type="call", target_id=1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    session.expire_all()
    assert _actions(session) == ["call.read"]
