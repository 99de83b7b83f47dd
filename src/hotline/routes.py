"""The URL map: every domain's routers with their prefixes, in one place."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hotline.accounts import views as accounts
from hotline.accounts.guards import CurrentUser
from hotline.alerts import views as alerts
from hotline.audit import views as audit
from hotline.calls import views as calls
from hotline.database import schema_revisions
from hotline.live import views as live
from hotline.notifications import views as notifications
from hotline.pages import render
from hotline.privacy import views as privacy
from hotline.referrals import views as referrals
from hotline.reports import views as reports
from hotline.roster import views as roster
from hotline.rulebook import views as rulebook
from hotline.screening import views as screening

system = APIRouter()


@system.get("/healthz")
def healthz():
    return {"status": "ok"}


@system.get("/readyz")
def readyz(request: Request):
    """Ready when the database answers and its schema is the one this code expects."""
    engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current, head = schema_revisions(engine)
    except Exception as exc:  # noqa: BLE001 - any database failure means not ready
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, status_code=503)
    if current != head:
        return JSONResponse({"status": "unavailable", "reason": "schema out of date"}, status_code=503)
    return {"status": "ready"}


@system.get("/api/openapi.json", include_in_schema=False)
def openapi_document(request: Request, user: CurrentUser):
    return JSONResponse(request.app.openapi())


@system.get("/api/docs", include_in_schema=False)
def api_docs(request: Request, user: CurrentUser):
    return render(request, "api_docs.html")


def template_helpers() -> dict:
    """Every domain's template globals and filters, for create_app to install once."""
    views = (alerts, calls, referrals, reports, roster, rulebook, screening)
    return {
        "globals": {name: value for module in views for name, value in getattr(module, "TEMPLATE_GLOBALS", {}).items()},
        "filters": {name: value for module in views for name, value in getattr(module, "TEMPLATE_FILTERS", {}).items()},
    }


def include_routes(app: FastAPI) -> None:
    app.include_router(system, tags=["system"])
    app.include_router(accounts.pages, tags=["accounts"], include_in_schema=False)
    app.include_router(accounts.api, prefix="/api/v1", tags=["accounts"])
    app.include_router(calls.pages, tags=["calls"], include_in_schema=False)
    app.include_router(calls.api, prefix="/api/v1", tags=["calls"])
    app.include_router(screening.pages, tags=["screening"], include_in_schema=False)
    app.include_router(screening.api, prefix="/api/v1", tags=["screening"])
    app.include_router(notifications.pages, tags=["notifications"], include_in_schema=False)
    app.include_router(referrals.pages, tags=["referrals"], include_in_schema=False)
    app.include_router(referrals.api, prefix="/api/v1", tags=["referrals"])
    app.include_router(roster.pages, tags=["roster"], include_in_schema=False)
    app.include_router(roster.api, prefix="/api/v1", tags=["roster"])
    app.include_router(reports.pages, tags=["reports"], include_in_schema=False)
    app.include_router(live.pages, tags=["live"], include_in_schema=False)
    app.include_router(rulebook.pages, tags=["triage"], include_in_schema=False)
    app.include_router(rulebook.api, prefix="/api/v1", tags=["triage"])
    app.include_router(audit.pages, tags=["audit"], include_in_schema=False)
    app.include_router(alerts.pages, tags=["alerts"], include_in_schema=False)
    app.include_router(privacy.pages, tags=["privacy"], include_in_schema=False)
