"""Which rule set this process assesses with, and assessing text for people and scripts."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from hotline.database import make_engine, utcnow
from hotline.errors import InvalidInput, describe_validation_errors
from hotline.i18n import _
from hotline.triage import (
    Answers,
    Assessment,
    RuleFileError,
    RuleSet,
    assess,
    default_rules,
    load_rules,
    parse_rules,
    shipped_rules_file,
)

_UNSEEN = object()


class ActiveRules:
    """The rule set in force. A reload that fails keeps the last good set and remembers why.

    A rule set an admin published in the database wins over the file. Every worker process looks for a
    newly published one at most every `refresh_seconds`, so a publication reaches all workers without
    a restart and without a broker. A reload of the file works the same way: the worker that reloads
    keeps what it read in the database, and the others take that, not their own later read of the file.
    A worker that starts reads the file.
    """

    def __init__(self, path: Path | None = None, engine=None, refresh_seconds: float = 5.0):
        self.path = path
        # Its own unpooled connection: a request that already holds a pooled connection must never wait
        # for a second one here, or fifty saves at once would starve the pool.
        self.engine = None if engine is None else make_engine(
            engine.url.render_as_string(hide_password=False), poolclass=NullPool)
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._current: RuleSet = load_rules(path) if path else default_rules()
        self._from_file = self._current
        self._checked_at = float("-inf")
        self.published_id: int | None = None
        # The newest file reload this worker has taken; _UNSEEN until its first look, which takes
        # note of the newest without applying it (a worker that starts has just read the file).
        self.reload_id: int | None | object = _UNSEEN
        self.loaded_at: datetime = utcnow()
        self.last_error: str | None = None

    @property
    def current(self) -> RuleSet:
        due = self.engine is not None and time.monotonic() - self._checked_at > self.refresh_seconds
        # One request looks; the others go on with the rules they have rather than queue behind it.
        if due and self._lock.acquire(blocking=False):
            try:
                self._pick_up_published()
            except SQLAlchemyError as error:  # the database hiccuped: assess with the rules we have
                self.last_error = type(error).__name__
            finally:
                self._lock.release()
        return self._current

    @current.setter
    def current(self, rules: RuleSet) -> None:
        self._current = rules

    def _pick_up_published(self) -> None:
        from sqlmodel import Session, col, select

        from hotline.rulebook.models import RuleSetRecord

        self._checked_at = time.monotonic()
        with Session(self.engine) as session:
            self._pick_up_file_reload(session)
            # Only the id on each look; the file itself only when it changed.
            newest = session.exec(select(RuleSetRecord.id).where(RuleSetRecord.status == "published")
                                  .order_by(col(RuleSetRecord.published_at).desc())).first()
            if newest is None:
                self.published_id, self._current = None, self._from_file
                return
            if newest == self.published_id:
                return
            record = session.get(RuleSetRecord, newest)
            try:
                self._current = parse_rules(record.content.encode("utf-8"), f"rule set {record.id}")
            except RuleFileError as error:  # it was valid when published; keep the last good set
                self.last_error = str(error)
                return
            self.published_id, self.loaded_at = record.id, utcnow()

    def _pick_up_file_reload(self, session) -> None:
        from sqlmodel import col, select

        from hotline.rulebook.models import RuleFileReload

        newest = session.exec(select(RuleFileReload.id, RuleFileReload.version)
                              .order_by(col(RuleFileReload.id).desc()).limit(1)).first()
        newest_id = newest[0] if newest else None
        if self.reload_id is _UNSEEN or newest_id == self.reload_id:
            self.reload_id = newest_id
            return
        self.reload_id = newest_id
        if newest[1] == self._from_file.version:
            return
        record = session.get(RuleFileReload, newest_id)
        try:
            fresh = parse_rules(record.content.encode("utf-8"), f"rule file reload {record.id}")
        except RuleFileError as error:  # it was valid when reloaded; keep the last good set
            self.last_error = str(error)
            return
        self._take_file_rules(fresh)

    def _take_file_rules(self, fresh: RuleSet) -> None:
        self._from_file, self.loaded_at, self.last_error = fresh, utcnow(), None
        if self.published_id is None:
            self._current = fresh

    def reload(self, by_id: int | None = None) -> RuleSet:
        """Read the rule file again; when it is sound, put it in force here and, through the database,
        in every other worker at its next look."""
        with self._lock:
            try:
                if self.path:
                    content = Path(self.path).read_bytes()
                    fresh = parse_rules(content, self.path)
                else:
                    content, fresh = shipped_rules_file(), default_rules()
            except (RuleFileError, OSError) as error:
                self.last_error = str(error)
                raise InvalidInput(_("The rule file was refused; the rules in force are unchanged. %(problem)s",
                                     problem=str(error))) from None
            if self.engine is not None:
                self.reload_id = self._record_reload(fresh, content, by_id)
            self._take_file_rules(fresh)
            return fresh

    def _record_reload(self, rules: RuleSet, content: bytes, by_id: int | None) -> int:
        from sqlmodel import Session

        from hotline.rulebook.models import RuleFileReload

        with Session(self.engine) as session:
            record = RuleFileReload(version=rules.version[:64], content=content.decode("utf-8"),
                                    reloaded_by_id=by_id)
            session.add(record)
            session.commit()
            return record.id


def parse_answers(answers: dict | None) -> Answers | None:
    if answers is None:
        return None
    try:
        return Answers.model_validate(answers)
    except ValidationError as error:
        raise InvalidInput(describe_validation_errors(error.errors())) from None


def assess_text(*, text: str, answers: dict | None, rules: RuleSet) -> Assessment:
    from hotline.rulebook.models import TEXT_MAX  # the request schema's bound, for callers that skip it

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


# --- candidate rule sets: upload, replay over recent calls, publish ------------------------------------

RULE_FILE_MAX = 2_000_000


def upload_rule_set(*, session, user, content: bytes, filename: str):
    """Validate an uploaded rule file and keep it as a candidate. A bad file is refused, naming the problem."""
    from hotline.accounts.models import Role
    from hotline.errors import Forbidden
    from hotline.rulebook.models import RuleSetRecord

    if Role.admin not in user.roles:
        raise Forbidden(_("Only administrators change the triage rules."))
    if not content.strip():
        raise InvalidInput(_("The rule file is empty."), field="file")
    if len(content) > RULE_FILE_MAX:
        raise InvalidInput(_("The rule file is too large."), field="file")
    name = (filename or "rules.toml")[-100:]
    try:
        rules = parse_rules(content, name)
        text = content.decode("utf-8")
    except RuleFileError as error:
        raise InvalidInput(str(error), field="file") from None
    except UnicodeDecodeError:
        raise InvalidInput(_("The rule file is not UTF-8 text."), field="file") from None
    record = RuleSetRecord(version=rules.version, name=rules.name[:200], content=text, uploaded_by_id=user.id)
    session.add(record)
    session.commit()
    session.refresh(record)
    return record


@dataclass(frozen=True)
class ReplayChange:
    call_id: int
    before: str
    after: str
    evidence_before: list[str]
    evidence_after: list[str]

    @property
    def direction(self) -> str:
        from hotline.triage import RiskLevel

        return "up" if RiskLevel(self.after) > RiskLevel(self.before) else "down"


def replay(*, session, user, record_id: int, active: RuleSet, limit: int = 1000):
    """Assess the last `limit` finalised calls with the rules in force and with the candidate; list the changes."""
    from sqlmodel import col, select

    from hotline.audit import service as audit
    from hotline.calls.models import Call
    from hotline.errors import NotFound
    from hotline.rulebook.models import RuleSetRecord

    record = session.get(RuleSetRecord, record_id)
    if record is None:
        raise NotFound(_("There is no rule set %(id)s.", id=record_id))
    candidate = parse_rules(record.content.encode("utf-8"), f"rule set {record.id}")
    calls = session.exec(select(Call).where(Call.status == "finalised").order_by(col(Call.ended_at).desc())
                         .limit(limit)).all()
    changes = []
    for call in calls:
        answers = Answers(**call.answers)
        before, after = assess(call.notes, answers, active), assess(call.notes, answers, candidate)
        if before.level != after.level:
            changes.append(ReplayChange(
                call.id, before.level.value, after.level.value,
                sorted({f"{e.rule_id}: {e.text}" for e in before.evidence if e.level.value != "none"}),
                sorted({f"{e.rule_id}: {e.text}" for e in after.evidence if e.level.value != "none"}),
            ))
    # Reading many people's notes to compare: on record, without the notes themselves.
    audit.record(session=session, actor_id=user.id, action="rules.replay", target_type="rule_set",
                 target_id=record.id, detail={"calls": len(calls), "changed": len(changes)})
    return record, len(calls), changes


def publish_rule_set(*, session, user, record_id: int, reason: str):
    from sqlmodel import select

    from hotline.accounts.models import Role
    from hotline.audit import service as audit
    from hotline.errors import Conflict, Forbidden, NotFound
    from hotline.rulebook.models import RuleSetRecord

    if Role.admin not in user.roles:
        raise Forbidden(_("Only administrators change the triage rules."))
    record = session.get(RuleSetRecord, record_id)
    if record is None:
        raise NotFound(_("There is no rule set %(id)s.", id=record_id))
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise InvalidInput(_("Say why these rules should be in force."), field="reason")
    if record.status != "candidate":
        raise Conflict(_("Only a candidate rule set can be published."))
    for previous in session.exec(select(RuleSetRecord).where(RuleSetRecord.status == "published")):
        previous.status = "retired"
        session.add(previous)
    record.status, record.published_by_id, record.published_at = "published", user.id, utcnow()
    record.reason = reason[:1000]
    session.add(record)
    audit.record(session=session, actor_id=user.id, action="rules.publish", target_type="rule_set",
                 target_id=record.id, reason=record.reason, commit=False)
    session.commit()
    return record


def rule_set_history(*, session):
    from sqlmodel import col, select

    from hotline.rulebook.models import RuleSetRecord

    return list(session.exec(select(RuleSetRecord).order_by(col(RuleSetRecord.uploaded_at).desc())))
