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

from .models import Action, Answers, Domain, RiskLevel
from .normalise import normalise_phrase, script_form

MODIFIER_KINDS = frozenset(
    {
        "negation",  # governs a following phrase in the same clause, within `reach` chars
        "post_negation",  # governs a preceding phrase ("自杀念头：否认", "SI: denied")
        "question",  # "asked about ..."; a denial opening the next clause negates the phrase
        "past",  # history marker in the clause
        "recent",  # within ~3 months: overrides past
        "present",  # now / still: overrides past and recent
        "then",  # "at that time" (当时, 嗰阵): the time last named before it in the note, else the past
        "future",  # set for a later day (考完试那天, "next month"): imminent counts as high
        "third_party",  # the clause is about someone else
        "acquaintance",  # about a friend, colleague, classmate...: as third_party, and their past is a story
        "intensifier",  # idioms such as 累死了: anything overlapping them is discounted
        "neutral",  # masks shorter phrases inside it (没人 is not a negation)
        "boundary",  # clause break word (但是, but)
        "soft_boundary",  # stops weak (reach > 0) negation only (and, 因为)
        "reported",  # someone else's story or the news, either side within `reach` (有人跳楼, 跳楼的女孩)
        "hesitation",  # held back by fear or lack of nerve, either side within `reach` (不敢跳楼)
        "dream",  # dreamt, either side within `reach` (梦见自己跳楼): at most moderate
        "identification",  # the writer puts themself in the story: undoes `reported` in the sentence
        "worry",  # someone's worry about another (担心他想不开, "worried she's suicidal"): governs its sentence
        "all_clear",  # a counsellor's finding that nothing points to risk (细问…没说过消极的话, "no talk of death")
        "figure",  # asked what was meant, a figure of speech (口头禅, 就是那么一说, "just a thing people say")
        "died",  # a death that happened (急救无效, "died at the scene"): someone else's act beside it is a bereavement
        "explored",  # the counsellor explored a worry (细问, 逐项询问, "on exploring"): with a worry, it clears it
        "literature",  # writing or reading about it (读后感, a novel, an essay on a poet): its sentence is a story
    }
)
_REACH_KINDS = frozenset({"negation", "post_negation", "reported", "hesitation", "dream", "all_clear"})
SUBJECTS = frozenset({"auto", "self"})
SCOPES = frozenset({"clause", "sentence", "sentences", "note"})

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
    """A concept: words that are not risk alone but fill a part of a pattern. `role` names that part in
    explanations ("act", "means", "when"), so a supervisor reads which words filled which part."""

    id: str
    why: str
    phrases: tuple[str, ...]
    role: str = ""


