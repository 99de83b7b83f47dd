"""PHQ-9 item 9 as triage evidence: any answer above "not at all" is at least low, shown like any rule."""

import pytest
from pydantic import ValidationError

from hotline.triage import Answers, Domain, RiskLevel, assess


@pytest.mark.parametrize(
    "text, answers, level, item9_evidence",
    [
        ("", Answers(), RiskLevel.none, False),
        ("", Answers(phq9_item9=0), RiskLevel.none, False),
        ("", Answers(phq9_item9=1), RiskLevel.low, True),
        ("", Answers(phq9_item9=2), RiskLevel.low, True),
        ("", Answers(phq9_item9=3), RiskLevel.low, True),
        ("来电者失眠，工作压力大。", Answers(phq9_item9=2), RiskLevel.low, True),
        # the notes decide more: item 9 never lowers what the text says
        ("He has bought charcoal and plans to do it tonight.", Answers(phq9_item9=1), RiskLevel.high, True),
        ("He has bought charcoal and plans to do it tonight.", Answers(phq9_item9=0), RiskLevel.high, False),
        # and the C-SSRS screener decides more
        ("", Answers(phq9_item9=1, intent=True), RiskLevel.high, True),
        ("", Answers(phq9_item9=1, method_thoughts=True), RiskLevel.moderate, True),
        # a denial in the notes does not cancel what the caller answered
        ("来电者否认自杀念头。", Answers(phq9_item9=1), RiskLevel.low, True),
        # buffers lower moderate or high ideation, never below that: low stays low
        ("", Answers(phq9_item9=3, support_present=True, future_plans=True, reasons_for_living=True),
         RiskLevel.low, True),
    ],
)
def test_item9_table(text, answers, level, item9_evidence):
    result = assess(text, answers)
    assert result.level == level
    item9 = [e for e in result.evidence if e.rule_id == "answers.phq9_item9"]
    assert bool(item9) == item9_evidence
    if item9:
        (e,) = item9
        assert e.source == "answers" and e.kind == "risk" and e.level == RiskLevel.low
        assert e.domain == Domain.suicide and "PHQ-9 item 9" in e.reason
        assert Domain.suicide in result.domains


@pytest.mark.parametrize("bad", [4, -1, True, "2", 1.5])
def test_item9_takes_only_the_scale(bad):
    with pytest.raises(ValidationError):
        Answers(phq9_item9=bad)


def test_item9_travels_in_the_answers_json():
    answers = Answers.model_validate({"phq9_item9": 2, "wish_dead": False})
    assert assess("", answers).level == RiskLevel.low
    assert answers.model_dump(exclude_none=True) == {"wish_dead": False, "phq9_item9": 2}
