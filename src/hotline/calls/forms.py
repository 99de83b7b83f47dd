"""Turning the call screen's HTML form into a CallUpdate: empty means "not given", unticked means none."""

from __future__ import annotations

from starlette.datastructures import FormData

from hotline.calls.models import CallUpdate
from hotline.triage import PROTECTIVE_FIELDS, RISK_FACTOR_FIELDS, SCREENER_FIELDS

ANSWER_FIELDS = SCREENER_FIELDS + RISK_FACTOR_FIELDS + PROTECTIVE_FIELDS
CHOICE_FIELDS = ("call_type", "non_data_reason", "caller_group", "age_band", "gender")
TEXT_FIELDS = ("region", "language", "notes", "summary")
NUMBER_FIELDS = ("mood_start", "mood_end")
FLAG_FIELDS = ("callback_needed", "callback_ok", "supervisor_consulted")
LIST_FIELDS = ("concerns", "interventions")


def _tri_state(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def call_update_from_form(form: FormData) -> CallUpdate:
    """The call form posts every field on each save, so an absent checkbox is an unticked one."""
    data: dict = {}
    for name in CHOICE_FIELDS + TEXT_FIELDS:
        if name in form:
            value = form.get(name)
            data[name] = value if value != "" or name in ("notes", "summary") else None
    for name in NUMBER_FIELDS:
        if name in form:
            data[name] = form.get(name) or None
    if "follow_up_date" in form:
        data["follow_up_date"] = form.get("follow_up_date") or None
    if form.get("form") == "call":
        for name in LIST_FIELDS:
            data[name] = form.getlist(name)
        for name in FLAG_FIELDS:
            data[name] = form.get(name) == "on"
        data["answers"] = {field: _tri_state(form.get(f"a_{field}")) for field in ANSWER_FIELDS}
    return CallUpdate.parse(data)
