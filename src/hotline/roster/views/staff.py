"""Counsellor profiles: extension, hours, languages."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request

from hotline.accounts import service as accounts
from hotline.accounts.guards import RosterEdit
from hotline.accounts.models import Role
from hotline.deps import SessionDep
from hotline.errors import HotlineError, NotFound
from hotline.i18n import _
from hotline.pages import flash, render
from hotline.roster import people
from hotline.roster.views.common import (
    Text,
    see_other,
)

pages = APIRouter()


# --- staff profiles ----------------------------------------------------------------------------------

def _staff_page(request: Request, session, error: HotlineError | None = None):
    staff = people.staff(session=session)
    return render(request, "roster/staff.html", {
        "people": staff, "profiles": people.profiles(session=session, user_ids=[p.id for p in staff]),
        "error": error and error.message}, status_code=error.status_code if error else 200)


@pages.get("/roster/staff")
def staff_page(request: Request, session: SessionDep, user: RosterEdit):
    return _staff_page(request, session)


@pages.post("/roster/staff/{user_id}")
def edit_staff(request: Request, session: SessionDep, user: RosterEdit, user_id: int, phone_extension: Text = "",
               skills: Text = ""):
    person = accounts.people(session=session, ids=[user_id]).get(user_id)
    if person is None or not person.has_any(Role.counsellor, Role.supervisor):
        return _staff_page(request, session, NotFound(_("There is no counsellor or supervisor %(id)s.", id=user_id)))
    try:
        people.set_profile(session=session, user=person, phone_extension=phone_extension.strip() or None,
                           skills=[item for item in re.split(r"[;,；，]", skills)])
    except HotlineError as error:
        return _staff_page(request, session, error)
    response = see_other(f"/roster/staff#staff-{person.id}")
    flash(response, request, _("Saved %(name)s's extension and skills.", name=person.display_name), "success")
    return response
