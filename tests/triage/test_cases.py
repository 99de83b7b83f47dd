"""Table-driven triage cases (see cases.py): level range, rule fired, discount, subject."""

from __future__ import annotations

import pytest
from cases import CASES  # noqa: I001  (tests/triage is on sys.path via conftest)

from hotline.triage import RiskLevel, assess


def test_enough_cases_and_every_level_covered():
    assert len(CASES) >= 150
    assert {c.lo for c in CASES} | {c.hi for c in CASES} == {lv.value for lv in RiskLevel}


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}" for i in range(len(CASES))])
def test_case(case):
    result = assess(case.text)
    lo, hi = RiskLevel(case.lo), RiskLevel(case.hi)
    fired = [(e.rule_id, e.discount.value if e.discount else None, e.subject.value) for e in result.evidence]
    assert lo <= result.level <= hi, f"{case.text!r}: got {result.level.value}, evidence {fired}"
    if case.rule is None:
        assert not any(e.discount is None for e in result.evidence if e.kind == "risk"), fired
        return
    matching = [e for e in result.evidence if e.rule_id == case.rule]
    assert matching, f"{case.text!r}: {case.rule} did not fire; evidence {fired}"
    discounts = {e.discount.value if e.discount else None for e in matching}
    assert case.discount in discounts, f"{case.text!r}: {case.rule} discounts {discounts}"
    if case.subject:
        assert any(e.subject.value == case.subject for e in matching), fired
    for e in matching:
        assert case.text[e.start : e.end] == e.text
