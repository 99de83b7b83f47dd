"""Two-step login with time-based one-time codes (TOTP, RFC 6238, via pyotp) and recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from markupsafe import Markup
from sqlalchemy import update
from sqlmodel import Session, select

from hotline.accounts.models import RecoveryCode, Role, User
from hotline.database import utcnow
from hotline.errors import Conflict, InvalidInput
from hotline.i18n import _

ISSUER = "Hotline"
RECOVERY_CODES = 10
# Roles that handle the most records: the ones an operator can oblige to use a second factor.
TOTP_ROLES = (Role.supervisor, Role.admin)


def must_enrol(user: User, *, required: bool, uses_totp: bool | None = None) -> bool:
    """`uses_totp`, when the caller knows it (a remembered login, accounts/logins.py), spares reading the
    secret."""
    return required and user.has_any(*TOTP_ROLES) and not (user.uses_totp if uses_totp is None else uses_totp)


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
    if not (code.isdecimal() and len(code) == 6):
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


# Recovery codes: 16 characters of Crockford's base32 (no I, L, O or U; a typed I or L is read as 1, O as 0),
# so 80 random bits, shown in four groups of four to read aloud and type. They are kept as Argon2id hashes
# (salted per code) of the code's SHA-256: a copy of the database gives away neither the codes nor a quick
# way to guess them, and the plain SHA-256 hashes kept before could be moved over without knowing the codes
# (migration 7c1d0e5a9b42), so the shorter codes handed out earlier (ten hex digits) still work.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_LENGTH = 16
_EARLIER_LENGTH = 10  # ten hex digits, 40 bits: still taken until used or replaced
_READ_ALOUD = str.maketrans("ilo", "110")
# OWASP's floor for Argon2id (19 MiB, 2 passes): enough for 80 random bits, and a wrong guess checked
# against each of someone's codes stays well under a second.
_code_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def _recovery_digest(code: str) -> str | None:
    """What is hashed for a recovery code as typed (any case, dashes or spaces, O for 0, I or L for 1),
    or None if it cannot be one (a 6-digit code from the app, say), so no hash is checked for it."""
    text = _normalise(code).translate(_READ_ALOUD)
    new = len(text) == RECOVERY_LENGTH and all(c in RECOVERY_ALPHABET for c in text)
    earlier = len(text) == _EARLIER_LENGTH and all(c in "0123456789abcdef" for c in text)
    return hashlib.sha256(text.encode()).hexdigest() if new or earlier else None


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    for old in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
        session.add(RecoveryCode(user_id=user.id, code_hash=_code_hasher.hash(_recovery_digest(raw))))
    return codes


def _spend_recovery_code(session: Session, user: User, code: str) -> bool:
    digest = _recovery_digest(code)
    if digest is None:
        return False
    unused = session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                     RecoveryCode.used_at.is_(None))).all()
    for recovery in unused:
        try:
            _code_hasher.verify(recovery.code_hash, digest)
        except (VerificationError, InvalidHashError):
            continue
        # Only if still unused: the same code sent twice at once logs in once.
        spent = session.execute(update(RecoveryCode).where(RecoveryCode.id == recovery.id,
                                                           RecoveryCode.used_at.is_(None))
                                .values(used_at=utcnow())).rowcount
        session.commit()
        return spent == 1
    return False


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
    return _spend_recovery_code(session, user, code)


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
