"""Speed of hotline.triage.assess against the full shipped rule set.

    python bench/triage_speed.py [--seconds 1.0]

For notes of 200, 2,000 and 20,000 characters prints assessments per second and p50/p99
latency, then the same for a naive baseline timed in the same run: identical engine, but
phrases found with one regular expression per phrase, scanned in turn, instead of the
Aho-Corasick automaton. Prints the ratio naive / automaton. Every note is assessed cold: the
caches of sentences already seen are emptied before each run.

Then the autosave case: a note growing by one sentence at each save, as a call's notes do, where
the sentences saved before come from the cache. Figures, not a unit test.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from hotline.triage import assess, default_rules, engine, normalise  # noqa: E402
from hotline.triage.engine import _find  # noqa: E402

# Counsellor-style sentences written for this benchmark: mostly everyday distress, some risk.
SENTENCES = [
    "来电者说最近工作压力很大，晚上睡不着，白天累死了。",
    "她和家人吵架以后一直在哭，觉得没有人理解自己。",
    "询问自杀念头，来电者否认。",
    "Caller says work has been dead tired busy and she cannot sleep.",
    "He denies suicidal ideation and has plans with friends this weekend.",
    "来电者提到五年前自杀过，现在情绪比较稳定。",
    "我担心我妈妈会想不开，她最近总是说活着没意思。",
    "Caller feels hopeless and says nobody would notice if she was gone.",
    "今天考试没考好，心情很差，想找人聊聊。",
    "The caller's brother has been drinking heavily and shouting at home.",
]


def make_note(size: int) -> str:
    out, i = [], 0
    while sum(len(s) for s in out) < size:
        out.append(SENTENCES[i % len(SENTENCES)])
        i += 1
    return "".join(out)[:size]


def naive_finder_factory(rules):
    """One compiled regex per phrase, each scanned over the whole note in turn."""
    compiled = []
    for idx, entry in enumerate(rules.entries):
        left = r"(?<![a-z0-9])" if entry.left_bound else ""
        right = r"(?![a-z0-9])" if entry.right_bound else ""
        tail = r"[a-z0-9]*" if entry.extend else ""
        compiled.append((re.compile(left + re.escape(entry.phrase) + tail + right), idx))

    def find(_rules, s):
        hits = []
        for rx, idx in compiled:
            for m in rx.finditer(s):
                hits.append((m.start(), m.end(), idx))
        return hits

    return find


def forget_sentences(rules) -> None:
    normalise._normalise_piece.cache_clear()
    engine._tables(rules).forget()


def measure(fn, note: str, seconds: float, before=lambda: None) -> list[float]:
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 20:
        before()
        t0 = time.perf_counter_ns()
        fn(note)
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per size and engine")
    args = ap.parse_args(argv)

    rules = default_rules()
    t0 = time.perf_counter()
    _ = rules.automaton
    build_ms = (time.perf_counter() - t0) * 1000
    naive = naive_finder_factory(rules)
    print(f"rule set {rules.version}: {rules.phrase_count} distinct phrases, "
          f"{len(rules.rules)} rules, {len(rules.patterns)} patterns; automaton built in {build_ms:.1f} ms")
    # Sanity: both finders see the same phrases.
    probe = make_note(2000)
    assert sorted(_find(rules, probe)) == sorted(naive(rules, probe.lower()))

    print(f"{'chars':>7} {'engine':<10} {'per sec':>10} {'p50 ms':>9} {'p99 ms':>9}")
    for size in (200, 2_000, 20_000):
        note = make_note(size)
        results = {}
        for name, finder in (("automaton", None), ("naive", naive)):
            assess(note, rules=rules, _finder=finder)  # warm up
            samples = measure(lambda n, f=finder: assess(n, rules=rules, _finder=f), note, args.seconds,
                              before=lambda: forget_sentences(rules))
            results[name] = samples
            print(f"{size:>7} {name:<10} {1000 / statistics.mean(samples):>10.0f} "
                  f"{pct(samples, 0.50):>9.3f} {pct(samples, 0.99):>9.3f}")
        ratio = statistics.median(results["naive"]) / statistics.median(results["automaton"])
        print(f"{size:>7} naive / automaton (median): {ratio:.1f}x")
    print("autosave: one sentence more at each save, earlier sentences cached")
    print(f"{'chars':>7} {'':<10} {'per sec':>10} {'p50 ms':>9} {'p99 ms':>9}")
    for size in (2_000, 4_000, 20_000):
        forget_sentences(rules)
        note = make_note(size)
        grown = iter(range(10**9))
        samples = measure(lambda n, grown=grown: assess(n + f"来电者补充了第{next(grown)}件事。", rules=rules), note,
                          args.seconds)
        print(f"{size:>7} {'growing':<10} {1000 / statistics.mean(samples):>10.0f} "
              f"{pct(samples, 0.50):>9.3f} {pct(samples, 0.99):>9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
