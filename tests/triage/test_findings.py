"""One finding per stretch of the note: a supervisor reads one chip, with the words that filled it."""

from __future__ import annotations

from hotline.triage import Answers, assess, findings


def shown(text: str, answers: Answers | None = None) -> list[dict]:
    return findings(e.to_dict() for e in assess(text, answers).evidence)


def test_one_sentence_with_many_rules_is_one_finding_at_its_strongest():
    result = assess("来电者说半小时前把攒的药全吞下去了，现在头很晕")
    counted = [e for e in result.evidence if e.level.value != "none"]
    assert len(counted) >= 2  # stockpiling and the overdose: both kept for replay
    chips = [f for f in shown("来电者说半小时前把攒的药全吞下去了，现在头很晕") if f["level"] != "none"]
    assert len(chips) == 1
    assert chips[0]["level"] == "imminent"
    assert set(chips[0]["also"]) == {e.rule_id for e in counted} - {chips[0]["rule_id"]}


def test_the_finding_says_which_words_filled_which_part():
    chip = shown("佢話啱啱飲咗成支漂白水")[0]
    assert chip["level"] == "imminent"
    assert "act '飲咗'" in chip["reason"] and "means '漂白水'" in chip["reason"]


def test_separate_stretches_stay_separate_findings_and_answers_stay_their_own():
    chips = shown("她说想死。上周买了两包木炭。", Answers(plan=True))
    texts = [c["text"] for c in chips if c.get("source") == "text" and c["level"] != "none"]
    assert len(texts) == 2 and "想死" in texts[0] and "木炭" in texts[1]
    assert any(c["rule_id"] == "answers.plan" for c in chips)


def test_findings_of_a_stored_call_group_the_same_way():
    stored = [e.to_dict() for e in assess("He took the whole bottle of sleeping pills just now.").evidence]
    assert findings(stored) == findings(list(reversed(stored)))


def test_a_finding_of_another_domain_on_the_same_words_stays_its_own():
    chips = [c for c in shown("我想死。我老公天天打我。家里有枪。") if c["level"] != "none"]
    assert {c["domain"] for c in chips} >= {"suicide", "violence"}  # abuse is not hidden under the wish to die
