"""The week grid with its checks, assigning and publishing, and the forecast heat map."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from hotline.accounts.guards import RosterEdit
from hotline.deps import SessionDep
from hotline.errors import HotlineError, InvalidInput
from hotline.i18n import _
from hotline.pages import flash, render
from hotline.roster import assigning, forecast, lines, people, shifts, times
from hotline.roster.views.common import (
    Text,
    monday_of,
    see_other,
    week_url,
    whole_number,
)
from hotline.roster.week import week_of

pages = APIRouter()


# --- the week grid -----------------------------------------------------------------------------------

def _week_page(request: Request, session, line_id: int, start: str | None, shift_id: int | None = None,
               error: HotlineError | None = None, problems_refused: list | None = None, status_code: int = 200,
               copied: assigning.WeekCopy | None = None):
    line = lines.get_line(session=session, line_id=line_id)
    tz = times.line_zone(line)
    monday = monday_of(start, line)
    week = week_of(session=session, line=line, monday=monday)
    problems = week.problems
    selected = None
    if shift_id is not None:
        selected = next((s for s in week.shifts if s.id == shift_id), None) or shifts.get_shift(session=session,
                                                                                                shift_id=shift_id)
    return render(request, "roster/week.html", {
        "line": line, "tz": tz, "monday": monday, "days": week.days, "grid": week.grid, "shifts": week.shifts,
        "seated": week.seated, "problems": problems, "flagged": week.flagged, "selected": selected,
        "candidates": assigning.candidates(session=session, shift=selected) if selected else [],
        "selected_problems": [p for p in problems if selected and selected.id in p.shift_ids],
        "prev_week": monday - timedelta(days=7), "next_week": monday + timedelta(days=7),
        "error": error and error.message, "refused": problems_refused is not None,
        "limits": people.get_limits(session=session), "copied": copied,
    }, block="shift_panel" if shift_id and not error and not problems_refused else None,
        status_code=error.status_code if error else status_code)


@pages.get("/roster/lines/{line_id}/week")
def week_page(request: Request, session: SessionDep, user: RosterEdit, line_id: int,
              start: Annotated[str, Query(max_length=10)] = "", shift: Annotated[int | None, Query()] = None):
    return _week_page(request, session, line_id, start or None, shift)


def _week_of_shift(session, shift) -> tuple[int, date]:
    line = lines.get_line(session=session, line_id=shift.line_id)
    local = shift.starts_at.astimezone(times.line_zone(line)).date()
    return line.id, local - timedelta(days=local.weekday())


@pages.post("/roster/shifts/{shift_id}/assign")
def assign(request: Request, session: SessionDep, user: RosterEdit, shift_id: int, user_id: Text = "",
           role: Text = "counsellor"):
    shift = shifts.get_shift(session=session, shift_id=shift_id)
    line_id, monday = _week_of_shift(session, shift)
    try:
        assignment, problems = assigning.assign(session=session, actor=user, shift_id=shift.id,
                                                user_id=whole_number(user_id, "user_id", 1, 2**31 - 1), role=role)
    except HotlineError as error:
        return _week_page(request, session, line_id, monday.isoformat(), shift.id, error=error)
    response = see_other(week_url(line_id, monday, shift.id))
    flash(response, request, _("Assigned. The checks now find %(count)s problems in this shift's week.",
                               count=len(problems)) if problems else _("Assigned. No problems on this shift."),
          "success")
    return response


@pages.post("/roster/assignments/{assignment_id}/remove")
def unassign(request: Request, session: SessionDep, user: RosterEdit, assignment_id: int):
    shift, _problems = assigning.unassign(session=session, assignment_id=assignment_id)
    line_id, monday = _week_of_shift(session, shift)
    response = see_other(week_url(line_id, monday, shift.id))
    flash(response, request, _("Taken off the shift."), "success")
    return response


@pages.post("/roster/shifts/{shift_id}/edit")
def edit_shift(request: Request, session: SessionDep, user: RosterEdit, shift_id: int, day: Text = "",
               start: Text = "", end: Text = "", seats: Text = "", supervisor_required: Text = ""):
    shift = shifts.get_shift(session=session, shift_id=shift_id)
    line_id, monday = _week_of_shift(session, shift)
    try:
        assigning.update_shift(session=session, shift_id=shift.id, day=times.parse_day(day, field="day"),
                               start=times.parse_time(start[:5], field="start"),
                               end=times.parse_time(end[:5], field="end"), seats=whole_number(seats, "seats", 0, 50),
                               supervisor_required=supervisor_required == "on")
    except HotlineError as error:
        return _week_page(request, session, line_id, monday.isoformat(), shift.id, error=error)
    line_id, monday = _week_of_shift(session, shift)
    response = see_other(week_url(line_id, monday, shift.id))
    flash(response, request, _("Shift changed."), "success")
    return response


@pages.post("/roster/lines/{line_id}/publish")
def publish(request: Request, session: SessionDep, user: RosterEdit, line_id: int, start: Text = "",
            reason: Text = ""):
    line = lines.get_line(session=session, line_id=line_id)
    tz = times.line_zone(line)
    try:
        monday = monday_of(start[:10] or None, line)
        publication = assigning.publish(session=session, actor=user, line_id=line.id,
                                        start=times.local_moment(monday, time(0), tz),
                                        end=times.local_moment(monday + timedelta(days=7), time(0), tz),
                                        reason=reason)
    except assigning.RosterHasProblems as refused:
        return _week_page(request, session, line.id, monday.isoformat(), error=refused, problems_refused=[])
    except HotlineError as error:
        return _week_page(request, session, line.id, start[:10] or None, error=error)
    response = see_other(week_url(line.id, monday))
    flash(response, request, _("Week published with %(count)s problems noted.", count=publication.problem_count)
          if publication.problem_count else _("Week published. Counsellors can see their shifts."), "success")
    return response


@pages.post("/roster/lines/{line_id}/copy-last-week")
def copy_last_week(request: Request, session: SessionDep, user: RosterEdit, line_id: int, start: Text = ""):
    """Last week's people on this week's shifts, then the week with what was copied and what was skipped."""
    line = lines.get_line(session=session, line_id=line_id)
    try:
        monday = monday_of(start[:10] or None, line)
        copied = assigning.copy_last_week(session=session, actor=user, line_id=line.id, monday=monday)
    except HotlineError as error:
        return _week_page(request, session, line.id, start[:10] or None, error=error)
    return _week_page(request, session, line.id, monday.isoformat(), copied=copied)


# --- forecast ----------------------------------------------------------------------------------------

@pages.get("/roster/lines/{line_id}/forecast")
def forecast_page(request: Request, session: SessionDep, user: RosterEdit, line_id: int,
                  start: Annotated[str, Query(max_length=10)] = "", weeks: Annotated[int, Query(ge=1, le=52)] = 4):
    line = lines.get_line(session=session, line_id=line_id)
    monday = monday_of(start or None, line)
    hours, handle, counted = forecast.forecast(session=session, line=line, week_start=monday, weeks=weeks)
    table = [[hours[day * 24 + hour] for day in range(7)] for hour in range(24)]
    return render(request, "roster/forecast.html", {
        "line": line, "monday": monday, "days": [monday + timedelta(days=i) for i in range(7)], "table": table,
        "handle": handle, "counted": counted, "weeks": weeks,
        "short_hours": sum(1 for h in hours if h.assigned < h.needed),
        "prev_week": monday - timedelta(days=7), "next_week": monday + timedelta(days=7),
    })


@pages.post("/roster/shifts/{shift_id}/delete")
def delete_shift(request: Request, session: SessionDep, user: RosterEdit, shift_id: int, confirm: Text = ""):
    shift = shifts.get_shift(session=session, shift_id=shift_id)
    line_id, monday = _week_of_shift(session, shift)
    if confirm != "on":
        return _week_page(request, session, line_id, monday.isoformat(), shift.id, error=InvalidInput(
            _("Tick the box to confirm deleting this shift.")))
    try:
        shifts.delete_shift(session=session, shift_id=shift.id, people_confirmed=True)
    except HotlineError as error:
        return _week_page(request, session, line_id, monday.isoformat(), shift.id, error=error)
    response = see_other(week_url(line_id, monday))
    flash(response, request, _("Shift deleted."), "success")
    return response
