"""Who is on now as JSON, the wellbeing page and the end-of-shift rating."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from hotline.accounts.guards import CallWork, CurrentUser, StaffingWatch
from hotline.deps import SessionDep
from hotline.i18n import _
from hotline.pages import flash, go_to, render
from hotline.roster import on_now, wellbeing
from hotline.roster.models import OnNowOut

pages = APIRouter()
api = APIRouter()


# --- JSON --------------------------------------------------------------------------------------------

@api.get("/roster/now", response_model=list[OnNowOut])
def api_on_now(session: SessionDep, user: CurrentUser):
    """Who is on a published shift now, supervisors on call first on each line."""
    return [OnNowOut(line=o.line.name, user_id=o.user.id, name=o.user.display_name, role=o.role,
                     extension=o.extension, until=o.shift.ends_at) for o in on_now.who_is_on_now(session=session)]


# --- wellbeing -----------------------------------------------------------------------------------------


@pages.get("/roster/wellbeing")
def wellbeing_page(request: Request, session: SessionDep, user: StaffingWatch):
    settings = request.app.state.settings
    loads = wellbeing.counsellor_loads(session=session, tz=settings.tz,
                                       per_shift_limit=settings.wellbeing_high_calls_per_shift,
                                       per_week_limit=settings.wellbeing_high_calls_per_week)
    return render(request, "roster/wellbeing.html", {
        "loads": loads, "per_shift": settings.wellbeing_high_calls_per_shift,
        "per_week": settings.wellbeing_high_calls_per_week})


@pages.post("/roster/rating")
def rate_shift(request: Request, session: SessionDep, user: CallWork,
               rating: Annotated[str, Form(max_length=2)] = ""):
    wellbeing.rate_shift(session=session, user=user, rating=rating)
    response = go_to("/calls", request)
    flash(response, request, _("Thank you. Rest well."), "success")
    return response
