"""The bell in the header (an HTMX fragment, polled) and the list of one's notifications."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hotline.accounts.guards import CurrentUser
from hotline.deps import SessionDep
from hotline.notifications import service
from hotline.pages import go_to, render

pages = APIRouter()


@pages.get("/notifications")
def notifications_page(request: Request, session: SessionDep, user: CurrentUser):
    entries = service.recent(session=session, user_id=user.id)
    return render(request, "notifications/index.html", {
        "entries": [(entry, service.text_of(entry)) for entry in entries],
        "unread": sum(1 for entry in entries if entry.read_at is None),
    })


@pages.get("/notifications/bell")
def bell(request: Request, session: SessionDep, user: CurrentUser):
    return render(request, "notifications/_bell.html",
                  {"unread": service.unread_count(session=session, user_id=user.id)})


@pages.post("/notifications/read")
def mark_all_read(request: Request, session: SessionDep, user: CurrentUser):
    service.mark_read(session=session, user_id=user.id)
    return go_to("/notifications", request)


@pages.post("/notifications/{notification_id}/open")
def open_notification(request: Request, session: SessionDep, user: CurrentUser, notification_id: int):
    """Mark it read and go where it points (only ever a path inside the console)."""
    return go_to(service.open_notification(session=session, user_id=user.id, notification_id=notification_id),
                 request)
