"""The ASGI application: middleware, error rendering and the URL map."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import escape
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from hotline import i18n
from hotline.alerts import delivery
from hotline.config import Settings, load_settings
from hotline.csrf import SCOPE_KEY as CSRF_SCOPE_KEY
from hotline.csrf import CSRFMiddleware
from hotline.database import make_engine
from hotline.encryption import keys
from hotline.errors import Busy, HotlineError, NotAuthenticated, TotpRequired, describe_validation_errors
from hotline.i18n import _
from hotline.logs import RequestLogMiddleware, note_route
from hotline.overload import InFlightLimitMiddleware
from hotline.pages import csrf_token, flash, install_template_helpers, is_htmx, render
from hotline.resources import STATIC
from hotline.routes import include_routes, template_helpers
from hotline.rulebook.service import ActiveRules

log = logging.getLogger("hotline")

SESSION_COOKIE = "hotline_session"
DATABASE_AWAY_RETRY_SECONDS = 5  # Retry-After when the database cannot be reached


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "") and "text/html" not in request.headers.get("accept", "")
    )


def error_response(request: Request, status_code: int, message: str, *, field=None, headers=None, extra=None):
    """The same failure as JSON for the API, a fragment for HTMX, a full page for a browser."""
    message = str(message)
    if wants_json(request):
        body = {"detail": message, **(extra or {})}
        if field:
            body["field"] = field
        return JSONResponse(body, status_code=status_code, headers=headers)
    if is_htmx(request) and not request.headers.get("HX-Target", "").endswith("-error"):
        # Errors from a fragment go to the page's message area, not into the fragment's place; a form with
        # its own error slot (an element whose id ends in "-error") answers there, beside what was typed.
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML", **(headers or {})}
    return render(request, "errors/error.html", {"status_code": status_code, "message": message},
                  block="error_message", status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HotlineError)
    async def hotline_error(request: Request, exc: HotlineError):
        if isinstance(exc, Busy):
            return busy_response(request)
        if isinstance(exc, NotAuthenticated) and not wants_json(request):
            target = "/login?next=" + request.url.path
            if is_htmx(request):
                return error_response(request, 401, exc.message, headers={"HX-Redirect": target})
            if request.method == "GET":
                response = RedirectResponse(target, status_code=303)
                if getattr(request.state, "idle_logout", False):
                    flash(response, request, exc.message)
                return response
        if isinstance(exc, TotpRequired) and not wants_json(request):
            if is_htmx(request):
                return error_response(request, 403, exc.message, headers={"HX-Redirect": "/account/totp"})
            if request.method == "GET":
                response = RedirectResponse("/account/totp", status_code=303)
                flash(response, request, exc.message)
                return response
        headers = dict(exc.headers)
        if exc.event and is_htmx(request):
            headers["HX-Trigger"] = json.dumps({f"hotline:{exc.event}": {}})
        return error_response(request, exc.status_code, exc.message, field=exc.field, headers=headers,
                              extra=exc.extra)

    @app.exception_handler(StatementError)
    async def statement_error(request: Request, exc: StatementError):
        # SQLAlchemy wraps what a column type raises on write (a sealed field without its key).
        if isinstance(exc.orig, HotlineError):
            return await hotline_error(request, exc.orig)
        return await server_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        gate = getattr(request.state, "gate", None)
        if gate is not None:  # a route that checks the login on its own thread (require_on_route_thread)
            def check():
                with Session(request.app.state.engine) as session:
                    gate(session)

            try:
                await run_in_threadpool(check)
            except HotlineError as refused:
                return await hotline_error(request, refused)
        errors = exc.errors()
        message = describe_validation_errors(errors)
        return error_response(request, 422, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        messages = {
            400: _("The request could not be read: send text in UTF-8 (JSON for the API)."),
            404: _("This page does not exist."),
            405: _("This action is not allowed here."),
            413: _("What you sent is too large."),
        }
        return error_response(request, exc.status_code, messages.get(exc.status_code, _("The request failed.")),
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError):
        # Say what happened without the driver's text: it quotes the values that were being saved.
        # The failed transaction was rolled back, which expired the user loaded for this request.
        request.state.user = None
        if "out of range" in str(exc.orig).lower():
            return error_response(request, 422, _("A number in the request is out of range."))
        if "cannot contain nul" in str(exc.orig).lower():
            return error_response(request, 422, _("The text contains a NUL control character, which cannot be "
                                                  "stored. Remove it and try again."))
        if _disk_full(exc):
            log.error("database full on %s %s", request.method, request.url.path)
            return error_response(request, 507, _(
                "The database has no room left, so this was not saved. What you typed is kept on this page; "
                "tell an administrator."))
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            log.error("database unavailable (%s) on %s %s", type(exc.orig).__name__, request.method,
                      request.url.path)
            return error_response(request, 503, _(
                "The database cannot be reached just now. Nothing you typed is lost: this page keeps it and "
                "sends it when the database is back. Try again in a minute."),
                # The call screen honours Retry-After: a short one, so a note reaches the database within seconds
                # of its return; refusing is cheap, so the retries cost the server little.
                headers={"Retry-After": str(DATABASE_AWAY_RETRY_SECONDS)})
        return await server_error(request, exc)

    @app.exception_handler(OverflowError)
    async def number_too_large(request: Request, exc: OverflowError):
        # SQLite's driver refuses integers past 64 bits before the database sees them.
        return error_response(request, 422, _("A number in the request is out of range."))
    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout):
        # Every connection of this worker is busy: say so and when to retry, rather than a 500.
        log.warning("database pool exhausted on %s %s", request.method, request.url.path)
        return busy_response(request)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        # Log the route and the error type only: request bodies may hold what a caller said.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
        return error_response(request, 500, _("Something went wrong on our side. What you entered is kept; "
                                               "please try again, and tell an administrator if it goes on."))


# Stand-ins for what differs between two refused page loads in the same language, written into the one page
# made per language and replaced, escaped, in each refusal.
_BUSY_PATH = "/hotline-busy-path-7f3c"
_BUSY_TOKEN = "hotline-busy-token-7f3c"


class BusyAnswers:
    """The 503 a refusal answers (Busy: past the in-flight bound, a long wait for a thread, an empty pool),
    made once per language and kind (JSON, HTMX fragment, page) and then sent as the same bytes. Under a
    storm past capacity refusals come by the hundred a second, and each rendering a template took a share
    of the CPU the accepted saves needed. Still gettext, in the reader's language, with Retry-After, the
    same body error_response would make (tests/test_overload.py)."""

    def __init__(self):
        self._made: dict[tuple[str, str], bytes] = {}
        busy = Busy()
        self.status_code = busy.status_code
        self.headers = busy.headers

    def response(self, request: Request) -> Response:
        request.state.refused = True  # logged in aggregate, not a line each (logs.RequestLogMiddleware)
        kind = "json" if wants_json(request) else "htmx" if is_htmx(request) else "page"
        key = (i18n.get_locale(), kind)
        body = self._made.get(key)
        if body is None:
            body = self._made[key] = self._make(request, kind)
        headers = dict(self.headers)
        if kind == "json":
            return Response(body, self.status_code, headers, media_type="application/json")
        headers["Vary"] = "HX-Request"
        if kind == "htmx" and not request.headers.get("HX-Target", "").endswith("-error"):
            headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
        if kind == "page":
            body = (body.replace(_BUSY_PATH.encode(), str(escape(request.url.path)).encode())
                    .replace(_BUSY_TOKEN.encode(), str(escape(csrf_token(request))).encode()))
        return Response(body, self.status_code, headers, media_type="text/html")

    def _make(self, request: Request, kind: str) -> bytes:
        message = Busy().message
        if kind == "json":
            return JSONResponse({"detail": message}).body
        # Rendered as error_response would, for a request that differs from any other refused one only in
        # the stand-ins: no user (a refusal reads no login), no flash message (it waits for the next page).
        scope = {"type": "http", "method": "GET", "path": _BUSY_PATH, "query_string": b"", "app": request.app,
                 "headers": [(b"hx-request", b"true")] if kind == "htmx" else [],
                 "state": {}, CSRF_SCOPE_KEY: lambda: _BUSY_TOKEN}
        return render(Request(scope), "errors/error.html", {"status_code": self.status_code, "message": message},
                      block="error_message").body


def busy_response(request: Request) -> Response:
    return request.app.state.busy_answers.response(request)


async def refuse_when_busy(scope, receive, send) -> None:
    """The translated 503 for a request past the in-flight bound (LocaleMiddleware stands outside it)."""
    await busy_response(Request(scope, receive))(scope, receive, send)


def _disk_full(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "database or disk is full" in text or "no space left" in text or "could not extend file" in text


def request_locale(request: Request, default_locale: str) -> str:
    """The language for this request: chosen cookie, then Accept-Language, then the default."""
    chosen = request.cookies.get(i18n.LOCALE_COOKIE)
    if chosen in i18n.LOCALES_SUPPORTED:
        return chosen
    return i18n.negotiate(request.headers.get("accept-language"), default_locale)


class LocaleMiddleware:
    """Sets the language for this request: chosen cookie, then Accept-Language, then the default."""

    def __init__(self, app, default_locale: str):
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        token = i18n.set_locale(request_locale(Request(scope), self.default_locale))
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.reset_locale(token)


class BodyTooLarge(StarletteHTTPException):
    """Raised by a request's receive() once its body has passed the limit; answered with the translated 413.

    An HTTPException, so FastAPI lets it through its body parsing and http_error renders it wherever it
    surfaces; what a middleware reads (the CSRF check) reaches BodyLimitMiddleware, which answers the same."""

    def __init__(self):
        # Connection: close, so the server stops reading the rest instead of draining it for the next request.
        super().__init__(status_code=413, headers={"Connection": "close"})


class BodyLimitMiddleware:
    """Refuses a body over the limit with a 413: at once when its Content-Length says so, and otherwise (a
    chunked body has none) as soon as the bytes that have arrived pass the limit, without reading the rest."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_bytes
            except ValueError:
                too_big = True
            if too_big:
                return await refuse_too_large(scope, receive, send)

        received = 0
        started = False

        async def receive_within_limit():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def send_noting_start(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_noting_start)
        except BodyTooLarge:
            if started:
                raise
            await refuse_too_large(scope, receive, send)


