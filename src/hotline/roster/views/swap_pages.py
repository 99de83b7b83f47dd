"""Swaps: asked by a counsellor, accepted by a colleague, approved by a coordinator."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hotline.accounts.guards import RosterEdit, RosterRead
from hotline.accounts.models import User
from hotline.deps import SessionDep
from hotline.errors import HotlineError, InvalidInput
from hotline.i18n import _
from hotline.pages import flash, render
from hotline.roster import swaps
from hotline.roster.views.common import (
    Text,
    see_other,
    whole_number,
)
from hotline.roster.views.mine import render_mine

pages = APIRouter()


# --- swaps -------------------------------------------------------------------------------------------

def _optional_id(value: str, field: str) -> int | None:
    return whole_number(value, field, 1, 2**31 - 1) if (value or "").strip() else None


@pages.post("/roster/swaps")
def ask_swap(request: Request, session: SessionDep, user: RosterRead, shift_id: Text = "", colleague_id: Text = "",
             their_shift: Text = ""):
    """Ask a named colleague, or everyone (no colleague chosen); `their_shift` is "shift:person" for an exchange."""
    try:
        colleague, theirs = _optional_id(colleague_id, "colleague_id"), None
        if their_shift.strip():
            shift_part, _sep, person_part = their_shift.partition(":")
            theirs = whole_number(shift_part, "their_shift", 1, 2**31 - 1)
            person = whole_number(person_part, "their_shift", 1, 2**31 - 1)
            if colleague is not None and colleague != person:
                raise InvalidInput(_("The shift to swap for belongs to someone other than the colleague you chose."),
                                   field="their_shift")
            colleague = person
        swap = swaps.ask_swap(session=session, requester=user,
                              shift_id=whole_number(shift_id, "shift_id", 1, 2**31 - 1),
                              colleague_id=colleague, their_shift_id=theirs)
    except HotlineError as error:
        return render_mine(request, session, user, error=error)
    response = see_other("/roster/mine#swaps")
    if swap.colleague_id is None:
        message = _("Offered to everyone who can take it. You stay on the shift until someone does.")
    elif request.app.state.settings.roster_swaps_need_approval:
        message = _("Request sent. You stay on the shift until it is accepted and approved.")
    else:
        message = _("Request sent. You stay on the shift until it is accepted.")
    flash(response, request, message, "success")
    return response


def _answer(request: Request, session, user: User, action, message: str):
    try:
        action()
    except HotlineError as error:
        return render_mine(request, session, user, error=error)
    response = see_other("/roster/mine#swaps")
    flash(response, request, message, "success")
    return response


@pages.post("/roster/swaps/{swap_id}/accept")
def accept_swap(request: Request, session: SessionDep, user: RosterRead, swap_id: int):
    approval = request.app.state.settings.roster_swaps_need_approval
    return _answer(request, session, user, lambda: swaps.accept_swap(session=session, user=user, swap_id=swap_id,
                                                                     needs_approval=approval),
                   _("Accepted. A coordinator will approve the swap; until then the shift stays as it is.")
                   if approval else _("Accepted. The shift is yours now."))


@pages.post("/roster/swaps/{swap_id}/decline")
def decline_swap(request: Request, session: SessionDep, user: RosterRead, swap_id: int):
    return _answer(request, session, user, lambda: swaps.decline_swap(session=session, user=user, swap_id=swap_id),
                   _("Declined. Your colleague has been told."))


@pages.post("/roster/swaps/{swap_id}/cancel")
def cancel_swap(request: Request, session: SessionDep, user: RosterRead, swap_id: int):
    return _answer(request, session, user, lambda: swaps.cancel_swap(session=session, user=user, swap_id=swap_id),
                   _("Request cancelled. The shift stays yours."))


def _swaps_page(request: Request, session, user: User, error: HotlineError | None = None):
    waiting = swaps.awaiting_approval(session=session)
    return render(request, "roster/swaps.html", {
        "waiting": waiting, "names": swaps.names(session=session, swaps=waiting), "error": error and error.message,
        "party_to": {swap.id for swap in waiting if swaps.is_party(swap, user)},
    }, status_code=error.status_code if error else 200)


@pages.get("/roster/swaps")
def swaps_page(request: Request, session: SessionDep, user: RosterEdit):
    return _swaps_page(request, session, user)


def _decide(request: Request, session, user: User, action, message: str):
    try:
        action()
    except HotlineError as error:
        return _swaps_page(request, session, user, error)
    response = see_other("/roster/swaps")
    flash(response, request, message, "success")
    return response


@pages.post("/roster/swaps/{swap_id}/approve")
def approve_swap(request: Request, session: SessionDep, user: RosterEdit, swap_id: int):
    return _decide(request, session, user, lambda: swaps.approve_swap(session=session, actor=user, swap_id=swap_id),
                   _("Swap approved. The roster has changed and both counsellors have been told."))


@pages.post("/roster/swaps/{swap_id}/reject")
def reject_swap(request: Request, session: SessionDep, user: RosterEdit, swap_id: int):
    return _decide(request, session, user, lambda: swaps.reject_swap(session=session, actor=user, swap_id=swap_id),
                   _("Swap not approved. Both counsellors have been told; the roster is unchanged."))
