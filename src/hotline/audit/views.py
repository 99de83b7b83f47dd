"""The admin's audit log search. Read-only: there is no route that edits or removes an entry."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request

from hotline.accounts import service as accounts
from hotline.accounts.guards import AdminUser
from hotline.audit import service
from hotline.deps import SessionDep
from hotline.errors import HotlineError
from hotline.pages import render

pages = APIRouter()


@pages.get("/admin/audit")
def audit_page(request: Request, session: SessionDep, admin: AdminUser, who: str = "", action: str = "",
               target: str = "", date_from: str = "", date_to: str = "", page: str = "1"):
    form = {"who": who[:64], "action": action[:40], "target": target[:60], "date_from": date_from[:20],
            "date_to": date_to[:20]}
    context = {"form": form, "actions": service.ACTIONS, "action_label": service.action_label,
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
    people = accounts.people(session=session, ids={e.actor_id for e in entries if e.actor_id is not None})
    context["page_url"] = lambda number: "/admin/audit?" + urlencode({**form, "page": number})
    context.update(entries=entries, total=total, page=query.page, pages=max(1, -(-total // service.PAGE_SIZE)),
                   names={person_id: person.username for person_id, person in people.items()})
    return render(request, "audit/search.html", context, block="results")
