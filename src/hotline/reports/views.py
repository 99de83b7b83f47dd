"""Report pages: the line's dashboard, a counsellor's month, staffing over a month, the monthly summary,
and the de-identified CSV exports (every export and summary is audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from babel.dates import get_day_names
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from hotline.accounts.guards import CallWork, Oversight, RosterEdit
from hotline.accounts.models import User
from hotline.audit import service as audit
from hotline.calls.choices import label
from hotline.deps import SessionDep
from hotline.errors import InvalidInput
from hotline.i18n import _, _l, get_locale
from hotline.pages import client_address, line_today, render
from hotline.reports import charts, exports, service
from hotline.reports.service import LENGTH_BANDS, Period
from hotline.roster.lines import list_lines
from hotline.spreadsheets import csv_lines

pages = APIRouter()

Filter = Annotated[str, Query(max_length=100)]

OUTCOME_LABELS = {
    "on_time": _l("Done on time"),
    "late": _l("Done late"),
    "overdue": _l("Overdue, not done"),
    "cancelled": _l("Cancelled"),
    "not_yet_due": _l("Not yet due"),
}


def band_label(index: int) -> str:
    low, high = LENGTH_BANDS[index]
    if high is None:
        return _("%(minutes)s minutes or more", minutes=low)
    if low == 0:
        return _("Under %(minutes)s minutes", minutes=high)
    return _("%(low)s–%(high)s minutes", low=low, high=high)


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def weekday_names() -> list[str]:
    names = get_day_names("abbreviated", locale=get_locale())
    return [names[day] for day in range(7)]


def _panel(key: str, title: str, svg, head: list[str], rows: list[list]) -> dict:
    return {"key": key, "title": title, "svg": svg, "head": head, "rows": rows}


def _share_rows(items: list[tuple[str, int]], total: int, name=label) -> list[list]:
    return [[name(value), count, _percent(count / total if total else None)] for value, count in items]


def dashboard_panels(figures: service.Dashboard) -> list[dict]:
    """Each chart with the same numbers as a table, in the reader's language."""
    days = [day.isoformat() for day, _count in figures.per_day]
    weekdays = weekday_names()
    calls_word = _("Calls")
    share_head = [_("Value"), calls_word, _("Share")]
    group_items = [(exports.label_or_unrecorded(value), count) for value, count in figures.by_group]
    referral_rows = [[label(row["level"]), row["opened"], row["closed"], row["on_time"],
                      _percent(row["on_time_share"])] for row in figures.referrals]
    total_follow_ups = sum(figures.follow_ups.values())
    return [
        _panel("per-day", _("Calls per day"),
               charts.line_chart([(calls_word, [count for _day, count in figures.per_day])], labels=days,
                                 title=_("Calls per day")),
               [_("Date"), calls_word], [[day.isoformat(), count] for day, count in figures.per_day]),
        _panel("per-hour", _("Calls by hour of the week"),
               charts.heat_map(figures.per_hour_of_week, row_labels=weekdays, title=_("Calls by hour of the week")),
               [_("Hour")] + weekdays,
               [[f"{hour:02d}:00"] + [figures.per_hour_of_week[day][hour] for day in range(7)] for hour in range(24)]),
        _panel("by-group", _("Calls by caller group"),
               charts.bar_chart(group_items, title=_("Calls by caller group")),
               share_head, _share_rows(figures.by_group, figures.calls, exports.label_or_unrecorded)),
        _panel("by-concern", _("Calls by concern"),
               charts.bar_chart([(label(v), c) for v, c in figures.by_concern], title=_("Calls by concern")),
               share_head, _share_rows(figures.by_concern, figures.calls)),
        _panel("by-level", _("Calls by risk level"),
               charts.bar_chart([(label(v), c) for v, c in figures.by_level], title=_("Calls by risk level")),
               share_head, _share_rows(figures.by_level, figures.calls)),
        _panel("referrals", _("Referrals acknowledged within the deadline"),
               charts.bar_chart([(label(row["level"]), round(100 * (row["on_time_share"] or 0)))
                                 for row in figures.referrals],
                                title=_("Referrals acknowledged within the deadline"),
                                value_text=lambda value: f"{value:.0f}%"),
               [_("Risk level"), _("Opened"), _("Closed"), _("Acknowledged in time"), _("Share")], referral_rows),
        _panel("follow-ups", _("Follow-ups due in the period"),
               charts.bar_chart([(str(OUTCOME_LABELS[k]), v) for k, v in figures.follow_ups.items()],
                                title=_("Follow-ups due in the period")),
               [_("Outcome"), _("Follow-ups"), _("Share")],
               [[str(OUTCOME_LABELS[k]), v, _percent(v / total_follow_ups if total_follow_ups else None)]
                for k, v in figures.follow_ups.items()]),
        _panel("by-length", _("Call length"),
               charts.bar_chart([(band_label(i), c) for i, c in figures.by_length], title=_("Call length")),
               share_head, _share_rows(figures.by_length, sum(c for _i, c in figures.by_length), band_label)),
    ]


