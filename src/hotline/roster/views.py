"""Roster pages: lines and templates, the week grid with its checks, publishing, the forecast heat map,
"my shifts" with the calendar feed, and who is on now (also as JSON)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated

from babel.dates import format_date
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from hotline.accounts import service as accounts
from hotline.accounts.guards import CallWork, CurrentUser, RosterEdit, RosterRead, StaffingWatch
from hotline.accounts.models import Role, User
from hotline.audit.service import record
from hotline.deps import SessionDep
from hotline.errors import HotlineError, InvalidInput, NotFound
from hotline.i18n import _, get_locale
from hotline.pages import client_address, flash, go_to, render
from hotline.roster import export, feeds, forecast, on_now, service, staff_import, swaps, wellbeing
from hotline.roster.ical import shifts_calendar
from hotline.roster.models import SHIFT_ROLE_LABELS, SWAP_STATUS_LABELS, Line, OnNowOut
from hotline.roster.week import week_of

pages = APIRouter()
api = APIRouter()

Text = Annotated[str, Form(max_length=1000)]


def _in_zone(value: datetime | None, tz, fmt: str = "%H:%M") -> str:
    return "" if value is None else value.astimezone(tz).strftime(fmt)


def _day_label(day: date) -> str:
    return format_date(day, "EEE M-d", locale=get_locale())


def _weekday_names() -> list[str]:
    """Monday to Sunday, short, in the reader's language (read off any Monday: 2001-01-01 was one)."""
    return [format_date(date(2001, 1, 1) + timedelta(days=i), "EEE", locale=get_locale()) for i in range(7)]


TEMPLATE_FILTERS = {"in_zone": _in_zone}  # installed by create_app (routes.template_helpers)
TEMPLATE_GLOBALS = dict(roster_day_label=_day_label,
                        shift_role_label=lambda role: str(SHIFT_ROLE_LABELS.get(role, role)),
                        swap_status_label=lambda status: str(SWAP_STATUS_LABELS.get(status, status)))


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _monday(value: str | None, line: Line) -> date:
    day = service.parse_day(value, field="start") if value else datetime.now(service.line_zone(line)).date()
    return day - timedelta(days=day.weekday())


def _week_url(line_id: int, monday: date, shift_id: int | None = None) -> str:
    url = f"/roster/lines/{line_id}/week?start={monday.isoformat()}"
    return url + (f"&shift={shift_id}#shift-panel" if shift_id else "")


def _int(value: str, field: str, low: int = 0, high: int = 10_000) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        raise InvalidInput(_("%(field)s must be a whole number.", field=field), field=field) from None
    if not low <= number <= high:
        raise InvalidInput(_("%(field)s is out of range.", field=field), field=field)
    return number


def _float(value: str, field: str) -> float:
    try:
        return float((value or "").strip())
    except ValueError:
        raise InvalidInput(_("%(field)s must be a number.", field=field), field=field) from None


# --- home: who is on now, lines, limits --------------------------------------------------------------

