"""The build: dumps + config -> {path: bytes}, computed in memory; the writer (files.py) puts it
on disk. Each stage is a call into its own module:

    read dumps (files) -> parse (parse) -> dedupe (dedupe) -> themes (themes)
    -> render pages (render), feeds (feeds) and the archive (archive) -> (files writes)

`build` runs every stage over every dump. `extend` is the next day's build: it starts from the
last build's state (state.py) and runs the same stages over the new dumps only
(incremental.py groups their sightings), with a result byte-identical to `build`'s. Workers and
no-GC sections come from processes.py.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import jinja2

from .archive import ARCHIVE_PATH, archive_files
from .config import Config
from .dedupe import cold_grouper, dedupe_grouped
from .errors import DigestError, Problem, Warning_
from .feeds import feed_links, render_feeds_of
from .incremental import GroupIndex, extend_grouping
from .models import Brief, DumpFile, Entry, Paper, month_key, paper_digest, with_briefs
from .parse import parse_dump
from .processes import collect_only_new_objects, in_background, no_gc_pauses
from .render import PageCache, pages_showing, render_site
from .state import BuildCache, BuildState, MissingMonth, PaperStore
from .theme_model import ThemeModel, assign_texts, override_examples

# Folders and files under the docs folder that the build owns (git-ignored, rewritten by builds).
GENERATED = ("index.md", "archive.md", "stats.md", "archive/", "days/", "themes/", "feeds/", "data/")

EMPTY_SITEMAP = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n'
)
Progress = Callable[[str, int, int], None]  # (stage, done, total)


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


class _Laps:
    """Seconds per stage, for the benchmark; each finished stage is shown on the progress bar."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.timings: dict[str, float] = {}
        self.clock = time.perf_counter()
        self.progress = progress

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self.clock
        self.clock = now
        if self.progress:
            self.progress(stage, 1, 1)


def parse_all(
    dumps: Sequence[DumpFile], progress: Progress | None = None, cache: BuildCache | None = None
) -> tuple[list[Entry], list[Warning_]]:
    """Parse every dump (or take it from the cache); every unusable dump is reported at once."""
    entries: list[Entry] = []
    warnings: list[Warning_] = []
    problems: list[Problem] = []
    for n, dump in enumerate(dumps, 1):
        try:
            found, more = cache.parsed_dump(dump, parse_dump) if cache else parse_dump(dump)
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


def assign_themes(papers: list[Paper], config: Config, cache: BuildCache | None, model: ThemeModel) -> list[Paper]:
    """Papers with their themes: computed from each paper's own text and the model (or reused
    from the cache, keyed by the model's fingerprint), then pins."""
    earlier = [(p.id, p.earlier) for p in papers if p.earlier is not None]
    texts = [(p.title, p.abstract) for p in papers] + [(e.title, e.abstract) for _, e in earlier]
    assign_many = functools.partial(assign_texts, model=model)
    assigned = cache.themes_of(texts, model.fingerprint, assign_many) if cache else assign_many(texts)
    # What a paper showed before a revision gets the themes that text gets (its search record).
    then = {pid: themes for (pid, _), themes in zip(earlier, assigned[len(papers) :], strict=True)}
    return [
        replace(
            paper,
            themes=config.overrides.get(paper.id) or themes,
            earlier=paper.earlier and replace(paper.earlier, themes=config.overrides.get(paper.id) or then[paper.id]),
        )
        for paper, themes in zip(papers, assigned[: len(papers)], strict=True)
    ]


def _texts(paper: Paper) -> tuple[str, str, tuple[object, str, str] | None]:
    """The texts a paper's themes are assigned from: what it shows and what it showed earlier."""
    earlier = paper.earlier
    return paper.title, paper.abstract, (earlier.until, earlier.title, earlier.abstract) if earlier else None


@no_gc_pauses()
def build(
    dumps: Sequence[DumpFile],
    config: Config,
    loader: jinja2.BaseLoader,
    *,
    progress: Progress | None = None,
    cache: BuildCache | None = None,
) -> BuildResult:
    """Everything the docs folder should hold, computed in memory; nothing is written here."""
    lap = _Laps(progress)
    if cache is not None:
        cache.start()
    entries, warnings = parse_all(dumps, progress, cache)
    lap("parse")
    grouper = cold_grouper(entries)
    papers, ids = dedupe_grouped(grouper)
    lap("dedupe")
    model = ThemeModel(config.themes, override_examples(papers, config.overrides))
    papers = assign_themes(papers, config, cache, model)  # on every core
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
        state = BuildState.of_build(
            cache.code, config, dumps, ids, briefs, store, len(entries), warnings, digests, seen_dumps, model
        )
    lap("state")
    collect_only_new_objects()
    files, kept = _render(briefs, store, digests, dumps, config, loader, state, {}, None, None)
    lap("render")
    if state is not None and index is not None:
        state.index = index()
        lap("index")
    if cache is not None:
        cache = cache.pruned()
    return BuildResult(files, briefs, store, len(entries), len(seen_dumps), warnings, lap.timings, cache, state, kept)


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
    # The feeds (a fixed amount of work, most of a small build's) on another core.
    feeds = in_background(
        lambda _: render_feeds_of(briefs, store.full, theme_pairs, config.site), None, "rendering the feeds"
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
    try:
        return _extend(state, dumps, config, loader, code, known or {}, previous_archive)
    except MissingMonth:
        return None  # a month of the state's papers is gone from the cache or damaged


@no_gc_pauses()
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
    if not state.extends(code, config, dumps):
        return None
    earlier = len(state.dumps)
    new_dumps = dumps[earlier:]
    entries, warnings = parse_all(new_dumps)
    lap("parse")

    def paper_of(ids: set[str]) -> dict[str, Paper]:
        return {brief.id: state.store.get(brief) for brief in state.briefs if brief.id in ids}

    regrouped = extend_grouping(state.index, state.ids, entries, dumps, paper_of, lambda d: parse_dump(d)[0])
    if regrouped is None:
        return None
    old, changed = regrouped.before, regrouped.changed
    lap("dedupe")
    # Themes depend only on a paper's text: a re-sighted paper whose text did not change keeps them.
    same_text = {p.id for p in changed if _texts(p) == _texts(old[p.id])}
    same_themes = [replace(p, themes=old[p.id].themes, earlier=old[p.id].earlier) for p in changed if p.id in same_text]
    to_theme = [p for p in changed if p.id not in same_text] + regrouped.fresh
    if state.theme_model is None or any(p.id in config.overrides for p in to_theme):
        return None  # a pinned paper's text is new: the model learns from it, so all is redone
    updated = same_themes + assign_themes(to_theme, config, None, state.theme_model)
    briefs = with_briefs(state.briefs, [Brief.of(p) for p in updated])
    store = state.store
    store.put(updated)
    lap("themes")
    digests = dict(state.digests)
    for paper in updated:
        digests[paper.id] = paper_digest(paper)
    new_state = state.extended(code, new_dumps, regrouped.ids, briefs, entries, warnings, digests)
    # The pages whose keys may change: those showing a paper that changed or came (as it was
    # and as it is), the new days' and the last day's before them (its "next" link).
    pages = pages_showing(
        [Brief.of(p) for p in updated] + [Brief.of(old[p.id]) for p in changed],
        [d.day for d in new_dumps] + [d.day for d in dumps[earlier - 1 : earlier]],
    )
    collect_only_new_objects()
    months = {month_key(p.first_seen) for p in updated}
    files, kept = _render(
        briefs, store, digests, dumps, config, loader, new_state, known, previous_archive, Changed(pages, months)
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
