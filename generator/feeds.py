"""Feeds: papers -> RSS 2.0, Atom and JSON Feed 1.1 bytes, one set per site and per theme, plus OPML.

Pure: papers, themes and site settings in, `{path relative to docs/: bytes}` out. Nothing here reads
the clock, so the same input gives the same bytes on every build. What a reader gets:

- **Whole days, newest first.** A feed holds the papers of its newest days: days are added, newest
  first, until the feed holds at least `feed_items` papers, and a day is never cut (a 250-paper day
  is all in the feed whatever the cap). Within a day, items keep the listing's order: the dump's
  order of the day (its dumps by number, then the position in the dump).
- **An item's time** is noon UTC of the day the paper was first seen, minus one second per paper
  before it in that day's listing: the date holds from UTC-11 to UTC+11 for the first 3,600
  papers of a day, sorting by date keeps the listing's order, and every feed gives a paper the
  same time. (Past 43,199 papers in a day the offset stops growing, so the date holds in UTC.)
- **A GUID belongs to one feed**: `{feed URL}#{paper id}` (RSS guid with isPermaLink="false",
  Atom id, JSON Feed id), so a reader that keys items by GUID across feeds keeps each feed whole,
  and a paper comes once per feed subscribed to. The item link is the paper's permalink, its
  anchor on the page of the day it was first seen.
- **A feed changes only when its items change**: its lastBuildDate / updated is its newest item's
  time (a feed with no items: noon UTC of the archive's first day), never the build's.
- **Titles are text**: Atom titles and subtitles carry type="text"; RSS titles are the literal
  title escaped once for XML (measured with feedparser and newsboat: see tests/test_newsreader.py).
- No papers at all -> no files, so an empty feed never replaces a good one. When there are papers,
  every theme passed in gets its feeds even if it has no papers yet (valid, empty feeds), so the
  links on subscribe pages and in the OPML never point at a missing file.
- The OPML bundles one feed per theme (RSS), and nothing else: importing it gives each paper once
  per theme it is in. The site feed (every paper once) is for readers who want one list; adding it
  to the bundle would show every paper at least twice. With no themes, the OPML holds the site feed.

Every string from a dump is text: titles are escaped by the XML serialiser, and the HTML summary is
built from escaped text and fixed markup only, so nothing from a dump can become an element.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .config import SiteConfig
from .models import Brief, Paper, newest_first
from .render import lookup_links, meta_line, paper_url
from .text import display

GENERATOR = "digest"
RSS_PATH = "feeds/rss.xml"
ATOM_PATH = "feeds/atom.xml"
JSON_PATH = "feeds/feed.json"
OPML_PATH = "feeds/opml.xml"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_TYPE = "application/feed+json"
ATOM_NS = "http://www.w3.org/2005/Atom"

# The last offset a day's item gets: one second before noon, 43,199 s earlier, is still that day.
MAX_OFFSET = 43_199

# Theme ids become file names; the theme config enforces the same rule.
_THEME_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F).
_XML_INVALID_RE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PARAGRAPH_BREAK_RE = re.compile(r"\n\s*\n")
# A day's second and later dumps: YYYY-MM-DD-2.txt, ...
_DUMP_NUMBER_RE = re.compile(r"^\d{4}-\d{2}-\d{2}-(\d+)\.")


def theme_rss_path(theme_id: str) -> str:
    return f"feeds/themes/{theme_id}.xml"


def theme_atom_path(theme_id: str) -> str:
    return f"feeds/themes/{theme_id}.atom.xml"


def feed_links(themes: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(path relative to docs/, MIME type, title) of every feed, the site's feeds first.

    `themes` is (id, name) pairs in display order. For <link rel="alternate"> tags and the
    subscribe page; the OPML file is not a feed and is not listed (see `OPML_PATH`).
    """
    links = [
        (RSS_PATH, RSS_TYPE, "All papers (RSS)"),
        (ATOM_PATH, ATOM_TYPE, "All papers (Atom)"),
        (JSON_PATH, JSON_TYPE, "All papers (JSON Feed)"),
    ]
    for theme_id, name in _checked_themes(themes):
        links.append((theme_rss_path(theme_id), RSS_TYPE, f"{name} (RSS)"))
        links.append((theme_atom_path(theme_id), ATOM_TYPE, f"{name} (Atom)"))
    return links


