"""The floor for bench/load.py: a bare Starlette app doing the autosave's single write, nothing else.

No login, no CSRF, no triage, no templates: the multipart form (or, for the API's PATCH, the JSON) is
parsed, one conditional UPDATE of the call's notes and version runs on the same database through a
SQLAlchemy pool, and a short text answers. What our console costs above this is what `bench/load.py`
reports as the ratio to the floor.

    FLOOR_DATABASE_URL=... python -m uvicorn floor_app:app --app-dir bench --workers 2
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import create_engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

URL = os.environ["FLOOR_DATABASE_URL"]
engine = create_engine(URL, pool_size=10, max_overflow=10,
                       **({"connect_args": {"check_same_thread": False, "timeout": 15}} if URL.startswith("sqlite")
                          else {}))
if URL.startswith("sqlite"):
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")

UPDATE = text("UPDATE calls SET notes = :notes, version = :version + 1, updated_at = :now "
              "WHERE id = :id AND version = :version AND status = 'draft'")


def write(call_id: int, version: int, notes: str) -> int | None:
    """None when saved, else the version the row is at (as our console's 409 says)."""
    with engine.begin() as connection:
        if connection.execute(UPDATE, {"notes": notes, "version": version, "id": call_id,
                                       "now": datetime.now(UTC)}).rowcount == 1:
            return None
        return connection.execute(text("SELECT version FROM calls WHERE id = :id"), {"id": call_id}).scalar()


async def save(request):
    form = await request.form()
    stale = await run_in_threadpool(write, int(request.path_params["call_id"]), int(form["version"]),
                                    str(form["notes"]))
    return PlainTextResponse("saved" if stale is None else f"stale {stale}", status_code=200 if stale is None else 409)


async def api_save(request):
    """The JSON API's autosave (PATCH /api/v1/calls/{id}): the same write, answered in JSON."""
    body = await request.json()
    version = int(body["version"])
    stale = await run_in_threadpool(write, int(request.path_params["call_id"]), version, str(body["notes"]))
    if stale is None:
        return JSONResponse({"version": version + 1})
    return JSONResponse({"detail": "stale", "version": stale}, status_code=409)


app = Starlette(routes=[Route("/calls/{call_id:int}/save", save, methods=["POST"]),
                        Route("/api/v1/calls/{call_id:int}", api_save, methods=["PATCH"]),
                        Route("/healthz", lambda request: PlainTextResponse("ok"))])
