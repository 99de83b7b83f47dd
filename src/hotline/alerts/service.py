"""Who an alert reaches, the escalation steps, the outbox rows they write, and the channels admins keep.

A high or imminent referral starts an escalation: step 1 alerts the first supervisor on call for the call's
line (or the line's fallback list when nobody is rostered); each time the line's wait passes unclaimed the
next step alerts the next supervisor on call, then the line's coordinators, then the admins, then everyone
in the chain again, until someone claims it. Every step is written on the referral's timeline, and its
messages into the outbox, in one transaction (delivery.py sends them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from hotline.accounts import service as accounts
from hotline.accounts.models import Role, User
from hotline.alerts import channels
from hotline.alerts.channels import AlertMessage
from hotline.alerts.models import (
    CONSOLE,
    AlertChannel,
    AlertDelivery,
    AlertEscalation,
    ChannelKind,
    DeliveryStatus,
    LineAlertPolicy,
)
from hotline.audit import service as audit
from hotline.database import utcnow
from hotline.errors import Forbidden, InvalidInput, NotFound
from hotline.i18n import _, _l
from hotline.notifications import service as notifications
from hotline.referrals.models import Referral, ReferralEvent, ReferralStatus
from hotline.roster import on_now
from hotline.roster.models import Line

ALERTED_LEVELS = ("imminent", "high")
DEFAULT_MINUTES = {"imminent": 2, "high": 15}  # the queue's acknowledgement deadlines
MINUTES_RANGE = (1, 24 * 60)

KIND_LABELS = {
    CONSOLE: _l("console"),
    ChannelKind.email: _l("e-mail"),
    ChannelKind.wecom: _l("WeCom"),
    ChannelKind.dingtalk: _l("DingTalk"),
    ChannelKind.feishu: _l("Feishu"),
    ChannelKind.webhook: _l("webhook"),
}
WHAT = {"imminent": _l("Imminent-risk referral"), "high": _l("High-risk referral"),
        "asked": _l("A counsellor on a call asks for a supervisor: referral")}
# The bell: translated when read, so each person reads it in their own language.
BELL = {
    "imminent": notifications.kind("referral_alert_imminent",
                                   _l("Imminent-risk referral #%(referral)s is waiting for a supervisor: claim it.")),
    "high": notifications.kind("referral_alert_high",
                               _l("High-risk referral #%(referral)s is waiting for a supervisor: claim it.")),
    "asked": notifications.kind("referral_alert_asked",
                                _l("A counsellor on a call asks for a supervisor: referral #%(referral)s, claim it.")),
}
ALERT_KINDS = frozenset(BELL.values())


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def channel_label(channel: AlertChannel) -> str:
    return f"{kind_label(channel.kind)} “{channel.name}”"


# --- who is alerted -------------------------------------------------------------------------------------

def line_named(*, session: Session, name: str | None) -> Line | None:
    """The line a call came in on (calls keep its name)."""
    if not name:
        return None
    return session.exec(select(Line).where(Line.name == name)).first()


def policy_for(*, session: Session, line_id: int | None) -> LineAlertPolicy:
    """The line's policy, or the defaults (not saved) for a line without one or a call without a line."""
    policy = session.get(LineAlertPolicy, line_id) if line_id is not None else None
    return policy or LineAlertPolicy(line_id=line_id or 0, imminent_minutes=DEFAULT_MINUTES["imminent"],
                                     high_minutes=DEFAULT_MINUTES["high"])


def wait_for(policy: LineAlertPolicy, level: str) -> timedelta:
    """High waits the line's high minutes; imminent, and a counsellor asking on a live call, the shorter."""
    return timedelta(minutes=policy.high_minutes if level == "high" else policy.imminent_minutes)


def _urgency(referral: Referral, asked: bool) -> str | None:
    """What the alert is about: the referral's level if high or imminent, else "asked" if the counsellor
    asked for a supervisor, else nothing to alert."""
    if referral.level in ALERTED_LEVELS:
        return referral.level
    return "asked" if asked else None


def _active_in_order(session: Session, ids: list[int]) -> list[User]:
    found = accounts.people(session=session, ids=ids) if ids else {}
    return [found[i] for i in ids if i in found and found[i].is_active]


