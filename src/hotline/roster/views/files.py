"""Files in and out: counsellors imported from CSV, the roster's CSV and iCalendar export, the private calendar feed."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from hotline.accounts.guards import RosterEdit
from hotline.audit.service import record
from hotline.deps import SessionDep
from hotline.errors import HotlineError, InvalidInput
from hotline.i18n import _, get_locale
from hotline.pages import client_address, flash, render
from hotline.roster import export, feeds, lines, staff_import, times
from hotline.roster.ical import shifts_calendar
from hotline.roster.models import SHIFT_ROLE_LABELS, Line
from hotline.roster.views.common import (
    monday_of,
    see_other,
    weekday_names,
)

pages = APIRouter()


# --- CSV import of counsellors, export of the roster -------------------------------------------------

def _codes(names) -> Markup:
    return Markup(", ").join(Markup("<code>%s</code>") % name for name in names)


def _import_page(request: Request, plan=None, content: str = "", error: HotlineError | None = None):
    # The columns' headers as the reader's language names them (the file may use them), and the others it reads.
    days = weekday_names()
    headers = {column: staff_import.column_name(column) for column in staff_import.COLUMN_ORDER}
    chinese = get_locale().startswith("zh")
    also = staff_import.COLUMN_ORDER if chinese else ("用户名", "姓名", "分机号", "技能", "语言", "可值班时间")
    return render(request, "roster/import.html", {
        "plan": plan, "content": content, "error": error and error.message, "weekday_names": days,
        "columns": _codes(headers.values()), "required": [_codes([headers[c]]) for c in staff_import.REQUIRED],
        "also_columns": _codes(also), "also_in_english": chinese,
        "example": f"{days[0]} 08:00-16:00; {days[2]} 16:00-24:00",
    }, status_code=error.status_code if error else 200)


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
    response = see_other("/roster/import")
    flash(response, request, _("Imported: %(created)s new counsellors (an admin sets their passwords), %(updated)s "
                               "updated, %(skipped)s rows with problems left out.", created=created, updated=updated,
                               skipped=len(plan.errors)), "success")
    return response


def _export_period(line: Line, start: str, end: str):
    first = times.parse_day(start, field="start") if start else monday_of(None, line)
    last = times.parse_day(end, field="end") if end else first + timedelta(days=6)
    export.check_period(first, last)
    tz = times.line_zone(line)
    return first, last, times.local_moment(first, time(0), tz), times.local_moment(last + timedelta(days=1),
                                                                                   time(0), tz)


Day = Annotated[str, Query(max_length=10)]


@pages.get("/roster/lines/{line_id}/export.csv")
def export_csv(request: Request, session: SessionDep, user: RosterEdit, line_id: int, start: Day = "",
               end: Day = ""):
    line = lines.get_line(session=session, line_id=line_id)
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
    line = lines.get_line(session=session, line_id=line_id)
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
