"""Server-Sent Events streams: the referral queue, every call on the line, and one call's risk level."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse

from hotline.accounts.guards import CallWork, Supervision
from hotline.calls import service as calls
from hotline.deps import SessionDep
from hotline.live import service
from hotline.live.service import hub

pages = APIRouter()


PING_SECONDS = 15  # keeps proxies from closing a quiet stream
RETRY_MS = 3000  # how soon the browser reconnects after losing the stream


def _stream(request: Request, topics: set[str]) -> EventSourceResponse:
    lifetime = request.app.state.settings.live_stream_seconds

    async def events():
        watcher = await hub.watch(topics, request.app.state.engine.url)
        ends = asyncio.get_running_loop().time() + lifetime
        try:
            # Said once the watch is in place: from here on no change is missed.
            yield {"event": "ready", "data": "{}", "retry": RETRY_MS}
            while (left := ends - asyncio.get_running_loop().time()) > 0:
                try:
                    message = await asyncio.wait_for(watcher.queue.get(), timeout=left)
                except TimeoutError:
                    break
                yield {"event": "change", "data": json.dumps(message, separators=(",", ":"))}
        finally:
            hub.stop(watcher)

    # sse-starlette sends Cache-Control: no-store and X-Accel-Buffering: no (nginx passes events at once).
    return EventSourceResponse(events(), ping=PING_SECONDS)


@pages.get("/live/queue")
def queue_stream(request: Request, session: SessionDep, user: Supervision):
    # A stream lasts for hours: give the connection the guard used back to the pool now.
    session.close()
    return _stream(request, {service.QUEUE_TOPIC})


@pages.get("/live/line")
def line_stream(request: Request, session: SessionDep, user: Supervision):
    """Every call's changes, for the board of calls in progress."""
    session.close()
    return _stream(request, {service.LINE_TOPIC})


@pages.get("/live/calls/{call_id}")
def call_stream(request: Request, session: SessionDep, user: CallWork, call_id: int):
    calls.watch_call(session=session, user=user, call_id=call_id)
    session.close()
    return _stream(request, {service.call_topic(call_id)})
