"""Loading and validating a rule file (TOML) into an immutable RuleSet.

The file format is documented at the top of the shipped rules.toml. Every problem is
reported as RuleFileError naming the file, the rule id and what is wrong, because a
supervisor editing rules must be able to find the mistake without reading Python.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import ahocorasick

from .models import Action, Domain, RiskLevel
from .normalise import normalise_phrase

MODIFIER_KINDS = frozenset(
    {
        "negation",  # governs a following phrase in the same clause, within `reach` chars
        "post_negation",  # governs a preceding phrase ("自杀念头：否认", "SI: denied")
        "question",  # "asked about ..."; a denial opening the next clause negates the phrase
        "past",  # history marker in the clause
        "recent",  # within ~3 months: overrides past
        "present",  # now / still: overrides past and recent
        "third_party",  # the clause is about someone else
        "intensifier",  # idioms such as 累死了: anything overlapping them is discounted
        "neutral",  # masks shorter phrases inside it (没人 is not a negation)
        "boundary",  # clause break word (但是, but)
        "soft_boundary",  # stops weak (reach > 0) negation only (and, 因为)
        "reported",  # someone else's story or the news, either side within `reach` (有人跳楼, 跳楼的女孩)
        "hesitation",  # held back by fear or lack of nerve, either side within `reach` (不敢跳楼)
        "dream",  # dreamt, either side within `reach` (梦见自己跳楼): at most moderate
        "identification",  # the writer puts themself in the story: undoes `reported` in the sentence
    }
)
_REACH_KINDS = frozenset({"negation", "post_negation", "reported", "hesitation", "dream"})
SUBJECTS = frozenset({"auto", "self"})
SCOPES = frozenset({"clause", "sentence", "note"})

_ID_RE = re.compile(r"^[a-z][a-z0-9_.\-]*$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_.\-]*$")


class RuleFileError(ValueError):
    """A rule file that cannot be used. The message names file, rule id and problem."""

    def __init__(self, path: str | Path, rule_id: str | None, problem: str):
        self.path = str(path)
        self.rule_id = rule_id
        self.problem = problem
        where = f"rule '{rule_id}'" if rule_id else "file"
        super().__init__(f"{self.path}: {where}: {problem}")


@dataclass(frozen=True, slots=True)
class Rule:
    """A phrase list that is risk evidence on its own."""

    id: str
    domain: Domain
    level: RiskLevel
    past_level: RiskLevel
    recent_level: RiskLevel
    subject: str
    lowerable: bool
    why: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pattern:
    """A combination: every part (a set of alternative term or rule ids) matched within `within`
    characters of the first part; within = 0 means anywhere in the note."""

    id: str
    domain: Domain
    level: RiskLevel
    past_level: RiskLevel
    recent_level: RiskLevel
    subject: str
    lowerable: bool
    why: str
    when: str
    parts: tuple[frozenset[str], ...]
    within: int
    scope: str  # clause, sentence or note: parts may not cross a break of this kind
    # Context: at least one of these term or rule ids must occur, counted, anywhere in the note
    # (empty: no condition). Lets everyday words (走, 离开) count only where death is spoken of.
    requires: frozenset[str] = frozenset()
    # Everyday sense: the pattern does not fire where one of these term or rule ids occurs within
    # `within` characters of it, or anywhere when within is 0 (一起走 near 去车站 is a walk, not a pact).
    unless: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Modifier:
    id: str
    kind: str
    reach: int
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    why: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Buffer:
    id: str
    why: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhraseEntry:
    """One distinct normalised phrase and everything that owns it."""

    phrase: str
    left_bound: bool  # needs a word boundary on the left (ASCII word start)
    right_bound: bool
    extend: bool  # "suicid*": the match runs on to the end of the ASCII word
    owners: tuple[tuple[str, int], ...]  # (table, index): table in rule/term/buffer/modifier


@dataclass(frozen=True, eq=False)
class RuleSet:
    path: str
    name: str
    version: str
    rules: tuple[Rule, ...]
    patterns: tuple[Pattern, ...]
    terms: tuple[Term, ...]
    modifiers: tuple[Modifier, ...]
    buffers: tuple[Buffer, ...]
    actions: dict[RiskLevel, tuple[Action, ...]]
    entries: tuple[PhraseEntry, ...] = field(repr=False)

    @cached_property
    def automaton(self) -> ahocorasick.Automaton:
        """Built once per rule set: one pass over a note finds every phrase of every list."""
        auto = ahocorasick.Automaton()
        for i, entry in enumerate(self.entries):
            auto.add_word(entry.phrase, i)
        if len(self.entries):
            auto.make_automaton()
        return auto

    @property
    def phrase_count(self) -> int:
        return len(self.entries)


# ---------------------------------------------------------------- validation helpers


class _Checker:
    def __init__(self, path: str | Path):
        self.path = path

    def fail(self, rule_id: str | None, problem: str) -> RuleFileError:
        return RuleFileError(self.path, rule_id, problem)

    def fields(self, table: str, item: Any, allowed: set[str], required: set[str]) -> str:
        if not isinstance(item, dict):
            raise self.fail(None, f"[[{table}]] entries must be tables")
        rid = item.get("id")
        if not isinstance(rid, str) or not _ID_RE.match(rid):
            raise self.fail(
                rid if isinstance(rid, str) else None,
                f"[[{table}]] needs an id of lower-case letters, digits, '.', '_' or '-'",
            )
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise self.fail(rid, f"unknown field(s) {', '.join(unknown)} in [[{table}]]")
        missing = sorted(required - set(item))
        if missing:
            raise self.fail(rid, f"missing field(s) {', '.join(missing)}")
        return rid

    def level(self, rid: str, value: Any, name: str) -> RiskLevel:
        try:
            return RiskLevel(value)
        except ValueError:
            raise self.fail(rid, f"{name} must be one of none, low, moderate, high, imminent; got {value!r}") from None

    def domain(self, rid: str, value: Any) -> Domain:
        try:
            return Domain(value)
        except ValueError:
            names = ", ".join(d.value for d in Domain)
            raise self.fail(rid, f"domain must be one of {names}; got {value!r}") from None

    def text(self, rid: str, value: Any, name: str) -> str:
        if not isinstance(value, str):
            raise self.fail(rid, f"{name} must be a string")
        return value

    def integer(self, rid: str, value: Any, name: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(rid, f"{name} must be a whole number >= 0; got {value!r}")
        return value

    def boolean(self, rid: str, value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(rid, f"{name} must be true or false; got {value!r}")
        return value

    def phrases(self, rid: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(rid, "phrases must be a non-empty list of strings")
        seen: set[str] = set()
        out: list[str] = []
        for raw in value:
            if not isinstance(raw, str):
                raise self.fail(rid, f"phrase {raw!r} is not a string")
            text = raw.strip()
            if not text.rstrip("*").strip():
                raise self.fail(rid, f"empty phrase {raw!r}")
            if "*" in text[:-1]:
                raise self.fail(rid, f"phrase {raw!r}: '*' is only allowed at the end")
            norm = normalise_phrase(text)
            if norm in seen:
                raise self.fail(rid, f"duplicate phrase {raw!r}")
            seen.add(norm)
            out.append(norm)
        return tuple(out)


def _default_past(level: RiskLevel) -> RiskLevel:
    # History counts, but less: at most moderate (an old attempt), else one step down.
    return min(RiskLevel.from_rank(level.rank - 1), RiskLevel.moderate) if level > RiskLevel.low else level


def _parse_when(chk: _Checker, rid: str, when: Any, known: set[str]) -> tuple[frozenset[str], ...]:
    """'a + (b | c)' -> ({a}, {b, c}). Raises RuleFileError if it does not compile."""
    if not isinstance(when, str) or not when.strip():
        raise chk.fail(rid, "pattern 'when' must be a non-empty string like \"intent + method\"")
    parts: list[frozenset[str]] = []
    for raw in when.split("+"):
        part = raw.strip()
        if part.startswith("(") != part.endswith(")"):
            raise chk.fail(rid, f"pattern does not compile: unbalanced parentheses in {part!r}")
        inner = part[1:-1] if part.startswith("(") else part
        if "(" in inner or ")" in inner:
            raise chk.fail(rid, f"pattern does not compile: nested parentheses in {part!r}")
        names = [n.strip() for n in inner.split("|")]
        for name in names:
            if not name:
                raise chk.fail(rid, f"pattern does not compile: empty name in {when!r}")
            if not _NAME_RE.match(name):
                raise chk.fail(rid, f"pattern does not compile: bad name {name!r}")
            if name not in known:
                raise chk.fail(rid, f"pattern does not compile: unknown term or rule {name!r}")
        parts.append(frozenset(names))
    if len(parts) < 2:
        raise chk.fail(rid, "pattern needs at least two parts joined by '+'")
    return tuple(parts)


# ---------------------------------------------------------------- loading

_TOP = {"meta", "action", "modifier", "term", "rule", "pattern", "buffer"}
_RISK_FIELDS = {"id", "domain", "level", "past_level", "recent_level", "subject", "lowerable", "why"}


def parse_rules(data: bytes, path: str | Path = "<rules>") -> RuleSet:
    chk = _Checker(path)
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise chk.fail(None, f"not UTF-8: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise chk.fail(None, f"bad TOML syntax: {exc}") from None

    unknown = sorted(set(doc) - _TOP)
    if unknown:
        raise chk.fail(None, f"unknown section(s) {', '.join(unknown)}")
    meta = doc.get("meta", {})
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise chk.fail(None, "[meta] needs a name")
    if set(meta) - {"name", "description"}:
        raise chk.fail(None, f"unknown field(s) in [meta]: {', '.join(sorted(set(meta) - {'name', 'description'}))}")

    def items(table: str) -> list[Any]:
        value = doc.get(table, [])
        if not isinstance(value, list):
            raise chk.fail(None, f"{table} must be written as [[{table}]] tables")
        return value

    ids: set[str] = set()

    def claim(rid: str) -> None:
        if rid in ids:
            raise chk.fail(rid, "duplicate id")
        ids.add(rid)

    modifiers: list[Modifier] = []
    for item in items("modifier"):
        rid = chk.fields("modifier", item, {"id", "kind", "reach", "phrases", "why"}, {"id", "kind", "phrases"})
        claim(rid)
        kind = item["kind"]
        if kind not in MODIFIER_KINDS:
            raise chk.fail(rid, f"unknown modifier kind {kind!r}; use one of {', '.join(sorted(MODIFIER_KINDS))}")
        reach = chk.integer(rid, item.get("reach", 0), "reach")
        if "reach" in item and kind not in _REACH_KINDS:
            raise chk.fail(rid, f"reach only applies to {', '.join(sorted(_REACH_KINDS))}")
        modifiers.append(Modifier(rid, kind, reach, chk.phrases(rid, item["phrases"])))

    terms: list[Term] = []
    for item in items("term"):
        rid = chk.fields("term", item, {"id", "phrases", "why"}, {"id", "phrases"})
        claim(rid)
        terms.append(Term(rid, chk.text(rid, item.get("why", ""), "why"), chk.phrases(rid, item["phrases"])))

    def risk_common(rid: str, item: dict[str, Any]) -> dict[str, Any]:
        level = chk.level(rid, item["level"], "level")
        if level == RiskLevel.none:
            raise chk.fail(rid, "a risk rule's level must be above none")
        past = chk.level(rid, item["past_level"], "past_level") if "past_level" in item else _default_past(level)
        recent = chk.level(rid, item["recent_level"], "recent_level") if "recent_level" in item else level
        subject = item.get("subject", "auto")
        if subject not in SUBJECTS:
            raise chk.fail(rid, f"subject must be 'auto' or 'self'; got {subject!r}")
        lowerable = chk.boolean(rid, item.get("lowerable", level <= RiskLevel.moderate), "lowerable")
        return {
            "domain": chk.domain(rid, item["domain"]),
            "level": level,
            "past_level": past,
            "recent_level": recent,
            "subject": subject,
            "lowerable": lowerable,
            "why": chk.text(rid, item.get("why", ""), "why"),
        }

    rules: list[Rule] = []
    for item in items("rule"):
        rid = chk.fields("rule", item, _RISK_FIELDS | {"phrases"}, {"id", "domain", "level", "phrases"})
        claim(rid)
        rules.append(Rule(id=rid, phrases=chk.phrases(rid, item["phrases"]), **risk_common(rid, item)))

    known = {t.id for t in terms} | {r.id for r in rules}
    patterns: list[Pattern] = []
    for item in items("pattern"):
        rid = chk.fields(
            "pattern", item, _RISK_FIELDS | {"when", "within", "scope", "requires", "unless"},
            {"id", "domain", "level", "when"},
        )
        claim(rid)
        parts = _parse_when(chk, rid, item["when"], known)
        requires, unless = frozenset(), frozenset()
        for key in ("requires", "unless"):
            if key not in item:
                continue
            raw = item[key]
            names = [n.strip() for n in raw.split("|")] if isinstance(raw, str) else []
            if not names or not all(names):
                raise chk.fail(rid, f"{key} must be ids joined by '|', like \"t.death | suicide.ideation\"")
            for name in names:
                if name not in known:
                    raise chk.fail(rid, f"{key}: unknown term or rule {name!r}")
            if key == "requires":
                requires = frozenset(names)
            else:
                unless = frozenset(names)
        within = chk.integer(rid, item.get("within", 30), "within")
        scope = item.get("scope", "sentence")
        if scope not in SCOPES:
            raise chk.fail(rid, f"scope must be clause, sentence or note; got {scope!r}")
        patterns.append(
            Pattern(id=rid, when=item["when"], parts=parts, within=within, scope=scope, requires=requires,
                    unless=unless, **risk_common(rid, item))
        )

    buffers: list[Buffer] = []
    for item in items("buffer"):
        rid = chk.fields("buffer", item, {"id", "phrases", "why"}, {"id", "phrases"})
        claim(rid)
        buffers.append(Buffer(rid, chk.text(rid, item.get("why", ""), "why"), chk.phrases(rid, item["phrases"])))

    actions: dict[RiskLevel, list[Action]] = {lvl: [] for lvl in RiskLevel}
    for item in items("action"):
        rid = chk.fields("action", item, {"id", "level", "en", "zh"}, {"id", "level", "en", "zh"})
        claim(rid)
        level = chk.level(rid, item["level"], "level")
        en, zh = chk.text(rid, item["en"], "en"), chk.text(rid, item["zh"], "zh")
        if not en.strip() or not zh.strip():
            raise chk.fail(rid, "action text must not be empty")
        actions[level].append(Action(rid, en, zh))
    missing = [lvl.value for lvl, acts in actions.items() if not acts]
    if missing:
        raise chk.fail(None, f"no [[action]] for level(s) {', '.join(missing)}")

    return RuleSet(
        path=str(path),
        name=meta["name"],
        version=hashlib.sha256(data).hexdigest()[:12],
        rules=tuple(rules),
        patterns=tuple(patterns),
        terms=tuple(terms),
        modifiers=tuple(modifiers),
        buffers=tuple(buffers),
        actions={lvl: tuple(acts) for lvl, acts in actions.items()},
        entries=_index(rules, terms, buffers, modifiers),
    )


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _index(rules, terms, buffers, modifiers) -> tuple[PhraseEntry, ...]:
    owners: dict[str, list[tuple[str, int]]] = {}
    open_right: dict[str, bool] = {}
    for table, seq in (("rule", rules), ("term", terms), ("buffer", buffers), ("modifier", modifiers)):
        for i, item in enumerate(seq):
            for phrase in item.phrases:
                star = phrase.endswith("*")
                key = phrase.rstrip("*").strip()
                owners.setdefault(key, []).append((table, i))
                open_right[key] = open_right.get(key, False) or star
    return tuple(
        PhraseEntry(
            phrase=key,
            left_bound=_is_word_char(key[0]),
            right_bound=_is_word_char(key[-1]) and not open_right[key],
            extend=_is_word_char(key[-1]) and open_right[key],
            owners=tuple(own),
        )
        for key, own in owners.items()
    )


def load_rules(path: str | Path) -> RuleSet:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleFileError(path, None, f"cannot read: {exc.strerror or exc}") from None
    return parse_rules(data, path)
