"""Announcing changes, and handing them to the browsers that watch.

A change is announced inside the transaction that makes it (`announce`). On PostgreSQL that is a
`pg_notify`, which the database delivers to every worker's listening connection only if the
transaction commits; on SQLite, where there is one worker, the announcement waits in the session and
is handed to this process's hub after the commit. Either way an announcement that was rolled back is
never seen. Messages are hints ("referral 12 was claimed", "call 7 is now high"), never what a caller
said: the browser fetches the page it is allowed to see.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import event, text
from sqlalchemy.engine import URL
from sqlmodel import Session

log = logging.getLogger("hotline.live")

CHANNEL = "hotline"
PENDING = "hotline_live_pending"
QUEUE_TOPIC = "queue"
LINE_TOPIC = "line"  # every call's messages: the supervisors' board of calls in progress
QUEUE_DEPTH = 64  # a watcher this far behind only needs to refresh once; older hints are dropped


def call_topic(call_id: int) -> str:
    return f"call:{call_id}"


def announce(session: Session, topic: str, **data) -> None:
    """Announce a change when (and only if) the session's transaction commits."""
    message = json.dumps({"topic": topic, **data}, separators=(",", ":"))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :message)"), {"channel": CHANNEL, "message": message})
    else:
        session.info.setdefault(PENDING, []).append(message)


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    for message in session.info.pop(PENDING, ()):
        hub.deliver(message)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous_transaction) -> None:
    session.info.pop(PENDING, None)


@dataclass(eq=False)
class Watcher:
    topics: frozenset[str]
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_DEPTH))

    def offer(self, message: dict) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(message)


class Hub:
    """This process's watchers, and (on PostgreSQL) one listening connection per database and event loop."""

    def __init__(self):
        self._lock = threading.Lock()
        self._watchers: set[Watcher] = set()
        self._listeners: dict[tuple[str, int], asyncio.Task] = {}

    def deliver(self, raw: str) -> None:
        """From any thread: give a message to every watcher of its topic, on the watcher's own loop."""
        try:
            message = json.loads(raw)
        except ValueError:
            return
        topic = str(message.get("topic", ""))
        # One announcement reaches both the call's own watchers and the board of every call.
        topics = {topic, LINE_TOPIC} if topic.startswith("call:") else {topic}
        with self._lock:
            watchers = [w for w in self._watchers if not topics.isdisjoint(w.topics)]
        for watcher in watchers:
            try:
                watcher.loop.call_soon_threadsafe(watcher.offer, message)
            except RuntimeError:  # that loop has closed; its watcher is going away
                pass

    async def watch(self, topics: set[str], database_url: URL | None = None) -> Watcher:
        """Start watching; on PostgreSQL, returns once this process is listening, so nothing is missed after."""
        watcher = Watcher(frozenset(topics), asyncio.get_running_loop())
        with self._lock:
            self._watchers.add(watcher)
        if database_url is not None and database_url.get_backend_name() == "postgresql":
            await self._listen(database_url)
        return watcher

    def stop(self, watcher: Watcher) -> None:
        with self._lock:
            self._watchers.discard(watcher)

    @property
    def watchers(self) -> int:
        return len(self._watchers)

    async def _listen(self, database_url: URL) -> None:
        conninfo = database_url.set(drivername="postgresql").render_as_string(hide_password=False)
        key = (conninfo, id(asyncio.get_running_loop()))
        task = self._listeners.get(key)
        if task is None or task.done():
            ready = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._listener(conninfo, ready), name="hotline-live-listener")
            task.ready = ready
            self._listeners[key] = task
        try:
            await asyncio.wait_for(asyncio.shield(task.ready), timeout=5)
        except TimeoutError:  # the database is unreachable; the listener keeps trying and pages keep polling
            log.warning("live updates: not listening yet")

    async def _listener(self, conninfo: str, ready: asyncio.Future) -> None:
        """One connection per worker, LISTENing for as long as the worker runs; it reconnects after a failure."""
        import psycopg

        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    if not ready.done():
                        ready.set_result(None)
                    delay = 0.5
                    async for notice in connection.notifies():
                        self.deliver(notice.payload)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the database went away: wait, then listen again
                # Browsers fall back to polling meanwhile.
                log.warning("live updates: listening connection lost (%s); retrying", type(error).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)


hub = Hub()
