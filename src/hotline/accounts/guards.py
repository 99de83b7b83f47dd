"""Who is asking, and may they? Every route names its guard in its signature."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from sqlmodel import Session

from hotline import overload
from hotline.accounts import logins, service, totp
from hotline.accounts.models import Role, User
from hotline.deps import SessionDep
from hotline.errors import Busy, Forbidden, NotAuthenticated, TotpRequired
from hotline.i18n import _

TOTP_SETUP = "/account/totp"
SESSION_USER = "uid"
SESSION_VERSION = "sv"
SESSION_ID = "sid"  # new at every login, so a cookie from before the login is never the one after it
SESSION_SEEN = "seen"  # last time the person did something (epoch seconds), for the idle timeout
# Requests a page makes by itself (polling) do not count as someone being at the keyboard.
BACKGROUND_HEADER = "x-hotline-background"
# The browser logs out on its own clock first; the server allows this much more before refusing.
IDLE_GRACE_SECONDS = 30


def now() -> float:
    return time.time()


def _idle_expired(request: Request) -> bool:
    """True (and the session ended) when nothing was done for longer than the idle limit."""
    limit = request.app.state.settings.idle_minutes * 60 + IDLE_GRACE_SECONDS
    seen = request.session.get(SESSION_SEEN)
    moment = now()
    if not isinstance(seen, int | float) or moment - seen > limit:
        request.session.clear()
        request.state.idle_logout = True
        return True
    if request.headers.get(BACKGROUND_HEADER) != "1":
        request.session[SESSION_SEEN] = int(moment)
    return False


def _user_from_request(request: Request, session, *, remember: float = 0) -> tuple[User | None, bool | None]:
    """The user behind the request, and whether they set up two-step login (None: read it off the user).
    With `remember` (seconds), a cookie's user is taken from the last few seconds' memory of this
    process when it matches the cookie (logins.py), and kept there when read."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        # A request that presents a token is judged by the token alone, never by a cookie beside it.
        scheme, _sep, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None, None
        if not remember:
            return service.user_for_token(session=session, token=token.strip()), None
        return _token_user(session, token.strip(), remember), None
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None, None
    engine = session.get_bind()
    remembered = logins.CACHE.get(engine, user_id) if remember else None
    if remembered is not None and remembered.is_active \
            and request.session.get(SESSION_VERSION) == remembered.session_version:
        user, uses_totp = remembered.user(session), remembered.uses_totp
    else:
        # Nothing remembered, or what is remembered does not match the cookie (a login made after a change
        # this process has not seen yet): the database decides.
        generation = logins.CACHE.generation()
        user = session.execute(_USER_WITH_ROLES, {"user_id": user_id}).unique().scalar_one_or_none()
        if user is None or not user.is_active or request.session.get(SESSION_VERSION) != user.session_version:
            request.session.clear()
            return None, None
        uses_totp = None
        if remember:
            uses_totp = user.uses_totp
            logins.CACHE.keep(engine, user, seconds=remember, generation=generation, uses_totp=uses_totp)
    if _idle_expired(request):
        return None, None
    return user, uses_totp


def _token_user(session, token: str, remember: float) -> User | None:
    """The user behind an API token, from the last few seconds' memory of this process when there and
    the token's use is not due to be written (logins.py), else from the database, and then kept."""
    hashed = service.token_hash(token)
    if hashed is None:
        return None
    engine = session.get_bind()
    now = service.utcnow()
    remembered = logins.CACHE.get_token(engine, hashed)
    if remembered is not None and remembered.login.is_active and not service.token_use_due(remembered.used_at, now):
        return remembered.login.user(session)
    generation = logins.CACHE.generation()
    found = service.token_login(session=session, hashed=hashed, now=now)
    if found is None:
        return None
    user, token_id, used_at = found
    logins.CACHE.keep_token(engine, hashed, user, token_id=token_id, used_at=used_at, seconds=remember,
                            generation=generation)
    return user


# Built once, roles in the same query: the guard runs on every request.
_USER_WITH_ROLES = select(User).options(joinedload(User.role_links)).where(User.id == bindparam("user_id"))


def _who_is_asking(request: Request, session) -> User | None:
    """The user behind the request, read in autocommit: one round trip to the database instead of three
    (BEGIN, SELECT, COMMIT). The connection goes back before the route waits for its turn on a worker
    thread: held across that wait, requests holding connections queue for threads taken by requests
    queued for connections, and under load everything stalls until the pool timeout. The route's own
    work starts a real transaction afterwards."""
    if not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    user, _uses_totp = _user_from_request(request, session)
    session.commit()
    return user


