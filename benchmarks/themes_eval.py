"""Cross-validated quality of theme assignment on the shipped labelled papers.

Usage: python benchmarks/themes_eval.py [LABELS.jsonl] [--folds K] [--without-rules] [--examples FILE]
                                        [--themes THEMES.yml] [--disagreements]

Reads the labelled papers (title, abstract, primary, secondary) from the repository's
themes-labels.jsonl (or LABELS), splits them into K deterministic stratified folds (the i-th
paper of each primary theme goes to fold i mod K) and, for each fold, fits the whole model
on the other folds only -- including its regularisation, chosen by an inner cross-validation
on those training folds -- and assigns themes to the held-out fold. It prints:

* strict accuracy (predicted primary == labelled primary), lenient accuracy (the predicted
  primary is the labelled primary or one of its secondaries), macro-F1 over primaries, and
  the share of papers put in `other` (predicted and labelled);
* the same for the rules of themes.yml alone (no learning) for comparison;
* both again as if nobody had tuned the rules on these papers: each paper judged without the
  terms of its labelled themes that no other labelled paper of the theme has (1), or at most
  one other (2) -- the terms most likely written for it (unseen_rules);
* the model again with benchmarks/data/themes-blind.yml's rules in place of themes.yml's (a
  vocabulary written without looking at any paper), when themes.yml is the repository's: with
  it nothing in the cross-validation was written while looking at the judged papers, so it is
  the honest yardstick for a change to the model (a term added to themes.yml while looking at
  errors lifts the first figure and not this one);
* how sure the model is and how often it is right: accuracy per quarter of the papers by the
  gap between their two likeliest themes (the order `digest themes review` lists papers in);
* accuracy by how sure the labeller was (the labels' `confidence`: high, medium, low);
* a learning curve: the same cross-validation with 25/50/75/100% of each training fold;
* the confusion pairs of the cross-validated model.

--examples FILE (default: the repository's themes-examples.jsonl, when there is one) adds
written example papers to every training fold, as the build adds that file to the model's
training; they are never among the papers judged. benchmarks/data/themes-examples.jsonl holds
183 written from the taxonomy alone (see README, Themes, for what they do to the figures).

--without-rules gives every paper zero rule scores (labelled papers and the themes' description
examples alike), so the model learns from the embedding, the description closeness and the
tf-idf only: nothing in it was written while looking at these papers, an honest lower bound.

--disagreements lists the labelled papers whose cross-validated primary is not their label's,
those whose model primary is not among their labelled themes at all first, each with its line
in the labels file: a label to check, or a theme that needs more labelled papers like it.

--themes FILE reads another themes.yml. benchmarks/data/themes-taxonomy.yml (written by
benchmarks/taxonomy_rules.py from the taxonomy table alone, no paper looked at) gives the honest
figure of the whole model: rules nobody tuned on these papers, everything else learned inside
the folds. benchmarks/data/themes-blind.yml is its careful version, written blind (see above).

Caveat printed with the figures: the shipped themes.yml terms were written while looking at
these same papers, so the rules' share of the figure is optimistic; papers nobody tuned for
score lower. The fit on all labels (training accuracy) is NOT a quality figure and is not
printed.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BLIND_THEMES = ROOT / "benchmarks" / "data" / "themes-blind.yml"  # written without looking at any paper
sys.path.insert(0, str(ROOT))

from generator import theme_model  # noqa: E402
from generator.theme_model import (  # noqa: E402  (needs the path above)
    EXAMPLES_FILE,
    LABELS_FILE,
    Example,
    Scored,
    fit,
    folds_of,
    parse_labels,
    predict,
    with_labels,
    written_examples,
)
from generator.themes import (  # noqa: E402
    OTHER,
    ThemeConfig,
    choose,
    parse_theme_config,
    term_points,
    theme_scores,
)


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = sorted({gold for gold, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def figures(examples: list[Example], predicted: list[str]) -> dict:
    pairs = [(ex.primary, got) for ex, got in zip(examples, predicted, strict=True)]
    n = len(pairs) or 1
    return {
        "n": len(pairs),
        "strict": sum(g == p for g, p in pairs) / n,
        "lenient": sum(p in ex.themes for ex, (_, p) in zip(examples, pairs, strict=True)) / n,
        "macro_f1": macro_f1(pairs),
        "other": sum(p == OTHER for _, p in pairs) / n,
        "confusion": Counter((g, p) for g, p in pairs if g != p),
    }


def cross_validate(
    examples: list[Example],
    scored: Scored,
    config: ThemeConfig,
    k: int,
    fraction: float = 1.0,
    themes_out: list[tuple[str, ...]] | None = None,
    judged_rules: np.ndarray | None = None,
    margins_out: list[float] | None = None,
) -> list[str]:
    """Each example's predicted primary from a model fitted without its fold. With fraction < 1
    only the first share of each training fold's papers per theme is used (deterministic).
    `themes_out`, when given, receives each example's predicted themes (primary first).
    `judged_rules`, when given, are the rule scores the held-out fold is judged with (the
    model is still fitted on `scored`'s): see unseen_rules. `margins_out`, when given, receives
    how sure the model is of each example: its two likeliest themes' gap in probability (the
    order `digest themes review` lists papers in)."""
    folds = folds_of([ex.primary for ex in examples], k)
    predicted = [""] * len(examples)
    every: list[tuple[str, ...]] = [()] * len(examples)
    margins = [0.0] * len(examples)
    for fold in range(k):
        test = [i for i, f in enumerate(folds) if f == fold]
        train = [i for i, f in enumerate(folds) if f != fold]
        if fraction < 1.0:
            by_theme: dict[str, list[int]] = {}
            for i in train:
                by_theme.setdefault(examples[i].primary, []).append(i)
            train = sorted(i for rows in by_theme.values() for i in rows[: max(1, round(len(rows) * fraction))])
        model = fit(config, [examples[i] for i in train], _take(scored, train))
        assert model is not None
        judged = _take(scored, test)
        if judged_rules is not None:
            judged = replace(judged, rules=judged_rules[test])
        for i, themes in zip(test, predict(model, judged, config), strict=True):
            predicted[i], every[i] = themes[0], themes
        if margins_out is not None:
            for i, gap in zip(test, theme_model.margins(model.proba(judged, config)).tolist(), strict=True):
                margins[i] = gap
    if themes_out is not None:
        themes_out[:] = every
    if margins_out is not None:
        margins_out[:] = margins
    return predicted


def unseen_rules(examples: list[Example], config: ThemeConfig, at_most: int) -> np.ndarray:
    """Each labelled paper's rule scores without the terms that may have been written for it:
    those of a theme it is labelled with that fire on at most `at_most` of the labelled papers
    of that theme, itself included. The shipped terms were added while looking at these papers,
    and a term that only this one of them has is most likely one of those. Judged with these
    scores, a labelled paper meets the rules roughly as a paper nobody tuned for would."""
    found = [term_points(ex.title, ex.abstract, config) for ex in examples]
    theme_of = [theme for theme, _ in config._matcher.terms]  # each term's theme, by index
    labelled = [{config.ids.index(t) for t in ex.themes} for ex in examples]
    holders: Counter[int] = Counter()  # per term: how many labelled papers of its theme have it
    for themes, terms in zip(labelled, found, strict=True):
        holders.update(term for term, _, _ in terms if theme_of[term] in themes)
    rows = []
    for themes, terms in zip(labelled, found, strict=True):
        sums = [0.0] * len(config.themes)
        for term, points, _ in terms:
            if theme_of[term] not in themes or holders[term] > at_most:
                sums[theme_of[term]] += points
        rows.append(theme_scores(sums, config))
    return np.array(rows, dtype=np.float64).reshape(len(examples), len(config.themes))


def accuracy(examples: list[Example], predicted: list[str], rows: list[int]) -> tuple[float, float]:
    """Strict and lenient accuracy over the papers of `rows` (not empty)."""
    strict = sum(predicted[i] == examples[i].primary for i in rows) / len(rows)
    return strict, sum(predicted[i] in examples[i].themes for i in rows) / len(rows)


def by_certainty(examples: list[Example], predicted: list[str], margins: list[float]) -> list[str]:
    """Strict and lenient accuracy per quarter of the papers by how sure the cross-validated
    model was (least sure first, ties by position), and how many of all errors the least sure
    quarter holds: what `digest themes review`, which lists papers in that order, is worth."""
    order = sorted(range(len(examples)), key=lambda i: (margins[i], i))
    wrong = [predicted[i] != examples[i].primary for i in range(len(examples))]
    quarters = [order[q * len(order) // 4 : (q + 1) * len(order) // 4] for q in range(4)]
    lines = []
    for name, rows in zip(("least sure", "second", "third", "surest"), quarters, strict=True):
        strict, lenient = accuracy(examples, predicted, rows)
        gap = max(margins[i] for i in rows)
        lines.append(f"    {name + ' quarter':<22} strict {strict:.3f}  lenient {lenient:.3f}  (gap up to {gap:.2f})")
    lines.append(f"    the least sure quarter holds {sum(wrong[i] for i in quarters[0])} of the {sum(wrong)} errors")
    return lines


def by_confidence(examples: list[Example], predicted: list[str]) -> list[str]:
    """Strict and lenient accuracy per confidence the labeller gave (high, medium, low): where
    the labeller hesitated between themes, the model's primary is the labelled one less often."""
    lines = []
    for level in ("high", "medium", "low"):
        rows = [i for i, ex in enumerate(examples) if ex.confidence == level]
        if rows:
            strict, lenient = accuracy(examples, predicted, rows)
            name = f"labelled with {level} confidence"
            lines.append(f"    {name:<32} n={len(rows):<4} strict {strict:.3f}  lenient {lenient:.3f}")
    return lines