async def refuse_too_large(scope, receive, send) -> None:
    """The translated 413 (in the reader's language: LocaleMiddleware stands outside the limit)."""
    response = error_response(Request(scope, receive), 413, _("What you sent is too large."),
                              headers={"Connection": "close"})
    await response(scope, receive, send)


class SecurityHeadersMiddleware:
    """No inline script anywhere, so the policy can forbid it."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )

    # The console needs none of these browser features; a script injected somehow cannot use them either.
    PERMISSIONS = (b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
                   b"display-capture=()")

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers += [
                    (b"content-security-policy", self.POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"permissions-policy", self.PERMISSIONS),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def refuse_forged_write(scope, send) -> None:
    """A write without this browser's CSRF token: the translated 403 as a page, a fragment or JSON (in the
    reader's language: LocaleMiddleware stands outside the CSRF check)."""
    request = Request(scope)
    response = error_response(
        request, 403, _("This form has expired or did not come from this console. Reload the page and try again."))
    await response(scope, None, send)


# Every error under /api/ is {"detail": "<translated sentence>"} plus, sometimes, machine-readable extras.
ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "properties": {"detail": {"type": "string", "title": "Detail"},
                   "field": {"type": "string", "title": "Field"}},
    "required": ["detail"],
}
ERROR_RESPONSES = {
    "401": "Not logged in, or the token is wrong or revoked",
    "403": "The role does not allow this",
    "503": "The database cannot be reached; try again",
}


