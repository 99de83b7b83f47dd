"""Writing audit entries, and the admin's search over them. Nothing here changes or removes an entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from hotline.audit.models import AuditEntry
from hotline.errors import InvalidInput
from hotline.i18n import _, _l

# Every action recorded, as the admin page names it and offers it in its filter.
ACTIONS = {
    "login.success": _l("Logged in"),
    "login.failure": _l("Failed login"),
    "logout": _l("Logged out"),
    "user.create": _l("User added"),
    "user.roles": _l("Roles changed"),
    "user.password": _l("Password changed"),
    "user.password_reset": _l("Password reset by an administrator"),
    "user.disable": _l("Account disabled"),
    "user.enable": _l("Account enabled"),
    "token.issue": _l("API token made"),
    "token.revoke": _l("API tokens revoked"),
    "call.read": _l("Call read"),
    "call.search": _l("Everyone's calls searched"),
    "caller.history": _l("Caller's earlier calls read"),
    "referral.read": _l("Referral read"),
    "caller.read": _l("Caller profile read"),
    "rules.replay": _l("Rule set replayed over calls"),
    "rules.publish": _l("Rules published"),
    "rules.reload": _l("Rules reloaded"),
    "retention.purge": _l("Retention run"),
    "legal_hold.set": _l("Legal hold placed"),
    "legal_hold.clear": _l("Legal hold lifted"),
    "data_request.search": _l("Caller's records looked up"),
    "data_request.export": _l("Caller's records exported"),
    "data_request.erase": _l("Caller's records erased"),
    "call.hand_over": _l("Call handed over"),
    "caller.callback_number": _l("Caller's callback number read"),
    "caller.screening_trend": _l("Caller's earlier screening scores read"),
    "report_export": _l("Report exported"),
    "report_summary": _l("Monthly summary read"),
    "roster.export": _l("Roster exported"),
    "roster.staff_import": _l("Staff imported"),
    "session.logout_all": _l("Logged out everywhere"),
    "alert.channel.add": _l("Alert channel added"),
    "alert.channel.enable": _l("Alert channel turned on"),
    "alert.channel.disable": _l("Alert channel turned off"),
    "alert.channel.test": _l("Test alert sent"),
    "alert.policy.save": _l("Line's alert waits and fallback saved"),
    "totp.enable": _l("Two-step login turned on"),
    "totp.disable": _l("Two-step login turned off"),
    "totp.reset": _l("Two-step login reset by an administrator"),
}

PAGE_SIZE = 50


def record(
    *,
    session: Session,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None = None,
    address: str | None = None,
    reason: str | None = None,
    detail: dict | None = None,
    commit: bool = True,
) -> AuditEntry:
    """Add one entry. `detail` must never carry note text or caller identifiers."""
    entry = AuditEntry(actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
                       address=(address or "")[:64] or None, reason=(reason or "")[:500] or None,
                       detail=detail or {})
    session.add(entry)
    if commit:
        session.commit()
    return entry


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


@dataclass
class AuditQuery:
    """The admin's filters. Dates are days in the line's timezone, both ends included."""

    who: str = ""
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @classmethod
    def parse(cls, *, who: str = "", action: str = "", target: str = "", date_from: str = "", date_to: str = "",
              page: str = "1") -> AuditQuery:
        """From the search form's strings; every bad value gets its own message."""
        query = cls(who=who.strip()[:64], action=action.strip()[:40])
        target = target.strip()
        if target:
            kind, _sep, number = target.partition(":")
            kind = kind.strip()[:40]
            if number.strip() and not number.strip().isdecimal():
                raise InvalidInput(_("Write the target as a kind and a number, e.g. call:42."), field="target")
            query.target_type, query.target_id = kind, int(number) if number.strip() else None
        for name in ("date_from", "date_to"):
            raw = locals()[name].strip()
            if raw:
                try:
                    setattr(query, name, date.fromisoformat(raw))
                except ValueError:
                    raise InvalidInput(_("%(value)s is not a date (YYYY-MM-DD).", value=raw[:20]),
                                       field=name) from None
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise InvalidInput(_("The start date is after the end date."), field="date_from")
        if not page.strip().isdecimal() or not 1 <= int(page) <= 1_000_000:
            raise InvalidInput(_("There is no page %(page)s.", page=page[:10]), field="page")
        query.page = int(page)
        return query


def search(*, session: Session, query: AuditQuery, tz, actor_id: int | None = None,
           per_page: int = PAGE_SIZE) -> tuple[list[AuditEntry], int]:
    """Newest first, one page of entries and the total that match. `actor_id` is the account that
    `query.who` names (accounts resolves it: the audit log sits below accounts, which record into it);
    a name that names nobody matches nothing."""
    statement = select(AuditEntry)
    if query.who:
        statement = statement.where(AuditEntry.actor_id == (actor_id if actor_id is not None else -1))
    if query.action:
        statement = statement.where(AuditEntry.action == query.action)
    if query.target_type:
        statement = statement.where(AuditEntry.target_type == query.target_type)
    if query.target_id is not None:
        statement = statement.where(AuditEntry.target_id == query.target_id)
    if query.date_from:
        statement = statement.where(AuditEntry.at >= datetime.combine(query.date_from, datetime.min.time(), tz))
    if query.date_to:
        end = datetime.combine(query.date_to + timedelta(days=1), datetime.min.time(), tz)
        statement = statement.where(AuditEntry.at < end)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    entries = session.exec(statement.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
                           .offset((query.page - 1) * per_page).limit(per_page)).all()
    return list(entries), total

