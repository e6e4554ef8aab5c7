"""Search: a Pagefind index of the papers on the day pages, one bundle per year, cached by content.

What a reader gets: the search page loads `pagefind/bundles.json`, mounts Pagefind's UI on the
newest year's bundle and merges the others into it, so one query searches every year. Pagefind's
index is chunked: a reader downloads the small entry files once and, per query, only the chunks
and result fragments that query needs, however large the archive.

Why a bundle per year: Pagefind holds everything it indexes in memory (about 2.3 MB per day page
of ~55 papers), so one index of five years would need over 4 GB; a year needs under 1 GB. A
year's bundle is cached under the key of what it indexes, so a new day re-indexes only its year.

Pagefind reads a mirror of the day pages that holds exactly what it would index on the built
pages (the title and the paper blocks, at the same URLs), written from the generated Markdown.
That lets indexing run beside MkDocs' own build instead of after it.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .render import RAW_BLOCK

BUNDLES_FILE = "bundles.json"
# Look-up links are not content: left out of the mirror (a tenth less for Pagefind to read) and,
# should a page hold others, excluded.
EXCLUDE_SELECTORS = ".digest-lookup"
_LOOKUP_LINE = re.compile(r'^<p class="digest-lookup">.*\n', re.M)
_DAY_PAGE = re.compile(r"^days/(\d{4})-\d{2}-\d{2}\.md$")
_TITLE = re.compile(r"\A---\n(?:.*\n)*?title: (.*)\n")


def _pagefind_version() -> str:
    try:
        return version("pagefind_bin")
    except PackageNotFoundError:
        return "unknown"


def front_matter_title(source: str) -> str | None:
    match = _TITLE.match(source)
    return match.group(1).strip() if match else None


def mirror_page(title: str, language: str, sections: Sequence[str]) -> str:
    """The page Pagefind indexes in place of a built day page: its title and paper blocks."""
    title = html.escape(title)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><h1>{title}</h1>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


class SearchIndex:
    """Builds the per-year bundles in a background thread; `finish` puts them into a site.

    `pages` are (source path below docs, built page path below the site, source file) for every
    page; the day pages among them are indexed. While MkDocs builds, one Pagefind runs at a
    time, beside it; once MkDocs is done (`finish`), a second one takes the years not started."""

    def __init__(self, cache_dir: Path, language: str) -> None:
        self.cache_dir = cache_dir
        self.language = language
        self._threads: list[threading.Thread] = []
        self._error: str | None = None
        self._bundles: dict[str, Path] = {}  # year -> finished bundle in the cache
        self._years: list[tuple[str, list[tuple[str, Path]]]] = []  # not started yet, newest first
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._processes: set[subprocess.Popen[bytes]] = set()

    def start(self, pages: Sequence[tuple[str, str, Path]]) -> None:
        by_year: dict[str, list[tuple[str, Path]]] = defaultdict(list)
        for src_uri, dest_uri, path in pages:
            match = _DAY_PAGE.match(src_uri)
            if match:
                by_year[match.group(1)].append((dest_uri, path))
        self._years = [(year, sorted(by_year[year])) for year in sorted(by_year, reverse=True)]
        self._worker()

    def _worker(self) -> None:
        thread = threading.Thread(target=self._run, name="pagefind", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _run(self) -> None:
        try:
            while not self._cancelled.is_set() and self._error is None:
                with self._lock:
                    if not self._years:
                        return
                    year, pages = self._years.pop(0)
                self._bundles[year] = self._bundle(year, pages)
        except Exception as exc:  # reported by finish(), in the build's own thread
            self._error = f"{type(exc).__name__}: {exc}"

    def _bundle(self, year: str, pages: list[tuple[str, Path]]) -> Path:
        mirror: list[tuple[str, str]] = []
        key = hashlib.sha256(f"{_pagefind_version()}\0{EXCLUDE_SELECTORS}\0{self.language}".encode())
        for dest_uri, path in pages:
            title, sections = read_day_page(path)
            if not sections:
                continue
            text = mirror_page(title, self.language, sections)
            mirror.append((dest_uri, text))
            key.update(b"\0" + dest_uri.encode() + b"\0" + text.encode())
        bundle = self.cache_dir / f"{year}-{key.hexdigest()[:20]}"
        if (bundle / "pagefind-entry.json").is_file():
            return bundle
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{year}-", dir=self.cache_dir) as work:
            site = Path(work) / "site"
            for dest_uri, text in mirror:
                target = site / dest_uri
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            del mirror
            out = Path(work) / "bundle"
            command = [sys.executable, "-m", "pagefind_bin", "--site", str(site), "--output-path", str(out)]
            command += ["--silent", "--exclude-selectors", EXCLUDE_SELECTORS]
            with open(Path(work) / "log", "w+b") as log:
                with self._lock:
                    if self._cancelled.is_set():
                        raise RuntimeError("cancelled")
                    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
                    self._processes.add(process)
                code = process.wait()
                with self._lock:
                    self._processes.discard(process)
                log.seek(0)
                output = log.read().decode("utf-8", "replace").strip()
            if code != 0:
                raise RuntimeError(f"pagefind failed on the {year} pages (exit {code}): {output}")
            if bundle.exists():
                shutil.rmtree(bundle)
            os.replace(out, bundle)
        return bundle

    def finish(self, site_dir: Path) -> None:
        """Wait for the bundles, copy them to site_dir/pagefind/<year>/ and list them."""
        with self._lock:
            more = bool(self._years)
        if more:  # MkDocs is done: its core can index too
            self._worker()
        for thread in list(self._threads):
            thread.join()
        if self._error:
            raise RuntimeError(self._error)
        out = site_dir / "pagefind"
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        years = sorted(self._bundles, reverse=True)
        for year in years:
            shutil.copytree(self._bundles[year], out / year, copy_function=_link_or_copy)
        (out / BUNDLES_FILE).write_text(json.dumps({"bundles": [f"{y}/" for y in years]}) + "\n", encoding="utf-8")
        keep = {b.name for b in self._bundles.values()}
        for old in self.cache_dir.iterdir() if self.cache_dir.is_dir() else ():
            if old.name not in keep and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled.set()
            for process in self._processes:
                if process.poll() is None:
                    process.kill()
        for thread in list(self._threads):
            thread.join()


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link a cached file into the site (the same bytes, no copy); copy across devices."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def read_day_page(path: Path) -> tuple[str, list[str]]:
    """(title, paper sections) of a generated day page, read from its file; without the
    look-up links, which are not indexed."""
    source = path.read_text(encoding="utf-8-sig")
    sections = [_LOOKUP_LINE.sub("", m.group(0)) for m in RAW_BLOCK.finditer(source) if m.group(1) == "section"]
    return front_matter_title(source) or path.stem, sections