def render_feeds(papers: Sequence[Paper], themes: Sequence[tuple[str, str]], site: SiteConfig) -> dict[str, bytes]:
    """Papers -> `{path relative to docs/: bytes}` for every feed and the OPML file.

    `themes` is (id, name) pairs in display order. Each feed holds its newest whole days, at
    least `site.feed_items` papers when it has that many, in the listing's order (see the module
    docstring). No papers -> `{}`.
    Raises ValueError for two papers with one id or a theme id that is not a safe file name.
    """
    _check_unique_ids(papers)
    by_id = {paper.id: paper for paper in papers}
    ordered = sorted((Brief.of(paper) for paper in papers), key=newest_first)
    return render_feeds_of(ordered, lambda briefs: [by_id[b.id] for b in briefs], themes, site)


def render_feeds_of(
    briefs: Sequence[Brief],
    full: Callable[[Sequence[Brief]], list[Paper]],
    themes: Sequence[tuple[str, str]],
    site: SiteConfig,
) -> dict[str, bytes]:
    """`render_feeds` for a build: `briefs` of every paper, newest first, then by id (their ids
    are unique), and `full`, which gives the papers in full (only those the feeds show, and the
    other papers first seen on their days, whose places in the listing set the items' times)."""
    if not briefs:
        return {}
    theme_list = _checked_themes(themes)
    names = {theme_id: _text(name) for theme_id, name in theme_list}
    site_name = _text(site.site_name)
    newest, by_theme = select_days(briefs, [theme_id for theme_id, _ in theme_list], site.feed_items)
    days = {brief.first_seen for brief in newest} | {b.first_seen for ms in by_theme.values() for b in ms}
    shown = {paper.id: paper for paper in full([b for b in briefs if b.first_seen in days])}
    moments = item_times(shown.values())
    never = _noon(briefs[-1].first_seen)  # the updated time of a feed with no items: it never moves
    entries = _EntryCache(site, names, moments)

    def items(members: list[Brief]) -> list[Paper]:  # newest day first, then the listing's order
        return sorted(
            (shown[brief.id] for brief in members), key=lambda p: (-p.first_seen.toordinal(), listing_place(p))
        )

    out: dict[str, bytes] = {}
    description = _text(site.site_description).strip() or site_name  # RSS needs a description
    main = _Channel(site_name, description, site.site_url)
    main_items = items(newest)
    out[RSS_PATH] = _rss(main, site, RSS_PATH, entries.get_all(main_items), never)
    out[ATOM_PATH] = _atom(main, site, ATOM_PATH, entries.get_all(main_items), never)
    out[JSON_PATH] = _json_feed(main, site, main_items, names, moments)
    for theme_id, name in theme_list:
        channel = _Channel(f"{site_name} — {name}", f"{name}: {description}", theme_page_url(site, theme_id))
        members = entries.get_all(items(by_theme[theme_id]))
        out[theme_rss_path(theme_id)] = _rss(channel, site, theme_rss_path(theme_id), members, never)
        out[theme_atom_path(theme_id)] = _atom(channel, site, theme_atom_path(theme_id), members, never)
    out[OPML_PATH] = _opml(site, theme_list)
    return out


def select_days(
    briefs: Iterable[Brief], theme_ids: Sequence[str], at_least: int
) -> tuple[list[Brief], dict[str, list[Brief]]]:
    """The papers of the site feed and of each theme's feeds, from `briefs` newest first: whole
    days, newest first, until a feed holds at least `at_least` papers (or every paper it has)."""
    newest: list[Brief] = []
    by_theme: dict[str, list[Brief]] = {theme_id: [] for theme_id in theme_ids}
    site_open, open_themes = True, set(theme_ids)
    for brief in briefs:
        if not site_open and not open_themes:
            break
        if site_open:
            site_open = _take(newest, brief, at_least)
        for theme_id in brief.themes:
            if theme_id in open_themes and not _take(by_theme[theme_id], brief, at_least):
                open_themes.discard(theme_id)
    return newest, by_theme


def _take(members: list[Brief], brief: Brief, at_least: int) -> bool:
    """Add `brief` to a feed's papers, unless the feed is full: it holds `at_least` papers and
    `brief` starts an older day. False when it is full (it stays full: `brief`s come newest first)."""
    if len(members) >= at_least and members[-1].first_seen != brief.first_seen:
        return False
    members.append(brief)
    return True