def _home(request: Request, session, user: User, error: HotlineError | None = None):
    return render(request, "roster/index.html", {
        "now": on_now.who_is_on_now(session=session),
        "lines": service.list_lines(session=session) if Role.coordinator in user.roles else [],
        "limits": service.get_limits(session=session),
        "is_coordinator": Role.coordinator in user.roles,
        "default_timezone": request.app.state.settings.timezone,
        "error": error and error.message,
        "weekdays": _weekday_names(),
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
        line = service.create_line(session=session, name=str(form.get("name", ""))[:200],
                                   timezone=str(form.get("timezone", "") or request.app.state.settings.timezone)[:64],
                                   open_24h=form.get("open_24h") == "on", opening_hours=hours)
    except HotlineError as error:
        return _home(request, session, user, error)
    response = _redirect(f"/roster/lines/{line.id}")
    flash(response, request, _("Line %(name)s added. Now add its shift templates.", name=line.name), "success")
    return response


@pages.post("/roster/limits")
def set_limits(request: Request, session: SessionDep, user: RosterEdit, max_hours_per_week: Text = "",
               max_consecutive_hours: Text = "", min_rest_hours: Text = ""):
    try:
        service.set_limits(session=session, max_hours_per_week=_float(max_hours_per_week, "max_hours_per_week"),
                           max_consecutive_hours=_float(max_consecutive_hours, "max_consecutive_hours"),
                           min_rest_hours=_float(min_rest_hours, "min_rest_hours"))
    except HotlineError as error:
        return _home(request, session, user, error)
    response = _redirect("/roster")
    flash(response, request, _("Limits saved. Every check uses them from now on."), "success")
    return response


# --- a line: templates, holidays, generating ---------------------------------------------------------

def _line_page(request: Request, session, line_id: int, error: HotlineError | None = None):
    line = service.get_line(session=session, line_id=line_id)
    tz = service.line_zone(line)
    today = datetime.now(tz).date()
    return render(request, "roster/line.html", {
        "line": line, "tz": tz,
        "templates": service.list_templates(session=session, line_id=line.id),
        "holidays": service.list_holidays(session=session, line_id=line.id),
        "publications": service.publications(session=session, line_id=line.id),
        "next_monday": today + timedelta(days=7 - today.weekday()),
        "weekdays": _weekday_names(),
        "error": error and error.message,
    }, status_code=error.status_code if error else 200)


@pages.get("/roster/lines/{line_id}")
def line_page(request: Request, session: SessionDep, user: RosterEdit, line_id: int):
    return _line_page(request, session, line_id)


@pages.post("/roster/lines/{line_id}/templates")
async def add_template(request: Request, session: SessionDep, user: RosterEdit, line_id: int):
    form = await request.form()
    try:
        service.get_line(session=session, line_id=line_id)
        weekdays = [_int(str(v), "weekdays", 0, 6) for v in form.getlist("weekdays")[:7]]
        service.create_template(
            session=session, line_id=line_id, name=str(form.get("name", ""))[:200],
            start=service.parse_time(str(form.get("start", ""))[:5], field="start"),
            end=service.parse_time(str(form.get("end", ""))[:5], field="end"),
            weekdays=weekdays, seats=_int(str(form.get("seats", "2")), "seats", 0, 50),
            supervisor_required=form.get("supervisor_required") == "on",
            colour=str(form.get("colour", "#1f5fa8"))[:7], on_holidays=form.get("on_holidays") == "on")
    except HotlineError as error:
        return _line_page(request, session, line_id, error)
    return _redirect(f"/roster/lines/{line_id}")


@pages.post("/roster/lines/{line_id}/holidays")
def add_holiday(request: Request, session: SessionDep, user: RosterEdit, line_id: int, day: Text = "",
                name: Text = ""):
    try:
        service.add_holiday(session=session, line_id=line_id, day=service.parse_day(day, field="day"), name=name)
    except HotlineError as error:
        return _line_page(request, session, line_id, error)
    return _redirect(f"/roster/lines/{line_id}")


@pages.post("/roster/lines/{line_id}/generate")
def generate(request: Request, session: SessionDep, user: RosterEdit, line_id: int, first_day: Text = "",
             days: Text = "7"):
    try:
        start = service.parse_day(first_day, field="first_day")
        made = service.generate_shifts(session=session, line_id=line_id, first_day=start,
                                       days=_int(days, "days", 1, service.MAX_GENERATE_DAYS))
    except HotlineError as error:
        return _line_page(request, session, line_id, error)
    response = _redirect(_week_url(line_id, start - timedelta(days=start.weekday())))
    flash(response, request, _("%(count)s shifts made.", count=len(made)), "success")
    return response


@pages.post("/roster/templates/{template_id}/delete")
def delete_template(request: Request, session: SessionDep, user: RosterEdit, template_id: int,
                    confirm: Text = ""):
    template = service.get_template(session=session, template_id=template_id)
    if confirm != "on":
        return _line_page(request, session, template.line_id, InvalidInput(
            _("Tick the box to confirm deleting the template %(name)s.", name=template.name)))
    service.delete_template(session=session, template_id=template_id)
    response = _redirect(f"/roster/lines/{template.line_id}")
    flash(response, request, _("Template %(name)s deleted. Shifts already made from it stay, with whoever is on "
                               "them.", name=template.name), "success")
    return response


@pages.post("/roster/holidays/{holiday_id}/delete")
def delete_holiday(request: Request, session: SessionDep, user: RosterEdit, holiday_id: int):
    holiday = service.delete_holiday(session=session, holiday_id=holiday_id)
    response = _redirect(f"/roster/lines/{holiday.line_id}")
    flash(response, request, _("Holiday removed. Shifts are not made or removed until you make shifts again."),
          "success")
    return response


@pages.post("/roster/shifts/{shift_id}/delete")
def delete_shift(request: Request, session: SessionDep, user: RosterEdit, shift_id: int, confirm: Text = ""):
    shift = service.get_shift(session=session, shift_id=shift_id)
    line_id, monday = _week_of_shift(session, shift)
    if confirm != "on":
        return _week_page(request, session, line_id, monday.isoformat(), shift.id, error=InvalidInput(
            _("Tick the box to confirm deleting this shift.")))
    try:
        service.delete_shift(session=session, shift_id=shift.id, people_confirmed=True)
    except HotlineError as error:
        return _week_page(request, session, line_id, monday.isoformat(), shift.id, error=error)
    response = _redirect(_week_url(line_id, monday))
    flash(response, request, _("Shift deleted."), "success")
    return response


# --- staff profiles ----------------------------------------------------------------------------------

def _staff_page(request: Request, session, error: HotlineError | None = None):
    people = service.staff(session=session)
    return render(request, "roster/staff.html", {
        "people": people, "profiles": service.profiles(session=session, user_ids=[p.id for p in people]),
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
        service.set_profile(session=session, user=person, phone_extension=phone_extension.strip() or None,
                            skills=[item for item in re.split(r"[;,；，]", skills)])
    except HotlineError as error:
        return _staff_page(request, session, error)
    response = _redirect(f"/roster/staff#staff-{person.id}")
    flash(response, request, _("Saved %(name)s's extension and skills.", name=person.display_name), "success")
    return response


# --- the week grid -----------------------------------------------------------------------------------

def _week_page(request: Request, session, line_id: int, start: str | None, shift_id: int | None = None,
               error: HotlineError | None = None, problems_refused: list | None = None, status_code: int = 200):
    line = service.get_line(session=session, line_id=line_id)
    tz = service.line_zone(line)
    monday = _monday(start, line)
    week = week_of(session=session, line=line, monday=monday)
    shifts, problems = week.shifts, week.problems
    selected = None
    if shift_id is not None:
        selected = next((s for s in shifts if s.id == shift_id), None) or service.get_shift(session=session,
                                                                                              shift_id=shift_id)
    return render(request, "roster/week.html", {
        "line": line, "tz": tz, "monday": monday, "days": week.days, "grid": week.grid, "shifts": shifts,
        "seated": week.seated, "problems": problems, "flagged": week.flagged, "selected": selected,
        "candidates": service.candidates(session=session, shift=selected) if selected else [],
        "selected_problems": [p for p in problems if selected and selected.id in p.shift_ids],
        "prev_week": monday - timedelta(days=7), "next_week": monday + timedelta(days=7),
        "error": error and error.message, "refused": problems_refused is not None,
        "limits": service.get_limits(session=session),
    }, block="shift_panel" if shift_id and not error and not problems_refused else None,
        status_code=error.status_code if error else status_code)


@pages.get("/roster/lines/{line_id}/week")
def week_page(request: Request, session: SessionDep, user: RosterEdit, line_id: int,
              start: Annotated[str, Query(max_length=10)] = "", shift: Annotated[int | None, Query()] = None):
    return _week_page(request, session, line_id, start or None, shift)


def _week_of_shift(session, shift) -> tuple[int, date]:
    line = service.get_line(session=session, line_id=shift.line_id)
    local = shift.starts_at.astimezone(service.line_zone(line)).date()
    return line.id, local - timedelta(days=local.weekday())


@pages.post("/roster/shifts/{shift_id}/assign")
def assign(request: Request, session: SessionDep, user: RosterEdit, shift_id: int, user_id: Text = "",
           role: Text = "counsellor"):
    shift = service.get_shift(session=session, shift_id=shift_id)
    line_id, monday = _week_of_shift(session, shift)
    try:
        assignment, problems = service.assign(session=session, actor=user, shift_id=shift.id,
                                              user_id=_int(user_id, "user_id", 1, 2**31 - 1), role=role)
    except HotlineError as error:
        return _week_page(request, session, line_id, monday.isoformat(), shift.id, error=error)
    response = _redirect(_week_url(line_id, monday, shift.id))
    flash(response, request, _("Assigned. The checks now find %(count)s problems in this shift's week.",
                               count=len(problems)) if problems else _("Assigned. No problems on this shift."),
          "success")
    return response


@pages.post("/roster/assignments/{assignment_id}/remove")
def unassign(request: Request, session: SessionDep, user: RosterEdit, assignment_id: int):
    shift, _problems = service.unassign(session=session, assignment_id=assignment_id)
    line_id, monday = _week_of_shift(session, shift)
    response = _redirect(_week_url(line_id, monday, shift.id))
    flash(response, request, _("Taken off the shift."), "success")
    return response


@pages.post("/roster/shifts/{shift_id}/edit")
def edit_shift(request: Request, session: SessionDep, user: RosterEdit, shift_id: int, day: Text = "",
               start: Text = "", end: Text = "", seats: Text = "", supervisor_required: Text = ""):
    shift = service.get_shift(session=session, shift_id=shift_id)
    line_id, monday = _week_of_shift(session, shift)
    try:
        service.update_shift(session=session, shift_id=shift.id, day=service.parse_day(day, field="day"),
                             start=service.parse_time(start[:5], field="start"),
                             end=service.parse_time(end[:5], field="end"), seats=_int(seats, "seats", 0, 50),
                             supervisor_required=supervisor_required == "on")
    except HotlineError as error:
        return _week_page(request, session, line_id, monday.isoformat(), shift.id, error=error)
    line_id, monday = _week_of_shift(session, shift)
    response = _redirect(_week_url(line_id, monday, shift.id))
    flash(response, request, _("Shift changed."), "success")
    return response


@pages.post("/roster/lines/{line_id}/publish")
def publish(request: Request, session: SessionDep, user: RosterEdit, line_id: int, start: Text = "",
            reason: Text = ""):
    line = service.get_line(session=session, line_id=line_id)
    tz = service.line_zone(line)
    try:
        monday = _monday(start[:10] or None, line)
        publication = service.publish(session=session, actor=user, line_id=line.id,
                                      start=service.local_moment(monday, time(0), tz),
                                      end=service.local_moment(monday + timedelta(days=7), time(0), tz),
                                      reason=reason)
    except service.RosterHasProblems as refused:
        return _week_page(request, session, line.id, monday.isoformat(), error=refused, problems_refused=[])
    except HotlineError as error:
        return _week_page(request, session, line.id, start[:10] or None, error=error)
    response = _redirect(_week_url(line.id, monday))
    flash(response, request, _("Week published with %(count)s problems noted.", count=publication.problem_count)
          if publication.problem_count else _("Week published. Counsellors can see their shifts."), "success")
    return response


# --- forecast ----------------------------------------------------------------------------------------

@pages.get("/roster/lines/{line_id}/forecast")
def forecast_page(request: Request, session: SessionDep, user: RosterEdit, line_id: int,
                  start: Annotated[str, Query(max_length=10)] = "", weeks: Annotated[int, Query(ge=1, le=52)] = 4):
    line = service.get_line(session=session, line_id=line_id)
    monday = _monday(start or None, line)
    hours, handle, counted = forecast.forecast(session=session, line=line, week_start=monday, weeks=weeks)
    table = [[hours[day * 24 + hour] for day in range(7)] for hour in range(24)]
    return render(request, "roster/forecast.html", {
        "line": line, "monday": monday, "days": [monday + timedelta(days=i) for i in range(7)], "table": table,
        "handle": handle, "counted": counted, "weeks": weeks,
        "short_hours": sum(1 for h in hours if h.assigned < h.needed),
        "prev_week": monday - timedelta(days=7), "next_week": monday + timedelta(days=7),
    })


# --- my shifts, availability, time off, the calendar feed --------------------------------------------

def _mine(request: Request, session, user: User, *, feed_url: str | None = None,
          error: HotlineError | None = None):
    tz = request.app.state.settings.tz
    now = datetime.now(tz)
    entries = feeds.my_shifts(session=session, user=user, start=now - timedelta(days=1),
                              end=now + timedelta(days=60))
    requests = swaps.swaps_for(session=session, user=user)
    colleagues = [p for p in service.staff(session=session) if p.id != user.id]
    return render(request, "roster/mine.html", {
        "entries": entries,
        "swappable": [(s, line) for s, _a, line in entries if s.starts_at > now],
        "colleagues": colleagues,
        "their_shifts": swaps.colleague_shifts(session=session, user=user, end=now + timedelta(days=60)),
        "swaps": requests, "swap_names": swaps.names(session=session, swaps=[s for v in requests.values() for s in v]),
        "asked_about": {s.shift_id for s in requests["mine"] if s.status in swaps.OPEN},
        "on_shift": on_now.on_shift_now(session=session, user=user),
        "feed_url": feed_url, "has_feed": feeds.has_feed(session=session, user=user),
        "time_off": service.time_off_of(session=session, user=user),
        "availability": service.availability_of(session=session, user_ids=[user.id]).get(user.id, []),
        "weekdays": _weekday_names(),
        "tz": tz, "error": error and error.message,
    }, status_code=error.status_code if error else 200)


@pages.get("/roster/mine")
def my_shifts(request: Request, session: SessionDep, user: RosterRead):
    return _mine(request, session, user)


@pages.post("/roster/mine/feed")
def new_feed(request: Request, session: SessionDep, user: RosterRead):
    token = feeds.new_feed_token(session=session, user=user)
    return _mine(request, session, user, feed_url=str(request.url_for("calendar_feed", token=token)))


@pages.post("/roster/mine/feed/revoke")
def revoke_feed(request: Request, session: SessionDep, user: RosterRead):
    feeds.revoke_feeds(session=session, user=user)
    response = _redirect("/roster/mine")
    flash(response, request, _("Your calendar address no longer works. Make a new one if you need it."), "success")
    return response


@pages.post("/roster/mine/time-off")
def add_time_off(request: Request, session: SessionDep, user: RosterRead, first_day: Text = "", last_day: Text = ""):
    try:
        first = service.parse_day(first_day, field="first_day")
        service.add_time_off(session=session, user=user, first_day=first,
                             last_day=service.parse_day(last_day, field="last_day") if last_day else first,
                             tz=request.app.state.settings.tz)
    except HotlineError as error:
        return _mine(request, session, user, error=error)
    response = _redirect("/roster/mine")
    flash(response, request, _("Time off saved. The coordinator sees it when assigning."), "success")
    return response


@pages.post("/roster/mine/availability")
def add_availability(request: Request, session: SessionDep, user: RosterRead, weekday: Text = "", start: Text = "",
                     end: Text = ""):
    try:
        service.add_availability(session=session, user=user, weekday=_int(weekday, "weekday", 0, 6),
                                 start=service.parse_time(start[:5], field="start"),
                                 end=service.parse_time(end[:5], field="end"))
    except HotlineError as error:
        return _mine(request, session, user, error=error)
    return _redirect("/roster/mine")


# --- swaps -------------------------------------------------------------------------------------------

def _optional_id(value: str, field: str) -> int | None:
    return _int(value, field, 1, 2**31 - 1) if (value or "").strip() else None


@pages.post("/roster/swaps")
def ask_swap(request: Request, session: SessionDep, user: RosterRead, shift_id: Text = "", colleague_id: Text = "",
             their_shift: Text = ""):
    """Ask a named colleague, or everyone (no colleague chosen); `their_shift` is "shift:person" for an exchange."""
    try:
        colleague, theirs = _optional_id(colleague_id, "colleague_id"), None
        if their_shift.strip():
            shift_part, _sep, person_part = their_shift.partition(":")
            theirs, person = _int(shift_part, "their_shift", 1, 2**31 - 1), _int(person_part, "their_shift", 1,
                                                                                  2**31 - 1)
            if colleague is not None and colleague != person:
                raise InvalidInput(_("The shift to swap for belongs to someone other than the colleague you chose."),
                                   field="their_shift")
            colleague = person
        swap = swaps.ask_swap(session=session, requester=user, shift_id=_int(shift_id, "shift_id", 1, 2**31 - 1),
                              colleague_id=colleague, their_shift_id=theirs)
    except HotlineError as error:
        return _mine(request, session, user, error=error)
    response = _redirect("/roster/mine#swaps")
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
        return _mine(request, session, user, error=error)
    response = _redirect("/roster/mine#swaps")
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


def _swaps_page(request: Request, session, error: HotlineError | None = None):
    waiting = swaps.awaiting_approval(session=session)
    return render(request, "roster/swaps.html", {
        "waiting": waiting, "names": swaps.names(session=session, swaps=waiting), "error": error and error.message,
    }, status_code=error.status_code if error else 200)


@pages.get("/roster/swaps")
def swaps_page(request: Request, session: SessionDep, user: RosterEdit):
    return _swaps_page(request, session)


def _decide(request: Request, session, action, message: str):
    try:
        action()
    except HotlineError as error:
        return _swaps_page(request, session, error)
    response = _redirect("/roster/swaps")
    flash(response, request, message, "success")
    return response


@pages.post("/roster/swaps/{swap_id}/approve")
def approve_swap(request: Request, session: SessionDep, user: RosterEdit, swap_id: int):
    return _decide(request, session, lambda: swaps.approve_swap(session=session, actor=user, swap_id=swap_id),
                   _("Swap approved. The roster has changed and both counsellors have been told."))


@pages.post("/roster/swaps/{swap_id}/reject")
def reject_swap(request: Request, session: SessionDep, user: RosterEdit, swap_id: int):
    return _decide(request, session, lambda: swaps.reject_swap(session=session, actor=user, swap_id=swap_id),
                   _("Swap not approved. Both counsellors have been told; the roster is unchanged."))


# --- CSV import of counsellors, export of the roster -------------------------------------------------

def _import_page(request: Request, plan=None, content: str = "", error: HotlineError | None = None):
    return render(request, "roster/import.html", {"plan": plan, "content": content, "error": error and error.message,
                                                  "weekday_names": _weekday_names(),
                                                  "columns": ", ".join(("username", "display_name", "extension",
                                                                        "skills", "languages", "availability"))},
                  status_code=error.status_code if error else 200)


async def _uploaded(request: Request) -> str | bytes:
    form = await request.form()
    upload = form.get("file")
    if hasattr(upload, "read"):
        return await upload.read(staff_import.MAX_BYTES + 1)
    return str(form.get("content", ""))


@pages.get("/roster/import")
def import_page(request: Request, user: RosterEdit):
    return _import_page(request)


@pages.post("/roster/import")
async def import_preview(request: Request, session: SessionDep, user: RosterEdit):
    """Check every row and show what would happen; nothing is written until the coordinator confirms."""
    content = await _uploaded(request)
    try:
        plan = staff_import.read_staff_csv(session=session, content=content)
        text = staff_import.decode(content)
    except HotlineError as error:
        return _import_page(request, error=error)
    if not plan.rows and not plan.errors:
        return _import_page(request, error=InvalidInput(_("The file has a header but no rows.")))
    return _import_page(request, plan, text)


@pages.post("/roster/import/apply")
def import_apply(request: Request, session: SessionDep, user: RosterEdit,
                 content: Annotated[str, Form(max_length=staff_import.MAX_BYTES)] = ""):
    try:
        plan = staff_import.read_staff_csv(session=session, content=content)
        if not plan.rows:
            raise InvalidInput(_("No row can be imported; fix the rows with problems and upload the file again."))
        created, updated = staff_import.apply_staff_import(session=session, plan=plan, actor=user)
    except HotlineError as error:
        return _import_page(request, error=error)
    response = _redirect("/roster/import")
    flash(response, request, _("Imported: %(created)s new counsellors (an admin sets their passwords), %(updated)s "
                               "updated, %(skipped)s rows with problems left out.", created=created, updated=updated,
                               skipped=len(plan.errors)), "success")
    return response


def _export_period(line: Line, start: str, end: str):
    first = service.parse_day(start, field="start") if start else _monday(None, line)
    last = service.parse_day(end, field="end") if end else first + timedelta(days=6)
    export.check_period(first, last)
    tz = service.line_zone(line)
    return first, last, service.local_moment(first, time(0), tz), service.local_moment(last + timedelta(days=1),
                                                                                      time(0), tz)


Day = Annotated[str, Query(max_length=10)]


@pages.get("/roster/lines/{line_id}/export.csv")
def export_csv(request: Request, session: SessionDep, user: RosterEdit, line_id: int, start: Day = "",
               end: Day = ""):
    line = service.get_line(session=session, line_id=line_id)
    first, last, since, until = _export_period(line, start, end)
    body = export.roster_csv(session=session, line=line, start=since, end=until)
    record(session=session, actor_id=user.id, action="roster.export", target_type="line", target_id=line.id,
           address=client_address(request), detail={"format": "csv", "from": first.isoformat(),
                                                    "to": last.isoformat()})
    return Response(body.encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="roster-{line.id}-{first.isoformat()}-{last.isoformat()}.csv"',
        "Cache-Control": "no-store"})


@pages.get("/roster/lines/{line_id}/export.ics")
def export_ics(request: Request, session: SessionDep, user: RosterEdit, line_id: int, start: Day = "",
               end: Day = ""):
    line = service.get_line(session=session, line_id=line_id)
    first, last, since, until = _export_period(line, start, end)
    body = export.roster_calendar(session=session, line=line, start=since, end=until,
                                  domain=request.url.hostname or "hotline")
    record(session=session, actor_id=user.id, action="roster.export", target_type="line", target_id=line.id,
           address=client_address(request), detail={"format": "ics", "from": first.isoformat(),
                                                    "to": last.isoformat()})
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="roster-{line.id}-{first.isoformat()}-{last.isoformat()}.ics"',
        "Cache-Control": "no-store"})


@pages.get("/roster/feed/{token}.ics", name="calendar_feed")
def calendar_feed(request: Request, session: SessionDep, token: str):
    """No login: calendar apps cannot log in. The unguessable token is the key (see `feeds.new_feed_token`)."""
    user = feeds.user_for_feed(session=session, token=token)
    now = datetime.now(request.app.state.settings.tz)
    entries = feeds.my_shifts(session=session, user=user, start=now - timedelta(days=31),
                              end=now + timedelta(days=120), published_only=True)
    body = shifts_calendar(entries, title=_("Hotline shifts"), domain=request.url.hostname or "hotline",
                           role_label=lambda role: str(SHIFT_ROLE_LABELS.get(role, role)))
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"})


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
