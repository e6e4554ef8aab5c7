"""Measure theme assignment against hand labels.

Usage: python benchmarks/themes_eval.py [LABELS.jsonl] [--folds]

Builds the papers of the shipped dumps (dumps/*.txt, parsed and deduplicated by the
package), assigns themes with the shipped themes.yml, and prints strict accuracy
(predicted primary == labelled primary), lenient accuracy (predicted primary is the
labelled primary or one of its secondaries), macro-F1 over primaries, the confusion pairs
and how many labelled titles were not found. LABELS defaults to
../shared/eval/themes-dev.jsonl relative to the repository root. --folds also prints the
two halves (even and odd lines of the labels file) separately.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.dedupe import dedupe, normalize  # noqa: E402  (needs the path above)
from generator.models import DumpFile, Paper  # noqa: E402
from generator.parse import parse_dump  # noqa: E402
from generator.themes import ThemeConfig, assign, parse_theme_config  # noqa: E402


def load_papers(dumps_dir: Path) -> list[Paper]:
    entries = []
    for path in sorted(dumps_dir.glob("*.txt")):
        dump = DumpFile(path.name, date.fromisoformat(path.stem), path.read_bytes(), f"dumps/{path.name}")
        got, _warnings = parse_dump(dump)
        entries.extend(got)
    return dedupe(entries)


def load_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = sorted({gold for gold, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def evaluate(labels: list[dict], papers: list[Paper], config: ThemeConfig) -> dict:
    by_title = {normalize(p.title): p for p in papers}
    pairs: list[tuple[str, str]] = []
    strict = lenient = 0
    missing: list[str] = []
    for label in labels:
        paper = by_title.get(normalize(label["title"]))
        if paper is None:
            missing.append(label["title"])
            continue
        primary = assign(paper.title, paper.abstract, config).themes[0]
        pairs.append((label["primary"], primary))
        strict += primary == label["primary"]
        lenient += primary == label["primary"] or primary in label.get("secondary", [])
    found = len(pairs) or 1
    return {
        "n": len(pairs),
        "strict": strict / found,
        "lenient": lenient / found,
        "macro_f1": macro_f1(pairs),
        "confusion": Counter((g, p) for g, p in pairs if g != p),
        "missing": missing,
    }


def report(name: str, result: dict, confusion: bool) -> None:
    print(
        f"{name}: {result['n']} papers  strict {result['strict']:.3f}  "
        f"lenient {result['lenient']:.3f}  macro-F1 {result['macro_f1']:.3f}  "
        f"not found {len(result['missing'])}"
    )
    if confusion:
        print("confusion (labelled -> predicted: count):")
        for (gold, got), count in sorted(result["confusion"].items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {gold} -> {got}: {count}")
        for title in result["missing"]:
            print(f"  not found: {title}")


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    labels_path = Path(args[0]) if args else ROOT.parent / "shared/eval/themes-dev.jsonl"
    config = parse_theme_config((ROOT / "themes.yml").read_text(encoding="utf-8"))
    papers = load_papers(ROOT / "dumps")
    labels = load_labels(labels_path)
    report(f"{labels_path.name}", evaluate(labels, papers, config), confusion=True)
    if "--folds" in argv:
        for index in (0, 1):
            report(f"fold {index}", evaluate(labels[index::2], papers, config), confusion=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
