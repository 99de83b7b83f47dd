"""Account operations. Routes and the CLI call these; nothing here knows about HTTP."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, update
from sqlalchemy.orm import joinedload
from sqlmodel import Session, col, select

from hotline.accounts import logins
from hotline.accounts.models import ApiToken, LoginAttempt, Role, User, UserRole
from hotline.audit import service as audit
from hotline.database import utcnow
from hotline.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from hotline.i18n import LOCALES, _

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
PASSWORD_MIN = 10
PASSWORD_MAX = 256
DISPLAY_NAME_MAX = 120
TOKEN_PREFIX = "hl_"


class LoginFailed(InvalidInput):
    status_code = 401


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of frequent passwords (see the file's header for its source), lower-case."""
    text = (Path(__file__).parent / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_password_policy(password: str, *, username: str = "", min_length: int = PASSWORD_MIN) -> None:
    """Refuse a password that is short, among the most common ones, or the username itself."""
    if len(password) < min_length:
        raise InvalidInput(_("The password needs at least %(n)s characters.", n=min_length), field="password")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(_("The password may have at most %(n)s characters.", n=PASSWORD_MAX), field="password")
    folded = password.strip().casefold()
    if username and folded == username.strip().casefold():
        raise InvalidInput(_("The password may not be the username."), field="password")
    if folded in common_passwords():
        raise InvalidInput(_("This password is one of the most common ones and easy to guess. Choose another."),
                           field="password")


def _audit(session: Session, by: User | None, action: str, user: User, address: str | None = None, *,
           commit: bool = False, **detail) -> None:
    """Account changes are on record; `by` None means the `hotline` command on the server."""
    audit.record(session=session, actor_id=by.id if by else None, action=action, target_type="user",
                 target_id=user.id, address=address, detail={**detail, **({} if by else {"via": "cli"})},
                 commit=commit)


def _check_roles(roles: Iterable[str]) -> list[Role]:
    checked = []
    for role in roles:
        try:
            checked.append(Role(role))
        except ValueError:
            raise InvalidInput(_("Unknown role: %(role)s", role=role), field="roles") from None
    if not checked:
        raise InvalidInput(_("Choose at least one role."), field="roles")
    return sorted(set(checked))


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def find_user(*, session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username.strip().lower())).first()


def active_users_with(*, session: Session, role: Role) -> list[User]:
    """Active users holding `role`, by name: the people a form may offer (supervisors for a hand-over…)."""
    return [user for user in session.exec(select(User).where(User.is_active.is_(True)).order_by(User.display_name))
            if role in user.roles]


def find_user_with(*, session: Session, username: str, role: Role, active_only: bool = True) -> User | None:
    user = find_user(session=session, username=username or "")
    if user is None or role not in user.roles or (active_only and not user.is_active):
        return None
    return user


def people(*, session: Session, ids: Iterable[int] | None = None) -> dict[int, User]:
    """Users by id (those of `ids`, or everyone): to put names to the ids a record holds."""
    query = select(User) if ids is None else select(User).where(col(User.id).in_(list(ids)))
    return {user.id: user for user in session.exec(query)}


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)))


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    roles: Iterable[str],
    display_name: str | None = None,
    locale: str | None = None,
    by: User | None = None,
    address: str | None = None,
    min_length: int = PASSWORD_MIN,
) -> User:
    username = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            _("A username has 2 to 64 characters: lower-case letters, digits, dot, dash or underscore."),
            field="username",
        )
    display_name = (display_name or "").strip() or username
    if len(display_name) > DISPLAY_NAME_MAX:
        raise InvalidInput(_("The display name may have at most %(n)s characters.", n=DISPLAY_NAME_MAX),
                           field="display_name")
    check_password_policy(password, username=username, min_length=min_length)
    checked_roles = _check_roles(roles)
    if locale is not None and locale not in LOCALES:
        raise InvalidInput(_("Unknown language."), field="locale")
    if find_user(session=session, username=username):
        raise Conflict(_("The username %(name)s is taken.", name=username), field="username")
    user = User(username=username, display_name=display_name, password_hash=hash_password(password), locale=locale)
    user.role_links = [UserRole(role=role.value) for role in checked_roles]
    session.add(user)
    session.flush()
    _audit(session, by, "user.create", user, address, roles=[role.value for role in checked_roles])
    session.commit()
    session.refresh(user)
    return user


def _lock_active_admins(session: Session) -> None:
    """Before a change that may take an admin away: on PostgreSQL, lock the active admins' rows, so two
    admins disabling each other at once cannot both pass the check (the second waits, then sees the first
    gone). SQLite has one writer at a time, which the flush before the count in _keep_an_admin takes."""
    session.exec(select(User.id).join(UserRole, col(UserRole.user_id) == User.id)
                 .where(User.is_active.is_(True), UserRole.role == Role.admin.value).with_for_update(of=User))