def alert_chain(*, session: Session, line: Line | None, at: datetime) -> list[list[User]]:
    """The people to alert, a step each: every supervisor on call for the line at `at` in turn (or, when
    nobody is rostered, the line's fallback list in turn, or without one every supervisor at once), then its
    coordinators, then the admins. Nobody twice."""
    policy = policy_for(session=session, line_id=line.id if line else None)
    supervisors = on_now.on_call_supervisors(session=session, at=at, line_id=line.id if line else None)
    if not supervisors:  # nobody rostered: the line's fallback list, or (none kept) every supervisor at once
        supervisors = _active_in_order(session, policy.fallback_ids)
        if not supervisors:
            everyone = accounts.active_users_with(session=session, role=Role.supervisor)
            supervisors = [everyone] if everyone else []
        else:
            supervisors = [[s] for s in supervisors]
    else:
        supervisors = [[s] for s in supervisors]
    coordinators = _active_in_order(session, policy.coordinator_ids) or \
        accounts.active_users_with(session=session, role=Role.coordinator)
    admins = accounts.active_users_with(session=session, role=Role.admin)
    chain, seen = [], set()
    for tier in supervisors + [coordinators, admins]:
        tier = [person for person in tier if person.id not in seen]
        seen.update(person.id for person in tier)
        if tier:
            chain.append(tier)
    return chain


def people_at_step(chain: list[list[User]], step: int) -> list[User]:
    """Step 0 is the chain's first tier; past its end, every step alerts everyone in it again."""
    if step < len(chain):
        return chain[step]
    return [person for tier in chain for person in tier]


# --- starting and escalating ----------------------------------------------------------------------------

def start_alerts(*, session: Session, referral: Referral, line_name: str | None, asked: bool = False,
                 now: datetime | None = None) -> AlertEscalation | None:
    """Alert the first people in the chain for a high or imminent referral nobody holds, or for any referral
    when the counsellor asked for a supervisor (`asked`); a referral whose level rose is escalated on the
    shorter wait. Part of the caller's transaction (the referral's)."""
    urgency = _urgency(referral, asked)
    if urgency is None or referral.owner_id is not None:
        return None
    now = now or utcnow()
    escalation = session.get(AlertEscalation, referral.id)
    line = line_named(session=session, name=line_name)
    wait = wait_for(policy_for(session=session, line_id=line.id if line else None), urgency)
    if escalation is None:
        escalation = AlertEscalation(referral_id=referral.id, line_id=line.id if line else None,
                                     level=urgency, step=0, next_at=now + wait)
        session.add(escalation)
        session.flush()
        take_step(session=session, escalation=escalation, referral=referral, now=now)
    elif escalation.done_at is None and _rank(urgency) > _rank(escalation.level):
        # The risk rose (or a counsellor's question turned out imminent): later messages say so, and the next
        # step comes no later than the new level's wait.
        escalation.level = urgency
        escalation.next_at = min(escalation.next_at, now + wait)
        session.add(escalation)
    return escalation


def resume_alerts(*, session: Session, referral: Referral, line_name: str | None,
                  now: datetime | None = None) -> AlertEscalation | None:
    """A referral released back to the queue unclaimed is alerted again at once, to the next people in the
    chain (the one who released it may be why it was let go), and escalates from there as before. A referral
    never alerted (below high, nobody asked) is started as start_alerts would. Part of the caller's
    transaction (the release)."""
    if referral.owner_id is not None or referral.status == ReferralStatus.closed:
        return None
    escalation = session.get(AlertEscalation, referral.id)
    if escalation is None:
        return start_alerts(session=session, referral=referral, line_name=line_name, now=now)
    now = now or utcnow()
    urgency = referral.level if referral.level in ALERTED_LEVELS else escalation.level
    escalation.done_at, escalation.step, escalation.level = None, escalation.step + 1, urgency
    escalation.next_at = now + wait_for(policy_for(session=session, line_id=escalation.line_id), urgency)
    session.add(escalation)
    session.flush()
    take_step(session=session, escalation=escalation, referral=referral, now=now)
    return escalation


def _rank(urgency: str) -> int:
    return {"asked": 0, "high": 1, "imminent": 2}.get(urgency, -1)


