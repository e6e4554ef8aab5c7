"""Dedupe on revised papers and hard negatives: recall and precision on cases it was not fitted on.

Usage: python benchmarks/dedupe_eval.py [--per-paper N] [--fit-seed S] [--report-seed S]

The cases come from benchmarks/dedupe_corpus.py, whose seed papers are split into two halves
that share no text. The revision rule's share, REVISION_SHARE (generator/dedupe.py), is fitted
on the fit half's cases (corpus seed 0), precision first: twice the highest share
(dedupe.revision_share) of a different-papers pair that could merge by it (the rule's sentence
count is not fitted). The figures are those of the report half (corpus seed 1): with the shipped
constant, without the revision rule (as before), and with the constant fitted the other way
round (on the report half, reported on the fit half), so that both halves are held out once
(2-fold).

Each case goes through generator.dedupe.dedupe alone (its two sightings on two days), and all the
cases of one seed paper together in one run (blocking and chains of merges included: a truncated
copy that holds little more than the opening sentence agrees with every paper opening alike, so
it can join a negative to the paper through the older truncated-copy rule).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import dedupe_corpus as corpus  # noqa: E402

from generator import dedupe  # noqa: E402
from generator.models import Entry  # noqa: E402

FIRST_DAY, SECOND_DAY = date(2026, 1, 5), date(2026, 1, 6)
ISSUE_KIND = "revision"  # the issue's case: one sentence replaced, another edited


def entries(case: corpus.Case, n: int = 0) -> tuple[Entry, Entry]:
    """The case's two sightings: the first on one day, the second on the next."""
    return (
        Entry("2026-01-05.txt", FIRST_DAY, n + 1, 1, *case.first),
        Entry("2026-01-06.txt", SECOND_DAY, n + 1, 1, *case.second),
    )


# What is fitted here (in generator/dedupe.py), and whether it judges pairs where one abstract is
# an ellipsised copy.
CONSTANTS = {"REVISION_SHARE": False}


@contextmanager
def constants(values: dict[str, float]) -> Iterator[None]:
    saved = {name: getattr(dedupe, name) for name in values}
    for name, value in values.items():
        setattr(dedupe, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(dedupe, name, value)


def shipped() -> dict[str, float]:
    return {name: float(getattr(dedupe, name)) for name in CONSTANTS}


def merged_alone(cases: Sequence[corpus.Case]) -> list[bool]:
    return [len(dedupe.dedupe(entries(case))) == 1 for case in cases]


def merged_together(cases: Sequence[corpus.Case]) -> list[bool]:
    """Each paper's cases in one run (the paper's sighting and every variant of it, so that a
    variant can also join through another): whether each case's two sightings ended up in one
    paper. Variants of different papers are not mixed: a negative's text is, by construction, a
    revised copy of the paper that lent it its abstract."""
    runs: dict[tuple[str, str], list[int]] = {}
    for n, case in enumerate(cases):
        runs.setdefault(case.first, []).append(n)
    merged = [False] * len(cases)
    for members in runs.values():
        pairs = [entries(cases[n], n) for n in members]
        first = pairs[0][0]
        paper_of = {}
        for paper in dedupe.dedupe([first, *(second for _, second in pairs)]):
            for s in paper.sightings:
                paper_of[s.dump, s.position] = paper.id
        for n, (_, second) in zip(members, pairs, strict=True):
            merged[n] = paper_of[first.dump, first.position] == paper_of[second.dump, second.position]
    return merged


def share_of(case: corpus.Case) -> tuple[float, bool]:
    """What the constants judge (dedupe.revision_share, 0 where it does not apply), and whether
    one of the two abstracts is ellipsised."""
    a, b = entries(case)
    items = [dedupe.Item(i, *dedupe.item_text(e)) for i, e in enumerate((a, b))]
    return dedupe.revision_share(*items) or 0.0, items[0].cut or items[1].cut


def fit(cases: Sequence[corpus.Case]) -> dict[str, float]:
    """The constants for these cases (see the module docstring), rounded up to two decimals."""
    with constants(dict.fromkeys(CONSTANTS, math.inf)):
        without = merged_alone(cases)
    with constants(dict.fromkeys(CONSTANTS, 0.0)):
        with_any = merged_alone(cases)
    # The different papers they decide: merged at 0, apart without the rule.
    decided = [share_of(c) for c, a, b in zip(cases, without, with_any, strict=True) if b and not a and not c.same]
    return {
        name: math.ceil(200 * max((s for s, is_cut in decided if is_cut == cut), default=0.0)) / 100
        for name, cut in CONSTANTS.items()
    }


def report(cases: Sequence[corpus.Case], merged: Sequence[bool]) -> dict[str, float]:
    true = sum(m for c, m in zip(cases, merged, strict=True) if c.same)
    false = sum(m for c, m in zip(cases, merged, strict=True) if not c.same)
    positives = sum(c.same for c in cases)
    issue = [m for c, m in zip(cases, merged, strict=True) if c.kind == ISSUE_KIND]
    return {
        "recall": true / positives,
        "precision": true / (true + false) if true + false else 1.0,
        "false merges": false,
        "recall (revision)": sum(issue) / len(issue),
    }


def show(title: str, figures: dict[str, float]) -> None:
    print(
        f"  {title:<38} recall {figures['recall']:.4f}  precision {figures['precision']:.4f}  "
        f"({figures['false merges']:.0f} false merges)  recall on `revision` {figures['recall (revision)']:.4f}"
    )


def evaluate(cases: Sequence[corpus.Case], values: dict[str, float], per_kind: bool) -> None:
    with constants(values):
        alone = merged_alone(cases)
        together = merged_together(cases)
    if per_kind:
        total, hits = Counter(c.kind for c in cases), Counter(c.kind for c, m in zip(cases, alone, strict=True) if m)
        for kind in corpus.KINDS:
            label = "merged (same paper)" if kind in corpus.SAME_KINDS else "merged (different papers)"
            print(f"  {kind:<34} {label:<26} {hits[kind]:>5} of {total[kind]:<5} ({hits[kind] / total[kind]:.4f})")
    show("each case alone:", report(cases, alone))
    show("each paper's cases in one run:", report(cases, together))


def _values(values: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in values.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-paper", type=int, default=3, help="cases of each kind per seed paper")
    parser.add_argument("--fit-seed", type=int, default=0)
    parser.add_argument("--report-seed", type=int, default=1)
    args = parser.parse_args(argv)
    papers = corpus.seed_papers()
    fit_cases = corpus.generate(args.fit_seed, "fit", args.per_paper, papers)
    report_cases = corpus.generate(args.report_seed, "report", args.per_paper, papers)
    fitted = fit(fit_cases)
    halves = Counter(corpus.split_of(p) for p in papers)
    print(
        f"seed papers: {halves['fit']} in the fit half, {halves['report']} in the report half; "
        f"{len(fit_cases)} and {len(report_cases)} cases"
    )
    print(f"fitted on the fit half (seed {args.fit_seed}): {_values(fitted)}")
    print(f"shipped in generator/dedupe.py:       {_values(shipped())}")
    print(f"\nreport half (seed {args.report_seed}, held out), with the shipped constants:")
    evaluate(report_cases, shipped(), per_kind=True)
    print("\nthe same, without the revision rule (as before issue 14):")
    evaluate(report_cases, {**dict.fromkeys(CONSTANTS, math.inf), "MIN_KEPT_SENTENCES": math.inf}, per_kind=False)
    swapped = fit(report_cases)
    print(f"\nthe other way round: fitted on the report half ({_values(swapped)}), reported on the fit half:")
    evaluate(fit_cases, swapped, per_kind=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
