"""Reliability: atomic, incremental, locked writes; reproducible output; site/ swapped whole."""

from __future__ import annotations

import builtins
import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator.errors import BuildLockedError
from generator.files import MANIFEST, DumpDigests, build_lock, read_dumps, write_json_cache, write_tree

from .conftest import DUMPS, ROOT, make_project


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


OLD = {"days/a.md": b"old a", "days/b.md": b"old b", "index.md": b"old index"}
NEW = {"days/a.md": b"new a", "days/b.md": b"new b", "days/c.md": b"new c", "index.md": b"new index"}


def test_writer_writes_only_changed_files_and_removes_stale_ones_but_not_hand_written(tmp_path):
    write_tree(tmp_path, OLD)
    (tmp_path / "about.md").write_bytes(b"hand-written")
    report = write_tree(tmp_path, {"days/a.md": b"old a", "index.md": b"changed"})
    assert report.written == ("index.md",) and report.removed == ("days/b.md",) and report.unchanged == 1
    assert tree(tmp_path) == {
        "about.md": b"hand-written",
        "days/a.md": b"old a",
        "index.md": b"changed",
        MANIFEST: tree(tmp_path)[MANIFEST],
    }
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    assert write_tree(tmp_path, {"days/a.md": b"old a", "index.md": b"changed"}).written == ()
    assert before == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}


@pytest.mark.parametrize(
    "failure",
    [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()],
    ids=["disk-full", "ctrl-c"],
)
def test_a_write_that_fails_midway_leaves_the_previous_output_byte_identical(tmp_path, monkeypatch, failure):
    write_tree(tmp_path, OLD)
    before = tree(tmp_path)
    real_open = builtins.open
    calls = {"n": 0}

    def failing_open(file, mode="r", *args, **kwargs):
        if "w" in mode and str(tmp_path) in str(file):
            calls["n"] += 1
            if calls["n"] == 3:  # two files already written: the third write fails
                raise failure
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", failing_open)
    with pytest.raises(type(failure)):
        write_tree(tmp_path, NEW)
    monkeypatch.undo()
    assert tree(tmp_path) == before  # no new file visible, no temporary left behind


def test_a_second_build_waits_for_the_lock_then_refuses_with_a_clear_message(tmp_path):
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with build_lock(tmp_path):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        # flock locks are per open file description, so a second open in this process contends too.
        with pytest.raises(BuildLockedError) as info, build_lock(tmp_path, wait_s=0.3):
            pass
        assert "another build is writing this folder — wait for it to finish" in str(info.value)
    finally:
        release.set()
        thread.join()
    with build_lock(tmp_path, wait_s=0.3):
        pass  # free again once the first build is done


