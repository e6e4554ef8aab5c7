"""Caches that cannot hurt and builds that can be killed: through the real CLI, in processes.

- Every kind of cache file under .cache/digest/, damaged three ways (bytes overwritten in the
  middle, truncated, replaced by another version's or kind's file), reads as absent: one warning
  line naming it, and the output is byte-identical to a clean build.
- A build killed with SIGKILL at any moment leaves nothing the next build does not repair: its
  output is byte-identical to a clean build's and no temporary file is left anywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import DUMPS, make_project

SEED = sorted(DUMPS.glob("*.txt"))
DAMAGED = "damaged cache file ignored"


def digest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(project: Path) -> list[str]:
    return sorted(str(p.relative_to(project)) for p in project.rglob("*.tmp"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The docs folder of a clean, cacheless build of every seed dump."""
    project = make_project(tmp_path_factory.mktemp("clean"))
    for path in SEED:
        shutil.copy(path, project / "dumps")
    assert digest(project, "build", "--no-cache").returncode == 0
    return tree(project / "docs")


def built_without_last_day(project: Path) -> Path:
    """A project built from every seed dump but the last (its caches written); returns the cache."""
    for path in SEED[:-1]:
        shutil.copy(path, project / "dumps")
    assert digest(project, "build").returncode == 0
    cache = project / ".cache" / "digest"
    assert (cache / "state.pickle").is_file() and (cache / "build.pickle").is_file()
    return cache


# Each kind of cache file: which files of that kind to damage, and what stands in for "another
# version's file" (a file of the right name holding what another version or kind wrote).
def months(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "state-papers").iterdir() if not p.name.startswith("items-"))


KINDS: dict[str, Callable[[Path], list[Path]]] = {
    "build.pickle": lambda cache: [cache / "build.pickle"],
    "state.pickle": lambda cache: [cache / "state.pickle"],
    "state-papers months": months,
    "state-papers items": lambda cache: sorted((cache / "state-papers").glob("items-*.bin")),
    "dumps.json": lambda cache: [cache / "dumps.json"],
    "stamp": lambda cache: sorted(cache.glob("stamp-*.json")),
}


def foreign(kind: str, path: Path, cache: Path) -> bytes:
    if kind == "build.pickle":
        return (cache / "state.pickle").read_bytes()  # a whole, valid cache file of another kind
    if kind == "state.pickle":
        import pickle

        return pickle.dumps({"key": "from an older version", "papers": []})  # the format before framing
    if kind == "state-papers months":
        others = [p for p in months(cache) if p != path]
        return others[0].read_bytes()  # another month's papers under this month's name
    if kind == "state-papers items":
        return months(cache)[0].read_bytes()
    if kind == "dumps.json":  # the format before the digest: the plain record
        body = json.loads(path.read_text())["body"]
        return json.dumps(body).encode()
    return (cache / "dumps.json").read_bytes()  # a stamp holding the dump digests instead


def damage(mode: str, kind: str, path: Path, cache: Path) -> bytes:
    data = path.read_bytes()
    if mode == "middle":
        middle = len(data) // 2
        return data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 16]) + data[middle + 16 :]
    if mode == "truncated":
        return data[: len(data) // 2]
    return foreign(kind, path, cache)


@pytest.mark.parametrize("mode", ["middle", "truncated", "foreign"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_damaged_cache_file_is_one_warning_then_the_clean_output(project, clean, kind, mode):
    cache = built_without_last_day(project)
    targets = KINDS[kind](cache)
    assert targets, f"no {kind} file"
    damaged = {path: damage(mode, kind, path, cache) for path in targets}
    if kind == "build.pickle":
        (cache / "state.pickle").unlink()  # else the next day comes from the state, not this cache
    for path, data in damaged.items():
        assert data != path.read_bytes()
        path.write_bytes(data)
    shutil.copy(SEED[-1], project / "dumps")
    done = digest(project, "build")
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if DAMAGED in line]
    if kind == "state-papers items":
        # An item's text that cannot be read back intact is read from its dump instead (checked
        # against its digest): nothing else is given up, so nothing is reported.
        assert notes == []
    else:
        assert len(notes) == 1, done.stderr
        assert notes[0].startswith("Warning: .cache/digest/") and any(p.name in notes[0] for p in targets)
        assert notes[0].endswith("this build does without it")
    assert tree(project / "docs") == clean
    # And the next build is an ordinary one again.
    again = digest(project, "build")
    assert DAMAGED not in again.stderr and "up to date" in again.stdout


def test_a_cache_folder_that_cannot_be_read_is_a_warning_too(project, clean):
    cache = built_without_last_day(project)
    (cache / "state.pickle").unlink()
    (cache / "state.pickle").mkdir()  # a name taken by something else entirely
    shutil.copy(SEED[-1], project / "dumps")
    done = digest(project, "build")
    assert done.returncode == 0
    assert [line for line in done.stderr.splitlines() if DAMAGED in line] == [
        "Warning: .cache/digest/state.pickle: damaged cache file ignored (Is a directory); this build does without it"
    ]
    assert tree(project / "docs") == clean


def kill_after(project: Path, delay: float) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "build"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("delay", [0.3, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0])
@pytest.mark.parametrize("day", ["cold", "next day"])
def test_after_a_build_killed_at_any_moment_the_next_build_gives_the_clean_output(project, clean, day, delay):
    if day == "next day":
        built_without_last_day(project)
        shutil.copy(SEED[-1], project / "dumps")
    else:
        for path in SEED:
            shutil.copy(path, project / "dumps")
    kill_after(project, delay)
    done = digest(project, "build")
    assert done.returncode == 0, done.stderr
    assert tree(project / "docs") == clean
    assert temporaries(project) == []


def test_the_writer_removes_the_temporaries_of_a_killed_build_but_not_of_a_live_one(project, clean):
    """Deterministic: what a build killed during its writes leaves, with a dead process's id."""
    for path in SEED:
        shutil.copy(path, project / "dumps")
    assert digest(project, "build").returncode == 0
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)  # a process that has exited
    litter = [
        project / "docs" / f".archive.md.{dead}.tmp",
        project / "docs" / "archive" / f".2026.md.{dead}.tmp",
        project / "docs" / "data" / f".papers.json.{dead}.tmp",
        project / ".cache" / "digest" / f".state.pickle.{dead}.tmp",
        project / ".cache" / "digest" / "state-papers" / f".2026-06-abc.{dead}.tmp",
    ]
    live = project / "docs" / f".index.md.{os.getpid()}.tmp"  # this test's process is alive
    for path in [*litter, live]:
        path.write_bytes(b"half a file")
    (project / "dumps" / SEED[0].name).write_bytes(SEED[0].read_bytes() + b"\n")  # so the build writes
    assert digest(project, "build").returncode == 0
    assert [p for p in litter if p.exists()] == []
    assert live.exists()
