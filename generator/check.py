"""`digest check`: prove that nothing was lost. Pure: parsed dumps and built files in, findings out.

Checks that every sighting in every dump is in the archive exactly once; that every paper is on
exactly one day page as new and on each of its theme pages; that every feed item points at an
existing anchor; and that every internal link in the built site resolves.
"""

from __future__ import annotations

import json
import posixpath
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from .models import Entry


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_sightings(entries: Sequence[Entry], archive: Mapping[str, object], report: Report) -> None:
    papers = archive.get("papers")
    if not isinstance(papers, list):
        report.problems.append("data/papers.json: no 'papers' list — run `digest build` again")
        return
    in_dumps = Counter((e.dump, e.position) for e in entries)
    in_archive: Counter[tuple[str, int]] = Counter()
    ids: Counter[str] = Counter()
    for paper in papers:
        ids[paper.get("id")] += 1
        for s in paper.get("sightings", []):
            in_archive[(s.get("dump"), s.get("position"))] += 1
    for key, n in sorted(in_archive.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or 0)):
        if n > 1:
            report.problems.append(f"dumps/{key[0]}: entry {key[1]} is in the archive {n} times")
        if key not in in_dumps:
            report.problems.append(f"dumps/{key[0]}: entry {key[1]} is in the archive but not in the dumps")
    for key in sorted(in_dumps):
        if key not in in_archive:
            entry = next(e for e in entries if (e.dump, e.position) == key)
            report.problems.append(
                f"dumps/{entry.dump}:{entry.line}: entry {entry.position} ({entry.title[:60]!r}) "
                "is missing from the archive — run `digest build`"
            )
    for pid, n in sorted(ids.items()):
        if n > 1:
            report.problems.append(f"data/papers.json: id {pid} is used by {n} papers")
    report.counts["sightings"] = len(entries)
    report.counts["papers"] = len(papers)
    report.counts["dumps"] = len({e.dump for e in entries})


_ID_ATTR = re.compile(r'\bid="([^"]+)"')