@dataclass(frozen=True, slots=True)
class AnswerRule:
    """How one structured answer of the call screen counts (C-SSRS screener, risk and protective factors).

    kind "risk" counts at `level`; "score" is recorded at none (it only raises the score); "protective" is a
    buffer. `with_desire_level`: the level when suicidal desire is also present (capability with desire,
    988 standard), `level` otherwise. `recency_field`: an answer that says whether it was within 3 months;
    when that answer is no, `older_level` applies (C-SSRS Q6)."""

    id: str  # the evidence's rule id, "answers.<field>"
    field: str
    kind: str
    domain: Domain | None
    level: RiskLevel
    lowerable: bool
    why: str
    also_field: str = ""  # another answer that means yes to this one (Q6's follow-up)
    with_desire_level: RiskLevel | None = None
    recency_field: str = ""
    older_level: RiskLevel | None = None
    older_why: str = ""
    unknown_recency_why: str = ""
    recent_why: str = ""


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
    # None: the file has no [[answer]] tables (written before they existed); the shipped mapping applies.
    answers: tuple[AnswerRule, ...] | None = None

    @cached_property
    def automaton(self) -> ahocorasick.Automaton:
        """Built once per rule set: one pass over a note finds every phrase of every list."""
        auto = ahocorasick.Automaton()
        for i, entry in enumerate(self.entries):
            auto.add_word(entry.phrase, i)
        if len(self.entries):
            auto.make_automaton()
        return auto

    @cached_property
    def harm_term_ids(self) -> frozenset[str]:
        """Terms that make up a pattern of harm to someone else (a weapon, 'finish him'): where they are, what a
        colleague did last week may be a threat still open, not a story."""
        return frozenset(name for pat in self.patterns if pat.domain == Domain.harm_to_others
                         for names in pat.parts for name in names if name.startswith("c."))

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
        written: set[str] = set()
        out: list[str] = []
        for raw in value:
            if not isinstance(raw, str):
                raise self.fail(rid, f"phrase {raw!r} is not a string")
            text = raw.strip()
            if not text.strip("*").strip():
                raise self.fail(rid, f"empty phrase {raw!r}")
            if "*" in text[1:-1]:
                raise self.fail(rid, f"phrase {raw!r}: '*' is only allowed at the start or the end")
            norm = normalise_phrase(text)
            if norm in seen:
                if script_form(text) in written:
                    raise self.fail(rid, f"duplicate phrase {raw!r}")
                continue  # a Cantonese and a Mandarin wording that read alike (食咗, 吃了): one is enough
            seen.add(norm)
            written.add(script_form(text))
            try:
                forms = expand(norm)
            except ValueError as exc:
                raise self.fail(rid, f"phrase {raw!r}: {exc}") from None
            for form in forms:
                if form not in out:  # two inflections may coincide (cut, cut); that is no mistake
                    out.append(form)
        return tuple(out)


# ---------------------------------------------------------------- phrase expansion
#
#   {a|b|}     one of the choices (an empty one: the word may be left out): "{如果|要是}{有|}同事" finds
#              如果同事, 要是有同事; a concept's words written once, not each combination by hand
#   take~      every form of an English verb: take, takes, took, taken, taking
#   take~ed    its past forms only: took, taken (what was done, not what is meant)
#   ~self      every reflexive: myself, himself, herself, themselves, themself, yourself ("hang~ ~self"
#              finds "hung himself"; who it is comes from the clause, as for any phrase)
#   ~my        every possessive: my, his, her, their, your ("end~ ~my life" finds "ending his life")
#   #          any digit: "#盒" finds "3盒" (the number may be longer)
#   ##         a number of two digits or more: "## pills" finds "30 pills" and "120 pills", not "2 pills"
#   *word      the match may start inside a word, as "word*" lets it run on past the end
#   〔包〕     in Chinese, any amount of packs: 半樽, 成盒, 两板, 一整瓶 ("食咗〔包〕" finds 食咗半樽); the counts
#              are written once here so that a quantity is a concept, not a list of the ones seen so far

