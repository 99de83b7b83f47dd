"""The supervisors' queue, a referral's page, follow-ups, destinations, reviews, debriefs, caller alerts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from hotline.accounts import service as accounts
from hotline.accounts.guards import AdminUser, CallWork, Supervision, SupervisionOnRouteThread
from hotline.accounts.models import Role
from hotline.deps import SessionDep
from hotline.errors import InvalidInput
from hotline.i18n import _
from hotline.pages import client_address, flash, go_to, line_today, render
from hotline.referrals import flows, service
from hotline.referrals.choices import EVENT_LABELS, FOLLOW_UP_LABELS, KIND_LABELS, STATUS_LABELS
from hotline.referrals.models import (
    DestinationKind,
    DestinationOut,
    FollowUpOut,
    Referral,
    ReferralOut,
    ReferralStatus,
    Transition,
)

pages = APIRouter()
api = APIRouter()


TEMPLATE_GLOBALS = dict(  # installed by create_app (routes.template_helpers)
    status_label=lambda value: str(STATUS_LABELS.get(value, value)),
    kind_label=lambda value: str(KIND_LABELS.get(value, value)),
    follow_up_label=lambda value: str(FOLLOW_UP_LABELS.get(value, value)),
    event_label=lambda value: str(EVENT_LABELS.get(value, value)),
)


def _policy(request: Request) -> service.QueuePolicy:
    return service.QueuePolicy.from_settings(request.app.state.settings)


QUEUE_PAGE_ROWS = 100  # the most urgent; filters narrow the rest. More rows only slow every 3-second refresh.


def _filters(level: str, status: str, mine: str, overdue: str) -> service.QueueFilter:
    return service.QueueFilter(level=level or None, status=status or "open", mine=mine == "on",
                               overdue=overdue == "on").validate()


@pages.get("/referrals")
def queue_page(
    request: Request,
    session: SessionDep,
    gate: SupervisionOnRouteThread,  # every open queue page polls this every 3 s: one thread hop, not two
    level: Annotated[str, Query(max_length=16)] = "",
    status: Annotated[str, Query(max_length=16)] = "open",
    mine: Annotated[str, Query(max_length=3)] = "",
    overdue: Annotated[str, Query(max_length=3)] = "",
):
    user = gate(session)
    filters = _filters(level, status, mine, overdue)
    rows = service.queue_rows(session=session, referrals=service.queue(
        session=session, user=user, filters=filters, limit=QUEUE_PAGE_ROWS), brief=True)
    matching = service.queue_count(session=session, user=user, filters=filters) \
        if len(rows) == QUEUE_PAGE_ROWS else len(rows)
    response = render(request, "referrals/queue.html", {
        "rows": rows, "filters": filters, "statuses": list(ReferralStatus), "matching": matching,
        "imminent_waiting": service.imminent_waiting(session=session),
    }, block="rows")
    session.close()  # the answer is rendered: the connection goes back now, not after another thread hop
    return response


@pages.get("/referrals/{referral_id}")
def referral_page(request: Request, session: SessionDep, user: Supervision, referral_id: int):
    referral = service.get_referral(session=session, user=user, referral_id=referral_id,
                                    address=client_address(request))
    return render(request, "referrals/referral.html", _referral_context(session, referral))


def _referral_context(session, referral: Referral) -> dict:
    row = service.queue_rows(session=session, referrals=[referral])[0]
    supervisors = accounts.active_users_with(session=session, role=Role.supervisor)
    return {
        **row,
        "timeline": service.timeline(session=session, referral=referral),
        "people": accounts.people(session=session),
        "follow_ups": service.follow_ups_of(session=session, referral=referral),
        "destinations": service.destinations(session=session),
        "next_steps": sorted(service.TRANSITIONS.get(ReferralStatus(referral.status), ()),
                             key=list(ReferralStatus).index),
        "supervisors": supervisors,
    }


@pages.post("/referrals/{referral_id}/claim")
def claim(request: Request, session: SessionDep, user: Supervision, referral_id: int):
    service.claim(session=session, user=user, referral_id=referral_id)
    return go_to(f"/referrals/{referral_id}", request)


@pages.post("/referrals/{referral_id}/release")
def release(request: Request, session: SessionDep, user: Supervision, referral_id: int,
            reason: Annotated[str, Form(max_length=1000)] = ""):
    flows.release(session=session, user=user, referral_id=referral_id, reason=reason)
    return go_to("/referrals", request)


@pages.post("/referrals/{referral_id}/reassign")
def reassign(request: Request, session: SessionDep, user: Supervision, referral_id: int,
             to: Annotated[str, Form(max_length=64)] = ""):
    service.reassign(session=session, user=user, referral_id=referral_id, to_username=to)
    return go_to(f"/referrals/{referral_id}", request)


@pages.post("/referrals/{referral_id}/transition")
def transition(
    request: Request,
    session: SessionDep,
    user: Supervision,
    referral_id: int,
    to: Annotated[str, Form(max_length=16)] = "",
    destination_id: Annotated[str, Form(max_length=12)] = "",
    reference_number: Annotated[str, Form(max_length=200)] = "",
    resolution: Annotated[str, Form(max_length=2000)] = "",
):
    service.transition(session=session, user=user, referral_id=referral_id, to=to,
                       destination_id=int(destination_id) if destination_id.isdecimal() else None,
                       reference_number=reference_number, resolution=resolution, policy=_policy(request),
                       tz=request.app.state.settings.tz)
    return go_to(f"/referrals/{referral_id}", request)


@pages.get("/follow-ups")
def follow_ups_page(request: Request, session: SessionDep, user: Supervision):
    today = line_today(request)
    due = service.follow_ups_due(session=session, user=user, today=today)
    referrals = service.referrals_by_id(session=session, ids=[f.referral_id for f in due])
    return render(request, "referrals/follow_ups.html", {"due": due, "referrals": referrals, "today": today})


@pages.post("/follow-ups/{follow_up_id}/call")
def follow_up_call(request: Request, session: SessionDep, user: Supervision, follow_up_id: int):
    call = service.start_follow_up_call(session=session, user=user, follow_up_id=follow_up_id)
    return go_to(f"/calls/{call.id}", request)


@pages.post("/follow-ups/{follow_up_id}/cancel")
def cancel_follow_up(request: Request, session: SessionDep, user: Supervision, follow_up_id: int,
                     reason: Annotated[str, Form(max_length=1000)] = ""):
    service.cancel_follow_up(session=session, user=user, follow_up_id=follow_up_id, reason=reason)
    response = go_to("/follow-ups", request)
    flash(response, request, _("Follow-up cancelled."), "success")
    return response


@pages.post("/calls/{call_id}/reviews")
def add_review(request: Request, session: SessionDep, user: Supervision, call_id: int,
               comment: Annotated[str, Form(max_length=10_000)] = ""):
    service.add_review(session=session, user=user, call_id=call_id, comment=comment)
    return go_to(f"/calls/{call_id}", request)


@pages.post("/debriefs/{debrief_id}")
def settle_debrief(request: Request, session: SessionDep, user: CallWork, debrief_id: int,
                   outcome: Annotated[str, Form(max_length=10)] = "",
                   supervisor: Annotated[str, Form(max_length=64)] = "",
                   reason: Annotated[str, Form(max_length=1000)] = ""):
    if outcome not in ("done", "skipped"):
        raise InvalidInput(_("Say whether the debrief happened."), field="outcome")
    service.settle_debrief(session=session, user=user, debrief_id=debrief_id, done=outcome == "done",
                           supervisor_username=supervisor, reason=reason)
    return go_to("/calls", request)


@pages.post("/callers/{caller_id}/alerts")
def add_caller_alert(request: Request, session: SessionDep, user: Supervision, caller_id: int,
                     text: Annotated[str, Form(max_length=1000)] = "",
                     expires_on: Annotated[str, Form(max_length=10)] = "",
                     back: Annotated[str, Form(max_length=200)] = "/referrals"):
    try:
        expiry = date.fromisoformat(expires_on) if expires_on else None
    except ValueError:
        raise InvalidInput(_("The expiry date is not a date."), field="expires_on") from None
    service.add_caller_alert(session=session, user=user, caller_id=caller_id, text=text, expires_on=expiry,
                             today=line_today(request))
    return go_to(back if back.startswith("/") and not back.startswith("//") else "/referrals", request)


@pages.get("/admin/destinations")
def destinations_page(request: Request, session: SessionDep, admin: AdminUser):
    return render(request, "referrals/destinations.html", {
        "destinations": service.destinations(session=session, active_only=False), "kinds": list(DestinationKind)})


@pages.post("/admin/destinations")
def save_destination(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    destination_id: Annotated[str, Form(max_length=12)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    hours: Annotated[str, Form(max_length=400)] = "",
    coverage: Annotated[str, Form(max_length=400)] = "",
    active: Annotated[str, Form(max_length=3)] = "",
):
    service.save_destination(session=session, user=admin,
                             destination_id=int(destination_id) if destination_id.isdecimal() else None,
                             name=name, kind=kind, phone=phone, hours=hours, coverage=coverage, active=active == "on")
    response = RedirectResponse("/admin/destinations", status_code=303)
    flash(response, request, _("Destination saved."), "success")
    return response


# --- JSON API ----------------------------------------------------------------------------------------

def _out(session, referral: Referral, with_timeline: bool = False) -> ReferralOut:
    owner = accounts.get_user(session=session, user_id=referral.owner_id) if referral.owner_id else None
    events = None
    if with_timeline:
        people = {i: u.username for i, u in accounts.people(session=session).items()}
        events = [{"at": e.at.isoformat(), "kind": e.kind, "status": e.status, "by": people.get(e.actor_id),
                   "detail": e.detail} for e in service.timeline(session=session, referral=referral)]
    return ReferralOut(id=referral.id, call_id=referral.call_id, level=referral.level, status=referral.status,
                       owner=owner.username if owner else None, opened_at=referral.opened_at,
                       deadline_at=referral.deadline_at, acknowledged_at=referral.acknowledged_at,
                       overdue=service.is_overdue(referral), destination_id=referral.destination_id,
                       reference_number=referral.reference_number, resolution=referral.resolution, timeline=events)


@api.get("/referrals", response_model=list[ReferralOut])
def api_queue(session: SessionDep, user: Supervision,
              status: Annotated[str, Query(max_length=16)] = "open",
              level: Annotated[str, Query(max_length=16)] = "",
              mine: bool = False, overdue: bool = False):
    filters = service.QueueFilter(level=level or None, status=status, mine=mine, overdue=overdue)
    return [_out(session, r) for r in service.queue(session=session, user=user, filters=filters)]


@api.get("/referrals/{referral_id}", response_model=ReferralOut)
def api_referral(request: Request, session: SessionDep, user: Supervision, referral_id: int):
    referral = service.get_referral(session=session, user=user, referral_id=referral_id,
                                    address=client_address(request))
    return _out(session, referral, with_timeline=True)


@api.post("/referrals/{referral_id}/claim", response_model=ReferralOut)
def api_claim(session: SessionDep, user: Supervision, referral_id: int):
    return _out(session, service.claim(session=session, user=user, referral_id=referral_id))


@api.post("/referrals/{referral_id}/transition", response_model=ReferralOut)
def api_transition(request: Request, session: SessionDep, user: Supervision, referral_id: int, body: Transition):
    referral = service.transition(session=session, user=user, referral_id=referral_id, to=body.to.value,
                                  destination_id=body.destination_id, reference_number=body.reference_number,
                                  resolution=body.resolution, policy=_policy(request),
                                  tz=request.app.state.settings.tz)
    return _out(session, referral, with_timeline=True)


@api.get("/follow-ups", response_model=list[FollowUpOut])
def api_follow_ups(request: Request, session: SessionDep, user: Supervision,
                   due: Annotated[str, Query(pattern="^(today|all)$")] = "today"):
    today = line_today(request)
    items = service.follow_ups_due(session=session, user=user, today=today, include_future=due == "all")
    return [FollowUpOut(id=f.id, referral_id=f.referral_id, due_on=f.due_on, status=f.status,
                        overdue=f.due_on < today) for f in items]


@api.get("/destinations", response_model=list[DestinationOut])
def api_destinations(session: SessionDep, user: CallWork, q: Annotated[str, Query(max_length=100)] = "",
                     kind: Annotated[str, Query(max_length=32)] = ""):
    """Where callers can be referred: what the call screen's directory lists, emergency services first."""
    return [DestinationOut.model_validate(d, from_attributes=True)
            for d in service.find_destinations(session=session, text=q, kind=kind)]