def item_times(papers: Iterable[Paper]) -> dict[str, datetime]:
    """Paper id -> its items' time in every feed: noon UTC of the day it was first seen, minus
    one second per paper first seen before it in that day's listing (at most `MAX_OFFSET`).
    `papers` must hold every paper first seen on each of their days."""
    by_day: dict[date, list[Paper]] = {}
    for paper in papers:
        by_day.setdefault(paper.first_seen, []).append(paper)
    moments = {}
    for day, members in by_day.items():
        noon = _noon(day)
        for rank, paper in enumerate(sorted(members, key=listing_place)):
            moments[paper.id] = noon - timedelta(seconds=min(rank, MAX_OFFSET))
    return moments


def listing_place(paper: Paper) -> tuple[int, int, str]:
    """Where a paper stands in the listing of the day it was first seen: its first sighting that
    day, as (number of the day's dump, position in it), then its id for ties."""
    return min((_dump_number(s.dump), s.position, paper.id) for s in paper.sightings if s.date == paper.first_seen)


def item_guid(site: SiteConfig, feed_path: str, paper_id: str) -> str:
    """A paper's item id in one feed: the feed's URL and the paper id, so no two feeds share one."""
    return f"{_url(site, feed_path)}#{quote(paper_id, safe='')}"


def paper_link(site: SiteConfig, paper: Paper) -> str:
    """The paper's anchor on the page of the day it was first seen."""
    return site.site_url + paper_url(paper)


def summary_html(paper: Paper) -> str:
    """The item body: meta line, abstract and look-up links, as HTML built from escaped text."""
    parts = []
    meta = _text(meta_line(paper))  # the day pages' meta line
    if meta:
        parts.append(f"<p>{escape(meta)}</p>")
    for paragraph in _PARAGRAPH_BREAK_RE.split(_shown(paper.abstract).strip()):
        if paragraph.strip():
            parts.append(f"<p>{escape(paragraph.strip())}</p>")
    links = " · ".join(
        f'<a href="{escape(url)}">{escape(label)}</a>' for label, url in lookup_links(_text(paper.title))
    )
    parts.append(f"<p>Look up: {links}</p>")
    return "\n".join(parts)


# --- internals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Channel:
    """What differs between the site feed and a theme feed."""

    title: str
    description: str
    home: str


class _EntryCache:
    """One feedgen entry per paper, shared by every feed the paper is in; each feed sets the
    entries' GUIDs to its own before it is serialised (see `_feed`)."""

    def __init__(self, site: SiteConfig, names: dict[str, str], moments: dict[str, datetime]) -> None:
        self._site = site
        self._names = names
        self._moments = moments
        self._entries: dict[str, tuple[str, FeedEntry]] = {}

    def get_all(self, papers: Iterable[Paper]) -> list[tuple[str, FeedEntry]]:
        return [self._get(p) for p in papers]

    def _get(self, paper: Paper) -> tuple[str, FeedEntry]:
        found = self._entries.get(paper.id)
        if found is None:
            entry = _entry(paper, self._site, self._names, self._moments[paper.id])
            found = self._entries[paper.id] = (paper.id, entry)
        return found


def _entry(paper: Paper, site: SiteConfig, names: dict[str, str], moment: datetime) -> FeedEntry:
    entry = FeedEntry()
    entry.title(_title(paper))
    entry.link(href=paper_link(site, paper), rel="alternate", type="text/html")
    entry.summary(summary_html(paper), type="html")  # also the RSS description
    entry.published(moment)  # also the RSS pubDate
    entry.updated(moment)  # replaces feedgen's default, the clock
    for theme_id in paper.themes:
        entry.category(term=theme_id, label=names.get(theme_id, theme_id))
    return entry


class _TextTitles(FeedGenerator):
    """feedgen, with type="text" on every Atom title and subtitle: a title is never read as HTML."""

    def _create_atom(self, extensions: bool = True) -> Any:
        feed, doc = super()._create_atom(extensions=extensions)
        # feedgen makes its elements in no namespace, under a default xmlns: either name is matched.
        for element in feed.iter("title", "subtitle", f"{{{ATOM_NS}}}title", f"{{{ATOM_NS}}}subtitle"):
            element.set("type", "text")
        return feed, doc


def _feed(
    channel: _Channel,
    site: SiteConfig,
    path: str,
    self_type: str,
    entries: list[tuple[str, FeedEntry]],
    never: datetime,
) -> FeedGenerator:
    self_url = _url(site, path)
    fg = _TextTitles()
    fg.id(self_url)
    fg.title(channel.title)
    fg.description(channel.description)
    fg.author(name=_text(site.site_name))  # Atom wants a feed author when entries have none
    fg.language(site.language)
    fg.generator(GENERATOR)
    fg.link(href=self_url, rel="self", type=self_type)
    fg.link(href=channel.home, rel="alternate", type="text/html")  # feedgen's RSS <link> is the last link
    # The newest item's time, not the build's: a feed whose items did not change stays the same.
    fg.updated(entries[0][1].updated() if entries else never)  # Atom updated and RSS lastBuildDate
    for paper_id, entry in entries:
        entry.guid(item_guid(site, path, paper_id), permalink=False)  # this feed's own
        fg.add_entry(entry, order="append")  # the default prepends, which would reverse the feed
    return fg


