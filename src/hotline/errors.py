"""One error hierarchy for the whole console; `app.py` renders it as a page, a fragment or JSON."""

from __future__ import annotations


class HotlineError(Exception):
    """A failure the person asking can understand. `message` is already translated (or lazy)."""

    status_code = 400

    def __init__(self, message, *, field: str | None = None, status_code: int | None = None, headers=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.headers = headers or {}
        if status_code is not None:
            self.status_code = status_code


class NotAuthenticated(HotlineError):
    status_code = 401


class Forbidden(HotlineError):
    status_code = 403


class NotFound(HotlineError):
    status_code = 404


class Conflict(HotlineError):
    status_code = 409


class InvalidInput(HotlineError):
    status_code = 422


class TooManyRequests(HotlineError):
    status_code = 429
