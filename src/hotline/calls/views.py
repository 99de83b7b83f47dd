"""The counsellor's pages (call home, call screen, record, search) and the calls API."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hotline.accounts import service as accounts
from hotline.accounts.guards import CallWork, CallWorkOnRouteThread, Gate, Supervision
from hotline.accounts.models import Role, User
from hotline.calls import callers, flows, search, service
from hotline.calls.choices import (
    ANSWER_LABELS,
    AgeBand,
    CallerGroup,
    CallType,
    Concern,
    CrisisStep,
    Gender,
    Intervention,
    NonDataReason,
    discount_label,
    domain_label,
    label,
)
from hotline.calls.contexts import actions_for, banner_context
from hotline.calls.forms import call_update_from_form
from hotline.calls.models import (
    Call,
    CallInProgressOut,
    CallPublic,
    CallSave,
    CallStart,
    CallUpdate,
    DestinationGivenIn,
    DestinationGivenOut,
    Finalise,
    HandOver,
)
from hotline.deps import SessionDep
from hotline.errors import HotlineError, InvalidInput
from hotline.i18n import _
from hotline.pages import client_address, flash, go_to, is_htmx, line_today, render
from hotline.referrals import service as referrals
from hotline.referrals.models import DestinationKind
from hotline.roster import on_now
from hotline.screening import views as screening
from hotline.triage import PROTECTIVE_FIELDS, RISK_FACTOR_FIELDS, SCREENER_FIELDS, RiskLevel, findings

pages = APIRouter()
api = APIRouter()
# Installed by create_app (routes.template_helpers), not on import.
TEMPLATE_GLOBALS = dict(
    findings=findings,
    label=label, domain_label=domain_label, discount_label=discount_label,
    answer_label_for=lambda rule_id: str(ANSWER_LABELS.get(rule_id.removeprefix("answers."), rule_id)),
)


def _form_context(request: Request, session, user, call: Call) -> dict:
    return {
        "call": call,
        "choices": {
            "call_type": list(CallType), "non_data_reason": list(NonDataReason),
            "caller_group": list(CallerGroup), "age_band": list(AgeBand), "gender": list(Gender),
            "concerns": list(Concern), "interventions": list(Intervention),
        },
        # (heading, fields, folded away until opened or answered)
        "answer_groups": [
            (_("Screening questions (C-SSRS)"), SCREENER_FIELDS, False),
            (_("Risk factors"), RISK_FACTOR_FIELDS, True),
            (_("Protective factors"), PROTECTIVE_FIELDS, True),
        ],
        "answer_labels": ANSWER_LABELS,
        "levels": list(RiskLevel),
        "crisis_steps": list(CrisisStep),
        **banner_context(request, session, call),
        "history": callers.caller_history(session=session, user=user, call=call, address=client_address(request)),
        "alerts": _alerts(request, session, call),
        **screening.screening_context(request, session, user, call),
        **_hand_over_context(session, user, call),
        **_custody_context(session, call),
        **_destinations_context(session, call),
    }


def _alerts(request: Request, session, call: Call) -> list:
    return referrals.active_alerts(session=session, caller_id=call.caller_id, today=line_today(request))


# --- pages -------------------------------------------------------------------------------------------

@pages.get("/calls")
def calls_home(request: Request, session: SessionDep, user: CallWork):
    tz = request.app.state.settings.tz
    midnight = datetime.combine(datetime.now(tz).date(), time.min, tz)
    on_shift = on_now.who_is_on_now(session=session)
    on_call = [o.user for o in on_shift if o.role == "supervisor"]
    others = [u for u in accounts.active_users_with(session=session, role=Role.supervisor) if u not in on_call]
    return render(request, "calls/index.html", {
        "debriefs": referrals.debrief_prompts(session=session, user=user),
        "supervisors": on_call + others,  # the supervisor on shift first: they are who to debrief with
        "roster_live": bool(on_shift),
        "drafts": service.unfinished_calls(session=session, user=user),
        "today": [c for c in service.list_since(session=session, user=user, since=midnight) if not c.is_draft],
        "on_shift": any(o.user.id == user.id for o in on_shift),
    })


@pages.post("/calls")
def start_call(request: Request, session: SessionDep, user: CallWork):
    # The line the counsellor is on shift for: reports and the staffing forecast count calls per line.
    call, _created = service.start_call(session=session, counsellor=user,
                                        line=on_now.line_on_shift(session=session, user=user))
    return go_to(f"/calls/{call.id}", request)


@pages.get("/calls/now")
def calls_now(request: Request, session: SessionDep, user: Supervision):
    """Every call on the line now, most urgent first, and who on shift is free to take the next one."""
    board = flows.calls_in_progress(session=session, user=user)
    busy = {c.counsellor_id for c in board}
    on_shift = on_now.who_is_on_now(session=session)
    free = sorted({o.user.id: o for o in on_shift if o.role == "counsellor" and o.user.id not in busy}.values(),
                  key=lambda o: (o.line.name, o.user.display_name))
    return render(request, "calls/now.html", {
        "board": board, "free": free, "roster_live": bool(on_shift),
        "urgent": sum(1 for c in board if c.level >= RiskLevel.high),
        "stale_hours": int(service.STALE_DRAFT.total_seconds() // 3600),
    }, block="board")


@pages.get("/calls/search")
def search_page(
    request: Request,
    session: SessionDep,
    user: CallWork,
    date_from: Annotated[str, Query(max_length=10)] = "",
    date_to: Annotated[str, Query(max_length=10)] = "",
    level: Annotated[str, Query(max_length=16)] = "",
    concern: Annotated[str, Query(max_length=32)] = "",
    text: Annotated[str, Query(max_length=200)] = "",
    everyone: Annotated[str, Query(max_length=3)] = "",
):
    raw = {"date_from": date_from or None, "date_to": date_to or None, "level": level or None,
           "concern": concern or None, "text": text or None, "everyone": everyone == "on"}
    error, results, searched = None, [], any(v for v in raw.values())
    try:
        query = _parse_search(raw)
        results = search.search_calls(session=session, user=user, query=query,
                                       tz=request.app.state.settings.tz, address=client_address(request),
                                       scan_limit=request.app.state.settings.search_scan_limit)
    except HotlineError as exc:
        error = exc
    return render(request, "calls/search.html", {
        "results": results, "form": raw, "searched": searched, "error": error and error.message,
        "levels": list(RiskLevel), "concerns": list(Concern),
        "may_search_everyone": Role.supervisor in user.roles,
    }, block="results", status_code=error.status_code if error else 200)


def _parse_search(raw: dict) -> search.CallSearch:
    from pydantic import ValidationError

    from hotline.errors import describe_validation_errors

    try:
        return search.CallSearch.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(describe_validation_errors(exc.errors())) from None


@pages.get("/calls/{call_id}")
def call_page(request: Request, session: SessionDep, user: CallWork, call_id: int):
    call = service.read_call(session=session, user=user, call_id=call_id, address=client_address(request))
    if call.is_draft and call.counsellor_id == user.id:
        return render(request, "calls/call.html", _form_context(request, session, user, call))
    referral = referrals.referral_for_call(session=session, call=call)
    return render(request, "calls/record.html", {
        **banner_context(request, session, call),
        "referral": referral,
        "referral_timeline": referrals.timeline(session=session, referral=referral) if referral else [],
        "reviews": referrals.reviews_of(session=session, call=call),
        "people": accounts.people(session=session),
        "alerts": _alerts(request, session, call),
        "assessments": service.assessment_history(session=session, call=call),
        # Every tick the counsellor made, whatever the level now: the record is what an auditor reads.
        "recorded_ticks": service.crisis_ticks(session=session, call=call),
        "addenda": service.addenda(session=session, call=call),
        "answer_labels": ANSWER_LABELS,
        "history": callers.caller_history(session=session, user=user, call=call, address=client_address(request)),
        **screening.screening_context(request, session, user, call),
        **_hand_over_context(session, user, call),
        **_custody_context(session, call),
        "destinations_given": referrals.destinations_given(session=session, call=call),
    })


@pages.get("/calls/{call_id}/banner")
def banner(request: Request, session: SessionDep, user: CallWork, call_id: int):
    """The risk banner alone: what a page fetches when the call's level changed elsewhere."""
    call = service.read_call(session=session, user=user, call_id=call_id, address=client_address(request))
    return render(request, "calls/_banner.html", banner_context(request, session, call))


