"""Triage playground and rules page (supervisors, admins), rule reload (admins), POST /api/v1/triage."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from hotline.accounts.guards import AdminUser, CurrentUser, Oversight
from hotline.accounts.models import Role
from hotline.audit import service as audit
from hotline.calls.choices import ANSWER_LABELS
from hotline.calls.forms import ANSWER_FIELDS
from hotline.deps import SessionDep
from hotline.errors import HotlineError, NotFound
from hotline.i18n import _
from hotline.pages import client_address, flash, go_to, render
from hotline.rulebook import service
from hotline.rulebook.models import TriageOut, TriageRequest
from hotline.rulebook.wording import TEMPLATE_GLOBALS  # noqa: F401 - installed by hotline.routes
from hotline.triage import answer_rules

pages = APIRouter()
api = APIRouter()



def _rules(request: Request) -> service.ActiveRules:
    return request.app.state.rules


@pages.get("/triage")
def playground(request: Request, user: Oversight):
    return render(request, "rulebook/playground.html", {"answer_fields": ANSWER_FIELDS, "answer_labels": ANSWER_LABELS,
                                                        "text": "", "answers": {}})


@pages.post("/triage")
async def try_text(request: Request, user: Oversight):
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
def rules_page(request: Request, user: Oversight):
    active = _rules(request)
    return render(request, "rulebook/rules.html", {"rules": active.current, "active": active,
                                                   "answer_rules": answer_rules(active.current),
                                                   "may_reload": Role.admin in user.roles})


@pages.get("/triage/rules/words/{item_id}")
def rule_words(request: Request, user: Oversight, item_id: str):
    """The words of a rule, a concept or a modifier, fetched when its entry on the rules page is opened: listing
    every word of every entry at once would make that page heavier than the budget for any page."""
    rules = _rules(request).current
    item = next((t for t in (*rules.rules, *rules.terms, *rules.modifiers) if t.id == item_id), None)
    if item is None:
        raise NotFound(_("There is no concept %(id)s in the rules in force.", id=item_id))
    return render(request, "rulebook/concept.html", {"term": item}, block="words")


@pages.get("/triage/rules/combinations/{item_id}")
def rule_combination(request: Request, user: Oversight, item_id: str):
    """What a combination reads and why, fetched when its entry on the rules page is opened (as the words are)."""
    rules = _rules(request).current
    pattern = next((p for p in rules.patterns if p.id == item_id), None)
    if pattern is None:
        raise NotFound(_("There is no combination %(id)s in the rules in force.", id=item_id))
    return render(request, "rulebook/combination.html", {"pattern": pattern}, block="body")


@pages.post("/triage/rules/reload")
def reload_rules(request: Request, session: SessionDep, admin: AdminUser):
    response = RedirectResponse("/triage/rules", status_code=303)
    try:
        fresh = _rules(request).reload(by_id=admin.id)
    except HotlineError as error:
        flash(response, request, error.message, "error")
        return response
    audit.record(session=session, actor_id=admin.id, action="rules.reload", target_type="rule_set",
                 address=client_address(request), detail={"version": fresh.version[:64]})
    flash(response, request, _("Rules reloaded: version %(version)s.", version=fresh.version[:12]), "success")
    return response


@api.post("/triage", response_model=TriageOut)
def api_triage(request: Request, user: CurrentUser, body: TriageRequest) -> dict:
    """Assess a text (and optional screener answers) with the rules in force. Nothing is stored."""
    return service.assess_text(text=body.text, answers=body.answers, rules=_rules(request).current).to_dict()


# --- candidate rule sets ------------------------------------------------------------------------------

@pages.get("/triage/rule-sets")
def rule_sets_page(request: Request, session: SessionDep, admin: AdminUser):
    return render(request, "rulebook/rule_sets.html", {
        "history": service.rule_set_history(session=session), "active": _rules(request)})


@pages.post("/triage/rule-sets")
async def upload_rule_set(request: Request, session: SessionDep, admin: AdminUser):
    form = await request.form()
    upload = form.get("file")
    if hasattr(upload, "read"):
        content, filename = await upload.read(service.RULE_FILE_MAX + 1), upload.filename or "rules.toml"
    else:
        content, filename = str(form.get("content", "")).encode("utf-8"), "pasted rules"
    try:
        record = service.upload_rule_set(session=session, user=admin, content=content, filename=filename)
    except HotlineError as error:
        return render(request, "rulebook/rule_sets.html", {
            "history": service.rule_set_history(session=session), "active": _rules(request),
            "error": error.message}, status_code=error.status_code)
    return go_to(f"/triage/rule-sets/{record.id}", request)


@pages.get("/triage/rule-sets/{record_id}")
def rule_set_page(request: Request, session: SessionDep, admin: AdminUser, record_id: int):
    record, replayed, changes = service.replay(session=session, user=admin, record_id=record_id,
                                               active=_rules(request).current)
    return render(request, "rulebook/rule_set.html", {
        "record": record, "replayed": replayed, "changes": changes, "active": _rules(request),
        "up": sum(1 for c in changes if c.direction == "up"), "down": sum(1 for c in changes if c.direction == "down"),
    })


@pages.post("/triage/rule-sets/{record_id}/publish")
def publish_rule_set(request: Request, session: SessionDep, admin: AdminUser, record_id: int,
                     reason: Annotated[str, Form(max_length=2000)] = ""):
    record = service.publish_rule_set(session=session, user=admin, record_id=record_id, reason=reason)
    response = RedirectResponse("/triage/rule-sets", status_code=303)
    flash(response, request, _("Rule set %(version)s is in force; every worker picks it up within seconds.",
                               version=record.version[:12]), "success")
    return response
