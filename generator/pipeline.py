"""The build: dumps + config -> {path: bytes}. Pure; wires the stages together.

read dumps -> parse -> dedupe -> assign themes -> render pages and feeds -> (the writer writes)
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import jinja2

from .config import Config
from .dedupe import dedupe
from .errors import DigestError, Problem, Warning_
from .feeds import feed_links, render_feeds
from .models import DumpFile, Entry, Paper, Sighting
from .parse import parse_dump
from .render import render_site
from .themes import ThemeConfig, assign

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


@dataclass
class BuildResult:
    files: dict[str, bytes]
    papers: list[Paper]
    entries: int
    warnings: list[Warning_] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    cache: BuildCache | None = None  # what the next build can reuse


def parse_all(
    dumps: Sequence[DumpFile], progress: Progress | None = None, cache: BuildCache | None = None
) -> tuple[list[Entry], list[Warning_]]:
    """Parse every dump; every unusable dump is reported at once."""
    entries: list[Entry] = []
    warnings: list[Warning_] = []
    problems: list[Problem] = []
    for n, dump in enumerate(dumps, 1):
        key = cache._key("parse", dump.name, dump.path, dump.data) if cache else ""
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


def archive_json(papers: Sequence[Paper]) -> bytes:
    """The machine-readable archive: newest first_seen first, then by id; missing values null.

    One paper per line: readable, diffable, and far smaller and faster than indented JSON. Rows
    are encoded one at a time, so a large archive is never held as dicts, text and bytes at once.
    """
    ordered = sorted(papers, key=lambda p: (-p.first_seen.toordinal(), p.id))
    return b'{"papers":[\n' + b",\n".join(map(_archive_row, ordered)) + b"\n]}\n"


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """The build allocates millions of small objects that live until it ends; the cyclic garbage
    collector would scan them again and again for nothing (it cost a third of a large build).
    It is off while papers are built, and sees only new objects while pages are rendered."""
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
    with _no_gc_pauses():
        return _build(dumps, config, loader, progress, cache)


# Below this many papers to assign, worker processes cost more than they save.
PARALLEL_MIN_PAPERS = 4000


def _assign_texts(job: tuple[ThemeConfig, list[tuple[str, str]]]) -> list[tuple[str, ...]]:
    config, texts = job
    return [assign(title, abstract, config).themes for title, abstract in texts]


def assign_texts(texts: list[tuple[str, str]], config: ThemeConfig) -> list[tuple[str, ...]]:
    """Themes for each (title, abstract), in order. Each depends only on its own text, so a large
    batch is split over the machine's cores; the result is the same either way."""
    workers = min(os.cpu_count() or 1, 8)
    # fork is quick and needs no importable __main__; it is only safe with no other threads.
    if len(texts) < PARALLEL_MIN_PAPERS or workers < 2 or threading.active_count() > 1:
        return _assign_texts((config, texts))
    size = -(-len(texts) // (workers * 4))
    jobs = [(config, texts[i : i + size]) for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return [themes for chunk in pool.map(_assign_texts, jobs) for themes in chunk]


def _themes(papers: list[Paper], config: Config, cache: BuildCache | None) -> list[Paper]:
    """Papers with their themes: computed from each paper's own text (or reused), then pins."""
    texts = [(p.title, p.abstract) for p in papers]
    if cache is None:
        assigned = assign_texts(texts, config.themes)
    else:
        base = cache._hasher("themes", repr(config.themes))
        keys = [cache._key(title, abstract, base=base) for title, abstract in texts]
        cache.used_themes.update(keys)
        missing = [i for i, key in enumerate(keys) if key not in cache.themes]
        for i, themes in zip(missing, assign_texts([texts[i] for i in missing], config.themes), strict=True):
            cache.themes[keys[i]] = themes
        assigned = [cache.themes[key] for key in keys]
    return [
        replace(paper, themes=config.overrides.get(paper.id) or themes)
        for paper, themes in zip(papers, assigned, strict=True)
    ]


def _build(
    dumps: Sequence[DumpFile],
    config: Config,
    loader: jinja2.BaseLoader,
    progress: Progress | None,
    cache: BuildCache | None,
) -> BuildResult:
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    if cache is not None:
        cache.hits = cache.misses = 0  # counted per build
        cache.used_parsed, cache.used_themes = set(), set()
    entries, warnings = parse_all(dumps, progress, cache)
    lap("parse")
    papers = dedupe(entries)
    lap("dedupe")
    papers = _themes(papers, config, cache)
    lap("themes")
    _collect_only_new_objects()
    theme_pairs = [(t.id, t.name) for t in config.themes.themes]
    last_build = max((d.day for d in dumps), default=date(1970, 1, 1))
    files: dict[str, bytes] = {}
    files.update(render_feeds(papers, theme_pairs, config.site, last_build))
    if papers:
        # Material fetches a sitemap.xml beside every <link rel="alternate"> in a page head (for
        # language versions); without these, each feed link costs readers a 404.
        files["feeds/sitemap.xml"] = files["feeds/themes/sitemap.xml"] = EMPTY_SITEMAP
    links = feed_links(theme_pairs) if papers else []
    files.update(render_site(papers, config.themes, config.site, links, loader))
    files[ARCHIVE_PATH] = archive_json(papers)
    # What the site publishes: the same archive, compressed (a five-year archive is ~140 MB of
    # JSON). Level 1: a fifth of the size for a tenth of level 6's time. mtime=0: reproducible.
    files[ARCHIVE_PATH + ".gz"] = gzip.compress(files[ARCHIVE_PATH], compresslevel=1, mtime=0)
    lap("render")
    if cache is not None:
        cache = cache.pruned()
    return BuildResult(files, papers, len(entries), warnings, timings, cache)


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
