""""My shifts": the calendar feed address, availability and time off."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from hotline.accounts.guards import RosterRead
from hotline.accounts.models import User
from hotline.deps import SessionDep
from hotline.errors import HotlineError
from hotline.i18n import _
from hotline.pages import flash, render
from hotline.roster import feeds, on_now, people, swaps, times
from hotline.roster.views.common import (
    Text,
    see_other,
    weekday_names,
    whole_number,
)

pages = APIRouter()


# --- my shifts, availability, time off, the calendar feed --------------------------------------------

def render_mine(request: Request, session, user: User, *, feed_url: str | None = None,
                error: HotlineError | None = None, colleague_id: int | None = None, block: str | None = None):
    tz = request.app.state.settings.tz
    now = datetime.now(tz)
    # A draft may still change or be withdrawn: it is nobody's shift until the coordinator publishes it.
    entries = feeds.my_shifts(session=session, user=user, start=now - timedelta(days=1),
                              end=now + timedelta(days=60), published_only=True)
    requests = swaps.swaps_for(session=session, user=user)
    colleagues = [p for p in people.staff(session=session) if p.id != user.id]
    if colleague_id is not None and colleague_id not in {p.id for p in colleagues}:
        colleague_id = None
    return render(request, "roster/mine.html", {
        "entries": entries,
        "swappable": swaps.swappable(entries, now=now),
        "colleagues": colleagues, "colleague_id": colleague_id,
        # The chosen colleague's shifts only: with nobody chosen there is nothing to exchange for.
        "their_shifts": swaps.colleague_shifts(session=session, user=user, colleague_id=colleague_id,
                                               end=now + timedelta(days=60)) if colleague_id else [],
        "swaps": requests, "swap_names": swaps.names(session=session, swaps=[s for v in requests.values() for s in v]),
        "asked_about": {s.shift_id for s in requests["mine"] if s.status in swaps.OPEN},
        "on_shift": on_now.on_shift_now(session=session, user=user),
        "feed_url": feed_url, "has_feed": feeds.has_feed(session=session, user=user),
        "time_off": people.time_off_of(session=session, user=user),
        "availability": people.availability_of(session=session, user_ids=[user.id]).get(user.id, []),
        "weekdays": weekday_names(),
        "tz": tz, "error": error and error.message,
    }, block=block, status_code=error.status_code if error else 200)


@pages.get("/roster/mine")
def my_shifts(request: Request, session: SessionDep, user: RosterRead,
              colleague_id: Annotated[str, Query(max_length=12)] = ""):
    """The page; with `colleague_id`, that colleague chosen in the swap form and their shifts to exchange for
    (HTMX asks for just that list when the colleague changes)."""
    chosen = whole_number(colleague_id, "colleague_id", 1, 2**31 - 1) if colleague_id.strip() else None
    return render_mine(request, session, user, colleague_id=chosen, block="their_shifts")


@pages.post("/roster/mine/feed")
def new_feed(request: Request, session: SessionDep, user: RosterRead):
    token = feeds.new_feed_token(session=session, user=user)
    return render_mine(request, session, user, feed_url=str(request.url_for("calendar_feed", token=token)))


@pages.post("/roster/mine/feed/revoke")
def revoke_feed(request: Request, session: SessionDep, user: RosterRead):
    feeds.revoke_feeds(session=session, user=user)
    response = see_other("/roster/mine")
    flash(response, request, _("Your calendar address no longer works. Make a new one if you need it."), "success")
    return response


@pages.post("/roster/mine/time-off")
def add_time_off(request: Request, session: SessionDep, user: RosterRead, first_day: Text = "", last_day: Text = ""):
    try:
        first = times.parse_day(first_day, field="first_day")
        people.add_time_off(session=session, user=user, first_day=first,
                            last_day=times.parse_day(last_day, field="last_day") if last_day else first,
                            tz=request.app.state.settings.tz)
    except HotlineError as error:
        return render_mine(request, session, user, error=error)
    response = see_other("/roster/mine")
    flash(response, request, _("Time off saved. The coordinator sees it when assigning."), "success")
    return response


@pages.post("/roster/mine/availability")
def add_availability(request: Request, session: SessionDep, user: RosterRead, weekday: Text = "", start: Text = "",
                     end: Text = ""):
    try:
        people.add_availability(session=session, user=user, weekday=whole_number(weekday, "weekday", 0, 6),
                                start=times.parse_time(start[:5], field="start"),
                                end=times.parse_time(end[:5], field="end"))
    except HotlineError as error:
        return render_mine(request, session, user, error=error)
    return see_other("/roster/mine")
