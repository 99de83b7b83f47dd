"""Dependencies every domain's routes share, as short Annotated aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlmodel import Session

from hotline.config import Settings

# Closing a session that still holds a connection gets threads of its own: behind the routes' limiter, under a
# burst a request held its pooled connection while it queued for a thread behind requests that were waiting
# for a connection, and the worker stalled until the pool timeout (issue #22). At most one close per pooled
# connection can be waiting, so this bound is never what a close waits for.
_CLOSING = anyio.CapacityLimiter(1000)


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Async, so a request does not hop to a worker thread just to make and close a session: making one
    # touches no connection, and closing one only talks to the database when a transaction is still open
    # (a ROLLBACK: writes were committed), which is done off the event loop so a database that stopped
    # answering cannot stall the whole worker.
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close, limiter=_CLOSING)
        else:
            session.close()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
