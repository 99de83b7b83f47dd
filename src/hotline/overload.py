"""A bounded number of requests in flight per worker; past it, a quick "busy, retry" instead of a queue.

Without a bound, a burst past what a worker can do queues for its threads and pool connections, the queue
outgrows the clients' patience, and the worker ends up answering requests nobody waits for any more while
new ones wait behind them (issue #22). With it, what a worker accepts it finishes in bounded time, and the
rest get a translated 503 with Retry-After at once: the call screen and API clients keep the text and retry.
Pure ASGI, no thread hop: refusing costs a counter check and a short answer.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

# Never refused: health checks (a load balancer must see a busy worker as alive), static files (cheap,
# and a page without its script cannot retry), and the live-update streams, which stay open for minutes
# and would otherwise hold a place each while doing nothing.
EXEMPT_PREFIXES = ("/healthz", "/readyz", "/static/", "/live/")

RETRY_AFTER_SECONDS = 2
ARRIVED = "hotline_arrived"  # the request's arrival on this worker (time.monotonic()), in its scope's state


def waited(scope) -> float:
    """Seconds since the request reached this worker's bound, or since its body was in (0 for one that
    never passed the bound)."""
    arrived = scope.get("state", {}).get(ARRIVED)
    return time.monotonic() - arrived if arrived is not None else 0.0


class InFlightLimitMiddleware:
    """At most `limit` requests of this worker past this point at once; the next is refused by `refuse`
    (scope, receive, send) without being read."""

    def __init__(self, app, limit: int, refuse: Callable[..., Awaitable[None]]):
        self.app = app
        self.limit = limit
        self.refuse = refuse
        self.in_flight = 0  # one event loop per worker: no lock needed between the check and the count

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limit:
            return await self.refuse(scope, receive, send)
        state = scope.setdefault("state", {})
        state[ARRIVED] = time.monotonic()  # read when the request's turn on a worker thread comes

        async def receive_timed():
            # The wait that counts starts when the body is in: a slow upload from a weak connection is not
            # the server's queue, and refusing it would refuse that counsellor every time.
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                state[ARRIVED] = time.monotonic()
            return message

        self.in_flight += 1
        try:
            await self.app(scope, receive_timed, send)
        finally:
            self.in_flight -= 1
