"""All disk I/O: reading dumps and config files, the locked, atomic, incremental writer.

Every other module works on strings and bytes; this one is the only place that touches the disk.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import mmap
import os
import pickle
import re
import shutil
import signal
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .archive import ARCHIVE_FILES
from .errors import BuildLockedError, ConfigError, DigestError, DumpError, Problem
from .incremental import RECORD_HEAD_SIZE, record_size
from .models import DumpFile
from .parse import day_from_name
from .processes import in_background
from .state import BuildCache, BuildState, DamagedCache, read_cache, read_state, write_cache, write_state, write_written
from .theme_model import EXAMPLES_FILE, LABELS_FILE

MANIFEST = ".digest-manifest.json"
LOCK = ".digest.lock"
_IGNORED_IN_DUMPS = {"readme", "readme.md", "readme.txt"}


def display(path: Path) -> str:
    """A path as errors show it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def list_dumps(dumps_dir: Path) -> list[Path]:
    """The dump files in `dumps_dir`, sorted by name. Any other file is an error naming it."""
    if not dumps_dir.is_dir():
        raise DumpError(display(dumps_dir), None, "no such folder", "create it and put a day's dump in it")
    found: list[Path] = []
    bad: list[Problem] = []
    with os.scandir(dumps_dir) as scan:
        listing = sorted(scan, key=lambda entry: entry.name)
    for entry in listing:
        name = entry.name
        path = dumps_dir / name
        if name.startswith(".") or name.lower() in _IGNORED_IN_DUMPS:
            continue
        if entry.is_file() and day_from_name(name) is not None:
            found.append(path)
        else:
            bad.append(
                Problem(
                    display(path),
                    None,
                    "not a dump name",
                    "name dumps YYYY-MM-DD.txt (or YYYY-MM-DD-<anything>.txt for a second dump "
                    "that day) or move the file out of the dumps folder",
                )
            )
    if bad:
        raise DigestError(bad)
    return found


# A cache file found damaged: noted once per build (a line in its summary), then treated as absent.
CacheNotes = list[str]


def note_damaged(notes: CacheNotes | None, path: Path, why: str) -> None:
    if notes is not None:
        notes.append(f"{display(path)}: damaged cache file ignored ({why}); this build does without it")


def read_json_cache(path: Path, notes: CacheNotes | None) -> Any:
    """A JSON cache file written by write_json_cache, or None when it is missing or damaged
    (then noted). The body carries its own digest: a changed byte anywhere is caught."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        note_damaged(notes, path, exc.strerror or "unreadable")
        return None
    try:
        record = json.loads(data)
        body = record["body"]
        intact = record["digest"] == _json_digest(body)
    except (ValueError, KeyError, TypeError):
        intact = False
    if not intact:
        note_damaged(notes, path, "not what this version wrote")
        return None
    return body


def write_json_cache(path: Path, body: object) -> None:
    _replace(path, json.dumps({"digest": _json_digest(body), "body": body}).encode())


def _json_digest(body: object) -> str:
    return hashlib.blake2b(json.dumps(body, sort_keys=True).encode(), digest_size=16).hexdigest()


class DumpDigests:
    """The SHA-256 of each dump from the last build, kept with the file's size, modification and
    change times and inode (in .cache/digest/dumps.json): a dump whose file still has them is
    not hashed again (as git trusts its index). Five years of dumps are 110 MB to hash."""

    # A file changed again within the file system's clock tick after it was hashed would keep
    # its stats: a digest is trusted only for a file unchanged since a while before it was saved.
    SETTLED_NS = 2_000_000_000

    def __init__(self, path: Path, notes: CacheNotes | None = None) -> None:
        self.path = path
        record = read_json_cache(path, notes)
        try:
            self.saved_ns, self.known = int(record["saved_ns"]), dict(record["dumps"])
        except (ValueError, KeyError, TypeError):
            self.saved_ns, self.known = 0, {}
            if record is not None:
                note_damaged(notes, path, "not a record of dump digests")
        self.seen: dict[str, list[int]] = {}  # name -> the stats of the file as read

    def use(self, dump: DumpFile, stats: os.stat_result) -> None:
        seen = self.seen[dump.name] = [stats.st_size, stats.st_mtime_ns, stats.st_ctime_ns, stats.st_ino]
        known = self.known.get(dump.name)
        settled = stats.st_ctime_ns < self.saved_ns - self.SETTLED_NS
        if settled and isinstance(known, list) and known[:4] == seen and isinstance(known[4], str):
            # Set as the value of the cached property (dataclasses.replace does not copy it).
            with contextlib.suppress(ValueError):
                dump.__dict__["sha256"] = bytes.fromhex(known[4])

    def save(self, dumps: Iterable[DumpFile]) -> None:
        record = {d.name: [*self.seen[d.name], d.sha256.hex()] for d in dumps if d.name in self.seen}
        unsettled = any(stats[2] >= self.saved_ns - self.SETTLED_NS for stats in self.seen.values())
        if record == self.known and not unsettled:
            return
        # The clock only dates this record: nothing generated depends on it.
        write_json_cache(self.path, {"saved_ns": time.time_ns(), "dumps": record})


def read_dumps(dumps_dir: Path, digests: DumpDigests | None = None) -> list[DumpFile]:
    dumps = []
    folder = display(dumps_dir)  # once: resolving every file's path was most of the time
    for path in list_dumps(dumps_dir):
        day = day_from_name(path.name)
        assert day is not None
        try:
            with open(path, "rb") as handle:
                stats = os.fstat(handle.fileno())
                data = handle.read()
        except OSError as exc:
            raise DumpError(display(path), None, f"cannot read: {exc.strerror}", "check its permissions") from None
        dump = DumpFile(path.name, day, data, os.path.join(folder, path.name))
        if digests is not None:
            digests.use(dump, stats)
        dumps.append(dump)
    return dumps


def read_text(path: Path, *, required: bool = True) -> str | None:
    """A config file's text; None when it is absent and not required."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        if required:
            raise ConfigError(Problem(display(path), None, "file not found", "create it (see the README)")) from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(Problem(display(path), None, f"cannot read: {exc}", "save it as UTF-8 text")) from None


