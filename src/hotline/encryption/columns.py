"""Column types that seal on write and open on read, so services keep handling plain text."""

from __future__ import annotations

import json

from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from hotline.encryption import keys


class SealedText(TypeDecorator):
    """Text encrypted with the newest key; `purpose` ("table.column") is bound to each value.

    Values are randomised, so SQL cannot compare or search them: filter in Python after reading.
    """

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str):
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keys.current().seal(self._dump(value), self.purpose)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self._load(keys.current().open(value, self.purpose))

    def _dump(self, value) -> str:
        return str(value)

    def _load(self, text: str):
        return text


class SealedJSON(SealedText):
    """A JSON document (triage evidence quotes the notes) sealed like text."""

    cache_ok = True

    def _dump(self, value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def _load(self, text: str):
        return json.loads(text)