def _errors_of(path: str, method: str, operation: dict) -> dict[str, str]:
    """The errors an operation can really answer, by what it takes: any, the three above; one that reads a body,
    a body it cannot read (400) or too large (413); one on a record named in its path, a record not found (404)
    and, for a change, a change that meets a newer version or a state that forbids it (409)."""
    errors = dict(ERROR_RESPONSES)
    if "requestBody" in operation:
        errors["400"] = "The body could not be read (not UTF-8, not JSON)"
        errors["413"] = "The body is larger than the console accepts"
    if "{" in path:
        errors["404"] = "No such record, or not one this user may see"
        if method != "get":
            errors["409"] = "The record changed since it was read, or its state does not allow this"
    return errors


def install_openapi(app: FastAPI) -> None:
    """The OpenAPI document, describing the errors as this API really sends them."""

    def openapi():
        if app.openapi_schema is None:
            document = FastAPI.openapi(app)
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas["HTTPValidationError"] = ERROR_SCHEMA
            schemas.pop("ValidationError", None)
            error = {"$ref": "#/components/schemas/HTTPValidationError"}
            reference = {"content": {"application/json": {"schema": error}}}
            for path, item in document.get("paths", {}).items():
                for method, operation in item.items():
                    for status, description in _errors_of(path, method, operation).items():
                        operation["responses"].setdefault(status, {"description": description, **reference})
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi


