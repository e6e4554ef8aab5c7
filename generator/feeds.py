"""Feeds: papers -> RSS 2.0, Atom and JSON Feed 1.1 bytes, one set per site and per theme, plus OPML.

Pure: papers, themes and site settings in, `{path relative to docs/: bytes}` out. Nothing here reads
the clock, so the same input gives the same bytes on every build:

- An item is a paper on the day it was first seen: its date is `first_seen` at 00:00 UTC and its
  link is the paper's anchor on that day's page.
- An item's id (RSS guid, Atom id, JSON Feed id) is `{site_url}papers/{paper id}`, with
  isPermaLink="false" in RSS: it depends only on the paper id, so it never changes between builds
  and a reader never shows a paper twice.
- The channel's lastBuildDate / updated is `last_build`, the date of the latest dump.
- No papers at all -> no files, so an empty feed never replaces a good one. When there are papers,
  every theme passed in gets its feeds even if it has no papers yet (valid, empty feeds), so the
  links on subscribe pages and in the OPML never point at a missing file.
- The OPML lists each stream once, as its RSS feed (the site feed, then one per theme): importing
  the Atom and JSON twins too would subscribe a reader to every stream two or three times.

Every string from a dump is text: titles are escaped by the XML serialiser, and the HTML summary is
built from escaped text and fixed markup only, so nothing from a dump can become an element.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from urllib.parse import quote

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .config import SiteConfig
from .models import Brief, Paper, newest_first
from .render import lookup_links, meta_line, paper_url

GENERATOR = "digest"
RSS_PATH = "feeds/rss.xml"
ATOM_PATH = "feeds/atom.xml"
JSON_PATH = "feeds/feed.json"
OPML_PATH = "feeds/opml.xml"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_TYPE = "application/feed+json"

# Theme ids become file names; the theme config enforces the same rule.
_THEME_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F).
_XML_INVALID_RE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PARAGRAPH_BREAK_RE = re.compile(r"\n\s*\n")


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


def render_feeds(
    papers: Sequence[Paper],
    themes: Sequence[tuple[str, str]],
    site: SiteConfig,
    last_build: date,
) -> dict[str, bytes]:
    """Papers -> `{path relative to docs/: bytes}` for every feed and the OPML file.

    `themes` is (id, name) pairs in display order; `last_build` is the latest dump's date and
    becomes every channel's lastBuildDate/updated. Each feed holds the newest `site.feed_items`
    papers, newest first_seen first, then by id. No papers -> `{}`.
    Raises ValueError for two papers with one id or a theme id that is not a safe file name.
    """
    _check_unique_ids(papers)
    by_id = {paper.id: paper for paper in papers}
    ordered = sorted((Brief.of(paper) for paper in papers), key=newest_first)
    return render_feeds_of(ordered, lambda briefs: [by_id[b.id] for b in briefs], themes, site, last_build)


def render_feeds_of(
    briefs: Sequence[Brief],
    full: Callable[[Sequence[Brief]], list[Paper]],
    themes: Sequence[tuple[str, str]],
    site: SiteConfig,
    last_build: date,
) -> dict[str, bytes]:
    """`render_feeds` for a build: `briefs` of every paper, newest first, then by id (their ids
    are unique), and `full`, which gives the papers in full (only those the feeds show)."""
    if not briefs:
        return {}
    theme_list = _checked_themes(themes)
    names = {theme_id: _text(name) for theme_id, name in theme_list}
    site_name = _text(site.site_name)
    built = _midnight_utc(last_build)
    # The newest feed_items papers of each theme, in one pass (stopping once every theme is full).
    by_theme: dict[str, list[Brief]] = {theme_id: [] for theme_id, _ in theme_list}
    open_themes = len(by_theme)
    for brief in briefs:
        if not open_themes:
            break
        for theme_id in brief.themes:
            members = by_theme.get(theme_id)
            if members is not None and len(members) < site.feed_items:
                members.append(brief)
                if len(members) == site.feed_items:
                    open_themes -= 1
    newest = list(briefs[: site.feed_items])
    shown = {paper.id: paper for paper in full(newest + [b for ms in by_theme.values() for b in ms])}
    entries = _EntryCache(site, names)

    def papers(members: list[Brief]) -> list[Paper]:
        return [shown[brief.id] for brief in members]

    out: dict[str, bytes] = {}
    description = _text(site.site_description).strip() or site_name  # RSS needs a description
    main = _Channel(site_name, description, site.site_url)
    out[RSS_PATH] = _rss(main, site, _url(site, RSS_PATH), built, entries.get_all(papers(newest)))
    out[ATOM_PATH] = _atom(main, site, _url(site, ATOM_PATH), built, entries.get_all(papers(newest)))
    out[JSON_PATH] = _json_feed(main, site, papers(newest), names)
    for theme_id, name in theme_list:
        channel = _Channel(f"{site_name} — {name}", f"{name}: {description}", site.site_url)
        items = entries.get_all(papers(by_theme[theme_id]))
        out[theme_rss_path(theme_id)] = _rss(channel, site, _url(site, theme_rss_path(theme_id)), built, items)
        out[theme_atom_path(theme_id)] = _atom(channel, site, _url(site, theme_atom_path(theme_id)), built, items)
    out[OPML_PATH] = _opml(site, theme_list, built)
    return out


def paper_guid(site: SiteConfig, paper_id: str) -> str:
    """The item id of a paper in every feed: built from the site URL and the paper id only."""
    return f"{site.site_url}papers/{quote(paper_id, safe='')}"


def paper_link(site: SiteConfig, paper: Paper) -> str:
    """The paper's anchor on the page of the day it was first seen."""
    return site.site_url + paper_url(paper)