def take_step(*, session: Session, escalation: AlertEscalation, referral: Referral, now: datetime) -> None:
    """Alert the people of this step: the bell at once (it is a row in this transaction), and their own
    channels and the line's group channels through the outbox; each on the referral's timeline."""
    line = session.get(Line, escalation.line_id) if escalation.line_id else None
    people = people_at_step(alert_chain(session=session, line=line, at=now), escalation.step)
    params = {"level": escalation.level, "referral": referral.id, "line": line.name if line else "",
              "opened_at": referral.opened_at.isoformat(), "names": [p.display_name for p in people]}
    prefix = f"referral:{referral.id}:step:{escalation.step}"
    personal = _channels(session, line, user_ids=[p.id for p in people])
    for person in people:
        notifications.notify(session=session, user_id=person.id, kind=BELL[escalation.level],
                             params={"referral": referral.id}, link=f"/referrals/{referral.id}")
        session.add(AlertDelivery(key=f"{prefix}:console:{person.id}", referral_id=referral.id,
                                  step=escalation.step, kind=CONSOLE, user_id=person.id, params=params,
                                  status=DeliveryStatus.sent, attempts=1, sent_at=now, created_at=now,
                                  next_attempt_at=now))
        used = [[CONSOLE, ""]]
        for channel in personal.get(person.id, []):
            _enqueue(session, f"{prefix}:channel:{channel.id}", referral.id, escalation.step, channel, person.id,
                     params, now)
            used.append([channel.kind, channel.name])
        note_on_timeline(session, referral.id, person.id, "alerted", {"step": escalation.step + 1, "via": used}, now)
    for channel in _channels(session, line, user_ids=None).get(None, []):
        _enqueue(session, f"{prefix}:channel:{channel.id}", referral.id, escalation.step, channel, None, params,
                 now)
        note_on_timeline(session, referral.id, None, "alert_posted",
                         {"step": escalation.step + 1, "via": [[channel.kind, channel.name]]}, now)
    escalation.alerted_ids = sorted(set(escalation.alerted_ids) | {p.id for p in people})
    session.add(escalation)


def _channels(session: Session, line: Line | None, *, user_ids: list[int] | None) -> dict[int | None, list]:
    """Active channels for this line (or for every line), by owner: a person's own, or None for the line's
    group channels."""
    statement = select(AlertChannel).where(AlertChannel.active.is_(True))
    statement = statement.where(col(AlertChannel.line_id).is_(None) | (AlertChannel.line_id == (line.id if line
                                                                                                 else -1)))
    if user_ids is None:
        statement = statement.where(col(AlertChannel.user_id).is_(None))
    else:
        statement = statement.where(col(AlertChannel.user_id).in_(user_ids or [-1]))
    found: dict[int | None, list] = {}
    for channel in session.exec(statement.order_by(AlertChannel.id)):
        found.setdefault(channel.user_id, []).append(channel)
    return found


def _enqueue(session: Session, key: str, referral_id: int | None, step: int, channel: AlertChannel,
             user_id: int | None, params: dict, now: datetime) -> AlertDelivery:
    delivery = AlertDelivery(key=key, referral_id=referral_id, step=step, channel_id=channel.id, kind=channel.kind,
                             user_id=user_id, params=params, created_at=now, next_attempt_at=now)
    session.add(delivery)
    return delivery


def note_on_timeline(session: Session, referral_id: int, actor_id: int | None, kind: str, detail: dict,
                     at: datetime) -> None:
    """An alert's step on the referral's timeline. The detail is kept as facts (step, channel kinds and
    names, who, why it failed) and put into words when read, in the reader's language."""
    session.add(ReferralEvent(referral_id=referral_id, actor_id=actor_id, kind=kind, at=at,
                              detail=json.dumps(detail, ensure_ascii=False, separators=(",", ":"))[:1000]))


TIMELINE_KINDS = frozenset({"alerted", "alert_posted", "alert_delivered", "alert_failed"})


def describe_event(kind: str, detail: str | None) -> str:
    """The words for an alert's timeline detail (other events' detail is already words)."""
    if kind not in TIMELINE_KINDS or not detail:
        return detail or ""
    try:
        facts = json.loads(detail)
    except ValueError:
        return detail
    parts = []
    if facts.get("step"):
        parts.append(_("step %(step)s", step=facts["step"]))
    via = [kind_label(k) if not name else f"{kind_label(k)} “{name}”" for k, name in facts.get("via", [])]
    if via:
        parts.append(", ".join(via))
    if facts.get("to"):
        parts.append(_("to %(name)s", name=facts["to"]))
    if facts.get("reason"):
        parts.append(str(facts["reason"]))
    return " · ".join(parts)


