"""The roster home (who is on now, lines, limits) and a line's page: templates, holidays, generating shifts."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request

from hotline.accounts.guards import RosterEdit, RosterRead
from hotline.accounts.models import Role, User
from hotline.deps import SessionDep
from hotline.errors import HotlineError, InvalidInput
from hotline.i18n import _
from hotline.pages import flash, render
from hotline.roster import assigning, lines, on_now, people, times
from hotline.roster.views.common import (
    Text,
    decimal,
    see_other,
    week_url,
    weekday_names,
    whole_number,
)

pages = APIRouter()


# --- home: who is on now, lines, limits --------------------------------------------------------------

def _home(request: Request, session, user: User, error: HotlineError | None = None):
    return render(request, "roster/index.html", {
        "now": on_now.who_is_on_now(session=session),
        "lines": lines.list_lines(session=session) if Role.coordinator in user.roles else [],
        "limits": people.get_limits(session=session),
        "is_coordinator": Role.coordinator in user.roles,
        "default_timezone": request.app.state.settings.timezone,
        "error": error and error.message,
        "weekdays": weekday_names(),
    }, block="now", status_code=error.status_code if error else 200)


@pages.get("/roster")
def roster_home(request: Request, session: SessionDep, user: RosterRead):
    return _home(request, session, user)


@pages.post("/roster/lines")
async def create_line(request: Request, session: SessionDep, user: RosterEdit):
    form = await request.form()
    try:
        hours = []
        for day in range(7):
            opens, closes = str(form.get(f"opens_{day}", ""))[:5], str(form.get(f"closes_{day}", ""))[:5]
            hours.append([opens, closes] if opens and closes else None)
        line = lines.create_line(session=session, name=str(form.get("name", ""))[:200],
                                 timezone=str(form.get("timezone", "") or request.app.state.settings.timezone)[:64],
                                 open_24h=form.get("open_24h") == "on", opening_hours=hours)
    except HotlineError as error:
        return _home(request, session, user, error)
    response = see_other(f"/roster/lines/{line.id}")
    flash(response, request, _("Line %(name)s added. Now add its shift templates.", name=line.name), "success")
    return response


@pages.post("/roster/limits")
def set_limits(request: Request, session: SessionDep, user: RosterEdit, max_hours_per_week: Text = "",
               max_consecutive_hours: Text = "", min_rest_hours: Text = ""):
    try:
        people.set_limits(session=session, max_hours_per_week=decimal(max_hours_per_week, "max_hours_per_week"),
                          max_consecutive_hours=decimal(max_consecutive_hours, "max_consecutive_hours"),
                          min_rest_hours=decimal(min_rest_hours, "min_rest_hours"))
    except HotlineError as error:
        return _home(request, session, user, error)
    response = see_other("/roster")
    flash(response, request, _("Limits saved. Every check uses them from now on."), "success")
    return response


# --- a line: templates, holidays, generating ---------------------------------------------------------

def _line_page(request: Request, session, line_id: int, error: HotlineError | None = None):
    line = lines.get_line(session=session, line_id=line_id)
    tz = times.line_zone(line)
    today = datetime.now(tz).date()
    return render(request, "roster/line.html", {
        "line": line, "tz": tz,
        "templates": lines.list_templates(session=session, line_id=line.id),
        "holidays": lines.list_holidays(session=session, line_id=line.id),
        "publications": assigning.publications(session=session, line_id=line.id),
        "next_monday": today + timedelta(days=7 - today.weekday()),
        "weekdays": weekday_names(),
        "error": error and error.message,
    }, status_code=error.status_code if error else 200)


@pages.get("/roster/lines/{line_id}")
def line_page(request: Request, session: SessionDep, user: RosterEdit, line_id: int):
    return _line_page(request, session, line_id)


@pages.post("/roster/lines/{line_id}/templates")
async def add_template(request: Request, session: SessionDep, user: RosterEdit, line_id: int):
    form = await request.form()
    try:
        lines.get_line(session=session, line_id=line_id)
        weekdays = [whole_number(str(v), "weekdays", 0, 6) for v in form.getlist("weekdays")[:7]]
        lines.create_template(
            session=session, line_id=line_id, name=str(form.get("name", ""))[:200],
            start=times.parse_time(str(form.get("start", ""))[:5], field="start"),
            end=times.parse_time(str(form.get("end", ""))[:5], field="end"),
            weekdays=weekdays, seats=whole_number(str(form.get("seats", "2")), "seats", 0, 50),
            supervisor_required=form.get("supervisor_required") == "on",
            colour=str(form.get("colour", "#1f5fa8"))[:7], on_holidays=form.get("on_holidays") == "on")
    except HotlineError as error:
        return _line_page(request, session, line_id, error)
    return see_other(f"/roster/lines/{line_id}")


@pages.post("/roster/lines/{line_id}/holidays")
def add_holiday(request: Request, session: SessionDep, user: RosterEdit, line_id: int, day: Text = "",
                name: Text = ""):
    try:
        lines.add_holiday(session=session, line_id=line_id, day=times.parse_day(day, field="day"), name=name)
    except HotlineError as error:
        return _line_page(request, session, line_id, error)
    return see_other(f"/roster/lines/{line_id}")


@pages.post("/roster/lines/{line_id}/generate")
def generate(request: Request, session: SessionDep, user: RosterEdit, line_id: int, first_day: Text = "",
             days: Text = "7"):
    try:
        start = times.parse_day(first_day, field="first_day")
        made = lines.generate_shifts(session=session, line_id=line_id, first_day=start,
                                     days=whole_number(days, "days", 1, lines.MAX_GENERATE_DAYS))
    except HotlineError as error:
        return _line_page(request, session, line_id, error)
    response = see_other(week_url(line_id, start - timedelta(days=start.weekday())))
    flash(response, request, _("%(count)s shifts made.", count=len(made)), "success")
    return response


@pages.post("/roster/templates/{template_id}/delete")
def delete_template(request: Request, session: SessionDep, user: RosterEdit, template_id: int,
                    confirm: Text = ""):
    template = lines.get_template(session=session, template_id=template_id)
    if confirm != "on":
        return _line_page(request, session, template.line_id, InvalidInput(
            _("Tick the box to confirm deleting the template %(name)s.", name=template.name)))
    lines.delete_template(session=session, template_id=template_id)
    response = see_other(f"/roster/lines/{template.line_id}")
    flash(response, request, _("Template %(name)s deleted. Shifts already made from it stay, with whoever is on "
                               "them.", name=template.name), "success")
    return response


@pages.post("/roster/holidays/{holiday_id}/delete")
def delete_holiday(request: Request, session: SessionDep, user: RosterEdit, holiday_id: int):
    holiday = lines.delete_holiday(session=session, holiday_id=holiday_id)
    response = see_other(f"/roster/lines/{holiday.line_id}")
    flash(response, request, _("Holiday removed. Shifts are not made or removed until you make shifts again."),
          "success")
    return response
