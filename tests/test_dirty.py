"""`digest site` (what `make site` and the deploy workflow run) builds only the pages that changed
(MkDocs --dirty over a copy of the last site/), and the result is a clean full build's, byte for
byte: after a new day, after a day in a new year with a re-sighting, and after a config change
(which must build every page)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import DUMPS, HEADER_A, entry_a, make_project

SEEDS = sorted(DUMPS.glob("*.txt"))
ONLY_CHANGED = "building again only the pages whose Markdown changed"
EVERY_PAGE = "building every page"


def _env(project: Path) -> dict[str, str]:
    return dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(project))


def _digest_site(project: Path) -> str:
    """`digest site`, checking that the published site's files kept their bytes: the staging
    folder it builds in shares them (hard links), so a file written in place would change the
    published one with it (and leave it half-written if the build stopped)."""
    site = project / "site"
    published = {_inode(p): p.read_bytes() for p in site.rglob("*") if p.is_file()} if site.is_dir() else {}
    done = subprocess.run(
        [sys.executable, "-m", "generator", "site"], cwd=project, env=_env(project), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    said = done.stdout + done.stderr
    shared = [p for p in site.rglob("*") if p.is_file() and _inode(p) in published]
    changed = [str(p.relative_to(site)) for p in shared if p.read_bytes() != published[_inode(p)]]
    assert not changed, f"written in place through a link to the published site: {changed[:5]}"
    if ONLY_CHANGED in said:  # the pages not built again are the published files themselves
        assert shared
    return said


def _inode(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


def _full_build(project: Path, where: Path) -> dict[str, bytes]:
    """The same project built from nothing (no docs/ output, no caches, no site/) elsewhere."""
    where.mkdir()
    clean = make_project(where)
    for name in ("mkdocs.yml", "themes.yml"):
        shutil.copy(project / name, clean / name)
    for dump in (project / "dumps").iterdir():
        shutil.copy(dump, clean / "dumps" / dump.name)
    mkdocs = Path(sys.executable).with_name("mkdocs")
    done = subprocess.run([str(mkdocs), "build", "--strict", "-q"], cwd=clean, env=_env(clean), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return _tree(clean / "site")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _same(got: dict[str, bytes], want: dict[str, bytes]) -> None:
    assert sorted(got) == sorted(want), (sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5])
    differ = [path for path in want if got[path] != want[path]]
    assert not differ, f"{len(differ)} files differ from a full build, e.g. {differ[:5]}"


def test_a_dirty_publish_equals_a_full_build_and_says_which_it_did(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    project = make_project(tmp_path / "project")
    for dump in SEEDS[:-1]:
        shutil.copy(dump, project / "dumps" / dump.name)
    # A plain `mkdocs build` first, as an owner may run: the next `digest site` can build on it.
    mkdocs = Path(sys.executable).with_name("mkdocs")
    done = subprocess.run([str(mkdocs), "build", "--strict", "-q"], cwd=project, env=_env(project), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()

    # The next day of the listing: only what changed is built again.
    shutil.copy(SEEDS[-1], project / "dumps" / SEEDS[-1].name)
    said = _digest_site(project)
    assert ONLY_CHANGED in said, said
    _same(_tree(project / "site"), _full_build(project, tmp_path / "full-1"))

    # A day in a new year (a new archive year page, new links) that also sights an earlier paper again.
    archive = json.loads((project / "docs" / "data" / "papers.json").read_text(encoding="utf-8"))
    earlier = archive["papers"][0]
    header = HEADER_A.replace("Jun 10", "Jan 4")
    text = header + entry_a(earlier["title"], earlier["abstract"])
    text += entry_a("A Wholly New Benchmark for Dirty Builds", "We show that partial rebuilds equal full ones.")
    (project / "dumps" / "2027-01-04.txt").write_text(text, encoding="utf-8")
    said = _digest_site(project)
    assert ONLY_CHANGED in said, said
    _same(_tree(project / "site"), _full_build(project, tmp_path / "full-2"))

    # A dump taken back: its day's page and the year's archive page must go from site/ too.
    (project / "dumps" / "2027-01-04.txt").unlink()
    said = _digest_site(project)
    assert ONLY_CHANGED in said and "stale files removed" in said, said
    assert not (project / "site" / "days" / "2027-01-04").exists()
    _same(_tree(project / "site"), _full_build(project, tmp_path / "full-3"))

    # The site's name is on every page: a config change builds every page.
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("site_name:", "site_name: Renamed", 1))
    said = _digest_site(project)
    assert EVERY_PAGE in said, said
    _same(_tree(project / "site"), _full_build(project, tmp_path / "full-4"))
