"""Big dumps: a deterministic generator, and the time and peak memory of building one.

Usage: python benchmarks/big_dump.py [MEGABYTES]   (default 50)

Writes a MEGABYTES dump (format A, distinct papers with metadata) into a temporary project and
measures, each in a fresh subprocess so that ru_maxrss is that run's own peak:

* parse + dedupe + themes (in memory);
* the full `digest build` (all pages, feeds and papers.json written to the temp docs folder).

It prints seconds, seconds per MB and peak RSS for each. The generator functions are also used by
tests/test_hostile.py to make the big hostile cases at test time instead of committing them.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nJun 10\n\n"
)
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vi", "zo", "pe", "qu", "sa", "de", "fo", "gi", "hu", "ja")


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def dump_entries(n_entries: int, *, abstract_chars: int = 1100, seed: int = 0) -> list[tuple[str, str]]:
    """`n_entries` distinct (title, abstract) pairs, the same for the same arguments."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    words_per_abstract = max(1, abstract_chars // 7)  # the words average about 6 letters
    entries = []
    for i in range(n_entries):
        title = f"Paper {i}: " + " ".join(rng.choices(vocab, k=6)).title()
        words = rng.choices(vocab, k=words_per_abstract)
        # Sentences of 14 words: a full stop after every 14th word, a capital after it.
        sentences = [" ".join(words[j : j + 14]).capitalize() for j in range(0, len(words), 14)]
        entries.append((title, ". ".join(sentences) + "."))
    return entries


def dump_text(entries: list[tuple[str, str]], *, meta: bool = True) -> str:
    """Format A text of a dump holding `entries` (title, abstract), with metadata blocks."""
    chunks = [HEADER]
    for i, (title, abstract) in enumerate(entries):
        chunks.append(f"{title}\n\n{abstract}\n\n")
        if meta:
            chunks.append(f"  • {i % 9 + 1} authors\n·\nMay {i % 28 + 1}\n\n")
    return "".join(chunks)


def big_dump(megabytes: float, *, seed: int = 0) -> bytes:
    """A format A dump of at least `megabytes` MB (10**6 bytes) of distinct papers."""
    target = int(megabytes * 1_000_000)
    per_entry = len(dump_text(dump_entries(20, seed=seed)).encode()) // 20
    n = int(target / per_entry * 1.03) + 1  # a little over, so one pass is nearly always enough
    data = dump_text(dump_entries(n, seed=seed)).encode("utf-8")
    while len(data) < target:  # the estimate fell short: add entries until the size is reached
        n += max(1, (target - len(data)) // per_entry + 1)
        data = dump_text(dump_entries(n, seed=seed)).encode("utf-8")
    return data


def make_project(where: Path) -> Path:
    """A copy of the repository's site set-up with an empty dumps/ folder (like tests' fixture)."""
    for name in ("mkdocs.yml", "themes.yml", "overrides.yml"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, where / name)
    shutil.copytree(ROOT / "templates", where / "templates")
    (where / "docs").mkdir()
    for name in ("about.md", "subscribe.md"):
        if (ROOT / "docs" / name).exists():
            shutil.copy(ROOT / "docs" / name, where / "docs" / name)
    (where / "dumps").mkdir()
    return where


def _child(stage: str, project: Path) -> None:
    """Run one stage in this (fresh) process and print a JSON line with its figures."""
    sys.path.insert(0, str(ROOT))
    from generator.cli import Project, run_build

    start = time.perf_counter()
    if stage == "parse":
        from dataclasses import replace

        from generator import files
        from generator.dedupe import dedupe
        from generator.pipeline import parse_all
        from generator.themes import assign_papers

        config = Project(project / "mkdocs.yml").load_config()
        entries, _ = parse_all(files.read_dumps(project / "dumps"))
        parsed = time.perf_counter()
        papers = dedupe(entries)
        deduped = time.perf_counter()
        assignments = assign_papers(papers, config.themes, config.overrides)
        papers = [replace(p, themes=assignments[p.id].themes) for p in papers]
        laps = {"parse": parsed - start, "dedupe": deduped - parsed, "themes": time.perf_counter() - deduped}
        count = len(papers)
    else:
        result, _report = run_build(Project(project / "mkdocs.yml"), project / "dumps", project / "docs", strict=False)
        laps = dict(result.timings)
        count = result.papers
        laps["write"] = time.perf_counter() - start - sum(laps.values())
    elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": elapsed, "peak_mib": peak_kib / 1024, "papers": count, "laps": laps}))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1], Path(argv[2]))
        return 0
    megabytes = float(argv[0]) if argv else 50.0
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp))
        start = time.perf_counter()
        data = big_dump(megabytes)
        (project / "dumps" / f"{date(2026, 6, 10).isoformat()}.txt").write_bytes(data)
        size_mb = len(data) / 1_000_000
        print(f"dump: {size_mb:.1f} MB, generated in {time.perf_counter() - start:.1f} s")
        for stage, label in (("parse", "parse + dedupe + themes"), ("build", "full digest build")):
            done = subprocess.run(
                [sys.executable, __file__, "--child", stage, str(project)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                print(f"{label}: failed\n{done.stderr}", file=sys.stderr)
                return 1
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            laps = ", ".join(f"{k} {v:.1f} s" for k, v in figures["laps"].items())
            print(
                f"{label}: {figures['seconds']:.1f} s ({figures['seconds'] / size_mb * 1000:.0f} ms/MB), "
                f"peak RSS {figures['peak_mib']:.0f} MiB, {figures['papers']} papers [{laps}]"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