@pages.post("/calls/{call_id}/save")
async def save_call(request: Request, session: SessionDep, gate: CallWorkOnRouteThread, call_id: int):
    form = await request.form()
    # The login check, the database and the triage are blocking work: off the event loop in one hop,
    # so saves run side by side.
    return await run_in_threadpool(_save_call, request, session, gate, call_id, form)


def _save_call(request: Request, session, gate: Gate, call_id: int, form):
    user = gate(session)
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise InvalidInput(_("The save carries no version; reload the page.")) from None
    changes = call_update_from_form(form)
    try:
        call, _result = flows.save_call(session=session, user=user, call_id=call_id, version=version,
                                          changes=changes, rules=request.app.state.rules.current)
    except service.StaleVersion as conflict:
        response = render(request, "calls/_conflict.html", {"call": conflict.call, "message": conflict.message},
                          status_code=409)
        response.headers["HX-Retarget"] = "#conflict"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    if not is_htmx(request):
        return RedirectResponse(f"/calls/{call.id}", status_code=303)
    tz = request.app.state.settings.tz
    response = render(request, "calls/_saved.html", {
        **banner_context(request, session, call), "saved_at": datetime.now(tz).strftime("%H:%M:%S"),
    })
    session.close()  # the answer is rendered: the connection goes back now, not after another thread hop
    return response


