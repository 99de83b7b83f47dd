"""A bounded number of requests in flight per worker; past it, a quick "busy, retry" instead of a queue.

Without a bound, a burst past what a worker can do queues for its threads and pool connections, the queue
outgrows the clients' patience, and the worker ends up answering requests nobody waits for any more while
new ones wait behind them (issue #22). With it, what a worker accepts it finishes in bounded time, and the
rest get a translated 503 with Retry-After at once: the call screen and API clients keep the text and retry.
Pure ASGI, no thread hop: refusing costs a counter check and a short answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

# Never refused: health checks (a load balancer must see a busy worker as alive), static files (cheap,
# and a page without its script cannot retry), and the live-update streams, which stay open for minutes
# and would otherwise hold a place each while doing nothing.
EXEMPT_PREFIXES = ("/healthz", "/readyz", "/static/", "/live/")

RETRY_AFTER_SECONDS = 2


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
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
