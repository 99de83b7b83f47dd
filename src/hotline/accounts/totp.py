"""Two-step login with time-based one-time codes (TOTP, RFC 6238, via pyotp) and recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import segno
from markupsafe import Markup
from sqlmodel import Session, select

from hotline.accounts.models import RecoveryCode, Role, User
from hotline.database import utcnow
from hotline.errors import Conflict, InvalidInput
from hotline.i18n import _

ISSUER = "Hotline"
RECOVERY_CODES = 10
# Roles that handle the most records: the ones an operator can oblige to use a second factor.
TOTP_ROLES = (Role.supervisor, Role.admin)


def must_enrol(user: User, *, required: bool) -> bool:
    return required and user.has_any(*TOTP_ROLES) and not user.uses_totp


def start_enrolment(*, session: Session, user: User) -> str:
    """A new secret, kept aside until a code from the authenticator confirms it."""
    user.totp_pending_secret = pyotp.random_base32()
    session.add(user)
    session.commit()
    return user.totp_pending_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_pending_secret or "").provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(user: User) -> Markup:
    """The setup address as a QR code in inline SVG (no image request, nothing inline the CSP forbids)."""
    return Markup(segno.make(provisioning_uri(user), error="m").svg_inline(scale=4, dark="#000", light="#fff"))


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` belongs to (this one or a neighbour, for clock drift), unless already used."""
    code = _normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if (last_step is None or step > last_step) and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_enrolment(*, session: Session, user: User, code: str) -> list[str]:
    """Switch two-step login on; returns the recovery codes, shown once."""
    if not user.totp_pending_secret:
        raise Conflict(_("Start the setup first."))
    step = _matching_step(user.totp_pending_secret, code, None)
    if step is None:
        raise InvalidInput(_("That code is not right. Check the time on your phone and try the newest code."),
                           field="code")
    user.totp_secret, user.totp_pending_secret, user.totp_last_step = user.totp_pending_secret, None, step
    user.session_version += 1  # other browsers logged in with the password alone must log in again
    session.add(user)
    codes = _new_recovery_codes(session, user)
    session.commit()
    session.refresh(user)
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    for old in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def verify(*, session: Session, user: User, code: str) -> bool:
    """A current code from the authenticator, or an unused recovery code (then spent)."""
    if not user.uses_totp:
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        session.add(user)
        session.commit()
        return True
    recovery = session.exec(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None)
    )).first()
    if recovery is None:
        return False
    recovery.used_at = utcnow()
    session.add(recovery)
    session.commit()
    return True


def recovery_codes_left(*, session: Session, user: User) -> int:
    return len(session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                       RecoveryCode.used_at.is_(None))).all())


def turn_off(*, session: Session, user: User) -> None:
    """Two-step login off (by the user, or by an admin for someone who lost their phone and codes)."""
    user.totp_secret = user.totp_pending_secret = None
    user.totp_last_step = None
    for code in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(code)
    user.session_version += 1
    session.add(user)
    session.commit()