def create_app(settings: Settings | None = None, engine: Engine | None = None):
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url, **settings.engine_options())
    secret_key = settings.resolved_secret_key()
    ring, _made = keys.ring_from(settings)  # no key, no start: records must never be written in the clear
    keys.install(ring)

    @asynccontextmanager
    async def lifespan(_app):
        # As many worker threads as pooled connections. With more threads than connections, the threads
        # past the pool wait on it or open overflow connections that are closed again at once: under a
        # burst the database forks a backend per request and the server pays the GIL for idle threads.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.pool_size
        # Every worker sends alerts from the shared outbox; a worker that stops leaves nothing unsent.
        alerts = asyncio.create_task(delivery.keep_delivering(engine, settings), name="hotline-alerts") \
            if settings.alerts_worker else None
        yield
        if alerts is not None:
            alerts.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await alerts

    app = FastAPI(
        lifespan=lifespan,
        title="Hotline",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served behind a login by hotline.routes
        dependencies=[Depends(note_route)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.secret_key = secret_key
    app.state.rules = ActiveRules(settings.rules_file, engine=engine)
    app.state.busy_answers = BusyAnswers()
    install_template_helpers(**template_helpers())

    install_error_handlers(app)
    include_routes(app)
    install_openapi(app)
    # Scripts and styles are compressed; pages are not, as they carry the CSRF token beside what users typed
    # (compressing both together is what the BREACH attack reads).
    app.mount("/static", GZipMiddleware(StaticFiles(directory=str(STATIC)), minimum_size=1000), name="static")

    # Added innermost first: session, CSRF, then the body size limit (outside everything that reads a body),
    # the bound on requests in flight, language (so a refusal is translated) and security headers (so a
    # refusal carries them too).
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(CSRFMiddleware, secret=secret_key, refuse=refuse_forged_write,
                       always_protect=frozenset({"/login"}), secure_cookie=settings.secure_cookies)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Outside everything that reads the cookie or the body, so a refusal costs next to nothing.
    app.add_middleware(InFlightLimitMiddleware, limit=settings.max_in_flight, refuse=refuse_when_busy)
    app.add_middleware(LocaleMiddleware, default_locale=settings.default_locale)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestLogMiddleware)
    return app