@pages.post("/calls/{call_id}/override")
def override(
    request: Request,
    session: SessionDep,
    user: CallWork,
    call_id: int,
    level: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
):
    call = flows.override_level(session=session, user=user, call_id=call_id, level=level or None, reason=reason)
    return render(request, "calls/_banner.html", banner_context(request, session, call))


@pages.post("/calls/{call_id}/crisis")
def crisis_step(
    request: Request,
    session: SessionDep,
    user: CallWork,
    call_id: int,
    step: Annotated[str, Form(max_length=32)] = "",
):
    flows.tick_crisis_step(session=session, user=user, call_id=call_id, step=step)
    call = service.read_call(session=session, user=user, call_id=call_id)
    return render(request, "calls/_banner.html", banner_context(request, session, call))


@pages.post("/calls/{call_id}/caller")
def link_caller(
    request: Request,
    session: SessionDep,
    user: CallWork,
    call_id: int,
    identifier: Annotated[str, Form(max_length=200)] = "",
):
    callers.link_caller(session=session, user=user, call_id=call_id, identifier=identifier,
                        secret=request.app.state.secret_key,
                        keep_number=request.app.state.settings.keep_callback_numbers)
    call = service.read_call(session=session, user=user, call_id=call_id)
    history = callers.caller_history(session=session, user=user, call=call, address=client_address(request))
    return render(request, "calls/_caller_history.html", {"call": call, "history": history, "linked": True,
                                                          "alerts": _alerts(request, session, call),
                                                          "trends": screening.trend_charts(session, user, call)})


@pages.post("/calls/{call_id}/callback-number")
def show_callback_number(request: Request, session: SessionDep, user: CallWork, call_id: int):
    number = callers.callback_number(session=session, user=user, call_id=call_id, address=client_address(request))
    return render(request, "calls/_callback_number.html", {"number": number})


@pages.post("/calls/{call_id}/finalise")
def finalise(
    request: Request,
    session: SessionDep,
    user: CallWork,
    call_id: int,
    version: Annotated[int, Form()],
    incomplete: Annotated[str, Form(max_length=3)] = "",
):
    try:
        call, referral = flows.finalise_call(session=session, user=user, call_id=call_id, version=version,
                                               incomplete=incomplete == "on")
    except service.MissingFields as missing:
        response = render(request, "calls/_problems.html", {"problems": missing.problems},
                          status_code=422)
        response.headers["HX-Retarget"] = "#finalise-problems"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return go_to(f"/calls/{call.id}", request)


@pages.post("/calls/{call_id}/non-data")
def non_data(
    request: Request,
    session: SessionDep,
    user: CallWork,
    call_id: int,
    version: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=32)] = "",
):
    flows.end_non_data_call(session=session, user=user, call_id=call_id, version=version, reason=reason)
    return go_to("/calls", request)


@pages.post("/calls/{call_id}/hand-over")
def hand_over(
    request: Request,
    session: SessionDep,
    user: CallWork,
    call_id: int,
    to: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
):
    call = flows.hand_over_call(session=session, user=user, call_id=call_id, to_username=to, reason=reason)
    response = go_to("/calls" if call.counsellor_id != user.id else f"/calls/{call.id}", request)
    flash(response, request, _("Call handed over."), "success")
    return response


