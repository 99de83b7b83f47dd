"""Admins' data requests (find, export, erase a caller's records) and legal holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from hotline.accounts.guards import AdminUser
from hotline.deps import SessionDep
from hotline.errors import HotlineError, InvalidInput
from hotline.i18n import _
from hotline.pages import client_address, flash, go_to, render
from hotline.privacy import service

pages = APIRouter()

Reason = Annotated[str, Form(max_length=1000)]


@pages.get("/admin/data-requests")
def data_requests_page(request: Request, admin: AdminUser):
    return render(request, "privacy/data_requests.html", {"form": {}})


@pages.post("/admin/data-requests")
def find_records(request: Request, session: SessionDep, admin: AdminUser,
                 identifier: Annotated[str, Form(max_length=200)] = "", reason: Reason = ""):
    # The identifier travels in a POST body, never a URL, so it stays out of access logs and history.
    try:
        caller = service.find_caller_records(session=session, user=admin, identifier=identifier,
                                             secret=request.app.state.secret_key, reason=reason,
                                             address=client_address(request))
    except HotlineError as error:
        return render(request, "privacy/data_requests.html", {"form": {"reason": reason[:500]},
                                                              "error": error.message}, status_code=error.status_code)
    if caller is None:
        return render(request, "privacy/data_requests.html",
                      {"form": {}, "not_found": _("No records for this phone number or reference.")})
    return go_to(f"/admin/callers/{caller.id}", request)


@pages.get("/admin/callers/{caller_id}")
def caller_page(request: Request, session: SessionDep, admin: AdminUser, caller_id: int):
    caller = service.get_caller(session=session, user=admin, caller_id=caller_id, address=client_address(request))
    return render(request, "privacy/caller.html",
                  {"caller": caller, "calls": service.caller_calls(session=session, caller=caller)})


def _back_to_caller(request: Request, caller_id: int, message, category: str = "success") -> Response:
    response = go_to(f"/admin/callers/{caller_id}", request)
    flash(response, request, message, category)
    return response


@pages.post("/admin/callers/{caller_id}/export")
def export_records(request: Request, session: SessionDep, admin: AdminUser, caller_id: int,
                   format: Annotated[str, Form(max_length=10)] = "json", reason: Reason = ""):
    try:
        name, media_type, content = service.export_caller(session=session, user=admin, caller_id=caller_id,
                                                          fmt=format, reason=reason, address=client_address(request))
    except HotlineError as error:
        if error.status_code == 404:
            raise
        return _back_to_caller(request, caller_id, error.message, "error")
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@pages.post("/admin/callers/{caller_id}/erase")
def erase_records(request: Request, session: SessionDep, admin: AdminUser, caller_id: int,
                  reason: Reason = "", confirm: Annotated[str, Form(max_length=10)] = ""):
    try:
        if confirm != "yes":
            raise InvalidInput(_("Tick the box to confirm: erasure cannot be undone."), field="confirm")
        counts = service.erase_caller(session=session, user=admin, caller_id=caller_id, reason=reason,
                                      address=client_address(request))
    except HotlineError as error:
        if error.status_code == 404:
            raise
        return _back_to_caller(request, caller_id, error.message, "error")
    response = go_to("/admin/data-requests", request)
    flash(response, request, _("The caller's records are erased: %(calls)s calls keep only their statistics.",
                               calls=counts.get("calls", 0)), "success")
    return response


@pages.post("/admin/callers/{caller_id}/legal-hold")
def caller_legal_hold(request: Request, session: SessionDep, admin: AdminUser, caller_id: int,
                      hold: Annotated[str, Form(max_length=10)] = "", reason: Reason = ""):
    caller = service.load_caller(session=session, caller_id=caller_id)
    try:
        service.set_legal_hold(session=session, user=admin, target=caller, hold=hold == "on", reason=reason,
                               address=client_address(request))
    except HotlineError as error:
        return _back_to_caller(request, caller_id, error.message, "error")
    return _back_to_caller(request, caller_id, _("Legal hold placed.") if hold == "on" else _("Legal hold lifted."))


@pages.post("/admin/calls/{call_id}/legal-hold")
def call_legal_hold(request: Request, session: SessionDep, admin: AdminUser, call_id: int,
                    hold: Annotated[str, Form(max_length=10)] = "", reason: Reason = ""):
    call = service.get_call(session=session, call_id=call_id)
    back = f"/admin/callers/{call.caller_id}" if call.caller_id else "/admin/data-requests"
    try:
        service.set_legal_hold(session=session, user=admin, target=call, hold=hold == "on", reason=reason,
                               address=client_address(request))
        message, category = (_("Legal hold placed.") if hold == "on" else _("Legal hold lifted.")), "success"
    except HotlineError as error:
        message, category = error.message, "error"
    response = go_to(back, request)
    flash(response, request, message, category)
    return response
