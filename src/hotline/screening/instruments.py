"""Public-domain screening instruments and their scoring. Pure: no web, no database.

    from hotline.screening.instruments import score
    result = score("phq9", [1, 2, 0, 1, 1, 0, 2, 1, 0])
    result.total, result.band.id

Wording is the published wording, not ours: a counsellor reads it aloud exactly as written.

- PHQ-9: Kroenke, Spitzer & Williams, "The PHQ-9: validity of a brief depression severity measure",
  J Gen Intern Med 2001;16(9):606-613. Developed by Drs Spitzer, Williams, Kroenke and colleagues with an
  educational grant from Pfizer; "no permission required to reproduce, translate, display or distribute"
  (phqscreeners.com). Chinese: the Simplified Chinese (China) translation distributed at
  phqscreeners.com, the wording validated in Wang W. et al., Gen Hosp Psychiatry 2014;36(5):539-544.
- GAD-7: Spitzer, Kroenke, Williams & Löwe, "A brief measure for assessing generalized anxiety
  disorder", Arch Intern Med 2006;166(10):1092-1097; same terms of use. Chinese: the Simplified Chinese
  (China) translation at phqscreeners.com (validated by He X. et al., Shanghai Arch Psychiatry
  2010;22(4):200-203).
- PHQ-4: Kroenke, Spitzer, Williams & Löwe, "An ultra-brief screening scale for anxiety and depression:
  the PHQ-4", Psychosomatics 2009;50(6):613-621: the two GAD-2 items then the two PHQ-2 items, with the
  same wording and answer scale as GAD-7 and PHQ-9 above.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Wording:
    en: str
    zh: str

    def in_locale(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


@dataclass(frozen=True, slots=True)
class Band:
    id: str
    low: int  # inclusive
    high: int  # inclusive
    name: Wording


@dataclass(frozen=True, slots=True)
class Subscale:
    id: str
    items: tuple[int, ...]  # 0-based item positions
    cutoff: int  # a subtotal at or above it suggests further screening
    name: Wording


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    name: Wording
    stem: Wording  # the question before the items
    items: tuple[Wording, ...]
    scale: tuple[Wording, ...]  # answer i scores i
    bands: tuple[Band, ...]
    source: str
    subscales: tuple[Subscale, ...] = field(default=())

    @property
    def max_answer(self) -> int:
        return len(self.scale) - 1

    @property
    def max_total(self) -> int:
        return self.max_answer * len(self.items)

    def band_for(self, total: int) -> Band:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band
        raise ValueError(f"{self.id}: no band holds {total}")  # the tables below cover 0..max_total


@dataclass(frozen=True, slots=True)
class Score:
    instrument: Instrument
    answers: tuple[int, ...]
    total: int
    band: Band
    subscores: dict[str, int] = field(default_factory=dict)

    @property
    def flagged_subscales(self) -> tuple[Subscale, ...]:
        return tuple(s for s in self.instrument.subscales if self.subscores[s.id] >= s.cutoff)


class ScoringError(ValueError):
    """Answers that cannot be scored. `kind` and `params` let the web layer say it in the caller's language."""

    def __init__(self, kind: str, message: str, **params):
        super().__init__(message)
        self.kind = kind  # unknown_instrument | wrong_length | out_of_range | not_a_number
        self.params = params


# --- wording ---------------------------------------------------------------------------------------

_FREQUENCY = (
    Wording("Not at all", "完全不会"),
    Wording("Several days", "好几天"),
    Wording("More than half the days", "一半以上的天数"),
    Wording("Nearly every day", "几乎每天"),
)
_STEM = Wording(
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    "在过去的两周里，你生活中以下症状出现的频率有多少？",
)

_PHQ9_ITEMS = (
    Wording("Little interest or pleasure in doing things", "做事时提不起劲或没有兴趣"),
    Wording("Feeling down, depressed, or hopeless", "感到心情低落、沮丧或绝望"),
    Wording("Trouble falling or staying asleep, or sleeping too much", "入睡困难、睡不安稳或睡眠过多"),
    Wording("Feeling tired or having little energy", "感觉疲倦或没有活力"),
    Wording("Poor appetite or overeating", "食欲不振或吃太多"),
    Wording("Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
            "觉得自己很糟，或觉得自己很失败，或让自己或家人失望"),
    Wording("Trouble concentrating on things, such as reading the newspaper or watching television",
            "对事物专注有困难，例如阅读报纸或看电视时"),
    Wording("Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
            "fidgety or restless that you have been moving around a lot more than usual",
            "动作或说话速度缓慢到别人已经觉察？或正好相反，烦躁或坐立不安、动来动去的情况更胜于平常"),
    Wording("Thoughts that you would be better off dead or of hurting yourself in some way",
            "有不如死掉或用某种方式伤害自己的念头"),
)
PHQ9_SELF_HARM_ITEM = 8  # item 9, 0-based: the one answer that is also triage evidence

