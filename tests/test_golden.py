"""Golden test: a small fixed set of dumps -> the whole generated tree, diffed against tests/golden/.

After an intended change to the pages, regenerate with `make golden` and review the diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from generator.cli import Project
from generator.files import read_dumps
from generator.pipeline import build

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
DUMPS = ROOT / "tests" / "data" / "golden-dumps"


def generate() -> dict[str, bytes]:
    project = Project(ROOT / "mkdocs.yml")
    result = build(read_dumps(DUMPS), project.load_config(), project.loader())
    return {rel: data for rel, data in result.files.items() if rel.endswith((".md", ".json"))}


def test_generated_tree_matches_golden():
    files = generate()
    expected = {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected), "file set differs: run `make golden` if intended"
    for rel in sorted(files):
        if files[rel] != expected[rel]:
            diff = "\n".join(
                difflib.unified_diff(
                    expected[rel].decode().splitlines(),
                    files[rel].decode().splitlines(),
                    f"golden/{rel}",
                    rel,
                    lineterm="",
                )
            )
            raise AssertionError(f"{rel} differs from tests/golden (run `make golden` if intended):\n{diff[:4000]}")


def test_golden_dumps_cover_repeats_formats_and_hostile_text():
    files = generate()
    day = files["days/2026-03-02.md"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in day and "<script>" not in day
    assert "{{ 7*7 }}" in day  # shown literally, never evaluated
    assert "## Seen again" in files["days/2026-03-03.md"].decode()
    assert Path(DUMPS / "2026-03-03.txt").read_text().startswith("Get trending")


def test_everything_generated_is_ignored_by_git_and_listed_as_generated():
    import subprocess

    from generator.pipeline import GENERATED

    for rel in generate():
        assert rel.startswith(GENERATED), rel
        done = subprocess.run(["git", "check-ignore", "-q", f"docs/{rel}"], cwd=ROOT, check=False)
        assert done.returncode == 0, f"docs/{rel} is not ignored by git"
    for hand_written in ("docs/about.md", "docs/subscribe.md", "docs/search.md"):
        assert subprocess.run(["git", "check-ignore", "-q", hand_written], cwd=ROOT, check=False).returncode == 1
