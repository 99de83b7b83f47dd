"""Which rule set this process assesses with, and assessing text for people and scripts."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from hotline.database import utcnow
from hotline.errors import InvalidInput, describe_validation_errors
from hotline.i18n import _
from hotline.triage import Answers, Assessment, RuleFileError, RuleSet, assess, default_rules, load_rules

TEXT_MAX = 100_000


class ActiveRules:
    """The rule set in force. A reload that fails keeps the last good set and remembers why."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._lock = threading.Lock()
        self.current: RuleSet = load_rules(path) if path else default_rules()
        self.loaded_at: datetime = utcnow()
        self.last_error: str | None = None

    def reload(self) -> RuleSet:
        with self._lock:
            try:
                fresh = load_rules(self.path) if self.path else default_rules()
            except (RuleFileError, OSError) as error:
                self.last_error = str(error)
                raise InvalidInput(_("The rule file was refused; the rules in force are unchanged. %(problem)s",
                                     problem=str(error))) from None
            self.current, self.loaded_at, self.last_error = fresh, utcnow(), None
            return fresh


def parse_answers(answers: dict | None) -> Answers | None:
    if answers is None:
        return None
    try:
        return Answers.model_validate(answers)
    except ValidationError as error:
        raise InvalidInput(describe_validation_errors(error.errors())) from None


def assess_text(*, text: str, answers: dict | None, rules: RuleSet) -> Assessment:
    if len(text) > TEXT_MAX:
        raise InvalidInput(_("%(field)s is too long: at most %(max)s characters.", field="text", max=TEXT_MAX))
    return assess(text, parse_answers(answers), rules)


@dataclass(frozen=True)
class Segment:
    text: str
    evidence: dict | None  # the counted (or discounted) match this piece of text belongs to


def highlight(text: str, evidence: list[dict]) -> list[Segment]:
    """The text cut into plain and matched pieces, so the page can mark what fired and what was discounted."""
    spans = sorted(
        (e for e in evidence if e.get("source") == "text" and e["end"] > e["start"]),
        key=lambda e: (e["start"], -e["end"]),
    )
    segments: list[Segment] = []
    position = 0
    for item in spans:
        if item["start"] < position:
            continue  # overlapping matches: the first, longest one is marked
        if item["start"] > position:
            segments.append(Segment(text[position:item["start"]], None))
        segments.append(Segment(text[item["start"]:item["end"]], item))
        position = item["end"]
    if position < len(text):
        segments.append(Segment(text[position:], None))
    return segments
