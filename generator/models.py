"""The data that flows between stages: frozen dataclasses, no behaviour beyond trivia (the
order of papers, a paper's month and digest)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

from .text import opening


@dataclass(frozen=True)
class DumpFile:
    """One dump as read from disk: its file name, its day (from the name) and raw bytes."""

    name: str  # e.g. "2026-06-10.txt"; shown in errors as dumps/<name>
    day: dt.date
    data: bytes
    display_path: str = ""  # what errors call it, e.g. "dumps/2026-06-10.txt"

    @property
    def path(self) -> str:
        return self.display_path or self.name

    @functools.cached_property
    def sha256(self) -> bytes:
        """The digest of the bytes (computed once: the up-to-date check, the state and the cache
        all identify a dump by it)."""
        return hashlib.sha256(self.data).digest()


@dataclass(frozen=True)
class Entry:
    """One paper sighting as parsed from one dump."""

    dump: str  # dump file name
    date: dt.date  # the dump's day
    position: int  # 1-based position of the entry in its dump
    line: int  # 1-based line number of the entry's title
    title: str
    abstract: str
    authors_count: int | None = None
    organization: str | None = None
    published: dt.date | None = None
    upvotes: int | None = None


@dataclass(frozen=True)
class Sighting:
    dump: str
    date: dt.date
    position: int
    line: int


@dataclass(frozen=True)
class Earlier:
    """What a paper showed at the end of the half-year of its first sighting (its last day, as
    `until`), kept when a later sighting revised it: the half-year's search bundle is made of
    it, so a revision never re-indexes a half-year already over (see generator/search.py)."""

    until: dt.date
    title: str
    abstract: str
    themes: tuple[str, ...] = ()


def half_year_end(day: dt.date) -> dt.date:
    """The last day of the day's half-year: 30 June or 31 December."""
    return dt.date(day.year, 6, 30) if day.month <= 6 else dt.date(day.year, 12, 31)


@dataclass(frozen=True)
class Paper:
    """One distinct paper with every sighting of it, newest metadata, and its themes.

    `title` and `abstract` are the newest complete ones seen (see dedupe.shown); `titles` every
    distinct title it was seen under, in order of first sighting (just `title` when not given);
    `earlier` what it showed when the half-year of its first sighting ended, when a later
    sighting revised that (None for most papers).
    """

    id: str
    title: str
    abstract: str
    first_seen: dt.date
    last_seen: dt.date
    published: dt.date | None
    authors_count: int | None
    organization: str | None
    upvotes: int | None
    sightings: tuple[Sighting, ...]
    themes: tuple[str, ...] = field(default=())
    titles: tuple[str, ...] = field(default=())
    earlier: Earlier | None = None

    def __post_init__(self) -> None:
        if not self.titles:
            object.__setattr__(self, "titles", (self.title,))

    @property
    def days_seen(self) -> tuple[dt.date, ...]:
        if len(self.sightings) == 1:  # most papers: quick, as this runs for every paper on every build
            return (self.sightings[0].date,)
        return tuple(sorted({s.date for s in self.sightings}))


class Brief(NamedTuple):
    """What lists and counts show of a paper (theme pages, the archive, stats, feed selection):
    kept for every paper, so that a build that shows few papers in full (the next day's) need
    not load every abstract. A tuple: a hundred thousand of them unpickle in a blink."""

    id: str
    title: str
    first_seen: dt.date
    themes: tuple[str, ...]
    days_seen: tuple[dt.date, ...]
    position: int  # its place in the listing of its first day (the first sighting's position)
    opening: str  # the first sentence or two of its abstract, as pages show it (text.opening)

    @classmethod
    def of(cls, paper: Paper) -> Brief:
        days = _one_day(paper.first_seen) if len(paper.sightings) == 1 else paper.days_seen
        return cls(
            paper.id,
            paper.title,
            paper.first_seen,
            paper.themes,
            days,
            paper.sightings[0].position if paper.sightings else 0,
            opening(paper.abstract)[0],
        )


@functools.cache
def _one_day(day: dt.date) -> tuple[dt.date]:
    """One tuple for all the papers seen on one day only (most): stored once."""
    return (day,)


def newest_first(paper: Paper | Brief) -> tuple[int, str]:
    """The order of papers everywhere: newest first_seen first, then by id."""
    return (-paper.first_seen.toordinal(), paper.id)


def with_briefs(briefs: list[Brief], updated: list[Brief]) -> list[Brief]:
    """`briefs` (in the order of newest_first) with `updated` in place of the briefs of the same
    ids, and the others among `updated` (the new days' papers) before them."""
    by_id = {b.id: b for b in updated}
    kept = [by_id.pop(b.id, b) for b in briefs]  # re-sighted: same place (first_seen is fixed)
    fresh = sorted(by_id.values(), key=newest_first)
    if fresh and kept and newest_first(fresh[-1]) > newest_first(kept[0]):
        return sorted(kept + fresh, key=newest_first)  # not later days (not reached by the next day)
    return fresh + kept


@functools.cache
def month_key(day: dt.date) -> str:
    """ "2026-11" (cached: strftime for each of 100,000 papers was a visible cost)."""
    return f"{day:%Y-%m}"


def paper_digest(p: Paper) -> bytes:
    """A digest of every field of a paper: what pages and the archive show of it."""
    sightings = "\1".join(f"{s.dump}\2{s.date}\2{s.position}\2{s.line}" for s in p.sightings)
    text = (
        f"{p.id}\0{p.title}\0{p.abstract}\0{p.first_seen}\0{p.last_seen}\0{p.published}\0{p.authors_count}\0"
        f"{p.organization}\0{p.upvotes}\0{'|'.join(p.themes)}\0{sightings}\0{chr(1).join(p.titles)}"
    )
    if p.earlier is not None:
        e = p.earlier
        text += f"\0{e.until}\0{e.title}\0{e.abstract}\0{'|'.join(e.themes)}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass(frozen=True)
class Day:
    """A day with a sighting: the papers first seen that day and those seen again."""

    day: dt.date
    new: tuple[Brief, ...]  # first seen this day, by id
    seen_again: tuple[Brief, ...]  # seen this day, first seen earlier; by id


@dataclass(frozen=True)
class ThemeView:
    """A theme with its papers, as the pages and charts show it."""

    id: str
    name: str
    description: str
    papers: tuple[Brief, ...]  # newest first
    months: tuple[tuple[dt.date, tuple[Brief, ...]], ...]  # (first of month, papers) newest first
    month_pages: bool  # older months have pages of their own