def _rss(
    channel: _Channel, site: SiteConfig, path: str, entries: list[tuple[str, FeedEntry]], never: datetime
) -> bytes:
    return bytes(_feed(channel, site, path, RSS_TYPE, entries, never).rss_str(pretty=True))


def _atom(
    channel: _Channel, site: SiteConfig, path: str, entries: list[tuple[str, FeedEntry]], never: datetime
) -> bytes:
    return bytes(_feed(channel, site, path, ATOM_TYPE, entries, never).atom_str(pretty=True))


def _json_feed(
    channel: _Channel,
    site: SiteConfig,
    papers: Sequence[Paper],
    names: dict[str, str],
    moments: dict[str, datetime],
) -> bytes:
    items = []
    for paper in papers:
        item: dict[str, object] = {
            "id": item_guid(site, JSON_PATH, paper.id),
            "url": paper_link(site, paper),
            "title": _title(paper),
            "content_html": summary_html(paper),
            "content_text": _shown(paper.abstract).strip(),
            "date_published": moments[paper.id].isoformat(),
        }
        if paper.themes:
            item["tags"] = [names.get(t, t) for t in paper.themes]
        items.append(item)
    feed = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": site.site_url,
        "feed_url": _url(site, JSON_PATH),
        "description": channel.description,
        "language": site.language,
        "authors": [{"name": channel.title, "url": site.site_url}],
        "items": items,
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _opml(site: SiteConfig, themes: Sequence[tuple[str, str]]) -> bytes:
    """One RSS feed per theme (the site feed when there is no theme); no date, so the file
    changes only when the themes do."""
    site_name = _text(site.site_name)
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{site_name}: one feed per theme"
    body = ET.SubElement(root, "body")
    if not themes:
        _outline(body, site_name, _url(site, RSS_PATH), site.site_url)
    for theme_id, name in themes:
        _outline(
            body, f"{site_name} — {_text(name)}", _url(site, theme_rss_path(theme_id)), theme_page_url(site, theme_id)
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _outline(parent: ET.Element, title: str, xml_url: str, html_url: str) -> None:
    ET.SubElement(
        parent, "outline", type="rss", version="RSS2", text=title, title=title, xmlUrl=xml_url, htmlUrl=html_url
    )


def _checked_themes(themes: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    for theme_id, _name in themes:
        if not _THEME_ID_RE.match(theme_id):
            raise ValueError(f"theme id {theme_id!r} cannot be a feed file name")
        if theme_id in seen:
            raise ValueError(f"theme id {theme_id!r} is given twice")
        seen.add(theme_id)
    return [(theme_id, _text(name)) for theme_id, name in themes]


def _check_unique_ids(papers: Sequence[Paper]) -> None:
    seen: set[str] = set()
    for paper in papers:
        if paper.id in seen:
            raise ValueError(f"two papers share the id {paper.id!r}; feed items need unique ids")
        seen.add(paper.id)


def _dump_number(name: str) -> int:
    """1 for a day's first dump (YYYY-MM-DD.txt), N for YYYY-MM-DD-N.txt."""
    found = _DUMP_NUMBER_RE.match(name)
    return int(found.group(1)) if found else 1


def _title(paper: Paper) -> str:
    """The paper's title, or its id when nothing printable is left (feeds need a title)."""
    title = _shown(paper.title)
    return title if title.strip() else paper.id


def _text(value: str) -> str:
    """Text as XML can carry it: characters XML 1.0 forbids are dropped."""
    return _XML_INVALID_RE.sub("", value)


def _shown(value: str) -> str:
    """Dump text as the pages show it (LaTeX leftovers and character references read as text:
    generator/text.py), as XML can carry it. papers.json keeps the raw text."""
    return _text(display(value))


def theme_page_url(site: SiteConfig, theme_id: str) -> str:
    """The theme's page on the site: where a theme feed's own link leads (every theme has one)."""
    return _url(site, f"themes/{theme_id}/")


def _url(site: SiteConfig, path: str) -> str:
    return site.site_url + path


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