def _destinations_context(session, call: Call, text: str = "", kind: str = "") -> dict:
    return {"destinations": referrals.find_destinations(session=session, text=text, kind=kind),
            "destination_kinds": list(DestinationKind),
            "given": {g.destination_id: g.at for g, _d in referrals.destinations_given(session=session, call=call)}}


@pages.get("/calls/{call_id}/destinations")
def destinations_list(request: Request, session: SessionDep, user: CallWork, call_id: int,
                      q: Annotated[str, Query(max_length=100)] = "",
                      kind: Annotated[str, Query(max_length=32)] = ""):
    """The directory filtered as the counsellor types; without HTMX, the call screen with the search applied."""
    call = service.own_draft(session=session, user=user, call_id=call_id)
    found = _destinations_context(session, call, q, kind)
    if not is_htmx(request):
        return render(request, "calls/call.html", {**_form_context(request, session, user, call), **found,
                                                   "destination_q": q, "destination_kind": kind})
    return render(request, "calls/_destinations.html", {"call": call, **found})


@pages.post("/calls/{call_id}/destinations/{destination_id}/given")
def give_destination(request: Request, session: SessionDep, user: CallWork, call_id: int, destination_id: int):
    given = referrals.give_destination(session=session, user=user, call_id=call_id, destination_id=destination_id)
    if not is_htmx(request):
        return go_to(f"/calls/{call_id}", request)
    return render(request, "calls/_destination.html", {
        "call": service.load_call(session=session, call_id=call_id),
        "destination": referrals.get_destination(session=session, destination_id=destination_id),
        "given": {given.destination_id: given.at}})


def _custody_context(session, call: Call) -> dict:
    """Who holds the call and who held it before: a handed-over record was written by more than one person."""
    moves = service.hand_overs(session=session, call=call)
    ids = {call.counsellor_id} | {i for m in moves for i in (m.from_user_id, m.to_user_id, m.by_id)}
    names = {i: u.display_name for i, u in accounts.people(session=session, ids=ids).items()}
    return {"counsellor_name": names.get(call.counsellor_id, ""),
            "hand_overs": [{"at": m.at, "from": names.get(m.from_user_id, ""), "to": names.get(m.to_user_id, ""),
                            "by": names.get(m.by_id, "") if m.by_id != m.from_user_id else None}
                           for m in moves]}


def _hand_over_context(session, user: User, call: Call) -> dict:
    """Who a draft call may be handed to: people on shift now first, then everyone else who takes calls."""
    if not call.is_draft or not service.may_hand_over(user, call):
        return {"hand_over_to": []}
    on_shift = {o.user.id for o in on_now.who_is_on_now(session=session)}
    people = {u.id: u for role in (Role.counsellor, Role.supervisor)
              for u in accounts.active_users_with(session=session, role=role) if u.id != call.counsellor_id}
    return {"hand_over_to": sorted(people.values(), key=lambda u: (u.id not in on_shift, u.display_name)),
            "on_shift_ids": on_shift}


@pages.post("/calls/{call_id}/addenda")
def add_addendum(
    request: Request,
    session: SessionDep,
    user: CallWork,
    call_id: int,
    text: Annotated[str, Form(max_length=20_000)] = "",
):
    service.add_addendum(session=session, user=user, call_id=call_id, text=text)
    return go_to(f"/calls/{call_id}", request)


# --- JSON API ----------------------------------------------------------------------------------------

def _public(request: Request, session, call: Call) -> CallPublic:
    """A call as the API answers with it: its actions, and its referral whenever the call's page shows one
    (a supervisor asked for mid-call, imminent risk, or the referral the end of the call opened)."""
    referral = referrals.referral_for_call(session=session, call=call)
    return CallPublic.of(call, actions_for(call.level, request.app.state.rules.current),
                         referral.id if referral else None)



# OpenAPI links from a started call to what takes its id, so a client (or a stateful fuzzer) can follow them.
_CALL_ID = {"call_id": "$response.body#/id"}
_VERSIONED = {"save_call", "finalise_call"}  # writes that name the version they change
_CALL_LINKS = {name: {"operationId": op, "parameters": _CALL_ID,
                       **({"requestBody": {"version": "$response.body#/version"}} if op in _VERSIONED else {})}
               for name, op in (
    ("GetCall", "get_call"), ("SaveCall", "save_call"), ("HandOverCall", "hand_over_call"),
    ("GiveDestination", "give_destination"), ("FinaliseCall", "finalise_call"),
    ("ListScreenings", "list_screenings"), ("AddScreening", "add_screening"),
    ("ListDistress", "list_distress"), ("AddDistress", "add_distress"))}