def disagreements(examples: list[Example], predicted: list[tuple[str, ...]]) -> list[str]:
    """The labelled papers whose cross-validated primary is not their label's, worst first (the
    model's primary is not even among the labelled themes), then by where they are labelled:
    each one a label to check, or a sign that its theme needs more labelled papers."""
    wrong = [(ex, got) for ex, got in zip(examples, predicted, strict=True) if got[0] != ex.primary]
    wrong.sort(key=lambda pair: (pair[1][0] in pair[0].themes, _line_order(pair[0].source)))
    return [
        f"  {ex.source}: labelled {', '.join(ex.themes)} -> model {', '.join(got)}"
        f"{'' if got[0] in ex.themes else '  (its primary is none of the labelled themes)'}\n    {ex.title[:100]}"
        for ex, got in wrong
    ]


def _line_order(source: str) -> tuple[str, int]:
    """ "themes-labels.jsonl:12" -> ("themes-labels.jsonl", 12): line 9 before line 10."""
    path, _, number = source.rpartition(":")
    return (path, int(number)) if number.isdigit() else (source, 0)


def secondary_figures(examples: list[Example], predicted: list[tuple[str, ...]], ratio: float) -> str:
    """How the predicted secondary themes compare with the labelled ones."""
    hits = sum(len(set(ex.themes[1:]) & set(got[1:])) for ex, got in zip(examples, predicted, strict=True))
    shown = sum(len(got[1:]) for got in predicted)
    labelled = sum(len(ex.themes[1:]) for ex in examples)
    precision, recall = hits / (shown or 1), hits / (labelled or 1)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return (
        f"secondary themes (secondary_ratio {ratio:g}): precision {precision:.2f}  recall {recall:.2f}  "
        f"F1 {f1:.2f}; papers with one: {sum(bool(g[1:]) for g in predicted)} predicted, "
        f"{sum(bool(ex.themes[1:]) for ex in examples)} labelled"
    )