def _digest(*args: str, cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_same_dumps_give_byte_identical_output_whatever_the_environment(project, tmp_path_factory):
    # Copy the dumps in two different orders (file-system order), build from two working
    # directories with different time zones, locales and hash seeds, at different times.
    second = make_project(tmp_path_factory.mktemp("elsewhere"))
    tmp_path = tmp_path_factory.mktemp("cwd")
    for path in sorted(DUMPS.glob("*.txt")):
        shutil.copy(path, project / "dumps" / path.name)
    for path in sorted(DUMPS.glob("*.txt"), reverse=True):
        shutil.copy(path, second / "dumps" / path.name)
    base = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TZ", "LC_ALL", "LANG")}
    env_a = dict(base, TZ="UTC", LC_ALL="C.UTF-8", PYTHONHASHSEED="1")
    env_b = dict(base, TZ="Pacific/Kiritimati", LC_ALL="C", LANG="de_DE.UTF-8", PYTHONHASHSEED="4242")
    _digest("build", cwd=project, env=env_a)
    _digest(
        "build",
        "--dumps",
        str(second / "dumps"),
        "--out",
        str(second / "docs"),
        "--config",
        str(second / "mkdocs.yml"),
        cwd=tmp_path,
        env=env_b,
    )
    a, b = tree(project / "docs"), tree(second / "docs")
    assert a.keys() == b.keys() and len(a) > 40
    assert [k for k in a if a[k] != b[k]] == []
    _digest("site", cwd=project, env=env_a)
    _digest("site", cwd=second, env=env_b)
    site_a, site_b = tree(project / "site"), tree(second / "site")
    assert site_a.keys() == site_b.keys()
    assert [k for k in site_a if site_a[k] != site_b[k]] == []
    assert b"<lastmod>2026-11-20</lastmod>" in site_a["sitemap.xml"]


def test_a_failed_site_build_leaves_site_untouched(project):
    for path in DUMPS.glob("*.txt"):
        shutil.copy(path, project / "dumps" / path.name)
    env = dict(os.environ)
    _digest("site", cwd=project, env=env)
    before = tree(project / "site")
    (project / "docs" / "about.md").write_text("[broken](missing-page.md)\n")  # a strict-mode warning
    done = subprocess.run(
        [sys.executable, "-m", "generator", "site"], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "Error: mkdocs.yml: mkdocs build --strict failed" in done.stderr
    assert "Traceback" not in done.stderr
    assert tree(project / "site") == before


def test_a_warm_cache_gives_the_same_output_as_a_cold_build(project):
    from generator.cli import Project
    from generator.files import code_fingerprint, load_cache, read_dumps
    from generator.pipeline import build
    from generator.state import BuildCache

    for path in DUMPS.glob("*.txt"):
        shutil.copy(path, project / "dumps" / path.name)
    site = Project(project / "mkdocs.yml")
    config, loader = site.load_config(), site.loader()
    dumps = read_dumps(project / "dumps")
    cold = build(dumps, config, loader)
    first = build(dumps, config, loader, cache=BuildCache(code_fingerprint()))
    assert first.cache is not None and first.cache.misses == 5 and first.cache.hits == 0
    warm = build(dumps, config, loader, cache=first.cache)
    assert warm.cache is not None and warm.cache.hits == 5 and warm.cache.misses == 0
    assert warm.files == cold.files == first.files
    # A dump whose bytes change under the same name is parsed again, never taken from the cache.
    changed = [
        d
        if d.name != "2026-06-10.txt"
        else type(d)(d.name, d.day, d.data.replace(b"Creativity", b"Originality"), d.path)
        for d in dumps
    ]
    again = build(changed, config, loader, cache=warm.cache)
    assert again.files == build(changed, config, loader).files
    assert again.cache is not None and again.cache.misses == 1
    # The CLI keeps the cache on disk; a stale or corrupt one is ignored.
    site.cache_file.parent.mkdir(parents=True, exist_ok=True)
    site.cache_file.write_bytes(b"not a pickle")
    assert load_cache(site.cache_file, code_fingerprint()).parsed == {}


def test_parallel_theme_assignment_gives_the_serial_result(monkeypatch):
    from generator import pipeline, processes, theme_model
    from generator.cli import Project
    from generator.dedupe import dedupe
    from generator.files import read_dumps
    from generator.theme_model import ThemeModel

    config = Project(ROOT / "mkdocs.yml").load_config().themes
    entries, _ = pipeline.parse_all(read_dumps(DUMPS))
    texts = [(p.title, p.abstract) for p in dedupe(entries)]
    serial = theme_model.assign_texts(texts, ThemeModel(config))
    monkeypatch.setattr(processes, "PARALLEL_MIN_ITEMS", 10)
    calls = []
    real = theme_model._score_chunk
    monkeypatch.setattr(processes, "ProcessPoolExecutor", _Recording(calls, processes.ProcessPoolExecutor))
    assert theme_model.assign_texts(texts, ThemeModel(config)) == serial  # a fresh model, fitted in parallel
    assert calls, "the parallel path did not run"
    assert real is theme_model._score_chunk


class _Recording:
    def __init__(self, calls, executor):
        self.calls, self.executor = calls, executor

    def __call__(self, *args, **kwargs):
        self.calls.append(args)
        return self.executor(*args, **kwargs)


def test_cached_search_bundles_equal_fresh_ones_and_a_new_day_reindexes_only_its_month(project):
    for path in DUMPS.glob("*.txt"):
        shutil.copy(path, project / "dumps" / path.name)
    env = dict(os.environ)
    cache = project / ".cache" / "digest" / "search"
    _digest("site", cwd=project, env=env)
    cold = tree(project / "site")
    bundles = sorted(p.name for p in cache.iterdir() if p.is_dir())  # name-key
    assert [b.rsplit("-", 1)[0] for b in bundles] == ["2025-h2", "2026-11", "2026-h1"]
    # beside each, its fragments by URL (what bundles.json's "skip" is read from) and its words
    assert sorted(p.name for p in cache.iterdir() if p.is_file()) == [
        f"{b}.{kind}.json" for b in bundles for kind in ("urls", "words")
    ]
    _digest("site", cwd=project, env=env)  # every bundle from the cache
    assert tree(project / "site") == cold
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == bundles
    # One more day in November 2026: its month's bundle is built again, the others are reused.
    day = (DUMPS / "2026-11-20.txt").read_text(encoding="utf-8")
    (project / "dumps" / "2026-11-21.txt").write_text(day.replace("Sparse", "Sparser"), encoding="utf-8")
    _digest("site", cwd=project, env=env)
    now = sorted(p.name for p in cache.iterdir() if p.is_dir())
    assert sorted(p.name for p in cache.iterdir() if p.is_file()) == [  # the old ones gone
        f"{b}.{kind}.json" for b in now for kind in ("urls", "words")
    ]
    assert now[0] == bundles[0] and now[2] == bundles[2]
    assert now[1] != bundles[1] and now[1].startswith("2026-11-")
    warm = tree(project / "site")
    shutil.rmtree(cache)
    _digest("site", cwd=project, env=env)
    assert tree(project / "site") == warm


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("missing-page.md", "contains a link to 'missing-page.md' which is not found"),
        ("days/2026-11-20.md#no-such-paper", "contains a link 'days/2026-11-20.md#no-such-paper', but there is no"),
    ],
)
def test_links_inside_raw_paper_lists_are_checked_like_markdown_links(project, link, message):
    # Paper lists are set aside while Markdown runs; the hook resolves and checks their links.
    for path in DUMPS.glob("*.txt"):
        shutil.copy(path, project / "dumps" / path.name)
    about = project / "docs" / "about.md"
    about.write_text(
        about.read_text() + f'\n<ul class="digest-list" markdown="0">\n<li><a href="{link}">x</a></li>\n</ul>\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "generator", "site"], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert message in done.stderr


def _recorded_dump(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A dumps folder with one dump, read once with its digest recorded in dumps.json."""
    dumps_dir = tmp_path / "dumps"
    dumps_dir.mkdir()
    dump = dumps_dir / "2026-06-10.txt"
    dump.write_bytes((DUMPS / "2026-06-10.txt").read_bytes())
    record = tmp_path / "dumps.json"
    digests = DumpDigests(record)
    [first] = read_dumps(dumps_dir, digests)
    assert first.sha256 == hashlib.sha256(dump.read_bytes()).digest()
    digests.save([first])
    return dumps_dir, dump, record


def test_dump_digests_are_reused_only_while_the_file_is_untouched(tmp_path):
    """A settled dump's SHA-256 comes from .cache/digest/dumps.json; a file written since (even
    to the same size, with its modification time put back) is hashed again."""
    dumps_dir, dump, record = _recorded_dump(tmp_path)
    # Pretend the record is older than the file's last change plus the settling time, then
    # give it a digest the file cannot have: the build takes it, so it did not hash.
    saved = json.loads(record.read_text())["body"]
    saved["saved_ns"] += 10 * DumpDigests.SETTLED_NS
    saved["dumps"][dump.name][4] = "00" * 32
    write_json_cache(record, saved)
    [cached] = read_dumps(dumps_dir, DumpDigests(record))
    assert cached.sha256 == bytes(32)
    # The same size and modification time, other bytes: the change time tells.
    stats = dump.stat()
    data = bytearray(dump.read_bytes())
    data[-2:-1] = b"X" if data[-2:-1] != b"X" else b"Y"
    dump.write_bytes(bytes(data))
    os.utime(dump, ns=(stats.st_atime_ns, stats.st_mtime_ns))
    saved["saved_ns"] = dump.stat().st_ctime_ns + 10 * DumpDigests.SETTLED_NS
    write_json_cache(record, saved)
    [changed] = read_dumps(dumps_dir, DumpDigests(record))
    assert changed.sha256 == hashlib.sha256(bytes(data)).digest()


def test_a_dump_digest_saved_within_the_settling_time_of_its_file_is_not_trusted(tmp_path):
    """A file changed again within the file system's clock tick after it was hashed keeps its
    stats: a digest recorded less than SETTLED_NS after the file's last change is hashed again."""
    dumps_dir, dump, record = _recorded_dump(tmp_path)
    saved = json.loads(record.read_text())["body"]
    saved["dumps"][dump.name][4] = "00" * 32
    saved["saved_ns"] = dump.stat().st_ctime_ns + DumpDigests.SETTLED_NS // 2  # not settled yet
    write_json_cache(record, saved)
    [again] = read_dumps(dumps_dir, DumpDigests(record))
    assert again.sha256 == hashlib.sha256(dump.read_bytes()).digest()


def test_an_item_text_record_whose_head_runs_past_its_file_is_refused_not_allocated(tmp_path):
    import struct

    from generator.files import _read_record

    (tmp_path / "items.bin").write_bytes(struct.pack("<IIB", 4_000_000_000, 10, 0) + b"short")
    with pytest.raises(ValueError, match="runs past the end"):
        _read_record(tmp_path, "items.bin", 0)
