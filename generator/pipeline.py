"""The build: dumps + config -> {path: bytes}. Pure; wires the stages together.

read dumps -> parse -> dedupe -> assign themes -> render pages and feeds -> (the writer writes)
"""

from __future__ import annotations

import bisect
import functools
import gc
import gzip
import hashlib
import itertools
import json
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import jinja2

from .config import Config
from .dedupe import cold_grouper, dedupe_grouped, merge, new_papers, with_id
from .errors import DigestError, Problem, Warning_
from .feeds import feed_links, render_feeds_of
from .incremental import GroupIndex, group_entries
from .models import Brief, DumpFile, Entry, Paper, Sighting, newest_first
from .parse import parse_dump
from .render import PageCache, pages_showing, render_site
from .theme_model import Scored, ThemeModel, override_examples
from .themes import ThemeConfig

ARCHIVE_PATH = "data/papers.json"
# Folders and files under the docs folder that the build owns (git-ignored, rewritten by builds).
GENERATED = ("index.md", "archive.md", "stats.md", "archive/", "days/", "themes/", "feeds/", "data/")

EMPTY_SITEMAP = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n'
)
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class BuildCache:
    """Parsed dumps and theme assignments from earlier builds, keyed by hashes of everything they
    depend on (the generator's code, the dump bytes, the theme config, the paper's text), so
    using the cache never changes the output; it only skips work. A build keeps what it used."""

    code: str  # fingerprint of the generator's source: other code, other cache
    parsed: dict[str, tuple[list[Entry], list[Warning_]]] = field(default_factory=dict)
    themes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    used_parsed: set[str] = field(default_factory=set)  # keys this build looked up
    used_themes: set[str] = field(default_factory=set)

    def _key(self, *parts: str | bytes, base: Any = None) -> str:
        digest = base.copy() if base is not None else self._hasher()
        for part in parts:
            digest.update(b"\x00" + (part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")))
        return digest.hexdigest()[:40]

    def _hasher(self, *parts: str) -> Any:
        """A hash of the code and `parts`, to be copied and extended per item."""
        digest = hashlib.sha256(self.code.encode())
        for part in parts:
            digest.update(b"\x00" + part.encode("utf-8", "surrogatepass"))
        return digest

    def pruned(self) -> BuildCache:
        """Only what this build used: the next one starts from it."""
        return BuildCache(
            self.code,
            {k: v for k, v in self.parsed.items() if k in self.used_parsed},
            {k: v for k, v in self.themes.items() if k in self.used_themes},
            hits=self.hits,
            misses=self.misses,
        )


class MissingMonth(LookupError):
    """A month of papers the state names can no longer be read (its file is gone)."""


class PaperStore:
    """Every paper of a build, kept by month of first_seen and pickled a month at a time: the
    next day's build unpickles only the months whose papers it shows in full (the new day's,
    the re-sighted papers', the feeds'), and pickles again only the months that changed.

    A pickled month has a name made from its content. The writer stores each one as a file of
    its own (see files.StateSaver), so saving the state after a day writes only the months that
    changed, and `reader` reads a stored month back; months not yet stored travel with the
    store when it is pickled."""

    def __init__(self, papers: Iterable[Paper] = ()) -> None:
        self._loaded: dict[str, dict[str, Paper]] = {}  # month -> paper id -> paper
        self._names: dict[str, str] = {}  # month -> the name of its pickle, while it is unchanged
        self._pending: dict[str, bytes] = {}  # name -> pickle, of the months not stored yet
        self.reader: Callable[[str], bytes] | None = None  # a stored month's pickle by its name
        self.put(papers)

    def _month(self, month: str) -> dict[str, Paper]:
        found = self._loaded.get(month)
        if found is None:
            name = self._names.get(month)
            blob = self._pending.get(name) if name else None
            if name and blob is None:
                try:
                    blob = self.reader(name) if self.reader else None
                except OSError:
                    blob = None
                if blob is None:
                    raise MissingMonth(month)
            found = self._loaded[month] = {p.id: p for p in pickle.loads(blob)} if blob else {}
        return found

    def get(self, paper: Brief | Paper) -> Paper:
        return self._month(month_key(paper.first_seen))[paper.id]

    def full(self, briefs: Iterable[Brief]) -> list[Paper]:
        return [self.get(brief) for brief in briefs]

    def put(self, papers: Iterable[Paper]) -> None:
        """Add papers, or replace them by id (a paper stays in its month: first_seen is fixed)."""
        for paper in papers:
            month = month_key(paper.first_seen)
            self._month(month)[paper.id] = paper
            self._names.pop(month, None)

    def unstored(self) -> dict[str, bytes]:
        """The pickles (by name) of the months not stored yet: the changed ones."""
        with no_gc_pauses():
            for month, members in sorted(self._loaded.items()):
                if month not in self._names:
                    blob = pickle.dumps(list(members.values()), pickle.HIGHEST_PROTOCOL)
                    name = f"{month}-{hashlib.blake2b(blob, digest_size=12).hexdigest()}"
                    self._names[month], self._pending[name] = name, blob
        return dict(self._pending)

    def stored(self, names: Iterable[str]) -> None:
        """These pickles are stored now: the store pickles their names only."""
        for name in names:
            self._pending.pop(name, None)

    def names(self) -> set[str]:
        return set(self._names.values())

    def __getstate__(self) -> dict[str, Any]:
        self.unstored()
        return {"names": dict(sorted(self._names.items())), "pending": self._pending}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._loaded, self._names, self._pending, self.reader = {}, state["names"], state["pending"], None


@dataclass
class BuildState:
    """The last build's papers and grouping, for `extend`. Valid for one code and theme config."""

    key: str  # state_key(): the code, the theme config and the overrides it was made with
    dumps: list[tuple[str, str]]  # (name, dump_key) of every dump, in build order
    index: GroupIndex
    ids: dict[int, str]  # group root -> paper id
    briefs: list[Brief]  # of every paper, newest first_seen first, then by id
    store: PaperStore
    entries: int
    warnings: list[Warning_]
    digests: dict[str, bytes]  # paper id -> paper_digest()
    seen_dumps: set[str]  # the dumps with at least one sighting
    theme_model: ThemeModel | None = None  # fitted on the labels and the pinned papers' texts
    # What the build wrote, for the next one to keep what it need not redo: the key of each
    # day and theme-month page and archive month, and (set by the writer) where the files
    # are and each one's size and modification time, to tell that they are still as written.
    page_keys: dict[str, str] = field(default_factory=dict)
    page_salt: str = ""  # what the page keys were made with (PageCache.salt)
    chunks: dict[str, Chunk] = field(default_factory=dict)
    out_dir: str = ""
    written: dict[str, list[int]] = field(default_factory=dict)  # path -> [size, mtime_ns]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # As columns: pickle does a list of strings in C, a named tuple in Python (7x slower).
        state["briefs"] = [list(column) for column in zip(*self.briefs, strict=True)]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.briefs = list(map(Brief._make, zip(*state["briefs"], strict=True)))


def state_key(code: str, config: Config) -> str:
    return hashlib.sha256(f"{code}\0{config.themes!r}\0{sorted(config.overrides.items())!r}".encode()).hexdigest()


def dump_key(code: str, dump: DumpFile) -> str:
    """A dump's identity for the state: its name, where errors say it is, its bytes, the code."""
    digest = hashlib.sha256(f"{code}\0{dump.name}\0{dump.path}\0".encode())
    digest.update(dump.sha256)
    return digest.hexdigest()


@dataclass
class BuildResult:
    files: dict[str, bytes]
    briefs: list[Brief]  # of every paper, newest first_seen first, then by id
    store: PaperStore  # the papers in full
    entries: int
    dumps_seen: int  # dumps with at least one sighting
    warnings: list[Warning_] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    cache: BuildCache | None = None  # what the next build can reuse
    state: BuildState | None = None  # what the next day's build can extend
    kept: set[str] = field(default_factory=set)  # files not in `files`: as the last build wrote them

    @property
    def papers(self) -> list[Paper]:
        """Every paper in full, in the briefs' order (loads every month: for tests and tools)."""
        return self.store.full(self.briefs)


def parse_all(
    dumps: Sequence[DumpFile], progress: Progress | None = None, cache: BuildCache | None = None
) -> tuple[list[Entry], list[Warning_]]:
    """Parse every dump; every unusable dump is reported at once."""
    entries: list[Entry] = []
    warnings: list[Warning_] = []
    problems: list[Problem] = []
    for n, dump in enumerate(dumps, 1):
        key = cache._key("parse", dump.name, dump.path, dump.sha256) if cache else ""
        if cache:
            cache.used_parsed.add(key)
        try:
            if cache and key in cache.parsed:
                found, more = cache.parsed[key]
                cache.hits += 1
            else:
                found, more = parse_dump(dump)
                if cache:
                    cache.parsed[key] = (found, more)
                    cache.misses += 1
        except DigestError as exc:
            problems.extend(exc.problems)
        else:
            entries.extend(found)
            warnings.extend(more)
        if progress:
            progress("parse", n, len(dumps))
    if problems:
        raise DigestError(problems)
    return entries, warnings


def _archive_row(p: Paper) -> bytes:
    row = {
        "id": p.id,
        "title": p.title,
        "abstract": p.abstract,
        "first_seen": p.first_seen.isoformat(),
        "last_seen": p.last_seen.isoformat(),
        "published": p.published.isoformat() if p.published else None,
        "authors_count": p.authors_count,
        "organization": p.organization,
        "upvotes": p.upvotes,
        "themes": list(p.themes),
        "sightings": [
            {"dump": s.dump, "date": s.date.isoformat(), "position": s.position, "line": s.line} for s in p.sightings
        ],
    }
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


ARCHIVE_HEAD = b'{"papers":[\n'
ARCHIVE_TAIL = b"\n]}\n"


@dataclass(frozen=True)
class Chunk:
    """One month of the archive (papers first seen that month), as it lies in the two files."""

    key: str
    raw: tuple[int, int]  # (offset, length) in data/papers.json
    gz: tuple[int, int]  # ... and the gzip member in data/papers.json.gz


def archive_files(
    briefs: Sequence[Brief],
    full: Callable[[Sequence[Brief]], list[Paper]],
    digests: Mapping[str, bytes],
    known: Mapping[str, Chunk] | None = None,
    previous: tuple[bytes, bytes] | None = None,
    changed_months: set[str] | None = None,
) -> tuple[bytes, bytes, dict[str, Chunk]]:
    """The machine-readable archive and its gzipped copy, built a month at a time.

    papers.json: newest first_seen first, then by id (the order of `briefs`), one paper per
    line (readable, diffable, far smaller and faster than indented JSON); missing values null.
    The .gz is one gzip member per month (a valid gzip file: it unzips to papers.json), so a
    month whose papers did not change is taken from the previous files (`previous`, where
    `known` says it lies) instead of being encoded and compressed again, and its papers are
    not loaded (`full` gives a month's papers in full). With `changed_months` (the next day:
    the months of papers that changed or came), the other months are not even looked at.
    Level 1: a fifth of the size for a tenth of level 6's time; mtime=0: reproducible."""
    months: list[tuple[str, Sequence[Brief] | None]]
    if changed_months is not None and known and previous:
        months = [(month, None) for month in sorted(known.keys() | changed_months, reverse=True)]
        oldest_before = min(known)
    else:
        months = [(month, list(ms)) for month, ms in itertools.groupby(briefs, lambda b: month_key(b.first_seen))]
        changed_months, oldest_before = None, ""
    raw_parts: list[bytes | memoryview] = [ARCHIVE_HEAD]
    gz_parts: list[bytes | memoryview] = [gzip.compress(ARCHIVE_HEAD, compresslevel=1, mtime=0)]
    # Views, not slices: the unchanged months are copied once, into the new files.
    before = (memoryview(previous[0]), memoryview(previous[1])) if previous else None
    raw_at, gz_at = len(raw_parts[0]), len(gz_parts[0])
    chunks: dict[str, Chunk] = {}
    for n, (month, members) in enumerate(months):
        last = n == len(months) - 1
        old = known.get(month) if known and before else None
        if (
            changed_months is not None
            and old is not None
            and month not in changed_months
            and last == (month == oldest_before)
        ):
            key = old.key  # the same papers, still (or still not) the last month
        else:
            members = members if members is not None else _month_of(briefs, month)
            digest = hashlib.blake2b(f"{month}\0{last}".encode(), digest_size=16)
            digest.update(b"".join([digests[brief.id] for brief in members]))
            key = digest.hexdigest()
        raw: bytes | memoryview
        gz: bytes | memoryview
        if old is not None and before is not None and old.key == key:
            raw = before[0][old.raw[0] : old.raw[0] + old.raw[1]]
            gz = before[1][old.gz[0] : old.gz[0] + old.gz[1]]
        else:
            assert members is not None
            raw = b",\n".join(map(_archive_row, full(members))) + (b"" if last else b",\n")
            gz = gzip.compress(raw, compresslevel=1, mtime=0)
        chunks[month] = Chunk(key, (raw_at, len(raw)), (gz_at, len(gz)))
        raw_parts.append(raw)
        gz_parts.append(gz)
        raw_at += len(raw)
        gz_at += len(gz)
    raw_parts.append(ARCHIVE_TAIL)
    gz_parts.append(gzip.compress(ARCHIVE_TAIL, compresslevel=1, mtime=0))
    return b"".join(raw_parts), b"".join(gz_parts), chunks


def _month_of(briefs: Sequence[Brief], month: str) -> Sequence[Brief]:
    """The briefs first seen in `month` ("2026-11"): a slice of `briefs`, which come newest first."""
    first = date.fromisoformat(month + "-01")
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    newest = bisect.bisect_left(briefs, -(after.toordinal() - 1), key=_descending_day)
    return briefs[newest : bisect.bisect_left(briefs, -(first.toordinal() - 1), key=_descending_day)]


def _descending_day(brief: Brief) -> int:
    return -brief.first_seen.toordinal()


@functools.cache
def month_key(day: date) -> str:
    """ "2026-11" (cached: strftime for each of 100,000 papers was a visible cost)."""
    return f"{day:%Y-%m}"


def paper_digest(p: Paper) -> bytes:
    """A digest of every field of a paper: what pages and the archive show of it."""
    sightings = "\1".join(f"{s.dump}\2{s.date}\2{s.position}\2{s.line}" for s in p.sightings)
    text = (
        f"{p.id}\0{p.title}\0{p.abstract}\0{p.first_seen}\0{p.last_seen}\0{p.published}\0{p.authors_count}\0"
        f"{p.organization}\0{p.upvotes}\0{'|'.join(p.themes)}\0{sightings}"
    )
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """The build allocates millions of small objects that live until it ends; the cyclic garbage
    collector would scan them again and again for nothing (it cost a third of a large build).
    It is off while papers are built, and sees only new objects while pages are rendered.
    (Pickling or unpickling the build state is the same case: files.py uses it there.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _collect_only_new_objects() -> None:
    """From here on, collections skip everything that exists now (the papers): only the
    short-lived objects of rendering, some in reference cycles, are collected."""
    gc.freeze()
    gc.enable()


def build(
    dumps: Sequence[DumpFile],
    config: Config,
    loader: jinja2.BaseLoader,
    *,
    progress: Progress | None = None,
    cache: BuildCache | None = None,
) -> BuildResult:
    """Everything the docs folder should hold, computed in memory; nothing is written here."""
    with no_gc_pauses():
        return _build(dumps, config, loader, progress, cache)


def _can_fork() -> bool:
    """fork is quick and needs no importable __main__; it is only safe with no other threads."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


# Below this many papers to assign, worker processes cost more than they save.
PARALLEL_MIN_PAPERS = 4000


def _score_texts(job: tuple[ThemeConfig, list[tuple[str, str]]]) -> Scored:
    config, texts = job
    return Scored.of(texts, config)


def assign_texts(texts: list[tuple[str, str]], model: ThemeModel) -> list[tuple[str, ...]]:
    """Themes for each (title, abstract), in order. Each depends only on its own text, so a large
    batch is scored (rules, embedding) over the machine's cores; the result is the same either way."""
    workers = min(os.cpu_count() or 1, 8)
    config = model.config
    if len(texts) < PARALLEL_MIN_PAPERS or workers < 2 or not _can_fork():
        return model.assign(_score_texts((config, texts)))
    size = -(-len(texts) // (workers * 4))
    jobs = [(config, texts[i : i + size]) for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        chunks = pool.map(_score_texts, jobs)
        model.fitted  # noqa: B018  (the model is fitted here while the workers score)
        return model.assign(Scored.concat(list(chunks), len(config.themes)))


def _themes(papers: list[Paper], config: Config, cache: BuildCache | None, model: ThemeModel) -> list[Paper]:
    """Papers with their themes: computed from each paper's own text (or reused), then pins."""
    texts = [(p.title, p.abstract) for p in papers]
    if cache is None:
        assigned = assign_texts(texts, model)
    else:
        base = cache._hasher("themes", model.fingerprint)
        keys = [cache._key(title, abstract, base=base) for title, abstract in texts]
        cache.used_themes.update(keys)
        missing = [i for i, key in enumerate(keys) if key not in cache.themes]
        for i, themes in zip(missing, assign_texts([texts[i] for i in missing], model), strict=True):
            cache.themes[keys[i]] = themes
        assigned = [cache.themes[key] for key in keys]
    return [
        replace(paper, themes=config.overrides.get(paper.id) or themes)
        for paper, themes in zip(papers, assigned, strict=True)
    ]


class _Laps:
    """Seconds per stage, for the benchmark."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self.clock
        self.clock = now


def _build(
    dumps: Sequence[DumpFile],
    config: Config,
    loader: jinja2.BaseLoader,
    progress: Progress | None,
    cache: BuildCache | None,
) -> BuildResult:
    lap = _Laps()
    if cache is not None:
        cache.hits = cache.misses = 0  # counted per build
        cache.used_parsed, cache.used_themes = set(), set()
    entries, warnings = parse_all(dumps, progress, cache)
    lap("parse")
    grouper = cold_grouper(entries)
    papers, ids = dedupe_grouped(grouper)
    lap("dedupe")
    model = ThemeModel(config.themes, override_examples(papers, config.overrides))
    papers = _themes(papers, config, cache, model)  # on every core
    lap("themes")
    # The grouping's compact form for the next day's build, made beside rendering (one core).
    index = (
        in_background(GroupIndex.from_grouper, grouper, "building the grouping index") if cache is not None else None
    )
    del grouper
    briefs = [Brief.of(p) for p in papers]
    store = PaperStore(papers)
    digests = {p.id: paper_digest(p) for p in papers}
    seen_dumps = {s.dump for p in papers for s in p.sightings}
    state = None
    if cache is not None:
        state = BuildState(
            state_key(cache.code, config),
            [(d.name, dump_key(cache.code, d)) for d in dumps],
            GroupIndex(),  # below
            ids,
            briefs,
            store,
            len(entries),
            list(warnings),
            digests,
            seen_dumps,
            model,
        )
    lap("state")
    _collect_only_new_objects()
    files, kept = _render(briefs, store, digests, dumps, config, loader, state, {}, None, None)
    lap("render")
    if state is not None and index is not None:
        state.index = index()
        lap("index")
    if cache is not None:
        cache = cache.pruned()
    return BuildResult(files, briefs, store, len(entries), len(seen_dumps), warnings, lap.timings, cache, state, kept)


def in_background(fn: Callable[[Any], Any], arg: Any, what: str) -> Callable[[], Any]:
    """fn(arg) in a forked process (its result, or its exception, comes back pickled); call the
    returned function for the result. Inline when forking is not safe (other threads) or not
    available."""
    if not _can_fork():
        done = fn(arg)
        return lambda: done
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send((True, fn(arg)))
        except BaseException as exc:  # raised again in the parent
            try:
                send.send((False, exc))
            except Exception:  # one that does not pickle
                send.send((False, f"{type(exc).__name__}: {exc}"))

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()

    def result() -> Any:
        try:
            ok, value = receive.recv()
        except EOFError:
            ok, value = False, f"the worker process ended with code {process.exitcode}"
        finally:
            process.join()
            receive.close()
        if not ok:
            raise value if isinstance(value, BaseException) else RuntimeError(f"{what} failed: {value}")
        return value

    return result


@dataclass(frozen=True)
class Changed:
    """What the next day changed, so that the rest is not looked at again: the keyed pages
    whose keys may change (render.pages_showing) and the months of papers that changed or came."""

    pages: set[str]
    months: set[str]


def _render(
    briefs: list[Brief],
    store: PaperStore,
    digests: Mapping[str, bytes],
    dumps: Sequence[DumpFile],
    config: Config,
    loader: jinja2.BaseLoader,
    state: BuildState | None,
    known: Mapping[str, str],
    previous_archive: tuple[bytes, bytes] | None,
    changed: Changed | None,
) -> tuple[dict[str, bytes], set[str]]:
    """Every generated file, but those the page cache keeps (returned as the second value)."""
    theme_pairs = [(t.id, t.name) for t in config.themes.themes]
    last_build = max((d.day for d in dumps), default=date(1970, 1, 1))
    # The feeds (a fixed amount of work, most of a small build's) on another core.
    feeds = in_background(
        lambda _: render_feeds_of(briefs, store.full, theme_pairs, config.site, last_build), None, "rendering the feeds"
    )
    files: dict[str, bytes] = {}
    if briefs:
        # Material fetches a sitemap.xml beside every <link rel="alternate"> in a page head (for
        # language versions); without these, each feed link costs readers a 404.
        files["feeds/sitemap.xml"] = files["feeds/themes/sitemap.xml"] = EMPTY_SITEMAP
    links = feed_links(theme_pairs) if briefs else []
    cache = None
    if state is not None:
        cache = PageCache(state.key, digests, known)
        if changed is not None and state.page_salt:  # the next day: keys of pages that did not change
            cache.reuse = {p: k for p, k in state.page_keys.items() if p not in changed.pages}
            cache.reuse_salt = state.page_salt
    files.update(render_site(briefs, store.full, config.themes, config.site, links, loader, cache))
    archive_chunks = state.chunks if state is not None else None
    changed_months = changed.months if changed is not None else None
    raw, gz, chunks = archive_files(briefs, store.full, digests, archive_chunks, previous_archive, changed_months)
    files[ARCHIVE_PATH], files[ARCHIVE_PATH + ".gz"] = raw, gz
    files.update(feeds())
    if state is not None and cache is not None:
        state.chunks = chunks
        state.page_keys, state.page_salt = cache.keys, cache.salt
    return files, cache.kept if cache is not None else set()


def extend(
    state: BuildState,
    dumps: Sequence[DumpFile],
    config: Config,
    loader: jinja2.BaseLoader,
    code: str,
    known: Mapping[str, str] | None = None,
    previous_archive: tuple[bytes, bytes] | None = None,
) -> BuildResult | None:
    """The build of `dumps` from the last one's state, when `dumps` are its dumps plus later
    days (see generator/incremental.py); None when that is not the case (build cold then).

    `known` gives the key of each page file that is on disk as the last build wrote it, and
    `previous_archive` that build's two archive files: what did not change is not redone. The
    result is the one a cold build gives: tests/test_incremental.py holds it to that."""
    with no_gc_pauses():
        try:
            return _extend(state, dumps, config, loader, code, known or {}, previous_archive)
        except MissingMonth:
            return None  # a month of the state's papers is gone from the cache


def _extend(
    state: BuildState,
    dumps: Sequence[DumpFile],
    config: Config,
    loader: jinja2.BaseLoader,
    code: str,
    known: Mapping[str, str],
    previous_archive: tuple[bytes, bytes] | None,
) -> BuildResult | None:
    lap = _Laps()
    if state.key != state_key(code, config) or len(dumps) < len(state.dumps):
        return None
    earlier = len(state.dumps)
    if [(d.name, dump_key(code, d)) for d in dumps[:earlier]] != state.dumps:
        return None
    new_dumps = dumps[earlier:]
    entries, warnings = parse_all(new_dumps)
    lap("parse")
    by_name = {d.name: d for d in dumps}
    parsed: dict[str, list[Entry]] = {}

    def load(dump: str, position: int) -> Entry:
        if dump not in parsed:
            parsed[dump] = parse_dump(by_name[dump])[0]
        entry = parsed[dump][position - 1]
        assert entry.position == position, (dump, position)
        return entry

    joined = state.index.add(entries, load)
    if joined is None:
        return None
    ids = dict(state.ids)
    seen_again = {ids[root] for root in joined if root in ids}
    briefs_by_id = {brief.id: brief for brief in state.briefs if brief.id in seen_again} if seen_again else {}
    old = {ids[root]: state.store.get(briefs_by_id[ids[root]]) for root in joined if root in ids}
    known_sightings = {root: [(s.dump, s.position) for s in old[ids[root]].sightings] for root in joined if root in ids}
    groups = group_entries(joined, known_sightings, load)
    changed = [with_id(merge(g), ids[root]) for root, g in groups.items() if root in ids]
    if any(p.first_seen != old[p.id].first_seen for p in changed):
        return None  # cannot happen with later days only; the store keeps a paper in its month
    fresh_groups = {root: g for root, g in groups.items() if root not in ids}
    fresh = []
    for root, paper in new_papers(fresh_groups, set(ids.values())):
        ids[root] = paper.id
        fresh.append(paper)
    lap("dedupe")
    # Themes depend only on a paper's text: a re-sighted paper whose text did not change keeps them.
    same_text = {p.id for p in changed if (p.title, p.abstract) == (old[p.id].title, old[p.id].abstract)}
    same_themes = [replace(p, themes=old[p.id].themes) for p in changed if p.id in same_text]
    to_theme = [p for p in changed if p.id not in same_text] + fresh
    if state.theme_model is None or any(p.id in config.overrides for p in to_theme):
        return None  # a pinned paper's text is new: the model learns from it, so all is redone
    updated = same_themes + _themes(to_theme, config, None, state.theme_model)
    new_briefs = {p.id: Brief.of(p) for p in updated}
    briefs = [new_briefs.pop(b.id, b) for b in state.briefs]  # re-sighted: same place
    fresh_briefs = sorted(new_briefs.values(), key=newest_first)
    if fresh_briefs and briefs and newest_first(fresh_briefs[-1]) > newest_first(briefs[0]):
        briefs = sorted(briefs + fresh_briefs, key=newest_first)  # not later days (not reached)
    else:
        briefs = fresh_briefs + briefs  # the new days' papers are the newest
    store = state.store
    store.put(updated)
    lap("themes")
    digests = dict(state.digests)
    for paper in updated:
        digests[paper.id] = paper_digest(paper)
    new_state = BuildState(
        state.key,
        state.dumps + [(d.name, dump_key(code, d)) for d in new_dumps],
        state.index,
        ids,
        briefs,
        store,
        state.entries + len(entries),
        state.warnings + warnings,
        digests,
        state.seen_dumps | {e.dump for e in entries},
        state.theme_model,
        page_keys=state.page_keys,
        page_salt=state.page_salt,
        chunks=state.chunks,
    )
    # The pages whose keys may change: those showing a paper that changed or came (as it was
    # and as it is), the new days' and the last day's before them (its "next" link).
    pages = pages_showing(
        [Brief.of(p) for p in updated] + [Brief.of(old[p.id]) for p in changed],
        [d.day for d in new_dumps] + [d.day for d in dumps[earlier - 1 : earlier]],
    )
    _collect_only_new_objects()
    files, kept = _render(
        briefs,
        store,
        digests,
        dumps,
        config,
        loader,
        new_state,
        known,
        previous_archive,
        Changed(pages, {month_key(p.first_seen) for p in updated}),
    )
    lap("render")
    return BuildResult(
        files,
        briefs,
        store,
        new_state.entries,
        len(new_state.seen_dumps),
        new_state.warnings,
        lap.timings,
        None,
        new_state,
        kept,
    )


def papers_from_archive(archive: dict[str, object]) -> list[Paper]:
    """papers.json -> Paper objects (for commands that read the last build)."""

    def day(value: object) -> date | None:
        return date.fromisoformat(str(value)) if value else None

    rows = archive.get("papers")
    papers = []
    for row in rows if isinstance(rows, list) else []:
        papers.append(
            Paper(
                id=row["id"],
                title=row["title"],
                abstract=row["abstract"],
                first_seen=date.fromisoformat(row["first_seen"]),
                last_seen=date.fromisoformat(row["last_seen"]),
                published=day(row.get("published")),
                authors_count=row.get("authors_count"),
                organization=row.get("organization"),
                upvotes=row.get("upvotes"),
                sightings=tuple(
                    Sighting(s["dump"], date.fromisoformat(s["date"]), s["position"], s["line"])
                    for s in row.get("sightings", [])
                ),
                themes=tuple(row.get("themes", [])),
            )
        )
    return papers
