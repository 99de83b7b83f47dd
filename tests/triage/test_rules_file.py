"""Malformed rule files are refused with the file, the rule id and the problem named."""

from __future__ import annotations

import pytest

from hotline.triage import Answers, RuleFileError, assess, default_rules, load_rules

ACTIONS = "\n".join(
    f'[[action]]\nid = "a.{lv}"\nlevel = "{lv}"\nen = "do"\nzh = "做"\n'
    for lv in ("none", "low", "moderate", "high", "imminent")
)
GOOD_RULE = '[[rule]]\nid = "r.one"\ndomain = "suicide"\nlevel = "moderate"\nphrases = ["want to die", "想死"]\n'


def write(tmp_path, body: str):
    path = tmp_path / "rules.toml"
    path.write_text('[meta]\nname = "test"\n' + ACTIONS + body, encoding="utf-8")
    return path


def refuse(tmp_path, body: str, rule_id: str | None, words: str) -> RuleFileError:
    path = write(tmp_path, body)
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    err = info.value
    assert str(path) in str(err)
    if rule_id:
        assert f"rule '{rule_id}'" in str(err)
    assert words in str(err)
    return err


def test_good_file_loads_and_matches(tmp_path):
    rules = load_rules(write(tmp_path, GOOD_RULE))
    assert assess("I want to die", rules=rules).level.value == "moderate"
    assert assess("想死", rules=rules).evidence[0].rule_id == "r.one"
    assert len(rules.version) == 12


def test_bad_syntax(tmp_path):
    refuse(tmp_path, '[[rule]]\nid = "x"\nphrases = ["a"\n', None, "bad TOML syntax")


def test_unknown_field(tmp_path):
    refuse(tmp_path, GOOD_RULE.replace('level = "moderate"', 'level = "moderate"\nlevle = "high"'),
           "r.one", "unknown field(s) levle")


def test_duplicate_id(tmp_path):
    refuse(tmp_path, GOOD_RULE + GOOD_RULE.replace('"想死"', '"自杀"'), "r.one", "duplicate id")


def test_empty_phrase(tmp_path):
    refuse(tmp_path, GOOD_RULE.replace('"想死"', '"  "'), "r.one", "empty phrase")


def test_duplicate_phrase_after_normalising(tmp_path):
    # Traditional and Simplified forms are the same phrase after conversion.
    refuse(tmp_path, GOOD_RULE.replace('"想死"', '"自杀", "自殺"'), "r.one", "duplicate phrase")


def test_pattern_unknown_name(tmp_path):
    body = GOOD_RULE + '[[pattern]]\nid = "p.x"\ndomain = "suicide"\nlevel = "high"\nwhen = "r.one + t.nothing"\n'
    refuse(tmp_path, body, "p.x", "pattern does not compile: unknown term or rule 't.nothing'")


def test_pattern_bad_parentheses(tmp_path):
    body = GOOD_RULE + '[[pattern]]\nid = "p.x"\ndomain = "suicide"\nlevel = "high"\nwhen = "(r.one + r.one"\n'
    refuse(tmp_path, body, "p.x", "does not compile")


def test_pattern_single_part(tmp_path):
    body = GOOD_RULE + '[[pattern]]\nid = "p.x"\ndomain = "suicide"\nlevel = "high"\nwhen = "r.one"\n'
    refuse(tmp_path, body, "p.x", "at least two parts")


def test_bad_level_and_domain(tmp_path):
    refuse(tmp_path, GOOD_RULE.replace('"moderate"', '"severe"'), "r.one", "level must be one of")
    refuse(tmp_path, GOOD_RULE.replace('"suicide"', '"sadness"'), "r.one", "domain must be one of")


def test_unknown_modifier_kind(tmp_path):
    refuse(tmp_path, '[[modifier]]\nid = "m.x"\nkind = "maybe"\nphrases = ["x"]\n', "m.x", "unknown modifier kind")


