"""One error hierarchy for the whole console; `app.py` renders it as a page, a fragment or JSON."""

from __future__ import annotations

from hotline.fields import field_label
from hotline.i18n import _
from hotline.overload import RETRY_AFTER_SECONDS


class HotlineError(Exception):
    """A failure the person asking can understand. `message` is already translated (or lazy)."""

    status_code = 400

    def __init__(self, message, *, field: str | None = None, status_code: int | None = None, headers=None,
                 extra: dict | None = None, event: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.headers = headers or {}
        # A neutral name for what the screen should do ("handed-over"); the web layer turns it into an
        # HX-Trigger for HTMX requests only, so the domain speaks no HTMX and JSON clients get none.
        self.event = event
        self.extra = extra or {}  # machine-readable detail for API clients (current version, fields)
        if status_code is not None:
            self.status_code = status_code


class NotAuthenticated(HotlineError):
    status_code = 401


class Forbidden(HotlineError):
    status_code = 403


class TotpRequired(Forbidden):
    """A supervisor or admin without two-step login where the operator requires it: sent to set it up."""


class NotFound(HotlineError):
    status_code = 404


class Conflict(HotlineError):
    status_code = 409


class InvalidInput(HotlineError):
    status_code = 422


class TooManyRequests(HotlineError):
    status_code = 429


class Busy(HotlineError):
    """Past what this worker can do in time: refused before any work was done, to be retried. One wording
    and one Retry-After for every refusal (the in-flight bound, a long wait for a thread, an empty pool)."""

    status_code = 503

    def __init__(self):
        super().__init__(_("The console is very busy right now. Nothing was lost; please try again in a few "
                           "seconds."), headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


_WHERE = ("body", "query", "path", "header", "cookie")


def describe_validation_error(error: dict) -> str:
    """One translated sentence for one pydantic error (from a request body or a service model)."""
    # loc is ("body", "display_name") for a request, ("notes",) or ("concerns", 0) for a service model: the
    # field a person filled in is its last name.
    names = [part for part in error.get("loc", ()) if isinstance(part, str) and part not in _WHERE]
    field = field_label(names[-1]) if names else "?"
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("%(field)s is required.", field=field)
    if error.get("input", "") is None and kind.endswith("_type"):
        return _("%(field)s cannot be null.", field=field)
    if kind == "string_too_long":
        return _("%(field)s is too long: at most %(max)s characters.", field=field,
                 max=context.get("max_length", "?"))
    if kind == "too_long":
        return _("%(field)s has too many items.", field=field)
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind in ("enum", "literal_error"):
        return _("%(field)s: %(value)s is not one of the choices.", field=field, value=str(error.get("input"))[:40])
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _("%(field)s is out of range.", field=field)
    if kind == "extra_forbidden":
        return _("Unknown field: %(field)s.", field=names[-1] if names else "?")  # the name the client sent
    return _("%(field)s is not valid.", field=field)


def describe_validation_errors(errors) -> str:
    return " ".join(describe_validation_error(error) for error in list(errors)[:5])
