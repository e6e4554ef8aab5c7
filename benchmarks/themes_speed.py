"""Theme assignment throughput: papers per second over the seed papers replicated.

Usage: python benchmarks/themes_speed.py [TARGET_PAPERS]   (default 20000)

Each copy gets a marker word appended to its title so the word memos see a realistic mix. It
times, separately: reading the config and labels, fitting the model on the labels (what a
cold build does once), and assigning every paper the way a build does (rules and embedding
over the machine's cores, then the model in one vectorised pass), and one new day's 60 papers
with the fitted model (what the next day does).
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.cli import Project  # noqa: E402  (needs the path above)
from generator.dedupe import dedupe  # noqa: E402
from generator.models import DumpFile, Paper  # noqa: E402
from generator.parse import parse_dump  # noqa: E402
from generator.theme_model import ThemeModel, assign_texts  # noqa: E402


def load_papers(dumps_dir: Path) -> list[Paper]:
    entries = []
    for path in sorted(dumps_dir.glob("*.txt")):
        dump = DumpFile(path.name, date.fromisoformat(path.stem), path.read_bytes(), f"dumps/{path.name}")
        entries.extend(parse_dump(dump)[0])
    return dedupe(entries)


def main(argv: list[str]) -> int:
    target = int(argv[0]) if argv else 20_000
    start = time.perf_counter()
    config = Project(ROOT / "mkdocs.yml").load_config().themes
    parsed = time.perf_counter() - start
    seeds = load_papers(ROOT / "dumps")
    texts: list[tuple[str, str]] = []
    copy = 0
    while len(texts) < target:
        texts += [(f"{p.title} v{copy}", p.abstract) for p in seeds]
        copy += 1
    texts = texts[:target]
    model = ThemeModel(config)
    start = time.perf_counter()
    model.fitted  # noqa: B018
    fitted = time.perf_counter() - start
    start = time.perf_counter()
    themes = assign_texts(texts, model)
    elapsed = time.perf_counter() - start
    start = time.perf_counter()
    assign_texts(texts[:60], model)
    day = time.perf_counter() - start
    print(
        f"config and labels: {parsed * 1000:.0f} ms; fitting the model on {len(config.labels)} labels: {fitted:.2f} s"
    )
    print(
        f"{len(themes)} papers ({len(seeds)} distinct seeds) in {elapsed:.2f} s: {len(themes) / elapsed:,.0f} papers/s"
    )
    print(f"one day of 60 papers with the fitted model: {day * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
