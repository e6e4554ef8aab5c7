"""Search: one Pagefind record per paper, in bundles of a month or a half-year, cached by content.

What a reader gets: every paper is its own result (title, day, themes and a snippet of its
abstract), filterable by theme and year and listed by relevance or newest first; a query that
finds nothing offers its slips as the papers spell them (`pagefind/words.json`, site_words).
The search script (docs/javascripts/search.js) loads `pagefind/bundles.json`, opens the first
bundle and merges the others into it (one pagefind.js and one WebAssembly for all), and asks
one bundle at a time through the filter "part" each bundle's records get. Pagefind's index is
chunked: a reader downloads the small entry files once and, per query, only the chunks and
records that query needs.

The records come from the archive the generator wrote (`data/papers.json`, one paper a line,
newest first) and each points at the paper's anchor on the day page that holds it (read from
the day pages, so the link is where the page really put the paper). They are sent to
`pagefind --service` (the binary of the `pagefind-bin` wheel) over its documented pipe
protocol: base64 JSON messages ending in a comma. The `pagefind` package speaks the same
protocol but polls for each answer every 0.1 s, which would take hours for 100,000 papers;
here the records stream in while a second thread reads the answers.

Why these bundles (bundle_lines): indexing costs about 1.5 ms of CPU a paper, so a new day must
index few papers again: its month's (the months of the current half-year are bundles of their
own) and those of a bundle whose records changed (a record holds nothing a mere re-sighting
changes, and a paper revised after its half-year ended is indexed again in the REVISED bundle
alone, its half-year's record staying as it was). Every bundle adds its own index chunk, some 20 KB, to each
query's download, so the half-years before are one bundle each (about 11,000 papers at 60 a
day), at most PART_SIZE papers: Pagefind holds about 90 KB per paper while it indexes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from .files import link_or_copy, remove
from .pagefind_files import canonicalize, payload

BUNDLES_FILE = "bundles.json"
REVISED = "revised"  # the bundle of the papers revised after their half-year's bundle was made
# Papers per bundle at most: Pagefind holds about 90 KB per paper while it indexes, and every
# bundle adds its own index chunk to each query's download.
PART_SIZE = 12_000
# Bumped when what a record holds (or a bundle's files) changes, so cached bundles of the old
# shape are rebuilt.
RECORD_FORMAT = "paper-record-7"
WORDS_FILE = "words.json"  # the archive's words, commonest first: search.js's "Did you mean" (site_words)
# The words a suggestion may offer: those of at least SUGGESTED_MIN_PAPERS papers (a word of one
# paper is as likely a misspelling as the reader's), the commonest SUGGESTED_MAX_WORDS of them.
SUGGESTED_MIN_PAPERS = 2
SUGGESTED_MAX_WORDS = 60_000
# Pagefind's own search interfaces, written into every bundle: search.js imports pagefind.js
# and never these, some 450 KB a bundle; nor the worker (search.js asks for noWorker) or the
# WebAssembly for pages of no known language (a bundle's one language is "en"), some 110 KB.
_UNUSED_FILES = (
    "pagefind-worker.js",
    "wasm.unknown.pagefind",
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)
_DAY_PAGE = re.compile(r"^days/(\d{4}-\d{2})-\d{2}")
_ANCHOR_ID = re.compile(rb'\sid="([^"]+)"')
_FIRST_SEEN = re.compile(rb'"first_seen": ?"(\d{4}-\d{2})')
_EARLIER = b',"earlier":'  # the last field of an archive line, when the paper was revised (archive._archive_row)


def _pagefind_version() -> str:
    try:
        return version("pagefind_bin")
    except PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class PaperRecord:
    """What Pagefind indexes and returns for one paper."""

    url: str  # relative to the site root: days/2026-11-19/#paper-id
    content: str  # title, then the abstract: the words a query is matched against
    meta: dict[str, str]  # title
    filters: dict[str, list[str]]  # theme (every theme of the paper), date
    sort: dict[str, str]  # date

    def payload(self, index_id: int, language: str) -> dict[str, Any]:
        return {
            "type": "AddRecord",
            "index_id": index_id,
            "url": self.url,
            "content": self.content,
            "language": language,
            "meta": self.meta,
            "filters": self.filters,
            "sort": self.sort,
        }


def paper_record(
    paper: Mapping[str, Any], url: str, theme_names: Mapping[str, str], revised: bool = False
) -> PaperRecord:
    """A paper of data/papers.json as a search record; `theme_names` maps theme id -> name.

    Pagefind matches a query against the content and every meta field, so the meta holds the
    title alone (a theme's name or a date there would make a paper match words it does not
    hold). What a result shows besides travels as filters, which are returned, not searched.

    No upvotes: they change with every sighting, and a record that changed would index its
    whole bundle again (see record_material); the day page a result links to shows them.

    A paper revised after its half-year ended (its line has "earlier") has two records: the
    half-year's bundle holds what it showed then, never to change, and the REVISED bundle
    (`revised`) what it shows now, with its year as a filter (that bundle holds every year's);
    bundles.json tells the search to skip the first (SearchIndex.finish)."""
    if not revised and paper.get("earlier"):
        paper = {**paper, **paper["earlier"]}
    themes = [theme_names.get(t, t) for t in paper["themes"]]
    date = str(paper["first_seen"])
    filters = {"theme": themes, "date": [date]}
    if revised:
        filters["year"] = [date[:4]]
    text = f"{paper['title']}\n{paper['abstract']}"
    meta = {"title": paper["title"]}
    joined = joined_words(text)
    if joined:
        meta["words"] = " ".join(joined)
    return PaperRecord(
        url=url,
        # The title's own line, so a result can show the abstract alone (search.js drops it).
        content=text,
        meta=meta,
        filters=filters,
        # One sort key only: each costs every reader a list of all papers before the first query.
        sort={"date": date},
    )


# A part of a longer token (between its punctuation) whose case changes inside: "OpenCausaLab"
# in "github.com/OpenCausaLab/SelfConsciousness".
_TOKEN_PART = re.compile(r"[^\W_]+")
_CASE_CHANGE = re.compile(r"[a-z][A-Z]")


def joined_words(text: str) -> list[str]:
    """The words Pagefind does not index whole: a part of a token with punctuation (a link, a
    repository's name) whose case changes inside is indexed only in pieces ("open", "causa",
    "lab"), so a reader's "OpenCausaLab" found nothing. Lower case, sorted, once each; the
    record's "words" meta field holds them, and meta fields are searched like the content."""
    found: set[str] = set()
    for token in text.split():
        parts = _TOKEN_PART.findall(token)
        if len(parts) > 1:
            found.update(part.lower() for part in parts if _CASE_CHANGE.search(part))
    return sorted(found)


# A word a suggestion may correct or offer: four letters or more, no digit (search.js, suggestion).
_WORD = re.compile(r"[^\W\d_]{4,}")


def word_counts(contents: Iterable[str]) -> dict[str, int]:
    """Word (lower case) -> how many of the records of these contents (title and abstract) hold it."""
    counts: dict[str, int] = {}
    for content in contents:
        for word in set(_WORD.findall(content.lower())):
            counts[word] = counts.get(word, 0) + 1
    return counts


def site_words(counts: Iterable[Mapping[str, int]]) -> list[str]:
    """The words a "Did you mean" may offer, from each bundle's word_counts: those of at least
    SUGGESTED_MIN_PAPERS papers in all, commonest first (then in alphabetical order), at most
    SUGGESTED_MAX_WORDS. search.js offers, for a word of a query that found nothing, the first
    of them within one or two letters' change."""
    total: dict[str, int] = {}
    for bundle in counts:
        for word, n in bundle.items():
            total[word] = total.get(word, 0) + n
    common = [(-n, word) for word, n in total.items() if n >= SUGGESTED_MIN_PAPERS]
    return [word for _, word in sorted(common)[:SUGGESTED_MAX_WORDS]]


def bundle_lines(lines: Iterable[bytes]) -> Iterator[tuple[str, list[str], list[bytes]]]:
    """(bundle name, its months, its paper lines) from the lines of data/papers.json (one paper
    a line, newest first_seen first), a bundle at a time, so no more than one bundle's lines are
    in memory. Nothing is parsed: the month is read from the line's "first_seen" key (inside a
    JSON string every quote is escaped, so that text can only be the key itself).

    The bundles have boundaries that do not move as days are added: a month each ("2026-06")
    in the half-year of the newest paper, a half-year each ("2025-h2") before it. A new day
    then indexes its month again, not its year (a paper revised after its half-year ended
    leaves that bundle as it was: see paper_record). On a half-year's first day the last one's
    months become one bundle (the one day in six months that indexes half a year)."""
    newest = ""  # the half-year whose months are bundles of their own
    group = ""
    months: list[str] = []
    found: list[bytes] = []
    for line in lines:
        line = line.strip().rstrip(b",")
        if not line.startswith(b"{") or line.startswith(b'{"papers"'):
            continue
        match = _FIRST_SEEN.search(line)
        month = match.group(1).decode() if match else str(json.loads(line)["first_seen"])[:7]
        newest = newest or _half(month)  # the newest paper's
        name = month if _half(month) == newest else _half(month)
        if name != group and found:
            yield group, months, found
            months, found = [], []
        group = name
        if not months or months[-1] != month:
            months.append(month)
        found.append(line)
    if found:
        yield group, months, found


def _half(month: str) -> str:
    """ "2026-06" -> "2026-h1", "2026-07" -> "2026-h2"."""
    return f"{month[:4]}-h{1 if month[5:7] <= '06' else 2}"


def record_material(line: bytes, revised: bool = False) -> bytes:
    """The part of an archive line (archive._archive_row) that a search record is made of: its
    id, title, abstract, first_seen and themes, without the fields that a later sighting
    changes while the record stays as it was (the titles seen, last_seen, published, authors,
    organisation, upvotes, sightings). The whole line when its fields are not found in that
    order (a superset: a bundle indexed again, never a stale one). Inside a JSON string every
    quote is escaped, so `,"name":` can only be the field itself.

    A revised paper's record in its half-year's bundle is made of what it showed then (its
    "earlier"): the same bytes as its line gave before the revision, so that bundle's key
    stays. `revised`: the material of its record in the REVISED bundle (what it shows now)."""
    if not revised and _EARLIER in line:
        line = _as_it_was(line)
    titles = line.find(b',"titles":')
    abstract = line.find(b',"abstract":', titles)
    cut = line.find(b',"last_seen":', abstract)
    themes = line.find(b',"themes":', cut)
    end = line.find(b',"sightings":', themes)
    if min(titles, abstract, cut, themes, end) < 0:
        return line
    return line[:titles] + line[abstract:cut] + line[themes:end]


def _as_it_was(line: bytes) -> bytes:
    """A revised paper's archive line as it was before the revision: its title, abstract and
    themes those of its "earlier", encoded as archive._archive_row encodes (only the fields
    that record_material keeps need to match)."""
    paper = json.loads(line)
    earlier = paper.pop("earlier")
    paper.update(title=earlier["title"], abstract=earlier["abstract"], themes=earlier["themes"])
    return json.dumps(paper, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def bundle_key(
    lines: Sequence[bytes],
    anchors: Mapping[str, list[str]],
    theme_names: Mapping[str, str],
    language: str,
    revised: bool = False,
) -> str:
    """What a bundle is cached under: everything its records are made of (the record's part of
    each of its archive lines, the anchors of its day pages, where the links are read from, and
    the theme names), with the Pagefind version, the record format and the language. Computed
    without parsing a line: a bundle in the cache costs a hash."""
    key = hashlib.sha256(f"{_pagefind_version()}\0{RECORD_FORMAT}\0{language}\0".encode())
    key.update(json.dumps(dict(theme_names), sort_keys=True).encode("utf-8"))
    for line in lines:
        key.update(b"\0" + record_material(line, revised))
    key.update(b"\1" + json.dumps(anchors, sort_keys=True).encode("utf-8"))  # not their order on a page
    return key.hexdigest()[:20]


def anchors_by_page(pages: Sequence[tuple[str, Path]]) -> dict[str, list[str]]:
    """id -> URLs of the pages (given as (URL, source file)) that hold an element with that id."""
    found: dict[str, list[str]] = {}
    for url, path in pages:
        for anchor in _ANCHOR_ID.findall(path.read_bytes()):  # bytes: a large archive's pages in a second
            found.setdefault(anchor.decode("utf-8"), []).append(url)
    return found


def paper_url(paper: Mapping[str, Any], anchors: Mapping[str, list[str]]) -> str:
    """The paper's anchor on the day page of its first sighting (or the only page holding it)."""
    pages = anchors.get(paper["id"], [])
    first_day = f"days/{paper['first_seen']}"
    url = next((u for u in pages if u.startswith(first_day)), pages[0] if pages else None)
    if url is None:
        raise RuntimeError(f"paper {paper['id']} ({paper['first_seen']}) has no anchor on any day page")
    return f"{url}#{paper['id']}"


# --- pagefind --service ------------------------------------------------------------------------


def _encode(message_id: int, payload: Mapping[str, Any]) -> bytes:
    message = {"message_id": message_id, "payload": payload}
    return base64.b64encode(json.dumps(message, ensure_ascii=False).encode("utf-8")) + b","


def _responses(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """The service's answers: base64 JSON messages, each ending in a comma (the bundle's files
    come as one message of many megabytes, so the buffer is scanned only where it grew)."""
    pending = bytearray()
    scanned = 0
    while chunk := stream.read1(1 << 20):  # type: ignore[attr-defined]
        pending += chunk
        while (end := pending.find(b",", scanned)) >= 0:
            message = bytes(pending[:end]).strip()
            del pending[: end + 1]
            scanned = 0
            if message:
                yield json.loads(base64.b64decode(message))
        scanned = len(pending)


def _executable() -> str:
    from pagefind_bin import get_executable  # type: ignore[import-untyped]

    return str(get_executable())


def write_bundle(
    records: Sequence[PaperRecord],
    language: str,
    out: Path,
    log: IO[bytes],
    started: Callable[[subprocess.Popen[bytes]], None] = lambda process: None,
) -> None:
    """Index `records` with one `pagefind --service` process and write the bundle to `out`.
    `started` is given the process (to kill it when the build is cancelled).

    The files come back in the answer (GetFiles) and are written here: with WriteFiles the
    service answers before its writes reach the disk, and ending it then can leave a file
    empty."""
    process = subprocess.Popen([_executable(), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
    started(process)
    assert process.stdin is not None and process.stdout is not None
    answers = _responses(process.stdout)
    try:
        process.stdin.write(_encode(1, {"type": "NewIndex", "config": {"force_language": language}}))
        process.stdin.flush()
        index_id = _expect(next(answers, None), "NewIndex")["index_id"]
        failed: list[BaseException] = []

        def send() -> None:  # beside the reader: answers fill the pipe while records go in
            try:
                stdin = process.stdin
                assert stdin is not None
                for n, record in enumerate(records):
                    stdin.write(_encode(n + 2, record.payload(index_id, language)))
                stdin.write(_encode(len(records) + 2, {"type": "GetFiles", "index_id": index_id}))
                stdin.flush()
            except OSError as exc:  # the service died; the reader reports why
                failed.append(exc)

        sender = threading.Thread(target=send, name="pagefind-send", daemon=True)
        sender.start()
        for _ in records:
            _expect(next(answers, None), "IndexedFile")
        files = _expect(next(answers, None), "GetFiles")["files"]
        sender.join()
        if failed:
            raise RuntimeError(f"pagefind stopped reading: {failed[0]}")
        for file in files:
            target = out / file["path"]
            if not target.resolve().is_relative_to(out.resolve()):
                raise RuntimeError(f"pagefind returned a file outside the bundle: {file['path']}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(file["content"]))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _expect(answer: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    if answer is None:
        raise RuntimeError("pagefind --service ended without an answer")
    payload: dict[str, Any] = answer.get("payload", {})
    if payload.get("type") != kind:
        raise RuntimeError(f"pagefind --service answered {payload.get('type')}: {payload.get('message', payload)}")
    return payload


# --- the bundles of a build ----------------------------------------------------------------------


class SearchIndex:
    """Builds the bundles in background threads; `finish` puts them into a site.

    `start` is given the archive (data/papers.json), the day pages as (source path below docs,
    URL, source file), and the theme names by id. The bundles are those of bundle_lines, each
    split into parts of at most PART_SIZE papers when it has more. While
    MkDocs builds, one Pagefind runs at a time beside it; once MkDocs is done (`finish`), a
    second one takes the bundles not started yet."""

    def __init__(self, cache_dir: Path, language: str) -> None:
        self.cache_dir = cache_dir
        self.language = language
        self._themes: list[str] = []
        self._threads: list[threading.Thread] = []
        self._error: str | None = None
        self._bundles: dict[str, Path] = {}  # bundle name -> finished bundle in the cache
        self._order: list[str] = []  # bundle names, newest papers first
        self._parts: Iterator[tuple[str, Path, list[PaperRecord] | None]] = iter(())
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._processes: set[subprocess.Popen[bytes]] = set()
        self.handed_over: list[str] = []  # bundles `finish` left in the published site (see there)
        # Each revised paper's URL with the parts of its half-year's bundle: their records of it are skipped.
        self._revised: list[tuple[str, list[str]]] = []

    def start(self, archive: Path, pages: Sequence[tuple[str, str, Path]], theme_names: Mapping[str, str]) -> None:
        by_month: dict[str, list[tuple[str, Path]]] = {}
        for src_uri, url, path in pages:
            match = _DAY_PAGE.match(src_uri)
            if match:
                by_month.setdefault(match.group(1), []).append((url, path))
        self._themes = list(theme_names.values())
        self._parts = self._read(archive, by_month, dict(theme_names))
        self._worker()

    def _read(
        self, archive: Path, pages: dict[str, list[tuple[str, Path]]], theme_names: dict[str, str]
    ) -> Iterator[tuple[str, Path, list[PaperRecord] | None]]:
        """(bundle name, its cache folder, records) a bundle at a time, newest first (see
        bundle_lines), one split into equal parts of at most PART_SIZE ("2025-h2-1" the newest)
        when it has more. A bundle in the cache (see bundle_key) comes without records: none of
        its lines is parsed."""
        revised: list[tuple[bytes, dict[str, Any]]] = []  # the papers revised after their half-year
        revised_urls: dict[str, list[str]] = {}  # their ids -> [their record's URL]
        with open(archive, "rb") as stream:
            for group, months, lines in bundle_lines(stream):
                anchors = anchors_by_page(sorted(page for month in months for page in pages.get(month, [])))
                key = bundle_key(lines, anchors, theme_names, self.language)
                count = -(-len(lines) // PART_SIZE)
                names = [group if count == 1 else f"{group}-{n + 1}" for n in range(count)]
                self._order.extend(names)
                for line in lines:
                    if _EARLIER in line:
                        paper = json.loads(line)
                        revised.append((line, paper))
                        revised_urls[paper["id"]] = [paper_url(paper, anchors)]
                        self._revised.append((revised_urls[paper["id"]][0], names))
                bundles = [self.cache_dir / f"{name}-{key}" for name in names]
                if all(_complete(bundle) for bundle in bundles):
                    yield from ((name, bundle, None) for name, bundle in zip(names, bundles, strict=True))
                    continue
                papers = [json.loads(line) for line in lines]
                records = [paper_record(p, paper_url(p, anchors), theme_names) for p in papers]
                del papers, anchors, lines
                for n, (name, bundle) in enumerate(zip(names, bundles, strict=True)):
                    yield name, bundle, records[n * len(records) // count : (n + 1) * len(records) // count]
        if revised:  # one bundle (a few papers a week): revising one indexes these again
            key = bundle_key([line for line, _ in revised], revised_urls, theme_names, self.language, revised=True)
            self._order.append(REVISED)
            bundle = self.cache_dir / f"{REVISED}-{key}"
            if _complete(bundle):
                yield REVISED, bundle, None
            else:
                yield (
                    REVISED,
                    bundle,
                    [paper_record(p, revised_urls[p["id"]][0], theme_names, True) for _, p in revised],
                )

    def _worker(self) -> None:
        thread = threading.Thread(target=self._run, name="pagefind", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _run(self) -> None:
        try:
            while not self._cancelled.is_set() and self._error is None:
                with self._lock:
                    part = next(self._parts, None)
                if part is None:
                    return
                name, bundle, records = part
                if records is not None:
                    self._write(name, bundle, records)
                self._bundles[name] = bundle
        except Exception as exc:  # reported by finish(), in the build's own thread
            self._error = f"{type(exc).__name__}: {exc}"

    def _write(self, name: str, bundle: Path, records: list[PaperRecord]) -> None:
        """Index `records` into the cache folder `bundle` (replaced whole, never half-written)."""
        if (bundle / "pagefind-entry.json").is_file():
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=self.cache_dir) as work:
            out = Path(work) / "bundle"
            with open(Path(work) / "log", "w+b") as log:
                try:
                    write_bundle(records, self.language, out, log, started=self._started)
                except RuntimeError as exc:
                    log.seek(0)
                    output = log.read().decode("utf-8", "replace").strip()
                    raise RuntimeError(f"pagefind failed on the {name} papers: {exc} {output}".strip()) from None
            canonicalize(out)
            for unused in _UNUSED_FILES:
                remove(out / unused)
            _urls_file(bundle).write_text(json.dumps(fragments_by_url(out), sort_keys=True), encoding="utf-8")
            _words_file(bundle).write_text(
                json.dumps(word_counts(r.content for r in records), sort_keys=True), encoding="utf-8"
            )
            if bundle.exists():
                shutil.rmtree(bundle)
            os.replace(out, bundle)

    def finish(self, site_dir: Path, published: Path | None = None) -> bool:
        """Wait for the bundles, copy them to site_dir/pagefind/<name>/ and list them (newest
        first) with the theme names a reader can filter by, in pagefind/bundles.json. False,
        and the site untouched, when the index was cancelled.

        `published` (the published site's pagefind folder, when site_dir is a staging folder
        that will take the published site's place): a bundle it holds already (the same files)
        is left out, named in `self.handed_over`, for the swap to move into site_dir
        (files.swap_dir): a rename instead of a hundred thousand links made and removed."""
        if self._threads and self._threads[0].is_alive() and not self._cancelled.is_set():
            self._worker()  # MkDocs is done: its core can index too
        for thread in list(self._threads):
            thread.join()
        if self._cancelled.is_set():
            return False
        if self._error:
            raise RuntimeError(self._error)
        out = site_dir / "pagefind"
        out.mkdir(parents=True, exist_ok=True)
        self.handed_over = []
        for name in self._order:  # a bundle already in place (the same files) stays
            bundle = _inodes(self._bundles[name])
            if published is not None and _inodes(published / name) == bundle:
                remove(out / name)
                self.handed_over.append(name)
            elif _inodes(out / name) != bundle:
                remove(out / name)
                shutil.copytree(self._bundles[name], out / name, copy_function=link_or_copy)
        for stale in sorted(set(os.listdir(out)) - set(self._order)):
            remove(out / stale)
        listing = {"bundles": [f"{name}/" for name in self._order], "themes": self._themes, "skip": self._skipped()}
        (out / BUNDLES_FILE).write_text(json.dumps(listing, ensure_ascii=False) + "\n", encoding="utf-8")
        words = site_words(_bundle_words(self._bundles[name]) for name in self._order)
        (out / WORDS_FILE).write_text(json.dumps({"words": words}, ensure_ascii=False) + "\n", encoding="utf-8")
        keep = {f.name for b in self._bundles.values() for f in (b, _urls_file(b), _words_file(b))}
        for old in self.cache_dir.iterdir() if self.cache_dir.is_dir() else ():
            if old.name not in keep and not old.name.startswith("."):
                with contextlib.suppress(OSError):
                    remove(old)
        return True

    def _skipped(self) -> dict[str, str]:
        """Bundle name -> the fragments (Pagefind's result ids, without the language: "en_")
        of its records that the REVISED bundle replaces, space-separated and sorted."""
        urls: dict[str, dict[str, str]] = {}
        skipped: dict[str, list[str]] = {}
        for url, names in self._revised:
            for name in names:
                if name not in urls:
                    file = _urls_file(self._bundles[name])
                    try:
                        urls[name] = json.loads(file.read_text(encoding="utf-8"))
                    except (OSError, ValueError):  # damaged: read again from the bundle's own files
                        urls[name] = fragments_by_url(self._bundles[name])
                        file.write_text(json.dumps(urls[name], sort_keys=True), encoding="utf-8")
                if url in urls[name]:
                    skipped.setdefault(name, []).append(urls[name][url].split("_", 1)[-1])
                    break
            else:
                raise RuntimeError(f"no search record of {url} in the bundles {', '.join(names)}")
        return {name: " ".join(sorted(ids)) for name, ids in skipped.items()}

    def _started(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._processes.add(process)
            if self._cancelled.is_set():
                process.kill()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled.set()
            for process in self._processes:
                if process.poll() is None:
                    process.kill()
        for thread in list(self._threads):
            thread.join()


def _urls_file(bundle: Path) -> Path:
    """Beside a bundle in the cache: its fragment by URL (never published)."""
    return bundle.with_name(bundle.name + ".urls.json")


def _words_file(bundle: Path) -> Path:
    """Beside a bundle in the cache: its word_counts (never published; finish merges them)."""
    return bundle.with_name(bundle.name + ".words.json")


def _bundle_words(bundle: Path) -> dict[str, int]:
    """A cached bundle's word_counts, from the file beside it; read again from the bundle's own
    records when that file is missing (a bundle cached before there were suggestions) or damaged."""
    file = _words_file(bundle)
    try:
        counts = json.loads(file.read_text(encoding="utf-8"))
        if isinstance(counts, dict) and all(isinstance(n, int) for n in counts.values()):
            return counts
    except (OSError, ValueError):
        pass
    fragments = sorted((bundle / "fragment").glob("*.pf_fragment"))
    counts = word_counts(str(json.loads(payload(path))["content"]) for path in fragments)
    file.write_text(json.dumps(counts, sort_keys=True), encoding="utf-8")
    return counts


def _complete(bundle: Path) -> bool:
    return (bundle / "pagefind-entry.json").is_file() and _urls_file(bundle).is_file()


def fragments_by_url(bundle: Path) -> dict[str, str]:
    """URL -> the fragment (its file name without .pf_fragment: Pagefind's result id) of each
    record of a written bundle."""
    found = {}
    for path in sorted((bundle / "fragment").glob("*.pf_fragment")):
        found[str(json.loads(payload(path))["url"])] = path.name.removesuffix(".pf_fragment")
    return found


def _inodes(root: Path) -> dict[str, int] | None:
    """Each file's inode number by relative path under `root` (None when it is no folder):
    two trees of the same inodes are the same files, hard links of one another. Read from the
    folders' listings alone (os.scandir), so a bundle of 100,000 files is compared in a blink."""
    found: dict[str, int] = {}
    stack = [("", str(root))]
    try:
        while stack:
            prefix, folder = stack.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((f"{prefix}{entry.name}/", entry.path))
                    else:
                        found[prefix + entry.name] = entry.inode()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return found
