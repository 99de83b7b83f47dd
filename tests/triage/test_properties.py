"""Property tests: idioms and denials never raise a harmless text above low; an imminent
statement always wins; assess never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.triage import Answers, RiskLevel, assess

HARMLESS = [
    "来电者说最近睡不好。", "她想换一份工作。", "今天下雨了，心情一般。", "孩子考试成绩不理想。",
    "Caller wants information about counselling.", "He is worried about his exams.",
    "She had an argument with her sister.", "我们聊了聊周末的安排。", "来电者说谢谢，挂断了。",
    "Feeling a bit anxious today.", "",
]
IDIOMS = [
    "累死了", "笑死我了", "热死了", "吓死我了", "忙得要死", "气死我了", "累死我了", "烦死了",
    "dead tired", "this is killing me", "I could murder a pizza", "scared to death", "熱死了",
]
DENIALS = [
    "否认自杀念头", "否认自伤", "来电者否认有自杀的想法", "没有想过自杀", "denies suicidal ideation",
    "no thoughts of suicide", "she denies any thoughts of self-harm", "否認自殺念頭",
]
IMMINENT = [
    "刚刚吃了一整瓶安眠药。", "我现在在楼顶，想跳下去。", "I've taken all my pills.",
    "手里拿着刀，说想死。", "老公正在打我。", "剛剛吃了一整瓶安眠藥。",
]
SEPARATORS = ["。", "，", ". ", "\n", "! "]

harmless_text = st.lists(st.sampled_from(HARMLESS), max_size=6).map("".join)
free_text = st.text(max_size=300)


def insert(text: str, piece: str, where: int, sep: str) -> str:
    cut = min(where, len(text))
    return text[:cut] + sep + piece + sep + text[cut:]


@settings(max_examples=300, deadline=None)
@given(harmless_text, st.sampled_from(IDIOMS + DENIALS), st.integers(0, 400), st.sampled_from(SEPARATORS))
def test_idiom_or_denial_never_raises_harmless_text_above_low(text, piece, where, sep):
    assert assess(text).level <= RiskLevel.low
    # insert at a sentence boundary of the harmless text
    boundaries = [0, len(text)] + [i + 1 for i, ch in enumerate(text) if ch in "。.!\n"]
    cut = sorted(boundaries)[where % len(boundaries)]
    assert assess(insert(text, piece, cut, sep)).level <= RiskLevel.low


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(free_text, st.sampled_from(IDIOMS + DENIALS), st.sampled_from(SEPARATORS))
def test_idiom_or_denial_appended_to_any_low_text_stays_low(text, piece, sep):
    if assess(text).level > RiskLevel.low:
        return
    assert assess(text + sep + piece + sep).level <= RiskLevel.low


@settings(max_examples=300, deadline=None)
@given(free_text, st.sampled_from(IMMINENT))
def test_appending_an_imminent_statement_always_gives_imminent(text, statement):
    assert assess(text + "\n" + statement).level == RiskLevel.imminent


@settings(max_examples=100, deadline=None)
@given(free_text, st.sampled_from(IMMINENT), st.booleans(), st.booleans())
def test_protective_answers_never_lower_imminent(text, statement, support, future):
    answers = Answers(support_present=support, future_plans=future, reasons_for_living=True, ambivalence=True)
    assert assess(text + "\n" + statement, answers).level == RiskLevel.imminent


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=500))
def test_never_raises_and_spans_point_into_the_original(text):
    result = assess(text)
    for e in result.evidence:
        assert text[e.start : e.end] == e.text
    result.to_dict()


ODD = "自殺殺準備藥想死不沒否認跳樓ＡＢＣｘ，。！ 🙂💀\x00\t\u200b\u0301ﬁßİ"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(ODD), max_size=200))
def test_mixed_scripts_and_odd_characters(text):
    result = assess(text)
    for e in result.evidence:
        assert text[e.start : e.end] == e.text


def test_edge_inputs():
    for text in ["", " ", "\x00" * 50, "😀" * 1000, "\ud800", "a" * 100_000, "想死" * 50_000,
                 "累死了" * 30_000, ("I want to die. 否认自杀念头。" * 4000)[:100_000]]:
        result = assess(text)
        assert isinstance(result.level, RiskLevel)


# Notes are normalised and scanned sentence by sentence, from a cache of sentences already seen. What a
# counsellor sees must not depend on that: the same note gives the same assessment as one pass over it
# with nothing cached, whatever was saved before it.
PIECES = HARMLESS + IDIOMS + DENIALS + IMMINENT + ["頭髮乾了", "ﬁne", "Σ", "①", "e\u0301", "  ", "否认", "想死"]
note_text = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS + ["", "？", "！", "；", "."])),
                     max_size=30).map(lambda parts: "".join(a + b for a, b in parts))


@settings(max_examples=300, deadline=None)
@given(note_text, note_text)
def test_a_note_assessed_piecewise_matches_one_pass_over_it(earlier, text):
    from hotline.triage import engine, normalise

    assess(earlier)  # fills the sentence caches with whatever came before
    cached = assess(earlier + text)
    whole = normalise._normalise_piece.__wrapped__(earlier + text)
    assert normalise.normalise(earlier + text) == whole
    tables = engine._tables(engine.default_rules())
    assert engine._find(engine.default_rules(), whole.text) == list(tables._scan(whole.text))
    one_pass = assess(earlier + text, _finder=lambda _rules, folded: list(tables._scan(folded)))
    assert one_pass.to_dict() == cached.to_dict()
    normalise._normalise_piece.cache_clear()
    tables.forget()
    assert assess(earlier + text).to_dict() == cached.to_dict()