# Irregular verbs that hotline notes use: base -> (past, past participle).
_IRREGULAR = {
    "be": ("was", "been"), "buy": ("bought", "bought"), "cut": ("cut", "cut"), "do": ("did", "done"),
    "drink": ("drank", "drunk"), "drive": ("drove", "driven"), "eat": ("ate", "eaten"), "fall": ("fell", "fallen"),
    "feel": ("felt", "felt"), "find": ("found", "found"), "get": ("got", "gotten"), "give": ("gave", "given"),
    "go": ("went", "gone"), "hang": ("hung", "hanged"), "have": ("had", "had"), "hear": ("heard", "heard"),
    "hide": ("hid", "hidden"), "hit": ("hit", "hit"), "hold": ("held", "held"), "keep": ("kept", "kept"),
    "leave": ("left", "left"), "light": ("lit", "lit"), "make": ("made", "made"), "put": ("put", "put"),
    "run": ("ran", "run"), "say": ("said", "said"), "see": ("saw", "seen"), "sell": ("sold", "sold"),
    "send": ("sent", "sent"), "shoot": ("shot", "shot"), "sit": ("sat", "sat"), "slit": ("slit", "slit"),
    "stand": ("stood", "stood"), "steal": ("stole", "stolen"), "swim": ("swam", "swum"), "take": ("took", "taken"),
    "tell": ("told", "told"), "think": ("thought", "thought"),
    "throw": ("threw", "thrown"), "write": ("wrote", "written"), "overdo": ("overdid", "overdone"),
    "set": ("set", "set"), "shut": ("shut", "shut"), "lie": ("lay", "lain"), "beat": ("beat", "beaten"),
    "bleed": ("bled", "bled"), "pay": ("paid", "paid"), "lay": ("laid", "laid"), "quit": ("quit", "quit"),
}
_THIRD = {"be": "is", "have": "has", "do": "does", "go": "goes"}
# One-syllable verbs that double their last consonant (pop -> popped); a rule on letters alone would also
# double open -> "openned" or miss quit -> quitting, so the short list is written out.
_DOUBLES = frozenset({"pop", "chug", "stab", "drop", "slip", "stop", "grab", "plan", "step", "trip", "skip",
                      "snap", "grip", "trap", "drug", "rob", "jab", "dig", "tap", "cut", "hit", "put", "sit",
                      "set", "shut", "slit", "quit", "run", "swim", "get", "shop", "beg"})
# Verbs whose past is their base form: "cut" is also what one means to do, so `cut~ed` cannot say "done".
_PAST_IS_BASE = frozenset({"cut", "hit", "put", "set", "shut", "slit", "quit", "beat", "hurt", "let", "cost"})
_VOWELS = frozenset("aeiou")


def _regular(word: str) -> tuple[str, str, str]:
    """(third person, past, present participle) of a regular verb."""
    if word.endswith("ie"):
        return word + "s", word + "d", word[:-2] + "ying"
    if word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        return word + "s", word + "d", word[:-1] + "ing"
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies", word[:-1] + "ied", word + "ing"
    third = word + "es" if word.endswith(("s", "sh", "ch", "x", "z", "o")) else word + "s"
    if word in _DOUBLES:
        return third, word + word[-1] + "ed", word + word[-1] + "ing"  # pop -> popped, chug -> chugging
    return third, word + "ed", word + "ing"


def inflect(word: str, past_only: bool = False) -> tuple[str, ...]:
    """The forms of an English verb, base first: take -> take, takes, took, taken, taking."""
    third, past, ing = _regular(word)
    third = _THIRD.get(word, third)
    ing = "being" if word == "be" else ing
    participle = past
    if word in _IRREGULAR:
        past, participle = _IRREGULAR[word]
    if past_only:
        if word in _PAST_IS_BASE:
            raise ValueError(f"'{word}~ed' would be '{word}', also what one means to do: write the done forms out")
        return tuple(dict.fromkeys((past, participle)))
    return tuple(dict.fromkeys((word, third, past, participle, ing)))


_REFLEXIVES = ("myself", "himself", "herself", "themselves", "themself", "yourself")
_POSSESSIVES = ("my", "his", "her", "their", "your")
_TWO_DIGITS = tuple(f"{a}{b}" for a in "123456789" for b in "0123456789")
_DIGITS_ZH = "一二三四五六七八九"
# 十, 十一 … 十九, 二十, 二十一 … 九十九
_CHINESE_TENS = tuple(("" if tens == 1 else _DIGITS_ZH[tens - 1]) + "十" + ("" if ones == 0 else _DIGITS_ZH[ones - 1])
                      for tens in range(1, 10) for ones in range(10))


# Texting drops apostrophes ("if i didnt wake up", "im done", "cant sleep"): every English phrase with a
# contraction is also found without it, except where that spells another word (i'll -> ill, we're -> were,
# od'd -> odd, won't -> wont).
_APOSTROPHE_LESS_SKIP = frozenset({"ill", "well", "wed", "id", "its", "shell", "hell", "shed", "were", "lets", "whos",
                                   "odd", "wont"})