def _active_admins(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User).join(UserRole, col(UserRole.user_id) == User.id)
                        .where(User.is_active.is_(True), UserRole.role == Role.admin.value)).one()


def _keep_an_admin(session: Session) -> None:
    """Refuse (rolling the change back) if the change just flushed left no active administrator: with
    none, nobody could add or restore anyone, short of the `hotline` command on the server."""
    session.flush()
    if not _active_admins(session):
        session.rollback()
        raise Conflict(_("At least one active administrator must remain."))


def set_roles(*, session: Session, user: User, roles: Iterable[str], by: User | None = None,
              address: str | None = None) -> User:
    checked = _check_roles(roles)
    losing_admin = Role.admin in user.roles and Role.admin not in checked
    if losing_admin:
        _lock_active_admins(session)
    _audit(session, by, "user.roles", user, address, before=sorted(r.value for r in user.roles),
           after=[role.value for role in checked])
    user.role_links = [UserRole(user_id=user.id, role=role.value) for role in checked]
    user.session_version += 1  # a role change takes effect now, not at the next login
    session.add(user)
    if losing_admin:
        _keep_an_admin(session)
    session.commit()
    session.refresh(user)
    return user


def set_active(*, session: Session, user: User, active: bool, by: User | None = None,
               address: str | None = None) -> User:
    """Enable or disable an account. Nobody disables their own (`by`: the admin doing it; None for the
    `hotline` command), and the last active administrator stays: both kept here, for every way in."""
    disabling = user.is_active and not active
    if disabling and by is not None and by.id == user.id:
        raise Conflict(_("You cannot disable your own account."))
    if disabling and Role.admin in user.roles:
        _lock_active_admins(session)
    if user.is_active != active:
        _audit(session, by, "user.enable" if active else "user.disable", user, address)
    user.is_active = active
    if not active:
        user.session_version += 1
        revoke_tokens(session=session, user=user, commit=False, by=by, address=address)
    session.add(user)
    if disabling and Role.admin in user.roles:
        _keep_an_admin(session)
    session.commit()
    session.refresh(user)
    return user


def set_password(*, session: Session, user: User, new_password: str, by: User | None = None,
                 address: str | None = None, min_length: int = PASSWORD_MIN) -> User:
    check_password_policy(new_password, username=user.username, min_length=min_length)
    _audit(session, by, "user.password" if by is not None and by.id == user.id else "user.password_reset",
           user, address)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def end_all_sessions(*, session: Session, user: User) -> User:
    """Log the user out of every browser: their cookies carry the old session version."""
    user.session_version += 1
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def change_own_password(*, session: Session, user: User, current_password: str, new_password: str,
                        address: str | None = None, min_length: int = PASSWORD_MIN) -> User:
    if not _verify(user.password_hash, current_password):
        raise InvalidInput(_("The current password is not right."), field="current_password")
    return set_password(session=session, user=user, new_password=new_password, by=user, address=address,
                        min_length=min_length)


def set_locale_preference(*, session: Session, user: User, locale: str) -> User:
    if locale not in LOCALES:
        raise InvalidInput(_("Unknown language."), field="locale")
    user.locale = locale
    session.add(user)
    session.commit()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _recent_failures(session: Session, column, value: str, since) -> int:
    statement = select(func.count()).select_from(LoginAttempt).where(
        column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
    )
    return session.exec(statement).one()


def password_matches(user: User, password: str) -> bool:
    return _verify(user.password_hash, (password or "")[:PASSWORD_MAX])


def check_login_throttle(*, session: Session, username: str, address: str | None, max_failures_account: int = 5,
                         max_failures_address: int = 20, window_minutes: int = 15) -> None:
    since = utcnow() - timedelta(minutes=window_minutes)
    if (
        _recent_failures(session, LoginAttempt.username, username, since) >= max_failures_account
        or _recent_failures(session, LoginAttempt.address, (address or "unknown")[:64], since) >= max_failures_address
    ):
        audit.record(session=session, actor_id=None, action="login.failure", target_type="user", address=address,
                     detail={"username": username, "why": "throttled"})
        raise TooManyRequests(
            _("Too many failed logins. Wait %(n)s minutes and try again, or ask an administrator.",
              n=window_minutes),
            headers={"Retry-After": str(window_minutes * 60)},
        )