def read_archive(out_dir: Path) -> dict[str, object]:
    path = out_dir / "data" / "papers.json"
    try:
        archive = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DumpError(display(path), None, "no archive yet", "run `digest build` first") from None
    except (OSError, ValueError) as exc:
        raise DumpError(display(path), None, f"unreadable archive: {exc}", "run `digest build` again") from None
    if not isinstance(archive, dict):
        raise DumpError(display(path), None, "not a digest archive", "run `digest build` again")
    return archive


def read_tree(root: Path, suffixes: tuple[str, ...] | None = None) -> dict[str, bytes]:
    """Every file below `root` as {relative posix path: bytes} (optionally only some suffixes)."""
    tree: dict[str, bytes] = {}
    if not root.is_dir():
        return tree
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            if suffixes is None or path.suffix in suffixes:
                tree[path.relative_to(root).as_posix()] = path.read_bytes()
    return tree


def site_tree(root: Path) -> dict[str, bytes]:
    """Every file of a built site: HTML pages with their bytes, other files (only their
    existence matters to the link check) with empty bytes, so a big search index is not read."""
    tree: dict[str, bytes] = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            tree[path.relative_to(root).as_posix()] = path.read_bytes() if path.suffix == ".html" else b""
    return tree


@contextlib.contextmanager
def build_lock(out_dir: Path, wait_s: float = 30.0) -> Iterator[None]:
    """Hold an exclusive lock on `out_dir` for one build; wait up to `wait_s`, then refuse."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir / LOCK
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise BuildLockedError(
                        Problem(
                            display(lock_path),
                            None,
                            "another build is writing this folder",
                            "wait for it to finish, then run the build again",
                        )
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int


def _read_manifest(out_dir: Path) -> list[str]:
    try:
        value = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [p for p in value.get("files", []) if isinstance(p, str)] if isinstance(value, dict) else []


def _safe_target(out_dir: Path, rel: str) -> Path:
    target = (out_dir / rel).resolve()
    if out_dir.resolve() not in target.parents:
        raise ValueError(f"refusing to write outside {out_dir}: {rel}")
    return target


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold off Ctrl-C / SIGTERM while renames run, so a commit is never cut in half."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_tree(out_dir: Path, files: Mapping[str, bytes], keep: Iterable[str] = ()) -> WriteReport:
    """Make the generated part of `out_dir` equal to `files`, touching only what changed.

    Two phases: every changed file is first written beside its target under a temporary name
    (the slow part, where a full disk or Ctrl-C may strike: then the temporaries are removed and
    nothing visible has changed); then all are renamed into place and files the previous build
    generated but this one does not are removed, with signals held off. A manifest records what
    the build generated so hand-written files in `out_dir` are never touched. `keep` names files
    the build generates but found unchanged without rendering them: they stay as they are.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = set(_read_manifest(out_dir))
    kept = set(keep) - set(files)
    # A build killed outright (SIGKILL, power loss) leaves its temporaries: the next one removes them.
    for folder in {out_dir, *((out_dir / rel).parent for rel in (*files, *kept, *previous))}:
        remove_stale_temporaries(folder)
    changed: list[tuple[Path, str]] = []
    unchanged = 0
    for rel in sorted(files):
        target = _safe_target(out_dir, rel)
        try:
            # Read only a file of the same size (the archive is 100 MB and grows every day).
            if target.stat().st_size == len(files[rel]) and target.read_bytes() == files[rel]:
                unchanged += 1
                continue
        except OSError:
            pass
        changed.append((target, rel))
    generated = set(files) | kept
    stale = sorted(p for p in previous - generated if (out_dir / p).is_file())
    manifest = json.dumps({"files": sorted(generated)}, indent=0).encode() + b"\n"
    unchanged += len(kept)
    if not changed and not stale and previous == generated:
        return WriteReport((), (), unchanged)
    staged: list[tuple[Path, Path]] = []
    try:
        for target, rel in changed:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            staged.append((tmp, target))
            with open(tmp, "wb") as handle:
                handle.write(files[rel])
        manifest_tmp = out_dir / f".{MANIFEST}.{os.getpid()}.tmp"
        staged.append((manifest_tmp, out_dir / MANIFEST))
        manifest_tmp.write_bytes(manifest)
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    with _signals_deferred():
        for tmp, target in staged:
            os.replace(tmp, target)
        for rel in stale:
            with contextlib.suppress(OSError):
                (out_dir / rel).unlink()
        _remove_empty_dirs(out_dir, {(out_dir / rel).parent for rel in stale})
    return WriteReport(tuple(rel for _, rel in changed), tuple(stale), unchanged)


