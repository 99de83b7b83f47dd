"""Evaluate hotline.triage on a labelled TSV or on the project's own test cases.

    python bench/triage_eval.py /work/shared/datasets/sos1k-dev.tsv
    python bench/triage_eval.py --cases              # tests/triage/cases.py
    python bench/triage_eval.py data.tsv --misses 20  # also print some disagreements
    python bench/triage_eval.py data.tsv --half a     # only the 1st, 3rd, 5th... row (b: 2nd, 4th...)
    python bench/triage_eval.py --blind tests/triage/blind/2026-12-06-a   # a frozen blind set, per variety

A blind set is a folder of TSV files with the header id, variety, lo, hi, kind, note: each note with the
lowest and highest level a supervisor would accept. For each variety and in all it prints the share of
notes assessed within range, the dangerous misses (a note whose lowest acceptable level is high or
imminent, assessed none or low; each one listed), and the false alarms (a note that carries no risk,
hi = none, assessed above none).

TSV: text<TAB>label, header row allowed. A label is a level word (none, low, moderate, high,
imminent) or a number 0-10 on the SOS-1K scale, mapped 0-1 none, 2-3 low, 4-5 moderate,
6-8 high, 9-10 imminent. Prints a confusion matrix, per-level recall, and precision, recall
and F1 for the question "high or imminent?".

--half splits the rows deterministically by position: tune rules on the misses of one half
and check on the other that the gain is not a copy of that half's wording.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hotline.triage import RiskLevel, assess, load_rules  # noqa: E402

LEVELS = list(RiskLevel)


def level_of_label(label: str) -> tuple[RiskLevel, int | None]:
    label = label.strip().lower()
    try:
        return RiskLevel(label), None
    except ValueError:
        pass
    n = int(label)
    if not 0 <= n <= 10:
        raise ValueError(f"label {n} outside 0-10")
    bands = [(1, "none"), (3, "low"), (5, "moderate"), (8, "high"), (10, "imminent")]
    return next(RiskLevel(name) for top, name in bands if n <= top), n


def read_tsv(path: Path) -> list[tuple[str, RiskLevel, int | None]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)):
            if len(row) < 2:
                continue
            text, label = "\t".join(row[:-1]), row[-1]
            try:
                level, raw = level_of_label(label)
            except ValueError:
                if i == 0:
                    continue  # header row
                raise
            rows.append((text, level, raw))
    return rows


def case_table() -> list:
    """The project's own cases (tests/triage/cases.py), each with text, lo and hi."""
    spec = importlib.util.spec_from_file_location("triage_cases", ROOT / "tests" / "triage" / "cases.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CASES


def read_cases() -> list[tuple[str, RiskLevel, int | None]]:
    # A case allows a range of levels; its lower bound is the label.
    return [(c.text, RiskLevel(c.lo), None) for c in case_table()]


class BlindNote(NamedTuple):
    id: str
    variety: str
    lo: RiskLevel
    hi: RiskLevel
    kind: str
    text: str


def read_blind(folder: Path) -> list[BlindNote]:
    notes = []
    for path in sorted(folder.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            for row in reader:
                notes.append(BlindNote(row["id"], row["variety"], RiskLevel(row["lo"]), RiskLevel(row["hi"]),
                                       row["kind"], row["note"]))
    return notes


def blind_figures(notes: list[BlindNote], rules) -> dict:
    """Per variety and overall: in range, dangerous misses, false alarms; and the notes behind them."""
    return tally(notes, [assess(note.text, rules=rules).level for note in notes])


def tally(notes: list[BlindNote], levels: list[RiskLevel]) -> dict:
    """blind_figures for levels given by any reader, one per note."""
    out: dict[str, dict] = {}
    for note, got in zip(notes, levels, strict=True):
        for key in (note.variety, "all"):
            f = out.setdefault(key, {"n": 0, "in_range": 0, "dangerous": [], "no_risk": 0, "false_alarms": [],
                                     "below": [], "above": []})
            f["n"] += 1
            if note.lo <= got <= note.hi:
                f["in_range"] += 1
            elif got < note.lo:
                f["below"].append((note, got))
            else:
                f["above"].append((note, got))
            if note.lo >= RiskLevel.high and got <= RiskLevel.low:
                f["dangerous"].append((note, got))
            if note.hi == RiskLevel.none:
                f["no_risk"] += 1
                if got > RiskLevel.none:
                    f["false_alarms"].append((note, got))
    return out


def report_blind(notes: list[BlindNote], rules, misses: int, summary: bool = False) -> None:
    figures = blind_figures(notes, rules)
    print(f"{'variety':<9}{'notes':>6}{'in range':>10}{'dangerous':>11}{'false alarms':>14}")
    for key in sorted(figures, key=lambda k: (k == "all", k)):
        f = figures[key]
        print(f"{key:<9}{f['n']:>6}{f['in_range'] / f['n']:>9.1%} {len(f['dangerous']):>10}"
              f"{len(f['false_alarms']):>6} of {f['no_risk']:<3} ({len(f['false_alarms']) / max(f['no_risk'], 1):.1%})")
    every = figures["all"]
    if summary:  # figures only: a set kept fresh is measured without its notes being read
        return
    print("\ndangerous misses (high or imminent assessed none or low):")
    for note, got in every["dangerous"]:
        print(f"  {note.id} [{note.kind}] want {note.lo.value}-{note.hi.value}, got {got.value}: {note.text[:140]}")
    print("\nfalse alarms (no risk, assessed above none):")
    for note, got in every["false_alarms"]:
        print(f"  {note.id} [{note.kind}] got {got.value}: {note.text[:140]}")
    if misses:
        print("\nother notes out of range:")
        shown = 0
        for note, got in every["below"] + every["above"]:
            if (note, got) in every["dangerous"] or (note, got) in every["false_alarms"] or shown >= misses:
                continue
            shown += 1
            print(f"  {note.id} [{note.kind}] want {note.lo.value}-{note.hi.value}, got {got.value}: {note.text[:140]}")


def report(rows, rules, misses: int) -> None:
    matrix = {t: {p: 0 for p in LEVELS} for t in LEVELS}
    severe_low = 0
    shown = 0
    for text, truth, raw in rows:
        got = assess(text, rules=rules).level
        matrix[truth][got] += 1
        if raw is not None and raw >= 9 and got < RiskLevel.moderate:
            severe_low += 1
        if misses and shown < misses and (got >= RiskLevel.high) != (truth >= RiskLevel.high):
            shown += 1
            print(f"[miss] label={raw if raw is not None else truth.value} got={got.value}: {text[:160]}")
    if shown:
        print()

    width = 10
    print(f"{len(rows)} texts; rows = label, columns = assessed")
    print("".ljust(width) + "".join(lv.value.rjust(width) for lv in LEVELS) + "     total")
    for t in LEVELS:
        row = matrix[t]
        print(t.value.ljust(width) + "".join(str(row[p]).rjust(width) for p in LEVELS)
              + str(sum(row.values())).rjust(width))
    print()
    print("per-level recall:")
    for t in LEVELS:
        total = sum(matrix[t].values())
        rec = matrix[t][t] / total if total else float("nan")
        print(f"  {t.value:<9} {rec:.3f}  ({matrix[t][t]}/{total})")
    hi = [lv for lv in LEVELS if lv >= RiskLevel.high]
    tp = sum(matrix[t][p] for t in hi for p in hi)
    fp = sum(matrix[t][p] for t in LEVELS if t not in hi for p in hi)
    fn = sum(matrix[t][p] for t in hi for p in LEVELS if p not in hi)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print()
    print(f"high-or-imminent: precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}"
          f"  (tp {tp}, fp {fp}, fn {fn})")
    if any(raw is not None for _, _, raw in rows):
        print(f"label 9-10 assessed below moderate: {severe_low}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tsv", nargs="?", type=Path, help="text<TAB>label file")
    ap.add_argument("--cases", action="store_true", help="use the project's own test cases")
    ap.add_argument("--rules", type=Path, help="a rule file instead of the shipped one")
    ap.add_argument("--misses", type=int, default=0, help="print up to N high/not-high disagreements")
    ap.add_argument("--blind", type=Path, action="append", help="a folder of a frozen blind set (repeatable)")
    ap.add_argument("--summary", action="store_true", help="blind sets: the figures only, no notes printed")
    ap.add_argument("--half", choices=("a", "b"), help="only odd (a) or even (b) rows, counting from 1")
    args = ap.parse_args(argv)
    if not args.tsv and not args.cases and not args.blind:
        ap.error("give a TSV path, --cases or --blind")
    rules = load_rules(args.rules) if args.rules else None
    if args.blind:
        for folder in args.blind:
            print(f"== {folder}")
            report_blind(read_blind(folder), rules, args.misses, args.summary)
            print()
        return 0
    rows = read_cases() if args.cases else read_tsv(args.tsv)
    if args.half:
        rows = rows[0 if args.half == "a" else 1 :: 2]
    report(rows, rules, args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
