"""Jinja2 environment and the one helper that renders a whole page, or one named block for HTMX."""

from __future__ import annotations

from datetime import UTC, date, datetime

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2_fragments import render_block
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hotline import i18n
from hotline.csrf import SCOPE_KEY as CSRF_SCOPE_KEY
from hotline.i18n import LOCALES
from hotline.resources import TEMPLATES

FLASH_COOKIE = "hotline_flash"

environment = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates change only with a release: no stat() of each template on every render
)
environment.install_gettext_callables(
    lambda message: i18n.translations(i18n.get_locale()).gettext(message),
    lambda singular, plural, n: i18n.translations(i18n.get_locale()).ngettext(singular, plural, n),
    newstyle=True,
)


@pass_context
def _local_time(context, value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Stored times are UTC; people read them in the line's time zone, the settings of the app that renders
    (two apps in one process, as in the tests, each keep their own)."""
    if value is None:
        return ""
    request = context.get("request")
    tz = request.app.state.settings.tz if request is not None else UTC
    return value.astimezone(tz).strftime(fmt)


@pass_context
def _local_clock_or_date(context, value: datetime | None, now: datetime) -> str:
    """A moment as its clock time when it falls on the same day as `now` on the line's clock, else with its
    date: "by 10:25" must not read as today's 10:25 when it is tomorrow's."""
    if value is None:
        return ""
    request = context.get("request")
    tz = request.app.state.settings.tz if request is not None else UTC
    local = value.astimezone(tz)
    return local.strftime("%H:%M" if local.date() == now.astimezone(tz).date() else "%Y-%m-%d %H:%M")


def install_template_helpers(*, globals: dict, filters: dict) -> None:
    """Put the domains' template helpers in place, once, from create_app (see routes.template_helpers).
    Installing the same helpers again is harmless: the second app of a test run finds them as they are."""
    environment.globals.update(locales=LOCALES, locale_name=i18n.locale_name, in_both_languages=i18n.in_both_languages,
                               **globals)
    environment.filters.update(local_time=_local_time, local_clock_or_date=_local_clock_or_date, **filters)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def _flash_serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.secret_key, salt="flash")


def flash(response: Response, request: Request, message: str, category: str = "info") -> None:
    """Leave a message for the next page this browser renders (post/redirect/get)."""
    value = _flash_serializer(request).dumps([category, str(message)])
    response.set_cookie(FLASH_COOKIE, value, httponly=True, samesite="lax",
                        secure=request.app.state.settings.secure_cookies, max_age=120)


def _take_flash(request: Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        category, message = _flash_serializer(request).loads(raw)
    except (BadSignature, ValueError, TypeError):
        return []
    return [(str(category), str(message))]


def csrf_token(request: Request) -> str:
    getter = request.scope.get(CSRF_SCOPE_KEY)
    return getter() if getter else ""


def render(
    request: Request,
    template: str,
    context: dict | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict | None = None,
) -> HTMLResponse:
    """The whole page normally; only `block` when HTMX asks, so one template serves both."""
    messages = _take_flash(request)
    values = {
        "request": request,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "locale": i18n.get_locale(),
        "flash_messages": messages,
        **(context or {}),
    }
    tmpl = environment.get_template(template)
    if block and is_htmx(request):
        html = render_block(environment, template, block, **values)
    else:
        html = tmpl.render(**values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request"
    if messages:
        response.delete_cookie(FLASH_COOKIE)
    return response


def go_to(url: str, request: Request) -> Response:
    """After a POST: a 303 for a plain form, an HX-Redirect for HTMX (which would otherwise swap the page in)."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def line_today(request: Request) -> date:
    """Today in the line's timezone, not the server's."""
    return datetime.now(request.app.state.settings.tz).date()
