"""Would a statistical second reader help the rules? An experiment, not part of the product.

    pip install scikit-learn   # only for this script
    python bench/reader_experiment.py --train a,b,c,d,e,f,g,h,i,j,k --test l,m \
        --sos /work/shared/datasets/sos1k-dev.tsv

Trains a character n-gram logistic regression (1-3 grams of the normalised note, tf-idf, C=4,
balanced classes; chosen on set k with a-j as training, before it saw l or m) on read blind sets,
each note labelled with the middle of its range. Prints, beside the rules from the same run, the
model alone and max(rules, model) on: the test blind sets, the project's own cases (other authors,
written as pitfalls), and SOS-1K dev (social-media comments: high-risk precision and recall). A set
letter means tests/triage/blind/<date>-<letter>.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from triage_eval import ROOT, BlindNote, RiskLevel, assess, case_table, read_blind, read_tsv, tally  # noqa: E402

from hotline.triage.normalise import normalise  # noqa: E402

LEVELS = list(RiskLevel)


def folder(letter: str) -> Path:
    return next((ROOT / "tests" / "triage" / "blind").glob(f"*-{letter}"))


def figures(notes: list[BlindNote], levels: list[int]) -> str:
    """In range / dangerous / false alarms, per variety and in all (triage_eval's tally)."""
    out = []
    for key, f in sorted(tally(notes, [LEVELS[p] for p in levels]).items(), key=lambda kv: (kv[0] == "all", kv[0])):
        fa = 100 * len(f["false_alarms"]) / max(1, f["no_risk"])
        out.append(f"{key} {100 * f['in_range'] / f['n']:.1f}%/{len(f['dangerous'])}/{fa:.0f}%")
    return "  ".join(out)


def main() -> int:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--sos")
    a = ap.parse_args()
    train = [n for s in a.train.split(",") for n in read_blind(folder(s))]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    x = vec.fit_transform([normalise(n.text).text.lower() for n in train])
    y = [(LEVELS.index(n.lo) + LEVELS.index(n.hi) + 1) // 2 for n in train]
    model = LogisticRegression(C=4, max_iter=3000, class_weight="balanced").fit(x, y)

    def both(texts: list[str]) -> tuple[list[int], list[int]]:
        m = [int(p) for p in model.predict(vec.transform([normalise(t).text.lower() for t in texts]))]
        return [LEVELS.index(assess(t).level) for t in texts], m

    tests = {f"set {s}": read_blind(folder(s)) for s in a.test.split(",")}
    tests["project cases"] = [
        BlindNote(f"case-{i}", "cases", RiskLevel(c.lo), RiskLevel(c.hi), "", c.text)
        for i, c in enumerate(case_table())
    ]
    print(f"trained on {len(train)} notes of sets {a.train}; figures: in range / dangerous / false alarms")
    for name, rows in tests.items():
        r, m = both([note.text for note in rows])
        print(
            f"\n{name} ({len(rows)})\n  rules        {figures(rows, r)}\n  model        {figures(rows, m)}"
            f"\n  max(both)    {figures(rows, [max(p, q) for p, q in zip(r, m, strict=True)])}"
        )
    if a.sos:
        sos = read_tsv(Path(a.sos))
        r, m = both([t for t, _, _ in sos])
        labels = [n for _, _, n in sos]
        print("\nSOS-1K dev, high-risk (labels 6-10 vs assessed high or imminent)")
        for name, pred in (("rules", r), ("model", m), ("max(both)", [max(p, q) for p, q in zip(r, m, strict=True)])):
            tp = sum(p >= 3 and y >= 6 for p, y in zip(pred, labels, strict=True))
            prec, rec = tp / max(1, sum(p >= 3 for p in pred)), tp / max(1, sum(y >= 6 for y in labels))
            low = sum(p < 2 and y >= 9 for p, y in zip(pred, labels, strict=True))
            print(
                f"  {name:<11} P {prec:.3f} R {rec:.3f} F1 {2 * prec * rec / (prec + rec):.3f}"
                f"  label 9-10 below moderate: {low}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