def note_login_attempt(*, session: Session, username: str, address: str | None, succeeded: bool) -> None:
    """A second-factor code tried: counted by the login throttle, and a failure is audited."""
    session.add(LoginAttempt(username=username, address=(address or "unknown")[:64], succeeded=succeeded))
    if not succeeded:
        audit.record(session=session, actor_id=None, action="login.failure", target_type="user", address=address,
                     detail={"username": username, "why": "wrong second-factor code"}, commit=False)
    session.commit()


def authenticate(
    *,
    session: Session,
    username: str,
    password: str,
    address: str,
    max_failures_account: int = 5,
    max_failures_address: int = 20,
    window_minutes: int = 15,
) -> User:
    """Check a login. Throttled per account and per address; every attempt is recorded."""
    username = (username or "").strip().lower()[:64]
    address = (address or "unknown")[:64]
    if not username or not password:
        raise InvalidInput(_("Enter your username and password."))
    check_login_throttle(session=session, username=username, address=address,
                         max_failures_account=max_failures_account, max_failures_address=max_failures_address,
                         window_minutes=window_minutes)
    user = find_user(session=session, username=username)
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password[:PASSWORD_MAX]) and user is not None
    succeeded = ok and user.is_active
    session.add(LoginAttempt(username=username, address=address, succeeded=succeeded))
    # A failure names the account tried, never the password typed.
    audit.record(session=session, actor_id=user.id if user else None,
                 action="login.success" if succeeded else "login.failure", target_type="user",
                 target_id=user.id if user else None, address=address,
                 detail={} if succeeded else {"username": username,
                                              "why": "disabled" if ok else "wrong password or name"},
                 commit=False)
    session.commit()
    if not ok:
        raise LoginFailed(_("Wrong username or password."))
    if not user.is_active:
        raise LoginFailed(_("This account is disabled. Ask an administrator."), status_code=403)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
        session.commit()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, session: Session, user: User, by: User | None = None, address: str | None = None) -> str:
    """A new API token for the user. Only its hash is stored; the plain token is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    _audit(session, by, "token.issue", user, address)
    session.commit()
    return token


def revoke_tokens(*, session: Session, user: User, commit: bool = True, by: User | None = None,
                  address: str | None = None) -> int:
    tokens = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
        session.add(token)
    if tokens:
        _audit(session, by, "token.revoke", user, address, count=len(tokens))
    if commit:
        session.commit()
    return len(tokens)


def active_token_count(*, session: Session, user: User) -> int:
    return session.exec(
        select(func.count()).select_from(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    ).one()


# How stale a token's "last used" may be. Written on every request it cost each API autosave a write and
# a commit, the busiest integration's most of all; to the minute is what a person reading it needs.
TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)

# Token, user and roles in one round trip: an integration sends every one of its requests through here.
_TOKEN_USER = (
    select(User, ApiToken.id, ApiToken.last_used_at)
    .join(ApiToken, col(ApiToken.user_id) == col(User.id))
    .options(joinedload(User.role_links))
    .where(col(ApiToken.token_hash) == bindparam("token_hash"), col(ApiToken.revoked_at).is_(None))
)


def token_hash(token: str) -> str | None:
    """The hash a token is kept (and remembered, accounts/logins.py) by; None for what cannot be a token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return _token_hash(token)


def token_use_due(used_at: datetime | None, now: datetime) -> bool:
    """Whether a token last used at `used_at` is due a note of its use (`TOKEN_USE_RECORDED_EVERY`)."""
    return used_at is None or now - used_at >= TOKEN_USE_RECORDED_EVERY


def token_login(*, session: Session, hashed: str, now: datetime | None = None) -> tuple[User, int, datetime] | None:
    """The active user holding the unrevoked token of this hash, the token's id and its last use (written now
    if due, to the minute); None when there is none."""
    found = session.execute(_TOKEN_USER, {"token_hash": hashed}).unique().first()
    if found is None:
        return None
    user, token_id, last_used_at = found
    if not user.is_active:
        return None
    now = now or utcnow()
    if token_use_due(last_used_at, now):
        # Not a change to the login: the in-process memory of logins (logins.py) keeps what it has.
        session.execute(update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now)
                        .execution_options(**{logins.LOGIN_UNCHANGED: True}))
        session.commit()
        last_used_at = now
    return user, token_id, last_used_at


def user_for_token(*, session: Session, token: str, now: datetime | None = None) -> User | None:
    """The active user holding this unrevoked token, or None. Records when the token was used, to the
    minute (`TOKEN_USE_RECORDED_EVERY`)."""
    hashed = token_hash(token)
    found = token_login(session=session, hashed=hashed, now=now) if hashed else None
    return found[0] if found else None
