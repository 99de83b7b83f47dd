"""Dependencies every domain's routes share, as short Annotated aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from hotline.config import Settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Async, so a request does not hop to a worker thread just to make and close a session: making one
    # touches no connection, and closing one only talks to the database when a transaction is still open.
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
