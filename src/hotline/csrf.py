"""Cross-site request forgery: a double-submit token, checked before any route runs.

Every page embeds the browser's token, signed with the console's secret and kept in the `hotline_csrf`
cookie: forms in a hidden `csrftoken` field, HTMX in the `X-CSRFToken` header from `<body hx-headers>`. A
write (any method but GET, HEAD, OPTIONS and TRACE) passes when that header, or the form's `csrftoken` field
(urlencoded or multipart, read as the body arrives), equals the cookie. A neighbouring site can neither read
the token nor plant a cookie that matches one it chose, as the signature shows. Exempt, as they always were:
calls with `Authorization: Bearer` (no browser adds that header by itself) and requests without any cookie
(no session to act with), except the login, whose forgery would log a browser into someone else's account.
The token format is the one asgi-csrf wrote, so pages left open across an upgrade keep working.
"""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from itsdangerous import BadSignature, URLSafeSerializer
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser

COOKIE = "hotline_csrf"
FIELD = "csrftoken"
HEADER = "x-csrftoken"
SCOPE_KEY = "csrftoken"  # scope["csrftoken"]() is the page's token; calling it sets the cookie if it is new
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SALT = "csrftoken"
_LONGEST_TOKEN = 256

Refuse = Callable[[dict, Callable], Awaitable[None]]


def _same(sent: str | bytes, token: str) -> bool:
    sent = sent if isinstance(sent, bytes) else sent.encode("utf-8", "replace")
    return secrets.compare_digest(sent, token.encode("ascii"))


class CSRFMiddleware:
    def __init__(self, app, *, secret: str, refuse: Refuse, always_protect: frozenset[str] = frozenset({"/login"}),
                 secure_cookie: bool = False):
        self.app = app
        self.signer = URLSafeSerializer(secret)
        self.refuse = refuse
        self.always_protect = always_protect
        self.cookie_attributes = "; Path=/; SameSite=Lax; HttpOnly" + ("; Secure" if secure_cookie else "")

    def _signed(self, token: str) -> bool:
        try:
            self.signer.loads(token, _SALT)
        except BadSignature:
            return False
        return True

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        sent_cookie = cookie_parser(headers.get("cookie", "")).get(COOKIE, "")
        token = sent_cookie if sent_cookie and self._signed(sent_cookie) else None
        new_token: str | None = None
        embedded = False

        def page_token() -> str:
            nonlocal new_token, embedded
            embedded = True
            if token:
                return token
            if new_token is None:
                new_token = self.signer.dumps(secrets.token_urlsafe(16), _SALT)
            return new_token

        async def send_with_cookie(message):
            if message["type"] == "http.response.start" and embedded:
                response_headers = MutableHeaders(scope=message)
                response_headers.add_vary_header("Cookie")  # the page holds this browser's token
                if new_token is not None:
                    response_headers.append("set-cookie", f"{COOKIE}={new_token}{self.cookie_attributes}")
            await send(message)

        scope = {**scope, SCOPE_KEY: page_token}
        if scope["method"] in SAFE_METHODS or self._exempt(scope, headers):
            return await self.app(scope, receive, send_with_cookie)
        if token and _same(headers.get(HEADER, ""), token):
            return await self.app(scope, receive, send_with_cookie)
        sent, received = await _token_in_body(headers, receive)
        if received is None:
            return  # the browser went away before the form had arrived: nobody to answer
        if token and sent is not None and _same(sent, token):
            return await self.app(scope, _replay(received, receive), send_with_cookie)
        await self.refuse(scope, send_with_cookie)

    def _exempt(self, scope, headers: Headers) -> bool:
        if headers.get("authorization", "").startswith("Bearer "):
            return True
        return not headers.get("cookie") and scope["path"] not in self.always_protect


async def _token_in_body(headers: Headers, receive) -> tuple[bytes | None, list[dict] | None]:
    """The form's csrftoken field and the messages read to find it (None if the browser disconnected).

    A urlencoded form is read whole; a multipart one until its csrftoken part has ended, so a large file
    after the token is left for the route to stream. The body-size limit outside bounds what is kept."""
    content_type, options = parse_options_header(headers.get("content-type"))
    if content_type == b"application/x-www-form-urlencoded":
        reader = _UrlencodedToken()
    elif content_type == b"multipart/form-data" and options.get(b"boundary"):
        reader = _MultipartToken(options[b"boundary"])
    else:
        return None, []
    received = []
    while not reader.done:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return None, None
        reader.write(message.get("body", b""), more=message.get("more_body", False))
    return reader.token, received


def _replay(received: list[dict], receive):
    pending = deque(received)

    async def replay():
        return pending.popleft() if pending else await receive()

    return replay


class _UrlencodedToken:
    def __init__(self):
        self.body = bytearray()
        self.token: bytes | None = None
        self.done = False

    def write(self, chunk: bytes, *, more: bool) -> None:
        self.body += chunk
        if not more:
            self.done = True
            # Latin-1 reads any byte; the token itself is ASCII.
            fields = dict(parse_qsl(self.body.decode("latin-1"), keep_blank_values=True))
            if FIELD in fields:
                self.token = fields[FIELD].encode("utf-8", "replace")


class _MultipartToken:
    """Follows a multipart body as it arrives until the csrftoken part has ended (or the body has)."""

    def __init__(self, boundary: bytes):
        self.token: bytes | None = None
        self.done = False
        self._header, self._value, self._in_token, self._part = b"", b"", False, bytearray()
        try:
            self._parser = MultipartParser(boundary, callbacks={
                "on_part_begin": self._part_begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_part_data": self._part_data, "on_part_end": self._part_end,
            })
        except FormParserError:
            self.done = True  # an unusable boundary: no token can be found

    def write(self, chunk: bytes, *, more: bool) -> None:
        try:
            self._parser.write(chunk)
        except FormParserError:
            self.done = True
        if not more:
            self.done = True

    def _part_begin(self):
        self._header, self._value, self._in_token, self._part = b"", b"", False, bytearray()

    def _header_field(self, data, start, end):
        self._header += data[start:end]

    def _header_value(self, data, start, end):
        self._value += data[start:end]

    def _header_end(self):
        if self._header.strip().lower() == b"content-disposition":
            _kind, params = parse_options_header(self._value)
            self._in_token = params.get(b"name") == FIELD.encode()
        self._header, self._value = b"", b""

    def _part_data(self, data, start, end):
        if self._in_token and len(self._part) <= _LONGEST_TOKEN:
            self._part += data[start:end]

    def _part_end(self):
        if self._in_token and self.token is None:
            self.token = bytes(self._part)
            self.done = True
        self._in_token = False
