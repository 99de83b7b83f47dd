"""The admin's audit log search. Read-only: there is no route that edits or removes an entry."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request

from hotline.accounts import service as accounts
from hotline.accounts.guards import AdminUser
from hotline.accounts.models import ROLE_LABELS
from hotline.audit import service
from hotline.audit.models import AuditEntry
from hotline.calls.choices import label as choice_label
from hotline.deps import SessionDep
from hotline.errors import HotlineError
from hotline.fields import field_label
from hotline.i18n import _, _l
from hotline.pages import render

pages = APIRouter()

# What an entry is about, as the admin reads it ("Call 42"); the search form still takes call:42.
TARGETS = {
    "call": _l("Call"),
    "caller": _l("Caller"),
    "user": _l("Account"),
    "referral": _l("Referral"),
    "rule_set": _l("Rule set"),
    "line": _l("Line"),
    "calls": _l("Calls report"),
    "referrals": _l("Referrals report"),
    "summary": _l("Monthly summary"),
}

# Why a login failed or a session ended, as the services record it.
WHY = {
    "throttled": _l("too many failed attempts"),
    "wrong second-factor code": _l("wrong second-factor code"),
    "disabled": _l("account disabled"),
    "wrong password or name": _l("wrong password or name"),
    "idle": _l("left idle"),
}


def target_text(entry: AuditEntry, names: dict[int, str]) -> str:
    kind = str(TARGETS.get(entry.target_type, entry.target_type))
    if entry.target_id is None:
        return kind
    if entry.target_type == "user" and entry.target_id in names:
        return f"{kind} {names[entry.target_id]}"
    return f"{kind} {entry.target_id}"


def detail_text(entry: AuditEntry, names: dict[int, str]) -> str:
    """The entry's detail as sentences in the reader's language, not the keys and values it is stored as."""
    detail = dict(entry.detail or {})
    said = []

    def person(user_id) -> str:
        return names.get(user_id, str(user_id))

    def roles(values) -> str:
        return ", ".join(str(ROLE_LABELS.get(value, value)) for value in values or ()) or "—"

    if "from_user" in detail or "to_user" in detail:
        said.append(_("From %(giver)s to %(taker)s.", giver=person(detail.pop("from_user", None)),
                      taker=person(detail.pop("to_user", None))))
    if "start" in detail or "end" in detail:
        said.append(_("Period %(first)s to %(last)s.", first=detail.pop("start", "…"), last=detail.pop("end", "…")))
    if "from" in detail or "to" in detail:
        said.append(_("Shifts from %(first)s to %(last)s.", first=detail.pop("from", "…"),
                      last=detail.pop("to", "…")))
    if "line" in detail:
        line = detail.pop("line")
        said.append(_("Line %(line)s.", line=line) if line else _("Every line."))
    if "before" in detail or "after" in detail:
        said.append(_("Roles were %(before)s; now %(after)s.", before=roles(detail.pop("before", ())),
                      after=roles(detail.pop("after", ()))))
    if "roles" in detail:
        said.append(_("Roles: %(roles)s.", roles=roles(detail.pop("roles"))))
    if "filters" in detail:
        filters = detail.pop("filters") or {}
        chosen = [f"{field_label(key)} {choice_label(value) if isinstance(value, str) else value}"
                  for key, value in filters.items() if value not in (None, "", False, [])]
        said.append(_("Searched with: %(filters)s.", filters=", ".join(chosen)) if chosen
                    else _("Searched with no filter."))
    if "text_search" in detail:
        said.append(_("Words in the notes searched.") if detail.pop("text_search") else "")
    if "found" in detail:
        said.append(_("Records found.") if detail.pop("found") else _("Nothing found."))
    if "why" in detail:
        why = detail.pop("why")
        said.append(_("Why: %(why)s.", why=WHY.get(why, why)))
    if "username" in detail:
        said.append(_("Name tried: %(name)s.", name=detail.pop("username")))
    if detail.pop("via", None) == "cli":
        said.append(_("From the command line."))
    if "rows" in detail:
        rows = detail.pop("rows") or {}
        said.append(_("Rows changed: %(rows)s.", rows=sum(rows.values()) if isinstance(rows, dict) else rows))
    sentences = {
        "call_id": _l("On call %(value)s."),
        "shown": _l("Records shown: %(value)s."),
        "format": _l("File format: %(value)s."),
        "calls": _l("Calls: %(value)s."),
        "changed": _l("Calls whose level would change: %(value)s."),
        "version": _l("Version %(value)s."),
        "years": _l("Kept for %(value)s years."),
        "cutoff": _l("Cut-off %(value)s."),
        "held": _l("Kept for a legal hold: %(value)s."),
        "created": _l("Added: %(value)s."),
        "updated": _l("Updated: %(value)s."),
        "bad_rows": _l("Rows refused: %(value)s."),
        "count": _l("Tokens: %(value)s."),
    }
    for key, value in detail.items():
        if key in sentences:
            value = value.upper() if key == "format" else str(value)[:40]
            said.append(str(sentences[key]) % {"value": value})
        else:
            said.append(f"{field_label(key)}: {value}")
    return " ".join(sentence for sentence in said if sentence)


def _people_named(entries: list[AuditEntry]) -> set[int]:
    """Everyone an entry names: who acted, whose account it was, who a call went from and to."""
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    ids |= {e.target_id for e in entries if e.target_type == "user" and e.target_id is not None}
    for e in entries:
        ids |= {value for key, value in (e.detail or {}).items() if key in ("from_user", "to_user")
                and isinstance(value, int)}
    return ids


@pages.get("/admin/audit")
def audit_page(request: Request, session: SessionDep, admin: AdminUser, who: str = "", action: str = "",
               target: str = "", date_from: str = "", date_to: str = "", page: str = "1"):
    form = {"who": who[:64], "action": action[:40], "target": target[:60], "date_from": date_from[:20],
            "date_to": date_to[:20]}
    context = {"form": form, "actions": service.ACTIONS, "action_label": service.action_label,
               "target_text": target_text, "detail_text": detail_text,
               "entries": [], "total": 0, "page": 1, "pages": 1, "names": {}}
    try:
        query = service.AuditQuery.parse(who=who, action=action, target=target, date_from=date_from,
                                         date_to=date_to, page=page)
    except HotlineError as error:
        return render(request, "audit/search.html", {**context, "error": error.message}, block="results",
                      status_code=error.status_code)
    actor = accounts.find_user(session=session, username=query.who) if query.who else None
    entries, total = service.search(session=session, query=query, tz=request.app.state.settings.tz,
                                    actor_id=actor.id if actor else None)
    people = accounts.people(session=session, ids=_people_named(entries))
    context["page_url"] = lambda number: "/admin/audit?" + urlencode({**form, "page": number})
    context.update(entries=entries, total=total, page=query.page, pages=max(1, -(-total // service.PAGE_SIZE)),
                   names={person_id: person.username for person_id, person in people.items()})
    return render(request, "audit/search.html", context, block="results")
