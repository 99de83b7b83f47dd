"""Repeat callers: a caller is known by a keyed hash of their number or reference, never the number itself
(kept sealed only where the line calls back); their earlier calls follow them, and every look is audited."""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlmodel import Session, col, select

from hotline.accounts.models import User
from hotline.audit import service as audit
from hotline.calls import service
from hotline.calls.choices import CallStatus
from hotline.calls.models import Call, Caller
from hotline.encryption import keys
from hotline.errors import Forbidden, InvalidInput, NotFound
from hotline.i18n import _


def normalise_identifier(identifier: str) -> str:
    normalised = re.sub(r"[\s\-().]", "", identifier).lower()
    return normalised[3:] if normalised.startswith("+86") else normalised


def caller_hash(identifier: str, secret: str) -> str:
    """HMAC of a phone number or reference with `secret`: matches repeat callers without storing the number.

    Callers are now hashed with the key ring's own caller-hash key (`caller_digest`); hashes made with the
    server secret before that are still recognised, and re-keyed, by `find_caller`.
    """
    return hmac.new(secret.encode(), b"caller:" + normalise_identifier(identifier).encode(),
                    hashlib.sha256).hexdigest()


def caller_digest(identifier: str) -> str:
    return keys.current().caller_digest(normalise_identifier(identifier))


def find_caller(*, session: Session, identifier: str, secret: str | None = None) -> Caller | None:
    """The caller known by this number or reference, if any (repeat callers, data requests). A hash from
    before the separate caller-hash key (made with `secret`, the server secret) is moved to the new key on
    sight, so history stays linked."""
    identifier = (identifier or "").strip()
    if not (3 <= len(identifier) <= 64):
        raise InvalidInput(_("Enter a phone number or caller reference of 3 to 64 characters."), field="identifier")
    caller = session.exec(select(Caller).where(Caller.identifier_hash == caller_digest(identifier))).first()
    if caller is None and secret:
        caller = session.exec(select(Caller).where(Caller.identifier_hash == caller_hash(identifier, secret))).first()
        if caller is not None:
            caller.identifier_hash = caller_digest(identifier)
            session.add(caller)
            session.flush()
    return caller


def link_caller(
    *, session: Session, user: User, call_id: int, identifier: str, secret: str, keep_number: bool = False
) -> Caller:
    """Link the call to its caller by number or reference. The number itself is kept, sealed, only with
    `keep_number` (lines that call back); otherwise only its keyed hash is stored."""
    call = service.own_draft(session=session, user=user, call_id=call_id)
    identifier = (identifier or "").strip()
    caller = find_caller(session=session, identifier=identifier, secret=secret)
    if caller is None:
        caller = Caller(identifier_hash=caller_digest(identifier))
        session.add(caller)
    if keep_number:
        caller.callback_number = identifier
    session.flush()
    call.caller_id = caller.id
    session.add(call)
    session.commit()
    session.refresh(caller)
    return caller


def callback_number(*, session: Session, user: User, call_id: int, address: str | None = None) -> str:
    """The number to call this call's caller back on, where the line keeps it. Every look is audited."""
    call = service.load_call(session=session, call_id=call_id)
    if not service.can_read(user, call):
        raise Forbidden(_("This call belongs to another counsellor."))
    caller = session.get(Caller, call.caller_id) if call.caller_id else None
    if caller is None or not caller.callback_number:
        raise NotFound(_("No number is kept for this caller."))
    audit.record(session=session, actor_id=user.id, action="caller.callback_number", target_type="caller",
                 target_id=caller.id, address=address, detail={"call_id": call.id})
    return caller.callback_number


def caller_history(*, session: Session, user: User, call: Call, limit: int = 20,
                   address: str | None = None) -> list[Call]:
    """Earlier calls from the same caller, whoever took them. Reading them is audited."""
    if call.caller_id is None:
        return []
    earlier = list(session.exec(
        select(Call).where(Call.caller_id == call.caller_id, Call.id != call.id,
                           Call.status == CallStatus.finalised)
        .order_by(col(Call.started_at).desc()).limit(limit)
    ))
    if any(other.counsellor_id != user.id for other in earlier):
        audit.record(session=session, actor_id=user.id, action="caller.history", target_type="caller",
                     target_id=call.caller_id, address=address, detail={"call_id": call.id, "shown": len(earlier)})
    return earlier
