"""Theme assignment throughput: papers per second over the seed papers replicated.

Usage: python benchmarks/themes_speed.py [TARGET_PAPERS]   (default 20000)

Each copy gets a distinct id and a marker word appended to its title so the per-word
memo of the matcher sees a realistic mix; the first pass includes compiling nothing but
the config parse, which is timed separately.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.themes_eval import load_papers  # noqa: E402  (needs the path above)
from generator.themes import assign_papers, parse_theme_config  # noqa: E402


def main(argv: list[str]) -> int:
    target = int(argv[0]) if argv else 20_000
    start = time.perf_counter()
    config = parse_theme_config((ROOT / "themes.yml").read_text(encoding="utf-8"))
    parsed = time.perf_counter() - start
    seeds = load_papers(ROOT / "dumps")
    papers = []
    copy = 0
    while len(papers) < target:
        for paper in seeds:
            papers.append(dataclasses.replace(paper, id=f"{paper.id}-{copy}", title=f"{paper.title} v{copy}"))
        copy += 1
    papers = papers[:target]
    start = time.perf_counter()
    assignments = assign_papers(papers, config, {})
    elapsed = time.perf_counter() - start
    print(f"config parse: {parsed * 1000:.1f} ms")
    print(
        f"{len(assignments)} papers ({len(seeds)} distinct seeds) in {elapsed:.2f} s: "
        f"{len(assignments) / elapsed:,.0f} papers/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
