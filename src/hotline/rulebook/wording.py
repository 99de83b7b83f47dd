"""The rule file's words in the reader's language, at render time.

The triage library speaks English and imports nothing of the app: its reasons (`why`), a concept's part
(`role`) and the explanations the engine writes into evidence ("history: '上周'", "act '吞' · means '药' →
an overdose…") are translated here. `make messages` extracts the shipped rule file's sentences under the
context "rules" (roles under "rule role"); a rule file uploaded since reads as its author wrote it.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from hotline.i18n import _, _l, pgettext

# The kinds of words that change a match (hotline.triage.rules.MODIFIER_KINDS), as the rules page names them.
MODIFIER_KINDS = {
    "negation": _l("negation"),
    "post_negation": _l("negation after the words"),
    "question": _l("question asked"),
    "past": _l("in the past"),
    "recent": _l("recent"),
    "present": _l("now"),
    "then": _l("at that time"),
    "future": _l("set for a later day"),
    "third_party": _l("about someone else"),
    "acquaintance": _l("about a friend or colleague"),
    "intensifier": _l("figure of speech"),
    "neutral": _l("neutral phrase"),
    "boundary": _l("clause break"),
    "soft_boundary": _l("weak clause break"),
    "reported": _l("someone else's story"),
    "hesitation": _l("held back"),
    "dream": _l("dream"),
    "identification": _l("writer puts themself in the story"),
    "worry": _l("someone's worry"),
    "all_clear": _l("nothing found"),
    "figure": _l("a way of speaking"),
    "died": _l("a death that happened"),
    "literature": _l("writing or reading about it"),
    "explored": _l("a worry explored"),
}


def rule_text(text: str) -> str:
    """A sentence of the rule file (a reason, the file's name) in the reader's language."""
    return pgettext("rules", text) if text else ""


# In a reason: another item's id (p.painless_method, c.lives) or a document's path (docs/risk-levels.md), shown
# as codes as the page shows ids; and an example in Latin letters ('took the lot', 'I'm done'): words as a note
# has them, kept in English on a Chinese page and marked so (lang="en", which screen readers follow too).
_IN_REASON = re.compile(
    r"(?P<code>(?<![\w./-])(?:[a-z]+\.[a-z][a-z0-9_]+|[\w-]+(?:/[\w.-]+)+\.[a-z]{2,4})(?![\w/-]|\.\w))"
    r"|(?P<example>(?<![A-Za-z])'[A-Za-z~](?:[^'\u3000-\u9fff\uff00-\uffef]|'(?=[A-Za-z]))*'(?![A-Za-z]))"
)


def rule_prose(text: str) -> Markup:
    """A reason as a paragraph of the rules pages: rule_text, with the ids and paths it names as codes and its
    English examples marked as English."""
    shown, done = [], 0
    text = rule_text(text)
    for match in _IN_REASON.finditer(text):
        shown.append(escape(text[done:match.start()]))
        if match["code"]:
            shown.append(Markup("<code>%s</code>") % match["code"])
        else:
            shown.append(Markup('<span lang="en">%s</span>') % match["example"])
        done = match.end()
    shown.append(escape(text[done:]))
    return Markup("").join(shown)


def role_label(role: str) -> str:
    """The part a concept fills in a combination ("act", "means")."""
    return pgettext("rule role", role) if role else ""


def kind_label(kind: str) -> str:
    return str(MODIFIER_KINDS.get(kind, kind))


_WORD = r"'(?P<word>.*)'"
# The engine's explanations (hotline.triage.engine), whole; the quoted word is the note's own.
_WHOLE = (
    (re.compile(rf"^inside intensifier idiom {_WORD}$"), _l("inside a figure of speech: '%(word)s'")),
    (re.compile(rf"^negated by {_WORD}$"), _l("negated by '%(word)s'")),
    (re.compile(r"^asked \('(?P<word>.*)'\) and denied$"), _l("asked ('%(word)s') and denied")),
    (re.compile(rf"^history: {_WORD}$"), _l("in the past: '%(word)s'")),
    (re.compile(rf"^recent: {_WORD}$"), _l("recent: '%(word)s'")),
    (re.compile(rf"^someone else's history: {_WORD}$"), _l("someone else's past: '%(word)s'")),
    (re.compile(rf"^someone else's story: {_WORD}$"), _l("someone else's story: '%(word)s'")),
    (re.compile(rf"^in a dream: {_WORD}$"), _l("in a dream: '%(word)s'")),
    (re.compile(rf"^held back: {_WORD}$"), _l("held back: '%(word)s'")),
    (re.compile(rf"^a worry the counsellor explored: {_WORD}$"), _l("a worry the counsellor explored: '%(word)s'")),
    (re.compile(rf"^a way of speaking, the caller said: {_WORD}$"),
     _l("a way of speaking, the caller said: '%(word)s'")),
)
# What the engine adds after a reason.
_AFTER = (
    (re.compile(rf"^(?P<reason>.*) \(set for later: {_WORD}\)$", re.S), _l("%(reason)s (set for later: '%(word)s')")),
    (re.compile(rf"^(?P<reason>.*) \(the writer puts themself in someone else's story: {_WORD}\)$", re.S),
     _l("%(reason)s (the writer puts themself in someone else's story: '%(word)s')")),
    (re.compile(r"^(?P<reason>.*) \(history\)$", re.S), _l("%(reason)s (in the past)")),
    (re.compile(r"^(?P<reason>.*) with suicidal desire$", re.S), _l("%(reason)s, with suicidal desire")),
)
_PART = re.compile(r"^(?P<role>[^' ]+) '(?P<word>.*)'$", re.S)


def explain(reason: str) -> str:
    """Evidence's reason as the engine wrote it (stored with the call), in the reader's language."""
    if not reason:
        return ""
    for pattern, wording in _AFTER:
        match = pattern.match(reason)
        if match:
            return str(wording) % {"reason": explain(match["reason"]), "word": match.groupdict().get("word", "")}
    for pattern, wording in _WHOLE:
        match = pattern.match(reason)
        if match:
            return str(wording) % {"word": match["word"]}
    filled, arrow, why = reason.partition(" → ")
    if arrow:
        parts = []
        for part in filled.split(" · "):
            match = _PART.match(part)
            parts.append(f"{role_label(match['role'])} '{match['word']}'" if match else part)
        return _("%(parts)s → %(reason)s", parts=" · ".join(parts), reason=rule_text(why))
    return rule_text(reason)


TEMPLATE_GLOBALS = {"rule_text": rule_text, "rule_prose": rule_prose, "role_label": role_label,
                    "modifier_kind_label": kind_label, "explain": explain}
