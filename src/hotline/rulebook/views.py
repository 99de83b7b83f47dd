"""Triage playground and rules page (supervisors, admins), rule reload (admins), POST /api/v1/triage."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from hotline.accounts.guards import AdminUser, CurrentUser, require
from hotline.accounts.models import Role, User
from hotline.calls.choices import ANSWER_LABELS
from hotline.calls.forms import ANSWER_FIELDS
from hotline.errors import HotlineError
from hotline.i18n import _
from hotline.pages import flash, render
from hotline.rulebook import service

pages = APIRouter()
api = APIRouter()

ReadsRules = Annotated[User, Depends(require(Role.supervisor, Role.admin))]


def _rules(request: Request) -> service.ActiveRules:
    return request.app.state.rules


@pages.get("/triage")
def playground(request: Request, user: ReadsRules):
    return render(request, "rulebook/playground.html", {"answer_fields": ANSWER_FIELDS, "answer_labels": ANSWER_LABELS,
                                                        "text": "", "answers": {}})


@pages.post("/triage")
async def try_text(request: Request, user: ReadsRules):
    form = await request.form()
    text = str(form.get("text", ""))
    answers = {field: True for field in ANSWER_FIELDS if form.get(f"a_{field}") == "on"}
    context: dict[str, Any] = {"text": text, "answers": answers, "answer_fields": ANSWER_FIELDS,
                               "answer_labels": ANSWER_LABELS}
    try:
        result = service.assess_text(text=text, answers=answers, rules=_rules(request).current)
    except HotlineError as error:
        return render(request, "rulebook/playground.html", {**context, "error": error.message}, block="result",
                      status_code=error.status_code)
    evidence = [item.to_dict() for item in result.evidence]
    context.update(result=result, evidence=evidence, segments=service.highlight(text, evidence))
    return render(request, "rulebook/playground.html", context, block="result")


@pages.get("/triage/rules")
def rules_page(request: Request, user: ReadsRules):
    active = _rules(request)
    return render(request, "rulebook/rules.html", {"rules": active.current, "active": active,
                                                   "may_reload": Role.admin in user.roles})


@pages.post("/triage/rules/reload")
def reload_rules(request: Request, admin: AdminUser):
    response = RedirectResponse("/triage/rules", status_code=303)
    try:
        fresh = _rules(request).reload()
    except HotlineError as error:
        flash(response, request, error.message, "error")
        return response
    flash(response, request, _("Rules reloaded: version %(version)s.", version=fresh.version[:12]), "success")
    return response


class TriageRequest(BaseModel):
    model_config = {"extra": "forbid"}

    text: str = Field(max_length=service.TEXT_MAX)
    answers: dict[str, bool | None] | None = None


@api.post("/triage")
def api_triage(request: Request, user: CurrentUser, body: TriageRequest) -> dict:
    """Assess a text (and optional screener answers) with the rules in force. Nothing is stored."""
    return service.assess_text(text=body.text, answers=body.answers, rules=_rules(request).current).to_dict()