_GAD7_ITEMS = (
    Wording("Feeling nervous, anxious or on edge", "感觉紧张、焦虑或急切"),
    Wording("Not being able to stop or control worrying", "不能够停止或控制担忧"),
    Wording("Worrying too much about different things", "对各种各样的事情担忧过多"),
    Wording("Trouble relaxing", "很难放松下来"),
    Wording("Being so restless that it is hard to sit still", "由于不安而无法静坐"),
    Wording("Becoming easily annoyed or irritable", "变得容易烦恼或急躁"),
    Wording("Feeling afraid as if something awful might happen", "感到似乎将有可怕的事情发生而害怕"),
)

_MINIMAL = Wording("Minimal", "极轻微")
_MILD = Wording("Mild", "轻度")
_MODERATE = Wording("Moderate", "中度")
_MODERATELY_SEVERE = Wording("Moderately severe", "中重度")
_SEVERE = Wording("Severe", "重度")

PHQ9 = Instrument(
    id="phq9",
    name=Wording("PHQ-9 (depression)", "PHQ-9（抑郁）"),
    stem=_STEM,
    items=_PHQ9_ITEMS,
    scale=_FREQUENCY,
    bands=(
        Band("minimal", 0, 4, _MINIMAL),
        Band("mild", 5, 9, _MILD),
        Band("moderate", 10, 14, _MODERATE),
        Band("moderately_severe", 15, 19, _MODERATELY_SEVERE),
        Band("severe", 20, 27, _SEVERE),
    ),
    source="Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16:606-613; Chinese: phqscreeners.com "
           "(Wang et al., Gen Hosp Psychiatry 2014;36:539-544)",
)

GAD7 = Instrument(
    id="gad7",
    name=Wording("GAD-7 (anxiety)", "GAD-7（焦虑）"),
    stem=_STEM,
    items=_GAD7_ITEMS,
    scale=_FREQUENCY,
    bands=(
        Band("minimal", 0, 4, _MINIMAL),
        Band("mild", 5, 9, _MILD),
        Band("moderate", 10, 14, _MODERATE),
        Band("severe", 15, 21, _SEVERE),
    ),
    source="Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166:1092-1097; Chinese: phqscreeners.com "
           "(He et al., Shanghai Arch Psychiatry 2010;22:200-203)",
)

PHQ4 = Instrument(
    id="phq4",
    name=Wording("PHQ-4 (quick anxiety and depression)", "PHQ-4（焦虑抑郁快速筛查）"),
    stem=_STEM,
    items=(_GAD7_ITEMS[0], _GAD7_ITEMS[1], _PHQ9_ITEMS[0], _PHQ9_ITEMS[1]),
    scale=_FREQUENCY,
    bands=(
        Band("normal", 0, 2, Wording("Normal", "正常")),
        Band("mild", 3, 5, _MILD),
        Band("moderate", 6, 8, _MODERATE),
        Band("severe", 9, 12, _SEVERE),
    ),
    subscales=(
        Subscale("anxiety", (0, 1), 3, Wording("Anxiety (GAD-2) 3 or more", "焦虑分量表（GAD-2）≥3")),
        Subscale("depression", (2, 3), 3, Wording("Depression (PHQ-2) 3 or more", "抑郁分量表（PHQ-2）≥3")),
    ),
    source="Kroenke, Spitzer, Williams & Löwe, Psychosomatics 2009;50:613-621",
)

INSTRUMENTS: dict[str, Instrument] = {i.id: i for i in (PHQ9, GAD7, PHQ4)}


def instrument(instrument_id: str) -> Instrument:
    try:
        return INSTRUMENTS[instrument_id]
    except (KeyError, TypeError):
        raise ScoringError("unknown_instrument", f"unknown instrument {str(instrument_id)[:20]!r}; "
                           f"known: {', '.join(INSTRUMENTS)}", instrument=str(instrument_id)[:20]) from None


def score(instrument_id: str, answers: list[int]) -> Score:
    """Total and severity band of one completed instrument; every item must be answered."""
    tool = instrument(instrument_id)
    if not isinstance(answers, list | tuple):
        raise ScoringError("wrong_length", f"{tool.id} needs a list of {len(tool.items)} answers",
                           expected=len(tool.items), got=0)
    if len(answers) != len(tool.items):
        raise ScoringError("wrong_length", f"{tool.id} has {len(tool.items)} items, got {len(answers)} answers",
                           expected=len(tool.items), got=len(answers))
    for position, answer in enumerate(answers, start=1):
        # bool is an int in Python; True is not an answer on a frequency scale
        if not isinstance(answer, int) or isinstance(answer, bool):
            raise ScoringError("not_a_number", f"{tool.id} item {position}: {answer!r} is not a whole number",
                               item=position)
        if not 0 <= answer <= tool.max_answer:
            raise ScoringError("out_of_range", f"{tool.id} item {position}: {answer} is outside 0-{tool.max_answer}",
                               item=position, max=tool.max_answer)
    values = tuple(answers)
    total = sum(values)
    subscores = {s.id: sum(values[i] for i in s.items) for s in tool.subscales}
    return Score(instrument=tool, answers=values, total=total, band=tool.band_for(total), subscores=subscores)