def escalate_due(*, session: Session, now: datetime | None = None, limit: int = 50) -> int:
    """Take the next step of every escalation whose wait has passed unclaimed; stop those claimed or closed.
    Each step is taken by one worker only (a conditional UPDATE on the step) and committed on its own."""
    now = now or utcnow()
    due = list(session.exec(select(AlertEscalation).where(col(AlertEscalation.done_at).is_(None),
                                                          AlertEscalation.next_at <= now)
                            .order_by(AlertEscalation.next_at).limit(limit)))
    taken = 0
    # What was read, copied out: a rollback below expires every loaded row, and a reloaded one could carry
    # another worker's new step, which this worker would then take a second time.
    seen = [(e.referral_id, e.step, e.line_id, e.level) for e in due]
    for referral_id, step, line_id, level in seen:
        # Every change is conditional on the step read and the escalation still running: a release (which
        # moves the step on) or another worker's step in between wins, and this round leaves it alone.
        still = (col(AlertEscalation.referral_id) == referral_id, AlertEscalation.step == step,
                 col(AlertEscalation.done_at).is_(None))
        referral = session.get(Referral, referral_id)
        if referral is None or referral.owner_id is not None or referral.status == ReferralStatus.closed:
            session.execute(update(AlertEscalation).where(*still)
                            .values(done_at=now).execution_options(synchronize_session=False))
            session.commit()
            continue
        urgency = referral.level if referral.level in ALERTED_LEVELS else level
        wait = wait_for(policy_for(session=session, line_id=line_id), urgency)
        moved = session.execute(
            update(AlertEscalation).where(*still, AlertEscalation.next_at <= now)
            .values(step=step + 1, level=urgency, next_at=now + wait)
            .execution_options(synchronize_session=False))
        if moved.rowcount != 1:  # another worker took this step, or the referral was released meanwhile
            session.rollback()
            continue
        escalation = session.get(AlertEscalation, referral_id)
        session.refresh(escalation)
        take_step(session=session, escalation=escalation, referral=referral, now=now)
        session.commit()
        taken += 1
    return taken


# --- the message ----------------------------------------------------------------------------------------