# The API's call start and autosave, which a phone system sends for every call at once, check the login on
# the route's own thread, as the call screen's save does (see require_on_route_thread): one thread hop.
@api.post("/calls", response_model=CallPublic, status_code=201, operation_id="start_call",
          responses={200: {"description": "The call this external id already started (the phone system retried)",
                           "model": CallPublic, "links": _CALL_LINKS},
                     201: {"description": "A new call", "links": _CALL_LINKS}})
def api_start_call(request: Request, session: SessionDep, gate: CallWorkOnRouteThread,
                   body: CallStart | None = None):
    user = gate(session)
    body = body or CallStart()
    line = body.line if body.line is not None else on_now.line_on_shift(session=session, user=user)
    call, created = service.start_call(session=session, counsellor=user, line=line, seat=body.seat,
                                       external_id=body.external_id)
    if body.caller_number and call.caller_id is None:
        callers.link_caller(session=session, user=user, call_id=call.id, identifier=body.caller_number,
                            secret=request.app.state.secret_key,
                        keep_number=request.app.state.settings.keep_callback_numbers)
        session.refresh(call)
    out = _public(request, session, call).model_dump(mode="json")
    return JSONResponse(out, status_code=201 if created else 200)


@api.get("/calls/in-progress", response_model=list[CallInProgressOut])
def api_calls_in_progress(session: SessionDep, user: Supervision):
    return [CallInProgressOut(**{k: getattr(c, k) for k in CallInProgressOut.model_fields})
            for c in flows.calls_in_progress(session=session, user=user)]


@api.get("/calls/{call_id}", response_model=CallPublic, operation_id="get_call")
def api_get_call(request: Request, session: SessionDep, user: CallWork, call_id: int):
    call = service.read_call(session=session, user=user, call_id=call_id, address=client_address(request))
    return _public(request, session, call)


@api.patch("/calls/{call_id}", response_model=CallPublic, operation_id="save_call")
def api_save_call(request: Request, session: SessionDep, gate: CallWorkOnRouteThread, call_id: int,
                  body: CallSave):
    user = gate(session)
    changes = CallUpdate.model_validate(body.model_dump(exclude={"version"}, exclude_unset=True))
    # The whole record read before the write, which is put on it: the answer needs no read after the save.
    call, _result = flows.save_call(session=session, user=user, call_id=call_id, version=body.version,
                                      changes=changes, rules=request.app.state.rules.current, whole=True)
    # Made into JSON here, on the route's thread: returned as a model, FastAPI would serialise it on another
    # hop while this request's connection stays checked out, and under a burst those waits hold the pool.
    response = JSONResponse(_public(request, session, call).model_dump(mode="json"))
    session.close()  # the answer is made: the connection goes back now, not after another thread hop
    return response


@api.post("/calls/{call_id}/hand-over", response_model=CallPublic, operation_id="hand_over_call")
def api_hand_over(request: Request, session: SessionDep, user: CallWork, call_id: int, body: HandOver):
    call = flows.hand_over_call(session=session, user=user, call_id=call_id, to_username=body.to,
                                  reason=body.reason)
    return _public(request, session, call)


@api.post("/calls/{call_id}/destinations", response_model=list[DestinationGivenOut], status_code=201,
          operation_id="give_destination")
def api_give_destination(session: SessionDep, user: CallWork, call_id: int, body: DestinationGivenIn):
    """Note that the caller was given this destination; answers with everything given on the call so far."""
    referrals.give_destination(session=session, user=user, call_id=call_id, destination_id=body.destination_id)
    call = service.load_call(session=session, call_id=call_id)
    return [DestinationGivenOut(destination_id=d.id, name=d.name, phone=d.phone, at=g.at)
            for g, d in referrals.destinations_given(session=session, call=call)]


@api.post("/calls/{call_id}/finalise", response_model=CallPublic, operation_id="finalise_call")
def api_finalise(request: Request, session: SessionDep, user: CallWork, call_id: int, body: Finalise):
    call, _referral = flows.finalise_call(session=session, user=user, call_id=call_id, version=body.version,
                                            incomplete=body.incomplete)
    return _public(request, session, call)
