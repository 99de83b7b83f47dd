"""API contract and how answers, text and protective factors combine."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from hotline.triage import (
    INSTRUMENT_FIELDS,
    PROTECTIVE_FIELDS,
    RISK_FACTOR_FIELDS,
    SCREENER_FIELDS,
    Answers,
    Discount,
    Domain,
    RiskLevel,
    Subject,
    assess,
    default_rules,
)


def test_risk_level_orders_by_urgency_not_alphabet():
    assert RiskLevel.none < RiskLevel.low < RiskLevel.moderate < RiskLevel.high < RiskLevel.imminent
    assert RiskLevel.high > RiskLevel.low  # as strings "high" < "low"
    assert max([RiskLevel.low, RiskLevel.imminent, RiskLevel.high]) is RiskLevel.imminent
    assert RiskLevel("high").value == "high"


def test_answers_forbid_unknown_fields_and_expose_groups():
    with pytest.raises(ValidationError):
        Answers(wish_dead=True, favourite_colour=True)
    fields = set(Answers.model_fields)
    assert set(SCREENER_FIELDS) | set(RISK_FACTOR_FIELDS) | set(PROTECTIVE_FIELDS) | set(INSTRUMENT_FIELDS) == fields
    assert Answers.field_groups()["screener"][0] == "wish_dead"


@pytest.mark.parametrize(
    "answers, level",
    [
        (Answers(), RiskLevel.none),
        (Answers(wish_dead=True), RiskLevel.low),
        (Answers(wish_dead=True, suicidal_thoughts=True), RiskLevel.low),
        (Answers(method_thoughts=True), RiskLevel.moderate),
        (Answers(intent=True), RiskLevel.high),
        (Answers(plan=True), RiskLevel.high),
        (Answers(behaviour=True, behaviour_past_3_months=True), RiskLevel.high),
        (Answers(behaviour=True, behaviour_past_3_months=False), RiskLevel.moderate),
        (Answers(behaviour=True), RiskLevel.high),  # recency not asked: treated as recent
        (Answers(prior_attempt=True), RiskLevel.moderate),
        (Answers(harm_to_others_intent=True), RiskLevel.high),
        (Answers(experiencing_violence=True), RiskLevel.high),
        (Answers(hearing_voices=True), RiskLevel.moderate),
        (Answers(intoxicated=True), RiskLevel.low),
        (Answers(access_to_means=True), RiskLevel.none),
        (Answers(suicidal_thoughts=True, access_to_means=True), RiskLevel.high),  # desire + capability
        (Answers(method_thoughts=True, intoxicated=True), RiskLevel.high),
        (Answers(isolated=True, recent_loss=True), RiskLevel.none),
    ],
)
def test_answers_alone(answers, level):
    assert assess("", answers).level == level


def test_answer_evidence_is_recorded():
    result = assess("", Answers(plan=True))
    (ev,) = [e for e in result.evidence if e.rule_id == "answers.plan"]
    assert (ev.source, ev.text, ev.start, ev.end, ev.level) == ("answers", "", 0, 0, RiskLevel.high)


def test_highest_of_text_and_answers_wins():
    assert assess("来电者说想死。", Answers(plan=True)).level == RiskLevel.high
    assert assess("刚刚吃了一整瓶安眠药。", Answers(wish_dead=True)).level == RiskLevel.imminent
    assert assess("失眠，焦虑。", Answers(method_thoughts=True)).level == RiskLevel.moderate


def test_text_desire_with_answered_capability():
    assert assess("来电者说不想活了。", Answers(access_to_means=True)).level == RiskLevel.high


def test_buffers_lower_ideation_one_step():
    buffers = Answers(support_present=True, future_plans=True)
    result = assess("来电者说不想活了。", buffers)
    assert result.level == RiskLevel.low and result.lowered_by_buffers
    # one buffer is not enough
    assert assess("来电者说不想活了。", Answers(support_present=True)).level == RiskLevel.moderate
    # text buffers count too
    assert assess("不想活了，但是为了孩子要好好活着。", Answers(support_present=True)).level == RiskLevel.low


def test_buffers_never_lower_plans_attempts_or_danger_now():
    buffers = Answers(support_present=True, future_plans=True, reasons_for_living=True, ambivalence=True)
    assert assess("", Answers(plan=True, support_present=True, future_plans=True)).level == RiskLevel.high
    assert assess("两个月前割过腕。", buffers).level == RiskLevel.high
    assert assess("刚刚吃了一整瓶安眠药。", buffers).level == RiskLevel.imminent
    assert assess("我现在在楼顶，想跳下去。", buffers).level == RiskLevel.imminent


def test_actions_follow_the_level_in_both_languages():
    rules = default_rules()
    imminent = assess("I've taken all my pills.")
    ids = [a.id for a in imminent.actions]
    assert "imminent.emergency" in ids and "imminent.keep_on_line" in ids
    assert all(a.en and a.zh for a in imminent.actions)
    assert assess("累死了").actions == rules.actions[RiskLevel.none]


def test_to_dict_is_json_and_complete():
    result = assess("我弟弟说他想跳楼。", Answers(isolated=True))
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert set(data) >= {"level", "score", "domains", "evidence", "actions", "rules_version"}
    assert data["level"] == "high" and data["domains"] == ["suicide"]
    assert data["rules_version"] == default_rules().version
    ev = next(e for e in data["evidence"] if e["rule_id"] == "suicide.method")
    assert ev["subject"] == "third_party" and ev["text"] == "跳楼" and ev["discount"] is None


def test_evidence_spans_point_into_original_text_after_normalisation():
    text = "ＸＸ，來電者說：我準備今晚吃安眠藥，I WANT TO DIE。"
    result = assess(text)
    assert result.level >= RiskLevel.high
    for e in result.evidence:
        if e.source == "text":
            assert text[e.start : e.end] == e.text
    assert any(e.text == "WANT TO DIE" for e in result.evidence)


def test_domains_and_score():
    result = assess("他喝醉了，说要杀了他老板，还听到声音。")
    assert set(result.domains) >= {Domain.harm_to_others, Domain.intoxication, Domain.psychosis}
    assert result.score >= 30
    assert assess("累死了").score == 0
    assert assess("想死").score < assess("想死，今晚准备烧炭").score


def test_negation_is_scoped_to_its_clause():
    result = assess("否认自杀念头，但是说不想活了。")
    assert result.level == RiskLevel.moderate
    by_text = {e.text: e.discount for e in result.evidence}
    assert by_text["自杀念头"] == Discount.negated and by_text["不想活"] is None


def test_past_and_recent():
    old = assess("五年前自杀过，现在很稳定。")
    assert old.evidence[0].discount == Discount.past and old.level == RiskLevel.moderate
    assert assess("两个月前割过腕。").level == RiskLevel.high
    assert assess("上周自杀未遂。").evidence[0].discount is None


def test_third_party_and_object_relations():
    assert assess("我担心我妈妈会想不开。").evidence[0].subject == Subject.third_party
    # 和男朋友 is an object: the caller is the one who wants to die
    assert assess("和男朋友分手了，想死。").evidence[0].subject == Subject.self


def test_library_has_no_web_or_database_imports():
    code = (
        "import sys, hotline.triage as t; t.assess('想死');"
        "bad=[m for m in sys.modules if m.split('.')[0] in "
        "('fastapi','starlette','sqlmodel','sqlalchemy','psycopg','alembic','jinja2')];"
        "print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_same_text_gives_the_same_evidence_in_every_process():
    # Python salts string hashes per process, so anything that walks a set of names in its own order
    # shows here: the supervisor re-running a case must see the very spans the counsellor saw.
    texts = ["办公室在12楼，每次走到窗边，都想跳下去", "我今晚想吃安眠药，药已经买好了",
             "He said he will jump off the bridge tonight"]
    code = (
        "import json, sys; from hotline.triage import assess;"
        "print(json.dumps([assess(t).to_dict() for t in json.loads(sys.argv[1])], ensure_ascii=False))"
    )
    runs = {
        subprocess.run([sys.executable, "-c", code, json.dumps(texts)], check=True, capture_output=True, text=True,
                       env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
        for seed in range(8)
    }
    assert len(runs) == 1
