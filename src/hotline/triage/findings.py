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
    """One dict per finding: the strongest evidence of each group of overlapping spans, with `also`
    listing the other rule ids in the group. Answers (no span) and protective evidence stay one each."""
    spans: list[Mapping[str, Any]] = []
    out: list[dict[str, Any]] = []
    for item in evidence:
        if item.get("source") == "answers" or not item.get("text") or item.get("kind") != "risk":
            out.append({**item, "also": []})
        else:
            spans.append(item)
    spans.sort(key=lambda e: (e.get("start", 0), e.get("end", 0)))
    group: list[Mapping[str, Any]] = []
    group_end = -1
    for item in spans + [None]:
        if item is not None and group and item.get("start", 0) < group_end:
            group.append(item)
            group_end = max(group_end, item.get("end", 0))
            continue
        if group:
            best = max(group, key=_strength)
            also = sorted({e["rule_id"] for e in group} - {best["rule_id"]})
            out.append({**best, "also": also})
        if item is not None:
            group, group_end = [item], item.get("end", 0)
    return out