def summary_html(paper: Paper) -> str:
    """The item body: meta line, abstract and look-up links, as HTML built from escaped text."""
    parts = []
    meta = _text(meta_line(paper))  # the day pages' meta line
    if meta:
        parts.append(f"<p>{escape(meta)}</p>")
    for paragraph in _PARAGRAPH_BREAK_RE.split(_text(paper.abstract).strip()):
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
    """One feedgen entry per paper, shared by every feed the paper is in."""

    def __init__(self, site: SiteConfig, names: dict[str, str]) -> None:
        self._site = site
        self._names = names
        self._entries: dict[str, FeedEntry] = {}

    def get_all(self, papers: Iterable[Paper]) -> list[FeedEntry]:
        return [self._get(p) for p in papers]

    def _get(self, paper: Paper) -> FeedEntry:
        entry = self._entries.get(paper.id)
        if entry is None:
            entry = self._entries[paper.id] = _entry(paper, self._site, self._names)
        return entry


def _entry(paper: Paper, site: SiteConfig, names: dict[str, str]) -> FeedEntry:
    seen = _midnight_utc(paper.first_seen)
    entry = FeedEntry()
    entry.guid(paper_guid(site, paper.id), permalink=False)
    entry.title(_title(paper))
    entry.link(href=paper_link(site, paper), rel="alternate", type="text/html")
    entry.summary(summary_html(paper), type="html")  # also the RSS description
    entry.published(seen)  # also the RSS pubDate
    entry.updated(seen)  # replaces feedgen's default, the clock
    for theme_id in paper.themes:
        entry.category(term=theme_id, label=names.get(theme_id, theme_id))
    return entry


def _feed(
    channel: _Channel, site: SiteConfig, self_url: str, self_type: str, built: datetime, entries: list[FeedEntry]
) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(channel.title)
    fg.description(channel.description)
    fg.author(name=_text(site.site_name))  # Atom wants a feed author when entries have none
    fg.language(site.language)
    fg.generator(GENERATOR)
    fg.link(href=self_url, rel="self", type=self_type)
    fg.link(href=channel.home, rel="alternate", type="text/html")  # feedgen's RSS <link> is the last link
    fg.updated(built)  # replaces feedgen's default, the clock (Atom updated and RSS lastBuildDate)
    for entry in entries:
        fg.add_entry(entry, order="append")  # the default prepends, which would reverse the feed
    return fg


def _rss(channel: _Channel, site: SiteConfig, self_url: str, built: datetime, entries: list[FeedEntry]) -> bytes:
    return bytes(_feed(channel, site, self_url, RSS_TYPE, built, entries).rss_str(pretty=True))


def _atom(channel: _Channel, site: SiteConfig, self_url: str, built: datetime, entries: list[FeedEntry]) -> bytes:
    return bytes(_feed(channel, site, self_url, ATOM_TYPE, built, entries).atom_str(pretty=True))


def _json_feed(channel: _Channel, site: SiteConfig, papers: Sequence[Paper], names: dict[str, str]) -> bytes:
    items = []
    for paper in papers:
        item: dict[str, object] = {
            "id": paper_guid(site, paper.id),
            "url": paper_link(site, paper),
            "title": _title(paper),
            "content_html": summary_html(paper),
            "content_text": _text(paper.abstract).strip(),
            "date_published": _midnight_utc(paper.first_seen).isoformat(),
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


def _opml(site: SiteConfig, themes: Sequence[tuple[str, str]], built: datetime) -> bytes:
    site_name = _text(site.site_name)
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{site_name} feeds"
    ET.SubElement(head, "dateCreated").text = _rfc822(built)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    _outline(body, site_name, _url(site, RSS_PATH), site.site_url)
    if themes:
        folder = ET.SubElement(body, "outline", text="Themes", title="Themes")
        for theme_id, name in themes:
            title = f"{site_name} — {_text(name)}"
            _outline(folder, title, _url(site, theme_rss_path(theme_id)), site.site_url)
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


def _title(paper: Paper) -> str:
    """The paper's title, or its id when nothing printable is left (feeds need a title)."""
    title = _text(paper.title)
    return title if title.strip() else paper.id


def _text(value: str) -> str:
    """Text as XML can carry it: characters XML 1.0 forbids are dropped."""
    return _XML_INVALID_RE.sub("", value)


def _url(site: SiteConfig, path: str) -> str:
    return site.site_url + path


def _midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc822(moment: datetime) -> str:
    """RFC 822 date in English whatever the locale (OPML dateCreated)."""
    return f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year} 00:00:00 GMT"
