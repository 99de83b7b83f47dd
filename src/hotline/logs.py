"""Structured logs: one JSON line per request with a request id, and a filter that keeps caller data out.

What a caller said must never reach a log file. The console's own log lines carry only routes, ids and
error types; `RedactFilter` is the second line of defence for everything else (library messages,
exception texts that quote SQL parameters, query strings).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.requests import Request

request_id_var: ContextVar[str | None] = ContextVar("hotline_request_id", default=None)

REQUEST_ID_HEADER = "x-request-id"
# An id from a proxy in front is kept when it looks like one; anything else is replaced.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

request_log = logging.getLogger("hotline.request")

REDACTED = "[redacted]"
# Phone numbers: 7 or more digits, optionally with +, spaces, dashes, dots or brackets between them.
# Not inside a word, so revision ids and hex digests in library messages stay readable; not right after
# "://", so the address the server listens on ("Uvicorn running on http://127.0.0.1:8000") stays readable.
_PHONE = re.compile(r"(?<![A-Za-z0-9_])(?<!://)\+?\(?\d[\d\s().-]{5,}\d(?![A-Za-z0-9_])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Chinese text: the console's own messages are English, so any run of CJK is someone's words or name.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
# SQLAlchemy quotes the values it was sending in its exception texts.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(\(Background|\Z|\n))", re.DOTALL)
_SQL_TEXT = re.compile(r"\[SQL: .*?\]\n?", re.DOTALL)
_QUERY = re.compile(r"\?[^\s\"']*")
# Fields that may ride on a record through `extra=` and hold what someone typed.
SENSITIVE_FIELDS = frozenset({
    "notes", "note", "summary", "text", "body", "addendum", "caller_name", "caller_number", "phone",
    "caller_reference", "display_name", "password", "reason", "comment", "query", "q",
})


def scrub(text: str) -> str:
    """`text` with note-like content, phone numbers, e-mail addresses and query strings taken out."""
    text = _SQL_PARAMETERS.sub("[parameters: " + REDACTED + "]", text)
    text = _SQL_TEXT.sub("", text)
    text = _QUERY.sub("?" + REDACTED, text)
    text = _EMAIL.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    return _CJK.sub(REDACTED, text)


class RedactFilter(logging.Filter):
    """Rewrites every record it sees so no caller data leaves the process."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record still gets logged, without its arguments
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        for field in SENSITIVE_FIELDS.intersection(record.__dict__):
            setattr(record, field, REDACTED)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


def json_formatter():
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def log_config(*, json_lines: bool = True, level: str = "INFO") -> dict:
    """A logging.config.dictConfig for `hotline serve` (uvicorn applies it in every worker)."""
    formatter = {"()": "hotline.logs.json_formatter"} if json_lines else {
        "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "main",
        "filters": ["request_id", "redact"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}, "redact": {"()": RedactFilter}},
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            "hotline": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["main"], "level": level, "propagate": False},
            # Our request lines replace uvicorn's access log, which would print query strings.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "sqlalchemy": {"handlers": ["main"], "level": "WARNING", "propagate": False},
        },
        "root": {"handlers": ["main"], "level": "WARNING"},
    }


class RefusalTally:
    """Refusals past capacity (503 Busy), logged as one line at most every `every` seconds with their count,
    not a line each: under a storm they come by the hundred a second, and a line per refusal cost the
    worker time and filled the log with the same line. The first refusal after a quiet spell is logged at
    once; the count of those after it, with the next refusal or request once `every` seconds have passed."""

    def __init__(self, every: float = 10.0, clock=time.monotonic):
        self.every = every
        self.clock = clock
        self.pending = 0
        self.last = float("-inf")  # when a line was last written

    def refused(self) -> None:
        self.pending += 1
        self.flush_if_due()

    def flush_if_due(self) -> None:
        if self.pending and self.clock() - self.last >= self.every:
            request_log.warning("refused past capacity", extra={
                "refused": self.pending, "status": 503,
                "seconds": None if self.last == float("-inf") else round(self.clock() - self.last, 1)})
            self.pending = 0
            self.last = self.clock()


class RequestLogMiddleware:
    """Gives each request an id (X-Request-ID, kept from a proxy or made here) and logs one line for it;
    refusals past capacity are counted and logged together (RefusalTally)."""

    def __init__(self, app, refusals: RefusalTally | None = None):
        self.app = app
        self.refusals = refusals or RefusalTally()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        # Middleware below may copy the scope; the state dict is shared, so the route is noted there.
        state = scope.setdefault("state", {})
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers") or [])
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if state.get("refused") and status["code"] == 503:
                self.refusals.refused()
            else:
                self.refusals.flush_if_due()
                user = state.get("user")
                request_log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope.get("method"),
                        # The template (/calls/{call_id}), never the query string a search was typed into.
                        "path": state.get("route_path") or _unrouted(scope.get("path", "")),
                        "status": status["code"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "user_id": getattr(user, "id", None),
                    },
                )
            request_id_var.reset(token)


async def note_route(request: Request) -> None:
    """An app-wide dependency: remember the matched route's template for the request's log line.
    Async: a plain def would cost every request a hop to a worker thread for one attribute."""
    route = request.scope.get("route")
    if route is not None:
        request.state.route_path = route.path


def _unrouted(path: str) -> str:
    # Static files keep their path; anything else that matched no route is not worth its text.
    return path if path.startswith("/static/") else "(unrouted)"