def message_for(delivery: AlertDelivery, *, now: datetime, base_url: str, channel: AlertChannel | None = None
                ) -> AlertMessage:
    """The words of an alert, in the current language: level, number, wait, line and a link that needs a
    login. Never a note, a caller's detail or a number."""
    params = delivery.params or {}
    line = params.get("line") or _("the hotline")
    if params.get("test"):
        text = _("Test alert from the hotline console · %(line)s · channel %(name)s",
                 line=line, name=params.get("channel", ""))
        return AlertMessage(key=delivery.key, text=text, subject=text, link=base_url + "/", level="",
                            referral_id=None, line=line, waited_minutes=0, step=0, test=True)
    opened = datetime.fromisoformat(params["opened_at"])
    waited = max(0, int((now - opened).total_seconds() // 60))
    link = f"{base_url}/referrals/{params['referral']}"
    subject = _("%(what)s #%(id)s has waited %(minutes)s min · %(line)s",
                what=str(WHAT.get(params.get("level"), params.get("level"))), id=params["referral"], minutes=waited,
                line=line)
    text = subject + " · " + _("open: %(link)s", link=link)
    if channel is not None and channel.user_id is None and params.get("names"):
        text += " · " + _("for %(names)s", names=", ".join(params["names"]))
    return AlertMessage(key=delivery.key, text=text, subject=subject, link=link, level=params.get("level", ""),
                        referral_id=params["referral"], line=line, waited_minutes=waited, step=delivery.step + 1)


# --- channels admins keep ---------------------------------------------------------------------------------

URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass
class ChannelForm:
    kind: str = ""
    name: str = ""
    line_id: int | None = None
    username: str = ""  # a person's own channel; blank: the line's group channel
    url: str = ""
    secret: str = ""
    host: str = ""
    port: str = ""
    starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    sender: str = ""
    recipients: str = ""


def _require_admin(user: User) -> None:
    if Role.admin not in user.roles:
        raise Forbidden(_("Only administrators configure alert channels."))


def add_channel(*, session: Session, user: User, form: ChannelForm) -> AlertChannel:
    _require_admin(user)
    try:
        kind = ChannelKind(form.kind)
    except ValueError:
        raise InvalidInput(_("Choose the kind of channel."), field="kind") from None
    name = (form.name or "").strip()
    if not name or len(name) > 80:
        raise InvalidInput(_("Give the channel a name of at most %(max)s characters.", max=80), field="name")
    if form.line_id is not None and session.get(Line, form.line_id) is None:
        raise InvalidInput(_("Choose a line from the list."), field="line_id")
    owner = None
    if form.username.strip():
        owner = accounts.find_user(session=session, username=form.username)
        if owner is None or not owner.is_active:
            raise InvalidInput(_("There is no active user %(name)s.", name=form.username.strip()[:64]),
                               field="username")
    secret = form.secret.strip()
    if len(secret) > 200:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="secret", max=200),
                           field="secret")
    if kind == ChannelKind.email:
        settings = _email_settings(form)
    else:
        url = form.url.strip()
        if not URL.match(url) or len(url) > 1000:
            raise InvalidInput(_("Paste the webhook address, starting with https://."), field="url")
        if kind == ChannelKind.dingtalk and not secret:
            raise InvalidInput(_("Paste the DingTalk robot's signing secret (加签, starting with SEC)."),
                               field="secret")
        settings = {"url": url, "secret": secret}
    channel = AlertChannel(kind=kind.value, name=name, line_id=form.line_id, user_id=owner.id if owner else None,
                           settings=settings)
    session.add(channel)
    session.flush()
    # Who points alerts where is on the record; the address and secrets are not (a webhook URL is a key).
    audit.record(session=session, actor_id=user.id, action="alert.channel.add", target_type="alert_channel",
                 target_id=channel.id, detail={"kind": kind.value, "line_id": form.line_id,
                                               "user_id": owner.id if owner else None}, commit=False)
    session.commit()
    session.refresh(channel)
    return channel


def _email_settings(form: ChannelForm) -> dict:
    host = form.host.strip()
    if not host or len(host) > 255 or any(c.isspace() for c in host):
        raise InvalidInput(_("Give the SMTP relay's host name."), field="host")
    port = form.port.strip() or ("587" if form.starttls else "25")
    if not port.isdecimal() or not 0 < int(port) < 65536:  # not isdigit(): "²" is a digit int() refuses
        raise InvalidInput(_("The SMTP port is a number from 1 to 65535."), field="port")
    sender = form.sender.strip()
    if not EMAIL.match(sender) or len(sender) > 255:
        raise InvalidInput(_("Give the address alerts are sent from."), field="sender")
    recipients = [address.strip() for address in re.split(r"[,;\s]+", form.recipients) if address.strip()]
    if not recipients or len(recipients) > 20 or not all(EMAIL.match(a) and len(a) <= 255 for a in recipients):
        raise InvalidInput(_("Give one to 20 addresses to send alerts to, separated by commas."), field="recipients")
    if len(form.smtp_username) > 255 or len(form.smtp_password) > 255:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="smtp", max=255))
    settings = {"host": host, "port": int(port), "starttls": bool(form.starttls),
                "username": form.smtp_username.strip(), "password": form.smtp_password, "sender": sender,
                "recipients": recipients}
    if channels.login_in_clear(settings):
        raise InvalidInput(_("A relay login is sent only encrypted: tick STARTTLS or use port 465 (a relay on "
                             "this machine may do without)."), field="starttls")
    return settings


def set_channel_active(*, session: Session, user: User, channel_id: int, active: bool) -> AlertChannel:
    _require_admin(user)
    channel = get_channel(session=session, channel_id=channel_id)
    channel.active = active
    session.add(channel)
    action = "alert.channel.enable" if active else "alert.channel.disable"
    audit.record(session=session, actor_id=user.id, action=action, target_type="alert_channel", target_id=channel.id,
                 commit=False)
    session.commit()
    return channel


def get_channel(*, session: Session, channel_id: int) -> AlertChannel:
    channel = session.get(AlertChannel, channel_id)
    if channel is None:
        raise NotFound(_("There is no alert channel %(id)s.", id=channel_id))
    return channel