def _without_apostrophes(form: str) -> str | None:
    words = form.split(" ")
    out = [w.replace("'", "") if "'" in w.strip("'") and w.replace("'", "") not in _APOSTROPHE_LESS_SKIP else w
           for w in words]
    joined = " ".join(out)
    return joined if joined != form else None


# Amounts of a medicine or a poison in packs (normalised script: 两, 几). Numbers past three are left to "#".
_PACK_COUNTS = ("一", "半", "大半", "成", "整", "一整", "两", "三", "几", "好几", "十几", "几十", "#")
_PACKS = ("瓶", "樽", "盒", "板", "排", "包", "罐", "袋", "版", "支", "筒", "桶")
PACK = "〔包〕"


def expand(phrase: str) -> tuple[str, ...]:
    """A normalised phrase with ~, # and 〔包〕 written out, and an English contraction also without its
    apostrophe; anything else is returned as it is."""
    if "{" in phrase or "}" in phrase or "|" in phrase:
        start = phrase.find("{")
        end = phrase.find("}", start + 1)
        if start < 0 or end < 0 or "{" in phrase[start + 1:end] or "|" in phrase[:start]:
            raise ValueError("'{a|b}' is one choice in braces, not nested")
        forms = dict.fromkeys(form for choice in phrase[start + 1:end].split("|")  # in order, each once
                              for form in expand(phrase[:start] + choice + phrase[end + 1:]) if form.strip("*").strip())
        return tuple(forms)
    if PACK in phrase:
        if phrase.count(PACK) != 1:
            raise ValueError("a phrase has one '〔包〕'")
        return tuple(form for count in _PACK_COUNTS for pack in _PACKS
                     for form in expand(phrase.replace(PACK, count + pack)))
    forms = [phrase]
    if "~" in phrase:
        words = phrase.split(" ")
        choices = []
        for word in words:
            core = word.rstrip("*")
            star = word[len(core):]
            if core == "~self":
                choices.append([f + star for f in _REFLEXIVES])
            elif core == "~my":
                choices.append([f + star for f in _POSSESSIVES])
            elif core.endswith("~ed") or core.endswith("~"):
                past = core.endswith("~ed")
                base = core[: -3 if past else -1]
                if not base.isascii() or not base.isalpha():
                    raise ValueError("'~' follows an English verb, as in take~ or take~ed")
                choices.append([f + star for f in inflect(base, past_only=past)])
            elif "~" in core:
                raise ValueError("'~' ends a word: take~ or take~ed")
            else:
                choices.append([word])
        forms = [" ".join(combo) for combo in _product(choices)]
    if "#" in phrase:
        # "#" is one digit, "##" a number of two digits or more (10..99 written out, in figures and, in a
        # Chinese phrase, in Chinese numerals: 二十八粒 as well as 28粒): a leading number may be longer (its
        # match may start inside it: "#粒" finds 40粒), and so may a trailing one ("like ##").
        wide = "##" in phrase
        token, values = ("##", _TWO_DIGITS + (_CHINESE_TENS if not phrase.isascii() else ())) if wide \
            else ("#", "0123456789")
        numbered = []
        for form in forms:
            if form.count("#") != len(token):
                raise ValueError("a phrase has one '#' or one '##'")
            left = "*" if form.startswith(token) else ""
            right = "*" if form.endswith(token) and not form.endswith("*") else ""
            numbered.extend(left + form.replace(token, value) + right for value in values)
        forms = numbered
    if phrase.isascii() and "'" in phrase:
        forms = forms + [bare for form in forms if (bare := _without_apostrophes(form)) and bare not in forms]
    return tuple(forms)