def test_missing_action_level(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[meta]\nname = "t"\n' + GOOD_RULE, encoding="utf-8")
    with pytest.raises(RuleFileError, match="no \\[\\[action\\]\\] for level"):
        load_rules(path)


def test_missing_file(tmp_path):
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rules(tmp_path / "nope.toml")


def test_shipped_rules_load_and_are_cached():
    a, b = default_rules(), default_rules()
    assert a is b
    assert a.automaton is a.automaton  # built once per rule set
    assert a.phrase_count > 1000
    for level in ("none", "low", "moderate", "high", "imminent"):
        assert a.actions[__import__("hotline.triage", fromlist=["RiskLevel"]).RiskLevel(level)]



PACT = (
    '[[term]]\nid = "t.go"\nphrases = ["走"]\n[[term]]\nid = "t.with"\nphrases = ["一起"]\n'
    '[[pattern]]\nid = "p.go"\ndomain = "suicide"\nlevel = "high"\nwhen = "t.with + t.go"\n'
)


def test_pattern_requires_context_anywhere_in_the_note(tmp_path):
    rules = load_rules(write(tmp_path, GOOD_RULE + PACT + 'requires = "r.one"\n'))
    assert assess("我们一起走吧", rules=rules).level.value == "none"
    assert assess("想死。我们一起走吧", rules=rules).level.value == "high"


def test_pattern_requires_unknown_name(tmp_path):
    refuse(tmp_path, GOOD_RULE + PACT + 'requires = "r.nothing"\n', "p.go", "requires: unknown")


def test_pattern_unless_cancels_it_nearby_only(tmp_path):
    body = GOOD_RULE + PACT + 'within = 6\nunless = "t.stop"\n[[term]]\nid = "t.stop"\nphrases = ["车站"]\n'
    rules = load_rules(write(tmp_path, body))
    assert assess("我们一起走", rules=rules).level.value == "high"
    assert assess("我们一起走，去车站", rules=rules).level.value == "none"
    assert assess("我们一起走。" + "很" * 20 + "远的车站", rules=rules).level.value == "high"


def test_pattern_unless_unknown_name(tmp_path):
    refuse(tmp_path, GOOD_RULE + PACT + 'unless = "t.nothing"\n', "p.go", "unless: unknown")


def test_identification_undoes_someone_elses_story(tmp_path):
    body = GOOD_RULE + (
        '[[modifier]]\nid = "m.news"\nkind = "reported"\nreach = 0\nphrases = ["新闻"]\n'
        '[[modifier]]\nid = "m.me"\nkind = "identification"\nphrases = ["如果是我"]\n'
    )
    rules = load_rules(write(tmp_path, body))
    story = assess("新闻里的人想死", rules=rules)  # a story raises no level, but stays in the evidence
    assert story.level.value == "none" and story.evidence[0].discount.value == "reported"
    mine = assess("新闻里的人想死，如果是我也一样", rules=rules)
    assert mine.level.value == "moderate" and mine.evidence[0].discount is None
    assert "如果是我" in mine.evidence[0].reason
    # another sentence keeps the story someone else's
    assert assess("新闻里的人想死。如果是我就好了", rules=rules).level.value == "none"


def test_reach_refused_on_kinds_without_it(tmp_path):
    body = '[[modifier]]\nid = "m.x"\nkind = "past"\nreach = 3\nphrases = ["以前"]\n'
    refuse(tmp_path, body, "m.x", "reach only applies")


# ---------------------------------------------------------------- concepts, inflections, answers in the rules

CONCEPTS = (
    '[[term]]\nid = "c.act"\nrole = "act"\nphrases = ["take~ed", "吃了"]\n'
    '[[term]]\nid = "c.count"\nrole = "amount"\nphrases = ["## pills", "##片"]\n'
    '[[pattern]]\nid = "p.od"\ndomain = "suicide"\nlevel = "imminent"\nscope = "sentence"\nwithin = 40\n'
    'when = "c.act + c.count"\n'
)


def test_inflected_verbs_and_numbers_compose_an_act_never_written_out(tmp_path):
    rules = load_rules(write(tmp_path, CONCEPTS))
    for note in ("She took 30 pills.", "he has taken 12 pills", "吃了40片"):
        result = assess(note, rules=rules)
        assert result.level.value == "imminent", note
        assert result.evidence[0].reason.startswith("act '"), result.evidence[0].reason
    # take~ed is what was done: the base form is an intent, not this act; ## is ten or more, not 2
    assert assess("She will take 30 pills.", rules=rules).level.value == "none"
    assert assess("She took 2 pills for a headache.", rules=rules).level.value == "none"


def test_a_possessive_is_every_possessive_as_a_reflexive_is_every_reflexive(tmp_path):
    body = ('[[rule]]\nid = "s.end"\ndomain = "suicide"\nlevel = "moderate"\n'
            'phrases = ["end~ ~my life", "kill~ ~self"]\n')
    rules = load_rules(write(tmp_path, body))
    for note in ("thinks about ending his life", "she ended her life", "they want to end their life", "killed himself"):
        assert assess(note, rules=rules).level.value == "moderate", note
    assert assess("at the end of his life he was happy", rules=rules).level.value == "none"


def test_any_count_of_packs_and_a_contraction_typed_without_its_apostrophe_are_found(tmp_path):
    body = ('[[term]]\nid = "c.act"\nrole = "act"\nphrases = ["吃了"]\n'
            '[[term]]\nid = "c.packs"\nrole = "amount"\nphrases = ["〔包〕"]\n'
            '[[pattern]]\nid = "p.od"\ndomain = "suicide"\nlevel = "imminent"\nscope = "sentence"\nwithin = 20\n'
            'when = "c.act + c.packs"\n'
            '[[rule]]\nid = "s.wake"\ndomain = "suicide"\nlevel = "low"\nphrases = ["didn\'t wake up", "i\'ll go"]\n')
    rules = load_rules(write(tmp_path, body))
    for note in ("食咗半樽", "吃了两排", "吃了成罐", "吃了3盒"):
        assert assess(note, rules=rules).level.value == "imminent", note
    assert assess("吃了饭", rules=rules).level.value == "none"
    assert assess("if i didnt wake up tomorrow", rules=rules).level.value == "low"
    # without its apostrophe "i'll" is "ill": a word of its own, so that form is not generated
    assert assess("she has been ill go figure", rules=rules).level.value == "none"


def test_a_choice_in_braces_writes_each_combination_and_a_bad_one_is_refused(tmp_path):
    body = ('[[rule]]\nid = "s.cut"\ndomain = "self_harm"\nlevel = "moderate"\n'
            'phrases = ["{割|𠝹|划}{了|咗|}{手|手腕}", "cut~ {my|her} {arm|wrist}*"]\n')
    rules = load_rules(write(tmp_path, body))
    for note in ("昨晚又割了手", "佢𠝹咗手腕", "划手", "she cuts her wrists", "I cut my arm"):
        assert assess(note, rules=rules).level.value == "moderate", note
    assert assess("切了手指，包扎好了", rules=rules).level.value == "none"
    refuse(tmp_path, '[[term]]\nid = "c.bad"\nphrases = ["{割|{划}手"]\n', "c.bad", "one choice in braces")
    refuse(tmp_path, '[[term]]\nid = "c.bad"\nphrases = ["割|划手"]\n', "c.bad", "one choice in braces")


def test_a_pattern_over_neighbouring_sentences_reads_what_was_said_one_sentence_each(tmp_path):
    body = (
        '[[term]]\nid = "c.garage"\nphrases = ["garage"]\n'
        '[[term]]\nid = "c.engine"\nphrases = ["engine running"]\n'
        '[[pattern]]\nid = "p.exhaust"\ndomain = "suicide"\nlevel = "imminent"\nscope = "SCOPE"\nwithin = 60\n'
        'when = "c.garage + c.engine"\n'
    )
    note = "Sat in the garage. Engine running, doors shut."
    assert assess(note, rules=load_rules(write(tmp_path, body.replace("SCOPE", "sentences")))).level.value == "imminent"
    assert assess(note, rules=load_rules(write(tmp_path, body.replace("SCOPE", "sentence")))).level.value == "none"
    # two sentences apart is another part of the call
    far = "Garage door fixed. Talked about work. Engine running fine now."
    assert assess(far, rules=load_rules(write(tmp_path, body.replace("SCOPE", "sentences")))).level.value == "none"


def test_a_misplaced_tilde_is_refused_with_the_rule_named(tmp_path):
    refuse(tmp_path, '[[term]]\nid = "c.bad"\nphrases = ["ta~ke"]\n', "c.bad", "'~' ends a word")
    refuse(tmp_path, '[[term]]\nid = "c.bad"\nphrases = ["吃~"]\n', "c.bad", "English verb")
    # "cut" is both what was done and what is meant: a done form that reads as an intent is refused
    refuse(tmp_path, '[[term]]\nid = "c.bad"\nphrases = ["cut~ed"]\n', "c.bad", "write the done forms out")


def test_answers_count_as_the_rule_file_says(tmp_path):
    body = GOOD_RULE + (
        '[[answer]]\nid = "answers.plan"\nfield = "plan"\ndomain = "suicide"\nlevel = "moderate"\n'
        'why = "a local line counts a plan as moderate"\n'
    )
    rules = load_rules(write(tmp_path, body))
    result = assess("", Answers(plan=True), rules=rules)
    assert result.level.value == "moderate"
    assert result.evidence[0].reason == "a local line counts a plan as moderate"
    assert assess("", Answers(intent=True), rules=rules).level.value == "none"  # not in this file's tables


def test_a_rule_file_from_before_answer_tables_reads_answers_as_the_shipped_file(tmp_path):
    rules = load_rules(write(tmp_path, GOOD_RULE))
    assert rules.answers is None
    shipped = assess("", Answers(plan=True, behaviour=True, behaviour_past_3_months=False))
    older = assess("", Answers(plan=True, behaviour=True, behaviour_past_3_months=False), rules=rules)
    assert [(e.rule_id, e.level, e.reason) for e in older.evidence] == \
        [(e.rule_id, e.level, e.reason) for e in shipped.evidence]
    assert older.level.value == "high"


@pytest.mark.parametrize(("body", "words"), [
    ('[[answer]]\nid = "answers.plan"\nfield = "plans"\nlevel = "high"\nwhy = "x"\n', "field must be one of"),
    ('[[answer]]\nid = "answers.intent"\nfield = "plan"\nlevel = "high"\nwhy = "x"\n', "answers.plan"),
    ('[[answer]]\nid = "answers.plan"\nfield = "plan"\nlevel = "high"\nkind = "maybe"\nwhy = "x"\n', "kind must"),
    ('[[answer]]\nid = "answers.behaviour"\nfield = "behaviour"\nlevel = "high"\nolder_level = "low"\nwhy = "x"\n',
     "go together"),
])
def test_bad_answer_tables_are_refused(tmp_path, body, words):
    refuse(tmp_path, body, None, words)