def turn_away_if_late(request: Request) -> None:
    """Called where a request's work starts on a worker thread: one that waited longer than
    max_queue_wait_ms for that thread is refused now (503, Retry-After), before any database work. Under a
    burst past capacity this drops what nobody waits for any more, so what is accepted is answered in time."""
    budget = request.app.state.settings.max_queue_wait_ms
    if budget and overload.waited(request.scope) * 1000 > budget:
        raise Busy()


def _admit(request: Request, user: User | None, roles: tuple[Role, ...], uses_totp: bool | None = None) -> User:
    """`user` if logged in, past two-step login where required, and holding any of `roles`; else the
    translated 401 or 403. `uses_totp`: whether the user set up two-step login, when already known."""
    if user is None:
        if getattr(request.state, "idle_logout", False):
            raise NotAuthenticated(_("You were logged out after a time without activity. Please log in "
                                     "again; notes not yet saved are kept on this device."))
        raise NotAuthenticated(_("Please log in."))
    request.state.user = user
    if (request.app.state.settings.require_totp and request.headers.get("authorization") is None
            and totp.must_enrol(user, required=True, uses_totp=uses_totp)
            and not request.url.path.startswith(TOTP_SETUP)):
        raise TotpRequired(_("Your role needs two-step login. Set it up now to go on."))
    if not user.has_any(*roles):
        raise Forbidden(_("Your role does not give access to this page."))
    return user


def require(*roles: Role):
    """A dependency that lets in a logged-in user holding any of `roles` (any user when none given)."""

    def guard(request: Request, session: SessionDep) -> User:
        turn_away_if_late(request)  # a sync dependency: this runs when the request's thread turn comes
        return _admit(request, _who_is_asking(request, session), roles)

    guard.roles = roles  # read by the permission table test and the docs
    return guard


Gate = Callable[[Session], User]


def require_on_route_thread(*roles: Role):
    """require(), for a route that does all its database work in one call on a worker thread: the
    dependency gives a gate the route calls first in that call, inside its own transaction. That saves
    the request a thread hop and a connection checkout of its own, which on the autosave, sent every
    second or two by every counsellor on a call, is a measurable share of the server's time. A request
    with no login at all is turned away at once, before the route reads its body."""

    async def gate(request: Request) -> Gate:
        if request.headers.get("authorization") is None and not isinstance(request.session.get(SESSION_USER), int):
            _admit(request, None, roles)

        def check(session: Session) -> User:
            turn_away_if_late(request)  # the route calls this first on its thread
            remember = request.app.state.settings.login_cache_seconds
            user, uses_totp = _user_from_request(request, session, remember=remember)
            return _admit(request, user, roles, uses_totp)

        # A body FastAPI refuses before the route runs is answered only after this check (app.py), so someone
        # without the role hears 401/403, as from any other guard, and not what was wrong with the body.
        request.state.gate = check
        return check

    gate.roles = roles
    return gate


def optional_user(request: Request, session: SessionDep) -> User | None:
    user = _who_is_asking(request, session)
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(require())]
AdminUser = Annotated[User, Depends(require(Role.admin))]
MaybeUser = Annotated[User | None, Depends(optional_user)]

# One guard per permission a role holds, declared once and imported where a route needs it.
CallWork = Annotated[User, Depends(require(Role.counsellor, Role.supervisor))]  # take calls, write notes
# The same permission for the autosave, checked on the route's own thread (see require_on_route_thread).
CallWorkOnRouteThread = Annotated[Gate, Depends(require_on_route_thread(Role.counsellor, Role.supervisor))]
Supervision = Annotated[User, Depends(require(Role.supervisor))]  # read others' calls, work the referral queue
SupervisionOnRouteThread = Annotated[Gate, Depends(require_on_route_thread(Role.supervisor))]  # the queue's poll
RosterEdit = Annotated[User, Depends(require(Role.coordinator))]  # edit shifts, assign, publish rosters
RosterRead = Annotated[User, Depends(require(Role.counsellor, Role.coordinator, Role.supervisor))]  # own shifts
StaffingWatch = Annotated[User, Depends(require(Role.coordinator, Role.supervisor))]  # who is on, staffing
Oversight = Annotated[User, Depends(require(Role.supervisor, Role.admin))]  # all reports, rules (view, test)


def start_session(request: Request, user: User) -> None:
    request.session.clear()
    request.session[SESSION_USER] = user.id
    request.session[SESSION_VERSION] = user.session_version
    request.session[SESSION_ID] = secrets.token_urlsafe(12)
    request.session[SESSION_SEEN] = int(now())


def end_session(request: Request) -> None:
    user_id = request.session.get(SESSION_USER)
    request.session.clear()
    if isinstance(user_id, int):
        logins.CACHE.forget([user_id])  # this process reads the user afresh at its next request