def _filters_context(session, period: Period | None, start: str, end: str, line: str) -> dict:
    return {"lines": service.line_names(session=session), "start": period.first.isoformat() if period else start,
            "end": period.last.isoformat() if period else end, "line": period.line if period else line,
            "period": period}


@pages.get("/reports")
def dashboard_page(request: Request, session: SessionDep, user: Oversight, start: Filter = "", end: Filter = "",
                   line: Filter = ""):
    tz = request.app.state.settings.tz
    try:
        period = service.parse_period(session=session, start=start, end=end, line=line, today=line_today(request))
    except InvalidInput as error:
        return render(request, "reports/dashboard.html",
                      {**_filters_context(session, None, start, end, line), "error": error.message},
                      status_code=error.status_code)
    figures = service.dashboard(session=session, period=period, tz=tz)
    return render(request, "reports/dashboard.html", {
        **_filters_context(session, period, start, end, line), "figures": figures,
        "panels": dashboard_panels(figures), "repeat_share": _percent(figures.repeat_share),
        "distress_fell_share": _percent(figures.distress_fell_share),
        "referrals_opened": sum(row["opened"] for row in figures.referrals),
        "month": period.last.strftime("%Y-%m"),
    })


def _export(request: Request, session, user: User, kind: str, period: Period, header: list[str], rows,
            name: str) -> StreamingResponse:
    audit.record(session=session, actor_id=user.id, action="report_export", target_type=kind,
                 address=client_address(request),
                 detail={"start": period.first.isoformat(), "end": period.last.isoformat(), "line": period.line})
    return StreamingResponse(csv_lines(header, rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@pages.get("/reports/calls.csv")
def export_calls(request: Request, session: SessionDep, user: Oversight, start: Filter = "", end: Filter = "",
                 line: Filter = ""):
    period = service.parse_period(session=session, start=start, end=end, line=line, today=line_today(request))
    rows = exports.call_rows(engine=request.app.state.engine, period=period, tz=request.app.state.settings.tz)
    return _export(request, session, user, "calls", period, exports.call_header(), rows,
                   exports.filename("calls", period))


@pages.get("/reports/referrals.csv")
def export_referrals(request: Request, session: SessionDep, user: Oversight, start: Filter = "", end: Filter = "",
                     line: Filter = ""):
    period = service.parse_period(session=session, start=start, end=end, line=line, today=line_today(request))
    rows = exports.referral_rows(engine=request.app.state.engine, period=period, tz=request.app.state.settings.tz)
    return _export(request, session, user, "referrals", period, exports.referral_header(), rows,
                   exports.filename("referrals", period))


def _summary_period(request: Request, session, month: str, line: str) -> Period:
    today = line_today(request)
    first, last = service.parse_month(month, today=today)
    return service.parse_period(session=session, start=first.isoformat(), end=min(last, today).isoformat(),
                                line=line, today=today)


@pages.get("/reports/summary")
def summary_page(request: Request, session: SessionDep, user: Oversight, month: Filter = "", line: Filter = ""):
    try:
        period = _summary_period(request, session, month, line)
    except InvalidInput as error:
        # Answered on the form itself, with what was typed kept, not on a dead-end error page.
        return render(request, "reports/summary.html",
                      {"error": error.message, "month": month, "line": line,
                       "lines": service.line_names(session=session)}, status_code=error.status_code)
    figures = service.summary(session=session, period=period, tz=request.app.state.settings.tz)
    audit.record(session=session, actor_id=user.id, action="report_summary", target_type="summary",
                 address=client_address(request),
                 detail={"start": period.first.isoformat(), "end": period.last.isoformat(), "line": period.line})
    return render(request, "reports/summary.html", {
        "summary": figures, "rows": list(exports.summary_rows(figures, OUTCOME_LABELS)),
        "month": period.first.strftime("%Y-%m"), "line": period.line, "lines": service.line_names(session=session),
    })


@pages.get("/reports/summary.csv")
def summary_csv(request: Request, session: SessionDep, user: Oversight, month: Filter = "", line: Filter = ""):
    period = _summary_period(request, session, month, line)
    figures = service.summary(session=session, period=period, tz=request.app.state.settings.tz)
    return _export(request, session, user, "summary", period, [_("Section"), _("Item"), _("Count")],
                   exports.summary_rows(figures, OUTCOME_LABELS), exports.filename("summary", period))


@pages.get("/reports/mine")
def my_month_page(request: Request, session: SessionDep, user: CallWork, month: Filter = ""):
    first, last = service.parse_month(month, today=line_today(request))
    figures = service.my_month(session=session, user=user, first=first, last=last, tz=request.app.state.settings.tz)
    days = [day.isoformat() for day, _count in figures.per_day]
    panels = [
        _panel("my-per-day", _("My calls per day"),
               charts.line_chart([(_("Calls"), [c for _d, c in figures.per_day])], labels=days,
                                 title=_("My calls per day")),
               [_("Date"), _("Calls")], [[d.isoformat(), c] for d, c in figures.per_day]),
        _panel("my-by-level", _("My calls by risk level"),
               charts.bar_chart([(label(v), c) for v, c in figures.by_level], title=_("My calls by risk level")),
               [_("Value"), _("Calls"), _("Share")], _share_rows(figures.by_level, figures.calls)),
    ]
    return render(request, "reports/mine.html", {"figures": figures, "panels": panels,
                                                 "month": first.strftime("%Y-%m")})


@pages.get("/reports/staffing")
def staffing_page(request: Request, session: SessionDep, user: RosterEdit, month: Filter = "",
                  line_id: Annotated[int | None, Query(ge=1)] = None):
    first, last = service.parse_month(month, today=line_today(request))
    lines = list_lines(session=session)
    line = next((item for item in lines if item.id == line_id), None) if line_id else (lines[0] if lines else None)
    if line_id and line is None:
        raise InvalidInput(_("Unknown line: %(line)s", line=str(line_id)), field="line_id")
    days = service.staffing_month(session=session, line=line, first=first, last=last) if line else []
    labels = [d.day.isoformat() for d in days]
    needed_word, assigned_word = _("Counsellor-hours needed"), _("Counsellor-hours assigned")
    panel = _panel("staffing", _("Staffing needed and assigned per day"),
                   charts.line_chart([(needed_word, [d.needed_hours for d in days]),
                                      (assigned_word, [d.assigned_hours for d in days])],
                                     labels=labels, title=_("Staffing needed and assigned per day")),
                   [_("Date"), needed_word, assigned_word, _("Hours short")],
                   [[d.day.isoformat(), d.needed_hours, d.assigned_hours, d.short_hours] for d in days])
    return render(request, "reports/staffing.html", {
        "lines": lines, "line": line, "month": first.strftime("%Y-%m"), "panels": [panel] if line else [],
        "short_days": sum(1 for d in days if d.short_hours), "needed_word": needed_word,
        "assigned_word": assigned_word,
    })


def month_links(month: str) -> tuple[str, str]:
    """The months before and after 'YYYY-MM'."""
    first = date.fromisoformat(month + "-01")
    return (date.fromordinal(first.toordinal() - 1).strftime("%Y-%m"),
            date.fromordinal(first.replace(day=28).toordinal() + 4).strftime("%Y-%m"))


TEMPLATE_GLOBALS = {"report_month_links": month_links}  # installed by create_app (routes.template_helpers)