def _product(choices: list[list[str]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [()]
    for options in choices:
        out = [prefix + (o,) for prefix in out for o in options]
    return out


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

_TOP = {"meta", "action", "modifier", "term", "rule", "pattern", "buffer", "answer"}
ANSWER_KINDS = frozenset({"risk", "score", "protective"})
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
        rid = chk.fields("term", item, {"id", "phrases", "why", "role"}, {"id", "phrases"})
        claim(rid)
        terms.append(Term(rid, chk.text(rid, item.get("why", ""), "why"), chk.phrases(rid, item["phrases"]),
                          chk.text(rid, item.get("role", ""), "role")))

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
            raise chk.fail(rid, f"scope must be clause, sentence, sentences or note; got {scope!r}")
        patterns.append(
            Pattern(id=rid, when=item["when"], parts=parts, within=within, scope=scope, requires=requires,
                    unless=unless, **risk_common(rid, item))
        )

    buffers: list[Buffer] = []
    for item in items("buffer"):
        rid = chk.fields("buffer", item, {"id", "phrases", "why"}, {"id", "phrases"})
        claim(rid)
        buffers.append(Buffer(rid, chk.text(rid, item.get("why", ""), "why"), chk.phrases(rid, item["phrases"])))

    answers = tuple(_answer(chk, item, claim) for item in items("answer")) or None

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
        answers=answers,
    )


_ANSWER_FIELDS = {"id", "field", "kind", "domain", "level", "lowerable", "why", "also_field", "with_desire_level",
                  "recency_field", "older_level", "older_why", "unknown_recency_why", "recent_why"}


def _answer(chk: _Checker, item: Any, claim) -> AnswerRule:
    rid = chk.fields("answer", item, _ANSWER_FIELDS, {"id", "field", "level", "why"})
    claim(rid)
    known = set(Answers.model_fields)  # the call screen's answers: a rule must name one of them
    names = {key: item.get(key, "") for key in ("field", "also_field", "recency_field")}
    for key, name in names.items():
        if not isinstance(name, str) or (name and name not in known):
            raise chk.fail(rid, f"{key} must be one of the call screen's answers ({', '.join(sorted(known))}); "
                                f"got {name!r}")
    if rid != f"answers.{names['field']}":
        raise chk.fail(rid, f"an answer rule's id is 'answers.' and its field: answers.{names['field']}")
    kind = item.get("kind", "risk")
    if kind not in ANSWER_KINDS:
        raise chk.fail(rid, f"kind must be one of {', '.join(sorted(ANSWER_KINDS))}; got {kind!r}")
    level = chk.level(rid, item["level"], "level")
    optional = {key: chk.level(rid, item[key], key) if key in item else None
                for key in ("with_desire_level", "older_level")}
    if bool(names["recency_field"]) != (optional["older_level"] is not None):
        raise chk.fail(rid, "recency_field and older_level go together")
    return AnswerRule(
        id=rid, field=names["field"], kind=kind,
        domain=chk.domain(rid, item["domain"]) if "domain" in item else None,
        level=level, lowerable=chk.boolean(rid, item.get("lowerable", True), "lowerable"),
        why=chk.text(rid, item["why"], "why"), also_field=names["also_field"],
        with_desire_level=optional["with_desire_level"], recency_field=names["recency_field"],
        older_level=optional["older_level"],
        **{key: chk.text(rid, item.get(key, ""), key) for key in ("older_why", "unknown_recency_why", "recent_why")},
    )


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _index(rules, terms, buffers, modifiers) -> tuple[PhraseEntry, ...]:
    owners: dict[str, list[tuple[str, int]]] = {}
    open_right: dict[str, bool] = {}
    open_left: dict[str, bool] = {}
    for table, seq in (("rule", rules), ("term", terms), ("buffer", buffers), ("modifier", modifiers)):
        for i, item in enumerate(seq):
            for phrase in item.phrases:
                key = phrase.strip("*").strip()
                if (table, i) not in owners.setdefault(key, []):
                    owners[key].append((table, i))
                open_right[key] = open_right.get(key, False) or phrase.endswith("*")
                open_left[key] = open_left.get(key, False) or phrase.startswith("*")
    return tuple(
        PhraseEntry(
            phrase=key,
            left_bound=_is_word_char(key[0]) and not open_left[key],
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
