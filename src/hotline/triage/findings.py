"""Findings: what a reader sees of the evidence, one per stretch of the note.

Several rules and patterns often fire on the same words (一整瓶药 is an amount, a means and an overdose
taken). The stored evidence keeps every one, so a supervisor can replay the judgement; the banner and
the queue show one finding per overlapping stretch: the strongest, the others named under it.
Works on evidence as stored with a call (Evidence.to_dict()), so old calls group the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .models import RiskLevel

_RANK = {level.value: level.rank for level in RiskLevel}


def _strength(item: Mapping[str, Any]) -> tuple[int, int, int, str]:
    # Highest level first; then what counted over what was discounted; then the longer span (a pattern
    # names more of the act than one of its words); the rule id last, so the choice never varies.
    counted = 1 if item.get("discount") in (None, "past", "recent") else 0
    return (_RANK.get(item.get("level", "none"), 0), counted, item.get("end", 0) - item.get("start", 0),
            item.get("rule_id", ""))


def findings(evidence: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One dict per finding, in the order of the note: the strongest evidence of a stretch, with `also`
    listing the other rule ids of the same domain whose words overlap it. A finding of another domain on
    the same words (domestic violence beside a wish to die) stays a finding of its own, and nothing is
    swallowed through a chain of overlaps. Answers and protective evidence follow, one each, as stored."""
    spans: list[Mapping[str, Any]] = []
    rest: list[dict[str, Any]] = []
    for item in evidence:
        if item.get("source") == "answers" or not item.get("text") or item.get("kind") != "risk":
            rest.append({**item, "also": []})
        else:
            spans.append(item)
    left = sorted(spans, key=_strength, reverse=True)
    chosen: list[dict[str, Any]] = []
    while left:
        best, *others = left
        same, left = [], []
        for e in others:
            overlaps = e.get("start", 0) < best.get("end", 0) and best.get("start", 0) < e.get("end", 0)
            (same if overlaps and e.get("domain") == best.get("domain") else left).append(e)
        also = sorted({e["rule_id"] for e in same} - {best["rule_id"]})
        chosen.append({**best, "also": also})
    chosen.sort(key=lambda e: (e.get("start", 0), e.get("end", 0), e.get("rule_id", "")))
    return chosen + rest