def _take(scored: Scored, rows: list[int]) -> Scored:
    return scored.take(rows)


def line(name: str, result: dict) -> str:
    return (
        f"{name:<38} n={result['n']}  strict {result['strict']:.3f}  lenient {result['lenient']:.3f}  "
        f"macro-F1 {result['macro_f1']:.3f}  other {result['other']:.1%}"
    )


def drop_rules() -> None:
    """--without-rules: every text's rule scores are zero, however Scored.of asks for them."""
    theme_model.rule_scores = lambda texts, config, *_: np.zeros((len(texts), len(config.themes)))


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    without_rules = "--without-rules" in argv
    show_disagreements = "--disagreements" in argv
    if without_rules:
        drop_rules()
    k = int(argv[argv.index("--folds") + 1]) if "--folds" in argv else 5
    if "--folds" in argv:
        args.remove(str(k))
    written_path = ROOT / EXAMPLES_FILE
    if "--examples" in argv:
        written_path = Path(argv[argv.index("--examples") + 1])
        args.remove(argv[argv.index("--examples") + 1])
    themes_path = ROOT / "themes.yml"
    if "--themes" in argv:
        themes_path = Path(argv[argv.index("--themes") + 1])
        args.remove(argv[argv.index("--themes") + 1])
    labels_path = Path(args[0]) if args else ROOT / LABELS_FILE
    config = parse_theme_config(themes_path.read_text(encoding="utf-8"), themes_path.name)
    examples = list(parse_labels(labels_path.read_text(encoding="utf-8"), labels_path.name, config))
    if written_path.is_file():
        # In every training fold, never judged: the model learns from them as the build does.
        written = written_examples(written_path.read_text(encoding="utf-8"), written_path.name, config)
        config = with_labels(config, (), written)
    start = time.perf_counter()
    scored = Scored.of([(ex.title, ex.abstract) for ex in examples], config)
    print(f"{labels_path.name}: {len(examples)} labelled papers, {k}-fold cross-validation")
    print(f"labelled 'other' share: {sum(ex.primary == OTHER for ex in examples) / len(examples):.1%}")
    if config.written:
        print(f"{written_path.name}: {len(config.written)} written examples in every training fold, never judged")
    if without_rules:
        print("without the themes.yml rule scores (--without-rules)")
    else:
        rules = [choose(list(row), config)[0] for row in scored.rules]
        print(line("rules of themes.yml alone*", figures(examples, rules)))
        print("  * not cross-validated: the themes.yml terms were written looking at these papers")
    full: list[tuple[str, ...]] = []
    margins: list[float] = []
    primaries = cross_validate(examples, scored, config, k, themes_out=full, margins_out=margins)
    cv = figures(examples, primaries)
    print(line("learned model, cross-validated", cv))
    print("  " + secondary_figures(examples, full, config.secondary_ratio))
    print("  how sure, and how often right (the order of `digest themes review`):")
    print("\n".join(by_certainty(examples, primaries, margins)))
    print("  by how sure the labeller was (the labels' `confidence`):")
    print("\n".join(by_confidence(examples, primaries)))
    if not without_rules:
        print("as if nobody had tuned the rules on these papers: each paper judged without the terms of")
        print("its labelled themes found in (1) no other labelled paper of the theme, (2) at most one other:")
        for at_most in (1, 2):
            unseen = unseen_rules(examples, config, at_most)
            rules = [choose(list(row), config)[0] for row in unseen]
            print(line(f"  ({at_most}) rules alone", figures(examples, rules)))
            judged = cross_validate(examples, scored, config, k, judged_rules=unseen)
            print(line(f"  ({at_most}) learned model, cross-validated", figures(examples, judged)))
    if not without_rules and themes_path == ROOT / "themes.yml" and BLIND_THEMES.is_file():
        blind = parse_theme_config(BLIND_THEMES.read_text(encoding="utf-8"), BLIND_THEMES.name)
        blind = with_labels(blind, (), config.written)
        blind_scored = Scored.of([(ex.title, ex.abstract) for ex in examples], blind)
        print("the honest yardstick: the same model with the rules of a vocabulary written without")
        print(f"looking at any paper ({BLIND_THEMES.relative_to(ROOT)}), nothing tuned on these papers:")
        blind_margins: list[float] = []
        judged = cross_validate(examples, blind_scored, blind, k, margins_out=blind_margins)
        print(line("  learned model, cross-validated", figures(examples, judged)))
        print("\n".join(by_certainty(examples, judged, blind_margins)))
        print("\n".join(by_confidence(examples, judged)))
    print("learning curve (share of each training fold used):")
    for fraction in (0.25, 0.5, 0.75):
        print(
            line(
                f"  {fraction:.0%} of the training labels",
                figures(examples, cross_validate(examples, scored, config, k, fraction)),
            )
        )
    print(line("  100% of the training labels", cv))
    print("confusion of the cross-validated model (labelled -> predicted: count):")
    for (gold, got), count in sorted(cv["confusion"].items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {gold} -> {got}: {count}")
    if show_disagreements:
        print("labelled papers the cross-validated model puts elsewhere (label, then the model's themes):")
        print("\n".join(disagreements(examples, full)))
    print(
        "note: these are cross-validated figures (each paper judged by a model that never saw it).\n"
        "The themes.yml terms were written while looking at these papers, so the rules' part is\n"
        "optimistic; expect lower on papers nobody tuned for. The fit on all labels is not a figure."
    )
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
