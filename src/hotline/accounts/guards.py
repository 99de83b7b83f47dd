"""Who is asking, and may they? Every route names its guard in its signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hotline.accounts import service
from hotline.accounts.models import Role, User
from hotline.deps import SessionDep
from hotline.errors import Forbidden, NotAuthenticated
from hotline.i18n import _

SESSION_USER = "uid"
SESSION_VERSION = "sv"


def _user_from_request(request: Request, session) -> User | None:
    authorization = request.headers.get("authorization")
    if authorization is not None:
        # A request that presents a token is judged by the token alone, never by a cookie beside it.
        scheme, _sep, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return service.user_for_token(session=session, token=token.strip())
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_active or request.session.get(SESSION_VERSION) != user.session_version:
        request.session.clear()
        return None
    return user


def require(*roles: Role):
    """A dependency that lets in a logged-in user holding any of `roles` (any user when none given)."""

    def guard(request: Request, session: SessionDep) -> User:
        user = _user_from_request(request, session)
        # Give the connection back before the route waits for its turn on a worker thread. Held across
        # that wait, requests holding connections queue for threads taken by requests queued for
        # connections, and under load everything stalls until the pool timeout.
        session.commit()
        if user is None:
            raise NotAuthenticated(_("Please log in."))
        request.state.user = user
        if not user.has_any(*roles):
            raise Forbidden(_("Your role does not give access to this page."))
        return user

    guard.roles = roles  # read by the permission table test and the docs
    return guard


def optional_user(request: Request, session: SessionDep) -> User | None:
    user = _user_from_request(request, session)
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(require())]
AdminUser = Annotated[User, Depends(require(Role.admin))]
MaybeUser = Annotated[User | None, Depends(optional_user)]


def start_session(request: Request, user: User) -> None:
    request.session.clear()
    request.session[SESSION_USER] = user.id
    request.session[SESSION_VERSION] = user.session_version


def end_session(request: Request) -> None:
    request.session.clear()
