"""The screening panel and the distress keys on the call screen, and their JSON API beside the calls API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from hotline.accounts.guards import CallWork
from hotline.accounts.models import User
from hotline.calls import service as calls
from hotline.calls.contexts import banner_context
from hotline.calls.models import Call
from hotline.deps import SessionDep
from hotline.errors import InvalidInput
from hotline.i18n import _, get_locale
from hotline.pages import client_address, go_to, is_htmx, render
from hotline.screening import service
from hotline.screening.charts import distress_curve, score_trend
from hotline.screening.instruments import INSTRUMENTS, ScoringError, instrument
from hotline.screening.models import DistressIn, DistressOut, ScreeningIn, ScreeningOut, minutes_into

pages = APIRouter()
api = APIRouter()



def _in_locale(wording) -> str:
    return wording.in_locale(get_locale())


def band_name(instrument_id: str, band_id: str) -> str:
    try:
        tool = instrument(instrument_id)
    except ScoringError:
        return band_id
    return next((_in_locale(b.name) for b in tool.bands if b.id == band_id), band_id)


TEMPLATE_GLOBALS = dict(in_locale=_in_locale, band_name=band_name, instruments=INSTRUMENTS)  # see routes


# --- what the templates need -----------------------------------------------------------------------

def distress_context(session, call: Call) -> dict:
    marks = service.distress_marks(session=session, call=call)
    ended = minutes_into(call, call.ended_at) if call.ended_at else None
    return {
        "distress_marks": marks,
        "distress_chart": distress_curve(
            [(minutes_into(call, m.at), m.level) for m in marks], ended,
            lambda minute, level: _("minute %(minute)s: distress %(level)s", minute=f"{minute:.0f}", level=level),
        ) if marks else None,
    }


def trend_charts(session, user: User, call: Call) -> list[dict]:
    """One small chart per instrument given to this caller, in the order the instruments are listed."""
    points = service.caller_trend(session=session, user=user, call=call)
    charts = []
    for tool in INSTRUMENTS.values():
        mine = [p for p in points if p.instrument == tool.id]
        if mine:
            last = mine[-1]
            charts.append({
                "instrument": tool,
                "chart": score_trend([(p.started_at.strftime("%m-%d"), p.total) for p in mine], tool.max_total),
                "latest": last,
            })
    return charts


def screening_context(request: Request, session, user: User, call: Call) -> dict:
    """Everything the call screen and the call record show about screenings and distress."""
    return {
        "screenings": service.screenings_of(session=session, call=call),
        "trends": trend_charts(session, user, call),
        **distress_context(session, call),
    }


# --- pages ------------------------------------------------------------------------------------------

@pages.get("/calls/{call_id}/screenings/new")
def screening_form(
    request: Request, session: SessionDep, user: CallWork, call_id: int,
    instrument_id: Annotated[str, Query(alias="instrument", max_length=32)] = "",
):
    call = service.own_open_call(session, user, call_id)
    try:
        tool = instrument(instrument_id)
    except ScoringError as error:
        raise InvalidInput(service.scoring_message(error), field="instrument") from None
    return render(request, "screening/_form.html", {"call": call, "tool": tool})


@pages.post("/calls/{call_id}/screenings")
async def add_screening(request: Request, session: SessionDep, user: CallWork, call_id: int):
    form = await request.form()
    instrument_id = str(form.get("instrument", ""))[:32]
    try:
        tool = instrument(instrument_id)
    except ScoringError as error:
        raise InvalidInput(service.scoring_message(error), field="instrument") from None
    answers = []
    for position in range(1, len(tool.items) + 1):
        raw = str(form.get(f"q{position}", "")).strip()
        if not raw:
            raise InvalidInput(_("Question %(item)s is not answered yet.", item=position), field=f"q{position}")
        answers.append(int(raw) if raw.isdecimal() and len(raw) < 3 else raw)
    screening, _score = service.add_screening(session=session, user=user, call_id=call_id, instrument_id=tool.id,
                                              answers=answers, rules=request.app.state.rules.current)
    if not is_htmx(request):
        return go_to(f"/calls/{call_id}", request)

    call = calls.load_call(session=session, call_id=call_id)
    return render(request, "screening/_screenings.html", {
        **banner_context(request, session, call), **screening_context(request, session, user, call),
        "latest": screening, "oob_banner": True,
    })


@pages.post("/calls/{call_id}/distress")
async def log_distress(request: Request, session: SessionDep, user: CallWork, call_id: int):
    form = await request.form()
    service.log_distress(session=session, user=user, call_id=call_id, level=str(form.get("level", ""))[:4])
    if not is_htmx(request):
        return go_to(f"/calls/{call_id}", request)
    call = calls.load_call(session=session, call_id=call_id)
    return render(request, "screening/_distress.html", {"call": call, **distress_context(session, call)})


# --- JSON API ---------------------------------------------------------------------------------------

def _screening_out(s) -> ScreeningOut:
    return ScreeningOut.of(s, band_name(s.instrument, s.band))


@api.get("/calls/{call_id}/screenings", response_model=list[ScreeningOut], operation_id="list_screenings")
def api_screenings(request: Request, session: SessionDep, user: CallWork, call_id: int):
    call = calls.read_call(session=session, user=user, call_id=call_id, address=client_address(request))
    return [_screening_out(s) for s in service.screenings_of(session=session, call=call)]


@api.post("/calls/{call_id}/screenings", response_model=ScreeningOut, status_code=201,
          operation_id="add_screening")
def api_add_screening(request: Request, session: SessionDep, user: CallWork, call_id: int, body: ScreeningIn):
    screening, _score = service.add_screening(session=session, user=user, call_id=call_id,
                                              instrument_id=body.instrument, answers=body.answers,
                                              rules=request.app.state.rules.current)
    return JSONResponse(_screening_out(screening).model_dump(mode="json"), status_code=201)


@api.get("/calls/{call_id}/distress", response_model=list[DistressOut], operation_id="list_distress")
def api_distress(request: Request, session: SessionDep, user: CallWork, call_id: int):
    call = calls.read_call(session=session, user=user, call_id=call_id, address=client_address(request))
    return [DistressOut.of(call, m) for m in service.distress_marks(session=session, call=call)]


@api.post("/calls/{call_id}/distress", response_model=DistressOut, status_code=201,
          operation_id="add_distress")
def api_log_distress(request: Request, session: SessionDep, user: CallWork, call_id: int, body: DistressIn):
    mark = service.log_distress(session=session, user=user, call_id=call_id, level=body.level)
    call = calls.load_call(session=session, call_id=call_id)
    return JSONResponse(DistressOut.of(call, mark).model_dump(mode="json"), status_code=201)
