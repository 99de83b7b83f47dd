"""What the roster pages share: form parsing, the week's Monday and its address, times in a line's zone,
and the template helpers create_app installs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from babel.dates import format_date
from fastapi import Form
from fastapi.responses import RedirectResponse

from hotline.errors import InvalidInput
from hotline.fields import field_label
from hotline.i18n import _, get_locale
from hotline.roster import times
from hotline.roster.models import SHIFT_ROLE_LABELS, SWAP_STATUS_LABELS, Line

Text = Annotated[str, Form(max_length=1000)]


def in_zone(value: datetime | None, tz, fmt: str = "%H:%M") -> str:
    return "" if value is None else value.astimezone(tz).strftime(fmt)


def day_label(day: date) -> str:
    return format_date(day, "EEE M-d", locale=get_locale())


def weekday_names() -> list[str]:
    """Monday to Sunday, short, in the reader's language (read off any Monday: 2001-01-01 was one)."""
    return [format_date(date(2001, 1, 1) + timedelta(days=i), "EEE", locale=get_locale()) for i in range(7)]


TEMPLATE_FILTERS = {"in_zone": in_zone}  # installed by create_app (routes.template_helpers)
TEMPLATE_GLOBALS = dict(roster_day_label=day_label,
                        shift_role_label=lambda role: str(SHIFT_ROLE_LABELS.get(role, role)),
                        swap_status_label=lambda status: str(SWAP_STATUS_LABELS.get(status, status)))


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def monday_of(value: str | None, line: Line) -> date:
    day = times.parse_day(value, field="start") if value else datetime.now(times.line_zone(line)).date()
    return day - timedelta(days=day.weekday())


def week_url(line_id: int, monday: date, shift_id: int | None = None) -> str:
    url = f"/roster/lines/{line_id}/week?start={monday.isoformat()}"
    return url + (f"&shift={shift_id}#shift-panel" if shift_id else "")


def whole_number(value: str, field: str, low: int = 0, high: int = 10_000) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        raise InvalidInput(_("%(field)s must be a whole number.", field=field_label(field)), field=field) from None
    if not low <= number <= high:
        raise InvalidInput(_("%(field)s is out of range.", field=field_label(field)), field=field)
    return number


def decimal(value: str, field: str) -> float:
    try:
        return float((value or "").strip())
    except ValueError:
        raise InvalidInput(_("%(field)s must be a number.", field=field_label(field)), field=field) from None


