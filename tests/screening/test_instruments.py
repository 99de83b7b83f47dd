"""Scoring of PHQ-9, GAD-7 and PHQ-4: every band edge, the published wording, and what cannot be scored."""

import pytest

from hotline.screening.instruments import INSTRUMENTS, PHQ9_SELF_HARM_ITEM, ScoringError, score


def answers_for(instrument_id: str, total: int) -> list[int]:
    """Answers adding up to `total`, filled from the first item: [3, 3, 1, 0, …]."""
    tool = INSTRUMENTS[instrument_id]
    out = []
    for _item in tool.items:
        take = min(tool.max_answer, total)
        out.append(take)
        total -= take
    assert total == 0
    return out


# (instrument, total, band) at both edges of every band the published scoring defines
EDGES = [
    ("phq9", 0, "minimal"), ("phq9", 4, "minimal"), ("phq9", 5, "mild"), ("phq9", 9, "mild"),
    ("phq9", 10, "moderate"), ("phq9", 14, "moderate"), ("phq9", 15, "moderately_severe"),
    ("phq9", 19, "moderately_severe"), ("phq9", 20, "severe"), ("phq9", 27, "severe"),
    ("gad7", 0, "minimal"), ("gad7", 4, "minimal"), ("gad7", 5, "mild"), ("gad7", 9, "mild"),
    ("gad7", 10, "moderate"), ("gad7", 14, "moderate"), ("gad7", 15, "severe"), ("gad7", 21, "severe"),
    ("phq4", 0, "normal"), ("phq4", 2, "normal"), ("phq4", 3, "mild"), ("phq4", 5, "mild"),
    ("phq4", 6, "moderate"), ("phq4", 8, "moderate"), ("phq4", 9, "severe"), ("phq4", 12, "severe"),
]


@pytest.mark.parametrize("instrument_id, total, band", EDGES, ids=[f"{i}-{t}" for i, t, _b in EDGES])
def test_band_edges(instrument_id, total, band):
    result = score(instrument_id, answers_for(instrument_id, total))
    assert result.total == total
    assert result.band.id == band


def test_every_total_has_exactly_one_band():
    for tool in INSTRUMENTS.values():
        for total in range(tool.max_total + 1):
            assert sum(b.low <= total <= b.high for b in tool.bands) == 1, (tool.id, total)


def test_the_order_of_answers_does_not_change_the_total():
    assert score("phq9", [0, 0, 0, 0, 0, 0, 0, 2, 3]).total == score("phq9", [3, 2, 0, 0, 0, 0, 0, 0, 0]).total


def test_item_counts_wording_and_scale():
    assert {i: len(t.items) for i, t in INSTRUMENTS.items()} == {"phq9": 9, "gad7": 7, "phq4": 4}
    phq9 = INSTRUMENTS["phq9"]
    assert "better off dead" in phq9.items[PHQ9_SELF_HARM_ITEM].en
    assert "不如死掉" in phq9.items[PHQ9_SELF_HARM_ITEM].zh
    assert [w.zh for w in phq9.scale] == ["完全不会", "好几天", "一半以上的天数", "几乎每天"]
    for tool in INSTRUMENTS.values():
        assert tool.source and tool.stem.en and tool.stem.zh
        assert all(item.en and item.zh for item in tool.items)
    # PHQ-4 is GAD-2 then PHQ-2, word for word
    phq4, gad7 = INSTRUMENTS["phq4"], INSTRUMENTS["gad7"]
    assert phq4.items == (gad7.items[0], gad7.items[1], phq9.items[0], phq9.items[1])


def test_phq4_subscales_flag_three_or_more():
    result = score("phq4", [2, 1, 1, 1])
    assert result.subscores == {"anxiety": 3, "depression": 2}
    assert [s.id for s in result.flagged_subscales] == ["anxiety"]


@pytest.mark.parametrize(
    "instrument_id, answers, kind",
    [
        ("phq9", [0] * 8, "wrong_length"),
        ("phq9", [0] * 10, "wrong_length"),
        ("gad7", [], "wrong_length"),
        ("phq4", [0, 1, 2, 4], "out_of_range"),
        ("phq4", [0, -1, 2, 3], "out_of_range"),
        ("phq4", [0, 1, "2", 3], "not_a_number"),
        ("phq4", [0, 1, 2.0, 3], "not_a_number"),
        ("phq4", [0, True, 2, 3], "not_a_number"),
        ("phq4", "0123", "wrong_length"),
        ("bdi", [0] * 21, "unknown_instrument"),
        ("", [0] * 9, "unknown_instrument"),
    ],
)
def test_what_cannot_be_scored_says_why(instrument_id, answers, kind):
    with pytest.raises(ScoringError) as error:
        score(instrument_id, answers)
    assert error.value.kind == kind
    assert str(error.value)


def test_out_of_range_names_the_item():
    with pytest.raises(ScoringError) as error:
        score("gad7", [0, 0, 0, 0, 0, 9, 0])
    assert error.value.params == {"item": 6, "max": 3}


def test_charts_place_points_inside_the_plot():
    from hotline.screening.charts import distress_curve, score_trend

    curve = distress_curve([(0.0, 9), (12.0, 6), (30.0, 2)], minutes=30.0)
    xs, ys = [p.x for p in curve.points], [p.y for p in curve.points]
    assert xs == sorted(xs) and xs[0] == curve.left and xs[-1] == curve.right_edge
    assert ys[0] < ys[1] < ys[2] <= curve.bottom_edge  # lower distress sits lower on the chart
    assert [t.label for t in curve.x_ticks] == ["0", "5", "10", "15", "20", "25", "30"]
    trend = score_trend([("11-01", 18), ("11-08", 8)], 27)
    assert [t.anchor for t in trend.x_ticks] == ["start", "end"]
    assert trend.points[0].y < trend.points[1].y and trend.points[0].label == "11-01: 18"