def list_channels(*, session: Session) -> list[AlertChannel]:
    return list(session.exec(select(AlertChannel).order_by(col(AlertChannel.active).desc(), AlertChannel.id)))


def send_test(*, session: Session, user: User, channel_id: int, now: datetime | None = None) -> AlertDelivery:
    """Put a test message for this channel in the outbox; delivery.py sends it like any alert."""
    _require_admin(user)
    channel = get_channel(session=session, channel_id=channel_id)
    now = now or utcnow()
    line = session.get(Line, channel.line_id) if channel.line_id else None
    delivery = _enqueue(session, f"test:{channel.id}:{now.timestamp():.6f}", None, 0, channel, channel.user_id,
                        {"test": True, "line": line.name if line else "", "channel": channel.name}, now)
    audit.record(session=session, actor_id=user.id, action="alert.channel.test", target_type="alert_channel",
                 target_id=channel.id, commit=False)
    session.commit()
    session.refresh(delivery)
    return delivery


def deliveries(*, session: Session, channel_id: int | None = None, kind: str | None = None,
               limit: int = 100) -> list[AlertDelivery]:
    """The delivery log, newest first: one channel's, or the console's (kind "console"), or all."""
    statement = select(AlertDelivery)
    if channel_id is not None:
        statement = statement.where(AlertDelivery.channel_id == channel_id)
    if kind:
        statement = statement.where(AlertDelivery.kind == kind)
    return list(session.exec(statement.order_by(col(AlertDelivery.created_at).desc(), col(AlertDelivery.id).desc())
                             .limit(limit)))


# --- line policies ----------------------------------------------------------------------------------------

def save_policy(*, session: Session, user: User, line_id: int, imminent_minutes: str, high_minutes: str,
                fallback: str, coordinators: str) -> LineAlertPolicy:
    """A line's waits before the next step, its fallback list (usernames, in order) and its coordinators."""
    _require_admin(user)
    if session.get(Line, line_id) is None:
        raise NotFound(_("There is no line %(id)s.", id=line_id))
    waits = {}
    for field_name, value in (("imminent_minutes", imminent_minutes), ("high_minutes", high_minutes)):
        value = (value or "").strip()
        if not value.isdecimal() or not MINUTES_RANGE[0] <= int(value) <= MINUTES_RANGE[1]:
            raise InvalidInput(_("Minutes before the next person is alerted: a whole number from %(low)s to "
                                 "%(high)s.", low=MINUTES_RANGE[0], high=MINUTES_RANGE[1]), field=field_name)
        waits[field_name] = int(value)
    policy = session.get(LineAlertPolicy, line_id) or LineAlertPolicy(line_id=line_id)
    policy.imminent_minutes, policy.high_minutes = waits["imminent_minutes"], waits["high_minutes"]
    policy.fallback_ids = _user_ids(session, fallback, "fallback")
    policy.coordinator_ids = _user_ids(session, coordinators, "coordinators")
    session.add(policy)
    audit.record(session=session, actor_id=user.id, action="alert.policy.save", target_type="line", target_id=line_id,
                 detail={**waits, "fallback_ids": policy.fallback_ids, "coordinator_ids": policy.coordinator_ids},
                 commit=False)
    session.commit()
    session.refresh(policy)
    return policy


def _user_ids(session: Session, names: str, field: str) -> list[int]:
    ids = []
    for name in [n for n in re.split(r"[,\s]+", names or "") if n][:20]:
        person = accounts.find_user(session=session, username=name)
        if person is None or not person.is_active:
            raise InvalidInput(_("There is no active user %(name)s.", name=name[:64]), field=field)
        if person.id not in ids:
            ids.append(person.id)
    return ids


def policies(*, session: Session) -> dict[int, LineAlertPolicy]:
    return {p.line_id: p for p in session.exec(select(LineAlertPolicy))}


# --- the browser notification -------------------------------------------------------------------------------

def latest_alert(*, session: Session, user: User):
    """This person's newest unread alert in the bell, for the browser notification: (id, text, link) or None."""
    entry = notifications.latest_unread(session=session, user_id=user.id, kinds=ALERT_KINDS)
    if entry is None:
        return None
    return entry.id, notifications.text_of(entry), entry.link or "/notifications"