# What this module names its temporary files: ".<name>.<pid>.tmp" beside the file they replace.
_TEMPORARY = re.compile(r"\..+\.(\d+)\.tmp")


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files in `folder` left by a process that is gone (killed mid-write)."""
    try:
        with os.scandir(folder) as scan:
            names = [entry.name for entry in scan if entry.name.startswith(".") and entry.name.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        match = _TEMPORARY.fullmatch(name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _remove_empty_dirs(out_dir: Path, candidates: set[Path]) -> None:
    for directory in sorted(candidates, key=lambda p: len(p.parts), reverse=True):
        while directory != out_dir and out_dir in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                break
            directory = directory.parent


def build_stamp(root: Path, dumps: list[DumpFile], out_dir: Path, code: str) -> str:
    """A hash of everything a build's output depends on: the generator's code, the config files
    and templates beside mkdocs.yml, every dump's name and bytes, and where the output goes."""
    digest = hashlib.sha256(code.encode())
    digest.update(b"\0" + str(out_dir.resolve()).encode() + b"\0" + os.getcwd().encode())
    inputs = [root / name for name in ("mkdocs.yml", "themes.yml", "overrides.yml", LABELS_FILE, EXAMPLES_FILE)]
    inputs += sorted(p for p in (root / "templates").rglob("*") if p.is_file())
    for path in inputs:
        with contextlib.suppress(OSError):
            digest.update(b"\0" + str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for dump in dumps:
        digest.update(b"\0" + dump.name.encode() + b"\0" + dump.sha256)
    return digest.hexdigest()


def _stats(out_dir: Path, paths: list[str]) -> dict[str, list[int]]:
    found = {}
    folder = str(out_dir)
    for rel in paths:
        try:
            st = os.stat(os.path.join(folder, rel))  # not Path: thousands of files, every build
        except OSError:
            continue
        found[rel] = [st.st_size, st.st_mtime_ns]
    return found


def stamp_file(cache_dir: Path, out_dir: Path) -> Path:
    """Where the record of the last build into `out_dir` is kept (one per output folder)."""
    return cache_dir / f"stamp-{hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]}.json"


def write_stamp(path: Path, out_dir: Path, stamp: str, files: Iterable[str], summary: Mapping[str, object]) -> None:
    """Record the files the build generated (each one's size and modification time) under
    `stamp`. Like the cache, a record that cannot be written only makes the next build work."""
    write_json_cache(path, {"stamp": stamp, "files": _stats(out_dir, sorted(files)), **summary})


def _replace(path: Path, data: bytes) -> bool:
    """Put `data` in place of `path` atomically (a cache file: one that cannot be written only
    makes the next build do more). Whether it was written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


def read_stamp(path: Path, out_dir: Path, stamp: str, notes: CacheNotes | None = None) -> dict[str, Any] | None:
    """The last build's record when it was made under `stamp` and every file it wrote is still
    there, untouched; otherwise None (the build runs)."""
    record = read_json_cache(path, notes)
    if record is None:
        return None
    if (
        not isinstance(record, dict)
        or not isinstance(record.get("stamp"), str)
        or not isinstance(record.get("files"), dict)
    ):
        note_damaged(notes, path, "not a record of a build")
        return None
    if record["stamp"] != stamp:
        return None
    if _stats(out_dir, list(record["files"])) != record["files"]:
        return None
    return record


def site_stamp(root: Path, docs_dir: Path, code: str, generated: Iterable[str]) -> str:
    """A hash of what every page of the site depends on besides its own Markdown: the code, the
    MkDocs and Material versions, mkdocs.yml, themes.yml (the navigation), the templates and
    theme overrides, and the hand-written files in docs/ (everything but `generated` and
    dotfiles). While it holds, a page whose Markdown did not change is the same page."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{code}\0{version('mkdocs')}\0{version('mkdocs-material')}".encode())
    owned = {name.rstrip("/") for name in generated}
    inputs = [(root, root / "mkdocs.yml"), (root, root / "themes.yml")]
    inputs += [(root, p) for p in sorted((root / "templates").rglob("*")) if p.is_file()]
    for top in sorted(docs_dir.iterdir()) if docs_dir.is_dir() else ():
        if top.name not in owned and not top.name.startswith("."):
            found = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
            inputs += [(docs_dir, p) for p in found]
    for base, path in inputs:  # named relative to where they are: the same however the paths were given
        with contextlib.suppress(OSError):
            digest.update(b"\0" + str(path.relative_to(base)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


SITE_SKIP = ("pagefind",)  # what site records and copies leave out: the search bundles, rebuilt from their cache


def _tree_stats(root: Path, skip: Iterable[str] = SITE_SKIP) -> dict[str, list[int]]:
    """Each file's [size, mtime_ns] by relative path, top-level folders in `skip` left out."""
    found = {}
    for folder, dirs, names in os.walk(root):
        if folder == str(root):
            dirs[:] = [d for d in dirs if d not in skip]
        for name in names:
            path = os.path.join(folder, name)
            st = os.stat(path)
            found[os.path.relpath(path, root)] = [st.st_size, st.st_mtime_ns]
    return found


def site_record_file(cache_dir: Path, site_dir: Path) -> Path:
    """Where the record of the last MkDocs build into `site_dir` is kept (one per site folder)."""
    return cache_dir / f"site-{hashlib.sha256(str(site_dir.resolve()).encode()).hexdigest()[:16]}.json"


def site_as_recorded(path: Path, site_dir: Path, stamp: str) -> bool:
    """Whether `site_dir` holds exactly what the last build recorded in `path` left there (each
    file's size and modification time) and that build was made under `stamp`."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return bool(record.get("stamp") == stamp and record.get("files") == _tree_stats(site_dir))
    except (OSError, ValueError, AttributeError):
        return False


def record_site(path: Path, site_dir: Path, stamp: str) -> None:
    _replace(path, json.dumps({"stamp": stamp, "files": _tree_stats(site_dir)}).encode())


def clear_dir(folder: Path) -> None:
    """Empty `folder` (made when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for child in folder.iterdir():
        remove(child)


def remove(path: Path) -> None:
    """Remove `path`: a folder with all it holds, or a file or link; nothing when it is missing."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def copy_site(site_dir: Path, staging: Path) -> None:
    """A copy of a built site into `staging` (replaced), the SITE_SKIP folders left out, made of
    hard links: the same files, so their modification times are kept (a --dirty build compares
    them with the pages' sources) and nothing is copied. A build into `staging` must therefore
    never write into one of its files in place: the hook removes each file the build will write
    before MkDocs writes it (mkdocs_hook._unlink_rewritten), so the published site's files
    keep their bytes until the staging folder takes its place."""
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(
        site_dir,
        staging,
        ignore=lambda folder, _: set(SITE_SKIP) if Path(folder) == site_dir else set(),
        copy_function=link_or_copy,
    )


def link_or_copy(src: str, dst: str) -> None:
    """Hard-link `src` as `dst` (the same bytes, no copy); copy it across devices."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def remove_unlisted(site_dir: Path, listed: set[str]) -> list[str]:
    """Remove the files under `site_dir` that are not `listed` (relative paths; the SITE_SKIP
    folders aside): what a --dirty build leaves of pages that no longer exist."""
    gone = sorted(rel for rel in _tree_stats(site_dir) if rel not in listed)
    for rel in gone:
        (site_dir / rel).unlink()
    _remove_empty_dirs(site_dir, {(site_dir / rel).parent for rel in gone})
    return gone


def code_fingerprint() -> str:
    """A hash of the generator's own source: a cache made by other code is not reused."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


def load_cache(path: Path, code: str, notes: CacheNotes | None = None) -> BuildCache:
    """The build cache at `path`, or an empty one when it is missing, stale or damaged (noted)."""
    try:
        with open(path, "rb") as handle:
            return read_cache(handle, code)
    except FileNotFoundError:
        pass
    except OSError as exc:
        note_damaged(notes, path, exc.strerror or "unreadable")
    except DamagedCache as exc:
        note_damaged(notes, path, str(exc))
    return BuildCache(code)


def save_cache(path: Path, cache: BuildCache) -> None:
    """Write the cache atomically; one that cannot be written only slows the next build."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            write_cache(handle, cache)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def record_written(state: BuildState, out_dir: Path) -> None:
    """Note in the state where its build wrote and each keyed file's size and modification
    time, by which the next build tells that a file is still as this one wrote it."""
    state.out_dir = str(out_dir.resolve())
    state.written = _stats(out_dir, [*state.page_keys, *ARCHIVE_FILES])


def as_written(state: BuildState, out_dir: Path) -> tuple[dict[str, str], tuple[bytes, bytes] | None]:
    """The keys of the state's pages that are on disk as its build wrote them, and its archive
    files when they are."""
    if state.out_dir != str(out_dir.resolve()):
        return {}, None
    now = _stats(out_dir, list(state.written))
    same = {path for path, stat in now.items() if stat == state.written[path]}
    known = {path: key for path, key in state.page_keys.items() if path in same}
    archive = None
    if all(path in same for path in ARCHIVE_FILES):
        with contextlib.suppress(OSError, ValueError):
            archive = (_mapped(out_dir / ARCHIVE_FILES[0]), _mapped(out_dir / ARCHIVE_FILES[1]))
    return known, archive


def _mapped(path: Path) -> bytes:
    """A file's bytes, mapped rather than read: the build copies only the parts it keeps. (The
    mapping stays valid when the writer replaces the file: it keeps the old one's data.)"""
    with open(path, "rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)  # type: ignore[return-value]


class StateSaver:
    """Saves a build's state while the writer writes its files, into `path` with two kinds of
    files beside it: its papers a month per file, and the texts of its grouping's items.

    On `start`, a forked process (see processes.in_background) writes the months not stored yet
    (new or changed, under names made from their content) and the texts of new items, and
    pickles the state into a temporary file. `finish` adds where the build wrote and the stats
    of what it wrote (see record_written) and puts the state file in place; then the files no
    state names any more are removed. A state that cannot be written only makes the next build
    cold."""

    def __init__(self, path: Path, state: BuildState) -> None:
        self.path, self.state = path, state
        self.folder = months_folder(path)
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._prepared: Callable[[], set[str] | None] | None = None

    def start(self) -> StateSaver:
        self._prepared = in_background(self._prepare, None, "saving the build state")
        return self

    def _prepare(self, _: object) -> set[str] | None:
        """The names of the files beside the state that it names; None when it was not saved."""
        state, folder = self.state, self.folder
        months = state.store.unstored()
        index = state.index
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, blob in months.items():
                if not (folder / name).exists() and not _replace(folder / name, blob):
                    raise OSError(f"cannot write {name}")
            if index.pending:
                # The items' texts: appended to the last state's file (what it names stays as
                # it was), or a new file after a cold build.
                texts_file = index.texts_file or f"items-{uuid.uuid4().hex}.bin"
                with open(folder / texts_file, "ab") as handle:
                    at = handle.seek(0, os.SEEK_END)
                    offsets = []
                    for record in index.pending:
                        offsets.append(at)
                        at += len(record)
                    handle.write(b"".join(index.pending))
                index.texts_stored(texts_file, offsets)
            state.store.stored(months)
            with open(self.tmp, "wb") as handle:
                write_state(handle, state)  # without what `finish` adds: the writer is still writing
        except OSError:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            return None
        return state.store.names() | {index.texts_file}

    def finish(self, out_dir: Path) -> None:
        assert self._prepared is not None, "start() first"
        try:
            keep = self._prepared()
        except (RuntimeError, OSError, pickle.PicklingError):  # the worker died: no state, a cold build next
            keep = None
        if keep is None:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            return
        record_written(self.state, out_dir)
        try:
            with open(self.tmp, "ab") as handle:
                write_written(handle, self.state)
            os.replace(self.tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            return  # the last state stays, and the files it names
        for stale in self.folder.iterdir():
            if stale.name not in keep and not stale.name.startswith("."):
                with contextlib.suppress(OSError):
                    stale.unlink()


def save_state(path: Path, state: BuildState, out_dir: Path) -> None:
    """StateSaver, all at once."""
    StateSaver(path, state).start().finish(out_dir)


def months_folder(state_path: Path) -> Path:
    return state_path.with_name(state_path.stem + "-papers")


def load_state(path: Path, key: str, notes: CacheNotes | None = None) -> BuildState | None:
    """The last build's state when it was made under `key` (the same code and theme config;
    pipeline.extend checks the rest), or None (also when it is damaged: then noted). Its
    papers are read a month at a time, when the build needs them."""
    try:
        with open(path, "rb") as handle:
            state = read_state(handle, key)
    except FileNotFoundError:
        return None
    except OSError as exc:
        note_damaged(notes, path, exc.strerror or "unreadable")
        return None
    except DamagedCache as exc:
        note_damaged(notes, path, str(exc))
        return None
    if state is None:
        return None
    folder = months_folder(path)
    state.store.reader = lambda name: (folder / name).read_bytes()
    state.index.reader = functools.partial(_read_record, folder)
    return state


def _read_record(folder: Path, name: str, at: int) -> bytes:
    """One item's text record from the state's texts file (see incremental.GroupIndex)."""
    with open(folder / name, "rb") as handle:
        handle.seek(at)
        head = handle.read(RECORD_HEAD_SIZE)
        size = record_size(head)
        if at + size > os.fstat(handle.fileno()).st_size:  # a damaged head: do not allocate what it says
            raise ValueError("a record runs past the end of its file")
        return head + handle.read(size - len(head))


def add_dump(raw: Path, dumps_dir: Path, name: str) -> tuple[Path, bool]:
    """Copy `raw` to dumps_dir/name. Returns (path, copied); refuses to replace a different file."""
    try:
        data = raw.read_bytes()
    except OSError as exc:
        raise DumpError(display(raw), None, f"cannot read: {exc.strerror}", "check the path") from None
    dumps_dir.mkdir(parents=True, exist_ok=True)
    target = dumps_dir / name
    if target.exists():
        if target.read_bytes() == data:
            return target, False
        raise DumpError(
            display(target),
            None,
            "a different dump already has this name",
            "pass another --date, or name a second dump of the day YYYY-MM-DD-2.txt",
        )
    tmp = target.with_name(f".{name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target, True


def append_text(path: Path, text: str) -> None:
    """Append to a report file someone else owns (the CI job summary); one that cannot be
    written is not the build's failure."""
    with contextlib.suppress(OSError), open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def raw_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DumpError(display(path), None, f"cannot read: {exc.strerror}", "check the path") from None


# Set by `digest site` for the MkDocs hook: the file where the hook names the search bundles it
# left in the published site instead of linking them into the staging folder (swap_dir moves them).
HAND_OVER_ENV = "DIGEST_HAND_OVER"


def swap_dir(staging: Path, target: Path, handed_over: Sequence[str] = ()) -> None:
    """Put a freshly built folder in place of `target` with two renames; the old one is removed.
    `handed_over` names folders (relative paths) of `target` that the new folder takes as they
    are: each is renamed into `staging` just before the swap. All are checked first, so that
    either all move or none (a missing one raises, `target` untouched)."""
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    moves = [(target / rel, staging / rel) for rel in handed_over]
    for source, destination in moves:
        if not source.is_dir() or destination.exists() or not destination.parent.is_dir():
            raise OSError(f"cannot take {source} into {destination}")
    with _signals_deferred():
        for source, destination in moves:
            os.replace(source, destination)
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
