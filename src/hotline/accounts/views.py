"""Login, language, own password, user administration and /api/v1/me."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hotline.accounts import service, totp
from hotline.accounts.guards import AdminUser, CurrentUser, MaybeUser, end_session, start_session
from hotline.accounts.models import Me, Role
from hotline.audit.service import record as audit
from hotline.config import LOCALES
from hotline.deps import SessionDep, SettingsDep
from hotline.errors import Conflict, HotlineError, InvalidInput
from hotline.i18n import LOCALE_COOKIE, _
from hotline.pages import client_address, flash, is_htmx, render

pages = APIRouter()
api = APIRouter()

# Generous caps: the services apply the real rules and say what they are.
ShortField = Annotated[str, Form(max_length=300)]
OptionalShortField = Annotated[str, Form(max_length=300)]


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login form cannot be used to bounce people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _set_locale_cookie(response, request: Request, locale: str) -> None:
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="lax", httponly=True,
                        secure=request.app.state.settings.secure_cookies)


@pages.get("/login")
def login_form(request: Request, user: MaybeUser, next: str = "/"):
    if user is not None:
        return _redirect(_safe_next(next))
    return render(request, "accounts/login.html", {"next": _safe_next(next)})


@pages.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=300)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
):
    address = request.client.host if request.client else "unknown"
    try:
        user = service.authenticate(
            session=session, username=username, password=password, address=address,
            max_failures_account=settings.login_max_failures_account,
            max_failures_address=settings.login_max_failures_address,
            window_minutes=settings.login_window_minutes,
        )
    except HotlineError as error:
        return render(
            request, "accounts/login.html",
            {"next": _safe_next(next), "error": error.message, "username": username[:64]},
            status_code=error.status_code, headers=error.headers,
        )
    if user.uses_totp:
        # The password was right; the session starts only after the code from the authenticator.
        request.session.clear()
        request.session.update({PENDING_USER: user.id, PENDING_VERSION: user.session_version,
                                PENDING_AT: int(time.time())})
        return _redirect("/login/totp?next=" + quote(_safe_next(next), safe="/"))
    return _logged_in(request, user, next)


def _logged_in(request: Request, user, next: str):
    start_session(request, user)
    response = _redirect(_safe_next(next))
    if user.locale:
        _set_locale_cookie(response, request, user.locale)
    return response


PENDING_USER, PENDING_VERSION, PENDING_AT = "totp_uid", "totp_sv", "totp_at"
PENDING_SECONDS = 300


def _pending_user(request: Request, session):
    user_id, started = request.session.get(PENDING_USER), request.session.get(PENDING_AT)
    if not isinstance(user_id, int) or not isinstance(started, int) or time.time() - started > PENDING_SECONDS:
        return None
    user = service.people(session=session, ids=[user_id]).get(user_id)
    if user is None or not user.is_active or user.session_version != request.session.get(PENDING_VERSION):
        return None
    return user


def _login_again(request: Request):
    response = _redirect("/login")
    flash(response, request, _("The login took too long. Enter your password again."))
    return response


@pages.get("/login/totp")
def totp_login_form(request: Request, session: SessionDep, next: str = "/"):
    if _pending_user(request, session) is None:
        return _login_again(request)
    return render(request, "accounts/login_totp.html", {"next": _safe_next(next)})


@pages.post("/login/totp")
def totp_login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
):
    user = _pending_user(request, session)
    if user is None:
        return _login_again(request)
    try:
        service.check_login_throttle(session=session, username=user.username, address=client_address(request),
                                     max_failures_account=settings.login_max_failures_account,
                                     max_failures_address=settings.login_max_failures_address,
                                     window_minutes=settings.login_window_minutes)
        ok = totp.verify(session=session, user=user, code=code)
        service.note_login_attempt(session=session, username=user.username, address=client_address(request),
                                   succeeded=ok)
        if not ok:
            raise InvalidInput(_("That code is not right. Enter the newest code from your authenticator app, "
                                 "or a recovery code."), field="code", status_code=401)
    except HotlineError as error:
        return render(request, "accounts/login_totp.html", {"next": _safe_next(next), "error": error.message},
                      status_code=error.status_code, headers=error.headers)
    return _logged_in(request, user, next)


@pages.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    user: MaybeUser,
    reason: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
):
    if user is not None:
        audit(session=session, actor_id=user.id, action="logout", target_type="user", target_id=user.id,
              address=client_address(request), detail={"why": "idle"} if reason == "idle" else None)
    end_session(request)
    if reason == "idle":
        # The page logged itself out after its warning: come back to the same place after logging in.
        response = _redirect("/login?next=" + quote(_safe_next(next), safe="/"))
        flash(response, request, _("You were logged out after a time without activity. Please log in again; "
                                   "notes not yet saved are kept on this device."))
        return response
    response = _redirect("/login")
    flash(response, request, _("You have logged out."))
    return response


@pages.post("/account/logout-everywhere")
def logout_everywhere(request: Request, session: SessionDep, user: CurrentUser):
    service.end_all_sessions(session=session, user=user)
    audit(session=session, actor_id=user.id, action="session.logout_all", target_type="user", target_id=user.id,
          address=client_address(request))
    end_session(request)
    response = _redirect("/login")
    flash(response, request, _("Every session of your account has ended, this one too."), "success")
    return response


@pages.post("/account/keepalive")
def keepalive(user: CurrentUser):
    """The page says someone is working on it (typing, clicking) though it sent nothing else lately."""
    return Response(status_code=204)


@pages.post("/locale")
def switch_locale(
    request: Request,
    session: SessionDep,
    user: MaybeUser,
    locale: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
):
    if locale not in LOCALES:
        raise InvalidInput(_("Unknown language: %(locale)s", locale=locale[:20]), status_code=400)
    if user is not None:
        service.set_locale_preference(session=session, user=user, locale=locale)
    response = _redirect(_safe_next(next))
    _set_locale_cookie(response, request, locale)
    return response


@pages.get("/")
def home(request: Request, user: CurrentUser):
    return render(request, "home.html", {"roles": sorted(user.roles)})


@pages.get("/account/password")
def password_form(request: Request, settings: SettingsDep, user: CurrentUser):
    return render(request, "accounts/password.html", {"min_length": settings.password_min_length})


@pages.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    repeat_password: Annotated[str, Form(max_length=1000)] = "",
):
    try:
        if new_password != repeat_password:
            raise InvalidInput(_("The two new passwords differ."), field="repeat_password")
        service.change_own_password(
            session=session, user=user, current_password=current_password, new_password=new_password,
            address=client_address(request), min_length=settings.password_min_length,
        )
    except HotlineError as error:
        return render(request, "accounts/password.html",
                      {"error": error.message, "field": error.field, "min_length": settings.password_min_length},
                      status_code=error.status_code)
    start_session(request, user)  # keep this browser logged in; others are logged out
    response = _redirect("/")
    flash(response, request, _("Your password is changed. Other sessions have been logged out."), "success")
    return response


# --- two-step login -------------------------------------------------------------------------------

def _totp_page(request: Request, session, user, settings, *, error=None, codes=None, status_code=200):
    return render(request, "accounts/totp.html", {
        "error": error, "codes": codes, "required": totp.must_enrol(user, required=settings.require_totp)
        or (settings.require_totp and user.has_any(*totp.TOTP_ROLES)),
        "secret": user.totp_pending_secret, "uri": totp.provisioning_uri(user) if user.totp_pending_secret else None,
        "qr": totp.qr_svg(user) if user.totp_pending_secret else None,
        "codes_left": totp.recovery_codes_left(session=session, user=user) if user.uses_totp else None,
    }, status_code=status_code)


@pages.get("/account/totp")
def totp_page(request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser):
    return _totp_page(request, session, user, settings)


@pages.post("/account/totp/start")
def totp_start(request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser):
    totp.start_enrolment(session=session, user=user)
    return _totp_page(request, session, user, settings)


@pages.post("/account/totp/confirm")
def totp_confirm(request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser,
                 code: Annotated[str, Form(max_length=40)] = ""):
    try:
        codes = totp.confirm_enrolment(session=session, user=user, code=code)
    except HotlineError as error:
        return _totp_page(request, session, user, settings, error=error.message, status_code=error.status_code)
    audit(session=session, actor_id=user.id, action="totp.enable", target_type="user", target_id=user.id,
          address=client_address(request))
    start_session(request, user)  # this browser stays in; the others log in again, now with a code
    return _totp_page(request, session, user, settings, codes=codes)


@pages.post("/account/totp/off")
def totp_off(request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser,
             current_password: Annotated[str, Form(max_length=1000)] = ""):
    try:
        if settings.require_totp and user.has_any(*totp.TOTP_ROLES):
            raise Conflict(_("Two-step login is required for your role."))
        if not service.password_matches(user, current_password):
            raise InvalidInput(_("The current password is not right."), field="current_password")
    except HotlineError as error:
        return _totp_page(request, session, user, settings, error=error.message, status_code=error.status_code)
    totp.turn_off(session=session, user=user)
    audit(session=session, actor_id=user.id, action="totp.disable", target_type="user", target_id=user.id,
          address=client_address(request))
    start_session(request, user)
    response = _redirect("/account/totp")
    flash(response, request, _("Two-step login is off."), "success")
    return response


# --- administration -------------------------------------------------------------------------------

def _users_page(request: Request, session, *, error=None, form=None, status_code=200):
    users = service.list_users(session=session)
    tokens = {u.id: service.active_token_count(session=session, user=u) for u in users}
    return render(
        request, "accounts/users.html",
        {"users": users, "tokens": tokens, "all_roles": list(Role), "error": error, "form": form or {}},
        status_code=status_code,
    )


@pages.get("/admin/users")
def users_page(request: Request, session: SessionDep, admin: AdminUser):
    return _users_page(request, session)


@pages.post("/admin/users")
def add_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminUser,
    username: ShortField = "",
    display_name: OptionalShortField = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    roles: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 - FastAPI copies defaults
):
    try:
        user = service.create_user(
            session=session, username=username, display_name=display_name, password=password, roles=roles,
            by=admin, address=client_address(request), min_length=settings.password_min_length,
        )
    except HotlineError as error:
        form = {"username": username[:64], "display_name": display_name[:120], "roles": roles}
        return _users_page(request, session, error=error.message, form=form, status_code=error.status_code)
    response = _redirect("/admin/users")
    flash(response, request, _("User %(name)s added.", name=user.username), "success")
    return response


def _user_row(request: Request, session, user, *, error=None, status_code=200):
    """The row alone for HTMX; the whole page otherwise."""
    if is_htmx(request):
        return render(
            request, "accounts/users.html",
            {"u": user, "tokens": {user.id: service.active_token_count(session=session, user=user)},
             "all_roles": list(Role), "row_error": error},
            block="user_row", status_code=status_code,
        )
    if error:
        return _users_page(request, session, error=error, status_code=status_code)
    return _redirect("/admin/users")


@pages.post("/admin/users/{user_id}/roles")
def change_roles(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    user_id: int,
    roles: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006
):
    user = service.get_user(session=session, user_id=user_id)
    try:
        service.set_roles(session=session, user=user, roles=roles, by=admin, address=client_address(request))
    except HotlineError as error:
        return _user_row(request, session, user, error=error.message, status_code=error.status_code)
    return _user_row(request, session, user)


@pages.post("/admin/users/{user_id}/active")
def change_active(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    user_id: int,
    active: Annotated[bool, Form()] = False,
):
    user = service.get_user(session=session, user_id=user_id)
    try:
        service.set_active(session=session, user=user, active=active, by=admin, address=client_address(request))
    except HotlineError as error:
        return _user_row(request, session, user, error=error.message, status_code=error.status_code)
    return _user_row(request, session, user)


@pages.post("/admin/users/{user_id}/password")
def reset_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminUser,
    user_id: int,
    password: Annotated[str, Form(max_length=1000)] = "",
):
    user = service.get_user(session=session, user_id=user_id)
    try:
        service.set_password(session=session, user=user, new_password=password, by=admin,
                             address=client_address(request), min_length=settings.password_min_length)
    except HotlineError as error:
        return _user_row(request, session, user, error=error.message, status_code=error.status_code)
    return _user_row(request, session, user)


@pages.post("/admin/users/{user_id}/totp/off")
def reset_totp(request: Request, session: SessionDep, admin: AdminUser, user_id: int):
    """For someone who lost both their phone and their recovery codes."""
    user = service.get_user(session=session, user_id=user_id)
    totp.turn_off(session=session, user=user)
    audit(session=session, actor_id=admin.id, action="totp.reset", target_type="user", target_id=user.id,
          address=client_address(request))
    return _user_row(request, session, user)


@pages.post("/admin/users/{user_id}/tokens/revoke")
def revoke_tokens(request: Request, session: SessionDep, admin: AdminUser, user_id: int):
    user = service.get_user(session=session, user_id=user_id)
    service.revoke_tokens(session=session, user=user, by=admin, address=client_address(request))
    return _user_row(request, session, user)


# --- JSON API -------------------------------------------------------------------------------------

@api.get("/me", response_model=Me)
def me(user: CurrentUser) -> Me:
    return Me(username=user.username, display_name=user.display_name, roles=sorted(user.roles), locale=user.locale)


def login_redirect(path: str) -> RedirectResponse:
    return _redirect("/login?next=" + quote(path, safe="/"))