def _day_anchors(docs: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """(page, paper id) of every paper anchor on the generated day pages; a page is named by
    its URL below days/: "2026-11-19" for the day's page, "2026-11-19/2" for its second part."""
    return [
        (path[len("days/") : -len(".md")], pid)
        for path, data in sorted(docs.items())
        if path.startswith("days/") and path.endswith(".md")
        for pid in _ID_ATTR.findall(data.decode("utf-8", "replace"))
    ]


def check_pages(archive: Mapping[str, object], docs: Mapping[str, bytes], report: Report) -> None:
    """Each paper: its anchor on exactly one day page (its first day), a link on its theme pages."""
    papers = archive.get("papers")
    if not isinstance(papers, list):
        return
    anchors: dict[str, list[str]] = {}
    for day, pid in _day_anchors(docs):
        anchors.setdefault(pid, []).append(f"days/{day}.md")
    theme_pages: dict[str, list[str]] = {}
    for path, data in docs.items():
        if path.startswith("themes/") and path.endswith(".md") and path.count("/") == 2:
            theme_pages.setdefault(path.split("/")[1], []).append(data.decode("utf-8", "replace"))
    theme_text = {theme: "\n".join(pages) for theme, pages in theme_pages.items()}
    for paper in papers:
        pid = paper["id"]
        day_page = f"days/{paper['first_seen']}.md"
        where = anchors.get(pid, [])
        # On exactly one page of its first day: the day's own page or one of its parts.
        if len(where) != 1 or where[0] not in (day_page, *_parts_of(where[0], paper["first_seen"])):
            report.problems.append(
                f"{day_page}: paper {pid} should be there once as new, found on {where or 'no page'}"
            )
        for theme in paper.get("themes", []):
            if f'.md#{pid}"' not in theme_text.get(theme, ""):
                report.problems.append(f"themes/{theme}/: paper {pid} is not listed")
    report.counts["day pages"] = sum(1 for p in docs if p.startswith("days/"))


def _parts_of(page: str, day: str) -> tuple[str, ...]:
    """`page` when it is a part of `day`'s page (days/<day>/<n>.md), else nothing."""
    head, _, part = page[len("days/") : -len(".md")].partition("/")
    return (page,) if head == day and part.isdigit() else ()


def check_feeds(docs: Mapping[str, bytes], site_url: str, report: Report) -> None:
    """Every item link in every feed points at a paper anchor that exists on its day page."""
    anchors = set(_day_anchors(docs))
    items = 0
    for path, data in sorted(docs.items()):
        if not path.startswith("feeds/") or path.endswith(("opml.xml", "sitemap.xml")):
            continue
        try:
            links = _item_links(path, data)
        except (ValueError, ET.ParseError) as exc:
            report.problems.append(f"{path}: not a readable feed ({exc}) — run `digest build` again")
            continue
        for url in links:
            if not url.startswith(site_url + "days/"):
                report.problems.append(f"{path}: item link {url} is not a day page of {site_url}")
                continue
            items += 1
            day, _, anchor = url[len(site_url + "days/") :].partition("/#")
            if (day, unquote(anchor)) not in anchors:
                report.problems.append(f"{path}: item link {url} has no anchor on its day page")
    report.counts["feed items"] = items


_ATOM = "{http://www.w3.org/2005/Atom}"


def _item_links(path: str, data: bytes) -> list[str]:
    """The item links of an RSS, Atom or JSON feed."""
    if path.endswith(".json"):
        return [str(item.get("url", "")) for item in json.loads(data).get("items", [])]
    root = ET.fromstring(data)
    if root.tag == "rss":
        return [link.text or "" for link in root.iterfind("channel/item/link")]
    return [link.get("href", "") for link in root.iterfind(f"{_ATOM}entry/{_ATOM}link")]


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("name"):
            self.ids.add(str(values["name"]))
        for attr in ("href", "src"):
            if tag in ("a", "link", "img", "script") and values.get(attr):
                self.links.append(str(values[attr]))


def check_site_links(site: Mapping[str, bytes], site_url: str, report: Report) -> None:
    """Every internal href/src in the built HTML resolves to a file (and anchor) in the site."""
    prefix = urlsplit(site_url).path or "/"
    parsed: dict[str, _LinkParser] = {}
    for path, data in site.items():
        if path.endswith(".html"):
            parser = _LinkParser()
            parser.feed(data.decode("utf-8", "replace"))
            parsed[path] = parser
    checked = 0
    for path, parser in sorted(parsed.items()):
        base = posixpath.dirname(path)
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue
            checked += 1
            link_path = unquote(parts.path)
            if link_path.startswith("/"):
                if not link_path.startswith(prefix):
                    report.problems.append(f"site/{path}: link {link} leaves the site's base path {prefix}")
                    continue
                target = posixpath.normpath(link_path[len(prefix) :] or ".")
            else:
                target = posixpath.normpath(posixpath.join(base, link_path)) if link_path else path
            if target == ".":
                target = "index.html"
            elif target not in site:
                target = posixpath.join(target, "index.html")
            if target.startswith("..") or target not in site:
                report.problems.append(f"site/{path}: broken link {link}")
                continue
            if parts.fragment and target in parsed and unquote(parts.fragment) not in parsed[target].ids:
                report.problems.append(f"site/{path}: link {link} points at a missing anchor")
    report.counts["site links"] = checked


def _page_url_path(source: str) -> str:
    """The built file of a Markdown page (MkDocs' directory URLs): `days/x.md` -> `days/x/index.html`."""
    stem = source.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def check_site_pages(docs: Mapping[str, bytes], site: Mapping[str, bytes], site_name: str, report: Report) -> None:
    """Every page in the docs folder is in the built site: a site built before the last
    `digest build` lacks the newest day's page."""
    for source in sorted(docs):
        if source.endswith(".md") and _page_url_path(source) not in site:
            report.problems.append(
                f"{site_name}/: has no page for {source}: it is older than the last build — run `make site`"
            )
