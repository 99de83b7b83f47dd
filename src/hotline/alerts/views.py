"""Alerts: the admins' channels, line policies, delivery log and "send a test"; the browser's alert poll."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request

from hotline.accounts import service as accounts
from hotline.accounts.guards import AdminUser, CurrentUser
from hotline.alerts import delivery, service
from hotline.alerts.models import CONSOLE, ChannelKind, DeliveryStatus
from hotline.deps import SessionDep
from hotline.errors import InvalidInput
from hotline.i18n import _, _l
from hotline.pages import flash, go_to, render
from hotline.roster.lines import list_lines

pages = APIRouter()

STATUS_LABELS = {DeliveryStatus.pending: _l("waiting to send"), DeliveryStatus.sent: _l("sent"),
                 DeliveryStatus.failed: _l("not delivered"),
                 DeliveryStatus.withdrawn: _l("not sent: the referral was taken first")}

TEMPLATE_GLOBALS = dict(  # installed by create_app (routes.template_helpers)
    event_detail=service.describe_event,  # a timeline entry's detail in the reader's words
    alert_kind_label=service.kind_label,
    delivery_status_label=lambda value: str(STATUS_LABELS.get(value, value)),
)


def _number(value: str, field: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdecimal() or len(value) > 9:
        raise InvalidInput(_("Choose a line from the list."), field=field)
    return int(value)


@pages.get("/admin/alerts")
def alerts_page(request: Request, session: SessionDep, admin: AdminUser,
                channel: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                kind: Annotated[str, Query(max_length=16)] = ""):
    if kind and kind != CONSOLE and kind not in ChannelKind.__members__:
        raise InvalidInput(_("Choose the kind of channel."), field="kind")
    channels = service.list_channels(session=session)
    return render(request, "alerts/admin.html", {
        "channels": channels, "kinds": list(ChannelKind), "lines": list_lines(session=session),
        "policies": service.policies(session=session), "people": accounts.people(session=session),
        "users": accounts.list_users(session=session),
        "log": service.deliveries(session=session, channel_id=channel, kind=kind or None),
        "log_channel": channel, "log_kind": kind, "channel_names": {c.id: c.name for c in channels},
        "defaults": service.DEFAULT_MINUTES,
    })


@pages.post("/admin/alerts/channels")
def add_channel(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    kind: Annotated[str, Form(max_length=16)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    line_id: Annotated[str, Form(max_length=12)] = "",
    username: Annotated[str, Form(max_length=64)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    secret: Annotated[str, Form(max_length=400)] = "",
    host: Annotated[str, Form(max_length=300)] = "",
    port: Annotated[str, Form(max_length=8)] = "",
    starttls: Annotated[str, Form(max_length=3)] = "",
    smtp_username: Annotated[str, Form(max_length=300)] = "",
    smtp_password: Annotated[str, Form(max_length=300)] = "",
    sender: Annotated[str, Form(max_length=300)] = "",
    recipients: Annotated[str, Form(max_length=6000)] = "",
):
    form = service.ChannelForm(kind=kind, name=name, line_id=_number(line_id, "line_id"), username=username, url=url,
                               secret=secret, host=host, port=port, starttls=starttls == "on",
                               smtp_username=smtp_username, smtp_password=smtp_password, sender=sender,
                               recipients=recipients)
    channel = service.add_channel(session=session, user=admin, form=form)
    response = go_to("/admin/alerts", request)
    flash(response, request, _("Channel “%(name)s” added. Send it a test.", name=channel.name), "success")
    return response


@pages.post("/admin/alerts/channels/{channel_id}/active")
def set_channel_active(request: Request, session: SessionDep, admin: AdminUser, channel_id: int,
                       active: Annotated[str, Form(max_length=3)] = ""):
    service.set_channel_active(session=session, user=admin, channel_id=channel_id, active=active == "on")
    return go_to("/admin/alerts", request)


@pages.post("/admin/alerts/channels/{channel_id}/test")
def send_test(request: Request, session: SessionDep, admin: AdminUser, channel_id: int):
    """Send a test message through this channel now; the log below says whether it went."""
    test = service.send_test(session=session, user=admin, channel_id=channel_id)
    sent = delivery.deliver_one(session=session, delivery_id=test.id,
                                base_url=request.app.state.settings.public_url)
    response = go_to(f"/admin/alerts?channel={channel_id}", request)
    if sent.status == DeliveryStatus.sent:
        flash(response, request, _("The test message was sent."), "success")
    else:
        flash(response, request, _("The test message was not delivered: %(reason)s", reason=sent.last_error or "?"))
    return response


@pages.post("/admin/alerts/lines/{line_id}")
def save_policy(request: Request, session: SessionDep, admin: AdminUser, line_id: int,
                imminent_minutes: Annotated[str, Form(max_length=8)] = "",
                high_minutes: Annotated[str, Form(max_length=8)] = "",
                fallback: Annotated[str, Form(max_length=2000)] = "",
                coordinators: Annotated[str, Form(max_length=2000)] = ""):
    service.save_policy(session=session, user=admin, line_id=line_id, imminent_minutes=imminent_minutes,
                        high_minutes=high_minutes, fallback=fallback, coordinators=coordinators)
    response = go_to("/admin/alerts", request)
    flash(response, request, _("The line's alert settings are saved."), "success")
    return response


@pages.get("/alerts/latest")
def latest_alert(session: SessionDep, user: CurrentUser):
    """The newest unread alert for this person, for the browser notification (every page polls it)."""
    found = service.latest_alert(session=session, user=user)
    if found is None:
        return {"id": None}
    alert_id, text, link = found
    return {"id": alert_id, "title": _("Hotline alert"), "body": text, "link": link}
