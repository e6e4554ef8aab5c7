"""A themes.yml written from a taxonomy table alone, for an honest figure of the whole model.

Usage: python benchmarks/taxonomy_rules.py TAXONOMY.md > benchmarks/data/themes-taxonomy.yml

The shipped themes.yml terms were written while looking at the labelled papers, so
`themes_eval.py`'s cross-validation cannot keep them out of its test folds. This script writes
the rules a site owner would write from the taxonomy's "what belongs" column without looking at
any paper, mechanically: every listed item (and each item in parentheses, each alternative
of a slash, and the theme name's parts) becomes a phrase of weight 3, or a keyword of weight 3
when it is one word, and every other word of it a keyword of weight 1. Nothing in it is tuned:
`python benchmarks/themes_eval.py --themes benchmarks/data/themes-taxonomy.yml` is a figure
on papers nobody wrote a rule for. The settings (threshold aside) are the repository's.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.themes import _STOPWORDS  # noqa: E402  (needs the path above)

SETTINGS = ("threshold", "max_secondary", "secondary_ratio", "title_weight", "abstract_cap")


def items_of(name: str, belongs: str) -> list[str]:
    """The taxonomy row's items: comma-separated, parentheses opened, slashes expanded."""
    items = [part.strip() for inner in re.findall(r"\(([^)]*)\)", belongs) for part in inner.split(",")]
    items += [part.strip() for part in re.sub(r"\([^)]*\)", "", belongs).split(",")]
    items += [part.strip() for part in re.split(r"[,&]", name)]
    expanded = []
    for item in filter(None, items):
        alternatives: list[list[str]] = [[]]
        for token in item.split():
            options = [o for o in token.split("/") if o] if "/" in token else [token]
            alternatives = [[*a, o] for a in alternatives for o in options]
        expanded += [" ".join(a) for a in alternatives]
    return expanded


def theme_of(theme_id: str, name: str, belongs: str) -> dict:
    theme: dict = {"id": theme_id, "name": name, "description": belongs}
    if theme_id == "other":
        return theme
    phrases: dict[str, float] = {}
    keywords: dict[str, float] = {}
    for item in items_of(name, belongs):
        tokens = re.findall(r"[a-z0-9]+", item.lower().replace("-", " "))
        if len(tokens) >= 2:
            phrases[" ".join(tokens)] = 3.0
        elif tokens:
            keywords[tokens[0]] = 3.0
        for token in tokens:
            if token not in _STOPWORDS and len(token) > 2:
                keywords.setdefault(token, 1.0)
    theme["keywords"] = [{k: v} for k, v in keywords.items()]
    if phrases:
        theme["phrases"] = [{k: v} for k, v in phrases.items()]
    return theme


def main(argv: list[str]) -> int:
    table = Path(argv[0]).read_text(encoding="utf-8")
    shipped = yaml.safe_load((ROOT / "themes.yml").read_text(encoding="utf-8"))
    out = {key: shipped[key] for key in SETTINGS if key in shipped}
    out["threshold"] = 3.0  # for the rules alone: a single taxonomy item in the title
    out["themes"] = []
    for row in table.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] != "id" and not set(cells[0]) <= set("-"):
            out["themes"].append(theme_of(*cells))
    sys.stdout.write(f"# Written by benchmarks/taxonomy_rules.py from {Path(argv[0]).name} alone.\n")
    yaml.safe_dump(out, sys.stdout, sort_keys=False, allow_unicode=True, width=100)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
