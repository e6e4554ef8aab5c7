"""Feeds, checked through real consumers: feedparser for RSS/Atom, lxml for XML and HTML, the JSON
Feed 1.1 rules for feed.json. XML is never compared as strings; bytes are compared only to prove
that two builds are identical."""

from __future__ import annotations

import calendar
import json
import random
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedgen.entry
import feedgen.feed
import feedparser
import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import SiteConfig
from generator.feeds import (
    ATOM_PATH,
    JSON_FEED_VERSION,
    JSON_PATH,
    OPML_PATH,
    RSS_PATH,
    feed_links,
    item_guid,
    item_times,
    render_feeds,
)
from generator.models import Paper, Sighting
from generator.text import display

from .conftest import DUMPS, HEADER_A, entry_a, make_project

SITE = SiteConfig(
    site_name="Test digest",
    site_url="https://digest.example/sub/",
    site_description="Papers for tests.",
    language="en",
    feed_items=200,
)
THEMES = [("agents", "Agents & Tools"), ("vision", "Vision"), ("empty", "Nothing yet")]
LAST = date(2026, 6, 12)
HOSTILE = '<script>alert(1)</script> & "quotes"'
XML_FEEDS = ("rss.xml", "atom.xml", ".atom.xml")


def paper(
    pid: str,
    day: date,
    themes: tuple[str, ...] = (),
    *,
    title: str | None = None,
    abstract: str = "We study things.",
    authors_count: int | None = 3,
    organization: str | None = None,
    published: date | None = date(2026, 5, 1),
    upvotes: int | None = 7,
    position: int = 1,
    dump: str = "",
) -> Paper:
    return Paper(
        id=pid,
        title=title if title is not None else f"Title of {pid}",
        abstract=abstract,
        first_seen=day,
        last_seen=day,
        published=published,
        authors_count=authors_count,
        organization=organization,
        upvotes=upvotes,
        sightings=(Sighting(dump or f"{day.isoformat()}.txt", day, position, position),),
        themes=themes,
    )


def corpus() -> list[Paper]:
    """Three days, newest first then by id, as the pipeline hands them over; on 12 June the
    listing has d-paper (4th) before c-paper (9th)."""
    return [
        paper("c-paper", date(2026, 6, 12), ("vision",), position=9),
        paper("d-paper", date(2026, 6, 12), ("agents", "vision"), title=HOSTILE, position=4),
        paper("a-paper", date(2026, 6, 11), ("agents",), organization="Lab <b>X</b>"),
        paper("b-paper", date(2026, 6, 10), ()),
    ]


LISTING = ["d-paper", "c-paper", "a-paper", "b-paper"]  # newest day first, then the listing's order


def noon(day: date, place: int = 0) -> datetime:
    """An item's time: noon UTC of its day, minus one second per paper before it that day."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC) - timedelta(seconds=place)


def ids_of(data: bytes, path: str) -> list[str]:
    """The paper ids of a feed's items, in the feed's order, read back from their GUIDs."""
    guids = [e.id for e in parse(data).entries] if path != JSON_PATH else [i["id"] for i in json.loads(data)["items"]]
    prefix = SITE.site_url + path + "#"
    assert all(g.startswith(prefix) for g in guids), (path, guids)
    return [g.removeprefix(prefix) for g in guids]


def as_datetime(parsed: object) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)  # type: ignore[arg-type]


def parse(data: bytes) -> feedparser.FeedParserDict:
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def xml_paths(out: dict[str, bytes]) -> list[str]:
    return [p for p in out if p.endswith(".xml") and p != OPML_PATH]


def self_link(feed: feedparser.FeedParserDict) -> str:
    [href] = [link.href for link in feed.feed.links if link.rel == "self"]
    return href


@pytest.fixture(scope="module")
def out() -> dict[str, bytes]:
    return render_feeds(corpus(), THEMES, SITE)


# --- what gets published -----------------------------------------------------------------------


def test_no_papers_publishes_nothing() -> None:
    assert render_feeds([], THEMES, SITE) == {}
    assert render_feeds((), [], SITE) == {}


def test_every_feed_in_feed_links_is_published_and_nothing_else(out: dict[str, bytes]) -> None:
    links = feed_links(THEMES)
    assert [path for path, _, _ in links[:3]] == [RSS_PATH, ATOM_PATH, JSON_PATH]
    assert set(out) == {path for path, _, _ in links} | {OPML_PATH}
    assert ("feeds/themes/agents.xml", "application/rss+xml", "Agents & Tools (RSS)") in links
    assert ("feeds/themes/agents.atom.xml", "application/atom+xml", "Agents & Tools (Atom)") in links
    assert len(links) == 3 + 2 * len(THEMES)


def test_every_xml_feed_parses_cleanly(out: dict[str, bytes]) -> None:
    for path in xml_paths(out):
        lxml.etree.fromstring(out[path])  # strict XML
        feed = parse(out[path])
        assert feed.version == ("atom10" if path.endswith(".atom.xml") or path == ATOM_PATH else "rss20"), path


# --- channel -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [RSS_PATH, ATOM_PATH])
def test_main_channel(out: dict[str, bytes], path: str) -> None:
    feed = parse(out[path])
    assert feed.feed.title == "Test digest"
    assert feed.feed.link == SITE.site_url
    assert self_link(feed) == SITE.site_url + path
    assert feed.feed.language == "en"
    assert feed.feed.generator == "digest"
    assert as_datetime(feed.feed.updated_parsed) == noon(LAST)  # its newest item's time
    assert feed.feed.get("subtitle") == "Papers for tests."


def test_theme_channels(out: dict[str, bytes]) -> None:
    newest = {"agents": noon(LAST), "vision": noon(LAST), "empty": noon(date(2026, 6, 10))}  # empty: the first day
    for theme_id, name in THEMES:
        for path in (f"feeds/themes/{theme_id}.xml", f"feeds/themes/{theme_id}.atom.xml"):
            feed = parse(out[path])
            assert feed.feed.title == f"Test digest — {name}"
            assert self_link(feed) == SITE.site_url + path
            assert feed.feed.link == f"{SITE.site_url}themes/{theme_id}/", path  # the theme's page, not home
            assert as_datetime(feed.feed.updated_parsed) == newest[theme_id], path
            assert feed.feed.generator == "digest"


def test_a_feed_changes_only_when_its_items_change(out: dict[str, bytes]) -> None:
    # A new day with a paper in "agents" only: every other theme's feeds and the OPML stay byte-identical.
    after = render_feeds([paper("z-new", date(2026, 6, 14), ("agents",)), *corpus()], THEMES, SITE)
    changed = {path for path in out if after[path] != out[path]}
    assert changed == {RSS_PATH, ATOM_PATH, JSON_PATH, "feeds/themes/agents.xml", "feeds/themes/agents.atom.xml"}
    for path in (RSS_PATH, "feeds/themes/agents.atom.xml"):
        assert as_datetime(parse(after[path]).feed.updated_parsed) == noon(date(2026, 6, 14))


# --- items -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [RSS_PATH, ATOM_PATH])
def test_items_carry_title_link_guid_date_and_themes(out: dict[str, bytes], path: str) -> None:
    entries = {e.id: e for e in parse(out[path]).entries}
    places = {"c-paper": 1}  # second in the listing of 12 June
    for p in corpus():
        entry = entries[f"{SITE.site_url}{path}#{p.id}"]
        assert entry.title == p.title
        assert entry.link == f"{SITE.site_url}days/{p.first_seen.isoformat()}/#{p.id}"
        assert as_datetime(entry.published_parsed) == noon(p.first_seen, places.get(p.id, 0))
        if path == ATOM_PATH:
            assert as_datetime(entry.updated_parsed) == noon(p.first_seen, places.get(p.id, 0))
        assert "We study things." in entry.summary
        tags = entry.get("tags", [])
        if path == ATOM_PATH:
            assert [(t.term, t.label) for t in tags] == [(t, dict(THEMES)[t]) for t in p.themes]
        else:  # RSS categories carry one string: the theme's name
            assert [t.term for t in tags] == [dict(THEMES)[t] for t in p.themes]


def test_rss_guid_is_not_a_permalink(out: dict[str, bytes]) -> None:
    for path in (p for p in xml_paths(out) if not p.endswith("atom.xml")):
        root = lxml.etree.fromstring(out[path])
        for guid in root.iter("guid"):
            assert guid.get("isPermaLink") == "false"
        assert [e.guidislink for e in parse(out[path]).entries] == [False] * len(root.findall(".//item"))


def guids_by_feed(out: dict[str, bytes]) -> dict[str, list[str]]:
    found = {path: [e.id for e in parse(out[path]).entries] for path in xml_paths(out)}
    found[JSON_PATH] = [item["id"] for item in json.loads(out[JSON_PATH])["items"]]
    return found


def test_a_guid_belongs_to_one_feed(out: dict[str, bytes]) -> None:
    by_feed = guids_by_feed(out)
    every = [guid for guids in by_feed.values() for guid in guids]
    assert len(every) == len(set(every))  # unique in each feed and no two feeds share one
    assert len(by_feed["feeds/themes/vision.xml"]) == 2 and len(by_feed[RSS_PATH]) == 4
    for path, guids in by_feed.items():
        assert all(g.startswith(SITE.site_url + path + "#") for g in guids), path


def test_guids_are_stable_when_a_day_comes() -> None:
    before = guids_by_feed(render_feeds(corpus(), THEMES, SITE))
    after = guids_by_feed(
        render_feeds([paper("z-new", date(2026, 6, 14), ("agents", "vision")), *corpus()], THEMES, SITE)
    )
    for path, guids in before.items():
        new = [item_guid(SITE, path, "z-new")] if "empty" not in path else []
        assert after[path] == new + guids, path


def test_order_is_newest_day_first_then_the_listing_whatever_the_input_order(out: dict[str, bytes]) -> None:
    for path in (RSS_PATH, ATOM_PATH, JSON_PATH):
        assert ids_of(out[path], path) == LISTING
    shuffled = corpus()
    random.Random(4).shuffle(shuffled)
    assert render_feeds(shuffled, THEMES, SITE) == out


def test_listing_order_spans_a_days_second_dump() -> None:
    day = date(2026, 6, 12)
    papers = [
        paper("a", day, position=3, dump="2026-06-12-2.txt"),
        paper("b", day, position=2, dump="2026-06-12-2.txt"),
        paper("c", day, position=7),
        paper("d", day, position=5, dump="2026-06-12-10.txt"),
    ]
    out = render_feeds(papers, [], SITE)
    assert ids_of(out[RSS_PATH], RSS_PATH) == ["c", "b", "a", "d"]
    times = [as_datetime(e.published_parsed) for e in parse(out[RSS_PATH]).entries]
    assert times == [noon(day, place) for place in range(4)]


def test_theme_feeds_hold_exactly_their_papers(out: dict[str, bytes]) -> None:
    for theme_id, _name in THEMES:
        expected = [pid for pid in LISTING if theme_id in next(p.themes for p in corpus() if p.id == pid)]
        for path in (f"feeds/themes/{theme_id}.xml", f"feeds/themes/{theme_id}.atom.xml"):
            assert ids_of(out[path], path) == expected


def test_theme_without_papers_gets_valid_empty_feeds(out: dict[str, bytes]) -> None:
    for path in ("feeds/themes/empty.xml", "feeds/themes/empty.atom.xml"):
        feed = parse(out[path])
        assert feed.entries == []
        assert feed.feed.title == "Test digest — Nothing yet"


def listing_day(day: date, count: int, prefix: str, themes: tuple[str, ...] = ()) -> list[Paper]:
    """`count` papers first seen on `day`, listed in an order other than their ids'."""
    order = list(range(count))
    random.Random(count).shuffle(order)
    return [paper(f"{prefix}{i:04d}", day, themes, position=order[i] + 1) for i in range(count)]


def test_a_250_paper_day_is_whole_in_the_main_feeds() -> None:
    busy = listing_day(date(2026, 11, 20), 250, "busy-", ("agents",))
    before = listing_day(date(2026, 11, 19), 30, "before-")
    out = render_feeds(before + busy, THEMES, SITE)  # feed_items=200
    listing = [p.id for p in sorted(busy, key=lambda p: p.sightings[0].position)]
    for path in (RSS_PATH, ATOM_PATH, JSON_PATH, "feeds/themes/agents.xml", "feeds/themes/agents.atom.xml"):
        assert ids_of(out[path], path) == listing, path  # all 250, in the listing's order; the day before: out
    times = [as_datetime(e.published_parsed) for e in parse(out[RSS_PATH]).entries]
    assert times == [noon(date(2026, 11, 20), place) for place in range(250)]  # distinct, descending


def test_the_cap_is_at_least_that_many_papers_in_whole_days() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(6)]
    papers = [p for i, day in enumerate(days) for p in listing_day(day, 3, f"d{i}-", ("agents",) if i % 2 else ())]
    site = SiteConfig(site_url=SITE.site_url, feed_items=5)
    out = render_feeds(papers, THEMES, site)
    main = [p.id for p in papers if p.first_seen >= days[4]]  # 3 + 3 >= 5: the two newest days, whole
    assert sorted(ids_of(out[RSS_PATH], RSS_PATH)) == sorted(main)
    assert sorted(ids_of(out[JSON_PATH], JSON_PATH)) == sorted(main)
    agents = [p.id for p in papers if p.first_seen in (days[5], days[3])]  # the theme's two newest days
    assert sorted(ids_of(out["feeds/themes/agents.xml"], "feeds/themes/agents.xml")) == sorted(agents)
    exactly = render_feeds(papers, THEMES, SiteConfig(site_url=SITE.site_url, feed_items=6))
    assert len(parse(exactly[RSS_PATH]).entries) == 6  # 6 reached at a day's end: no further day
    everything = render_feeds(papers, THEMES, SiteConfig(site_url=SITE.site_url, feed_items=100))
    assert len(parse(everything[RSS_PATH]).entries) == 18


def test_a_new_day_goes_on_top_and_older_items_do_not_change(out: dict[str, bytes]) -> None:
    new_day = date(2026, 6, 13)
    newer = [paper("z-new", new_day, ("agents",)), *corpus()]
    after = render_feeds(newer, THEMES, SITE)
    for path in (RSS_PATH, ATOM_PATH, "feeds/themes/agents.xml", "feeds/themes/agents.atom.xml"):
        before_entries = parse(out[path]).entries
        after_entries = parse(after[path]).entries
        assert after_entries[0].id == f"{SITE.site_url}{path}#z-new"
        old = {e.id: (e.published_parsed, e.link, e.title) for e in before_entries}
        assert {e.id: (e.published_parsed, e.link, e.title) for e in after_entries[1:]} == old
    assert ids_of(after["feeds/themes/vision.xml"], "feeds/themes/vision.xml")[0] != "z-new"


# --- what validators check ---------------------------------------------------------------------


def test_atom_titles_declare_text(out: dict[str, bytes]) -> None:
    for path in (p for p in xml_paths(out) if p.endswith("atom.xml")):
        root = lxml.etree.fromstring(out[path])
        titles = root.findall("{*}title") + root.findall("{*}subtitle") + root.findall("{*}entry/{*}title")
        assert titles and {t.get("type") for t in titles} == {"text"}, path
        assert {s.get("type") for s in root.findall("{*}entry/{*}summary")} <= {"html"}


def test_required_elements_are_there(out: dict[str, bytes]) -> None:
    for path in xml_paths(out):
        root = lxml.etree.fromstring(out[path])
        if path.endswith("atom.xml"):
            assert all(root.findtext(f"{{*}}{tag}") for tag in ("id", "title", "updated")), path
            assert root.find("{*}author/{*}name") is not None
            for entry in root.findall("{*}entry"):
                assert all(entry.findtext(f"{{*}}{tag}") for tag in ("id", "title", "updated", "published"))
                assert entry.find("{*}link").get("rel", "alternate") == "alternate"  # no rel: alternate
        else:
            channel = root.find("channel")
            assert all(channel.findtext(tag) for tag in ("title", "link", "description", "lastBuildDate")), path
            for item in channel.findall("item"):
                assert all(item.findtext(tag) for tag in ("title", "link", "guid", "pubDate", "description"))


def test_item_times_are_distinct_in_every_feed() -> None:
    papers = listing_day(date(2026, 6, 12), 40, "a-", ("agents",)) + listing_day(
        date(2026, 6, 11), 40, "b-", ("agents",)
    )
    out = render_feeds(papers, THEMES, SITE)
    for path in xml_paths(out):
        times = [e.published_parsed for e in parse(out[path]).entries]
        assert len(times) == len(set(times)), path
        assert times == sorted(times, reverse=True), path


# --- determinism -------------------------------------------------------------------------------


def test_two_renders_are_byte_identical(out: dict[str, bytes]) -> None:
    assert render_feeds(corpus(), THEMES, SITE) == out


class _AnyDatetime(type):
    """Keeps feedgen's `isinstance(value, datetime)` checks true for real datetimes."""

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, datetime)


class _FarFuture(datetime, metaclass=_AnyDatetime):
    """feedgen's clock, moved to 2099."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
        return datetime(2099, 12, 31, 23, 59, 59, tzinfo=tz)


def test_output_does_not_depend_on_the_clock(out: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedgen.feed, "datetime", _FarFuture)
    monkeypatch.setattr(feedgen.entry, "datetime", _FarFuture)
    assert render_feeds(corpus(), THEMES, SITE) == out
    for data in out.values():
        assert b"2099" not in data


# --- hostile and broken text -------------------------------------------------------------------


def summary_fragments(data: bytes) -> list[str]:
    """The raw HTML a reader gets in each item, read straight from the XML (not feedparser's
    sanitised copy)."""
    root = lxml.etree.fromstring(data)
    found = root.findall(".//item/description") + root.findall(".//{http://www.w3.org/2005/Atom}summary")
    return [el.text or "" for el in found]


def test_hostile_title_arrives_as_literal_text(out: dict[str, bytes]) -> None:
    for path in xml_paths(out):
        titles = [e.title for e in parse(out[path]).entries]
        if "d-paper" in out[path].decode():
            assert HOSTILE in titles, path
    [item] = [i for i in json.loads(out[JSON_PATH])["items"] if i["id"].endswith("#d-paper")]
    assert item["title"] == HOSTILE


def test_no_element_from_a_dump_reaches_the_summary_html(out: dict[str, bytes]) -> None:
    html_bodies = [s for path in xml_paths(out) for s in summary_fragments(out[path])]
    html_bodies += [i["content_html"] for i in json.loads(out[JSON_PATH])["items"]]
    assert html_bodies
    for body in html_bodies:
        tree = lxml.html.fragment_fromstring(body, create_parent="div")
        assert {el.tag for el in tree.iter()} <= {"div", "p", "a"}
        assert not tree.xpath("//script | //b")
    a_paper = next(s for s in summary_fragments(out[RSS_PATH]) if "Lab" in s)
    assert "Lab <b>X</b>" in lxml.html.fragment_fromstring(a_paper, create_parent="div").text_content()


def test_summary_has_meta_line_and_lookup_links_by_title(out: dict[str, bytes]) -> None:
    [body] = [s for s in summary_fragments(out[RSS_PATH]) if "alert" in s]
    tree = lxml.html.fragment_fromstring(body, create_parent="div")
    paragraphs = [p.text_content() for p in tree.findall("p")]
    assert paragraphs[0] == "3 authors · published 1 May 2026 · 7 upvotes"
    links = {a.text: a.get("href") for a in tree.iter("a")}
    assert set(links) == {"arXiv", "Hugging Face", "Semantic Scholar"}
    arxiv = urlsplit(links["arXiv"])
    assert (arxiv.netloc, arxiv.path) == ("arxiv.org", "/search/")
    assert parse_qs(arxiv.query) == {"query": [HOSTILE], "searchtype": ["title"]}
    assert parse_qs(urlsplit(links["Hugging Face"]).query) == {"q": [HOSTILE]}
    assert links["Hugging Face"].startswith("https://huggingface.co/papers?")
    assert parse_qs(urlsplit(links["Semantic Scholar"]).query) == {"q": [HOSTILE]}
    assert links["Semantic Scholar"].startswith("https://www.semanticscholar.org/search?")


def test_meta_line_shows_what_is_known_and_skips_what_is_missing() -> None:
    bare = paper("x", LAST, authors_count=None, published=None, upvotes=None)
    org = paper("y", LAST, organization="DeepLab", authors_count=1, upvotes=1)
    out = render_feeds([bare, org], [], SITE)
    bodies = {e.id.rsplit("#", 1)[1]: e.summary for e in parse(out[RSS_PATH]).entries}
    first = {
        k: lxml.html.fragment_fromstring(v, create_parent="div").findall("p")[0].text_content()
        for k, v in bodies.items()
    }
    assert first["y"] == "1 author · DeepLab · published 1 May 2026 · 1 upvote"
    assert first["x"] == "We study things."


def test_xml_invalid_characters_are_dropped() -> None:
    broken = paper("x", LAST, ("agents",), title="Bad\x00 ti\x0btle\ufffe", abstract="Ab\x1bstract\x08.")
    out = render_feeds([broken], [("agents", "Age\x07nts")], SITE)
    for path in xml_paths(out):
        lxml.etree.fromstring(out[path])
        [entry] = parse(out[path]).entries
        assert entry.title == "Bad title"
        assert "Abstract." in entry.summary
    assert parse(out["feeds/themes/agents.xml"]).feed.title == "Test digest — Agents"
    assert json.loads(out[JSON_PATH])["items"][0]["title"] == "Bad title"


def test_latex_leftovers_and_character_references_read_as_on_the_pages() -> None:
    # a subscriber reads what the day page shows, not the dump's markup (papers.json keeps it)
    raw_title = r"MC\textsuperscript{2}: \emph{Steering} at 15\% cost"
    raw_abstract = (
        r"CAA computes ``steering vectors'' by \textit{how and where} it unfolds, as in~mnih2007three; Q&amp;A."
    )
    out = render_feeds([paper("x", LAST, ("agents",), title=raw_title, abstract=raw_abstract)], THEMES, SITE)
    title, text = (
        "MC²: Steering at 15% cost",
        "CAA computes “steering vectors” by how and where it unfolds, as in mnih2007three; Q&A.",
    )
    for path in xml_paths(out):
        if "vision" in path or "empty" in path:
            continue
        [entry] = parse(out[path]).entries
        assert entry.title == title, path
        body = lxml.html.fragment_fromstring(summary_fragments(out[path])[0], create_parent="div")
        assert text in [p.text_content() for p in body.findall("p")], path
    [item] = json.loads(out[JSON_PATH])["items"]
    assert item["title"] == title and item["content_text"] == text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=80), abstract=st.text(max_size=200))
def test_any_text_gives_well_formed_feeds(title: str, abstract: str) -> None:
    out = render_feeds([paper("x", LAST, ("agents",), title=title, abstract=abstract)], THEMES, SITE)
    # the title as the pages show it (display), less what XML cannot carry
    kept = re.sub("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "", display(title))
    for path in xml_paths(out):
        root = lxml.etree.fromstring(out[path])
        parse(out[path])
        titles = root.findall(".//item/title") + root.findall(".//{http://www.w3.org/2005/Atom}entry/{*}title")
        expected = [] if "vision" in path or "empty" in path else [kept if kept.strip() else "x"]
        assert [t.text or "" for t in titles] == expected
    assert json.loads(out[JSON_PATH])["items"][0]["title"] == (kept if kept.strip() else "x")


# --- JSON Feed 1.1 -----------------------------------------------------------------------------

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def test_json_feed_follows_version_1_1(out: dict[str, bytes]) -> None:
    feed = json.loads(out[JSON_PATH].decode("utf-8"))
    assert feed["version"] == JSON_FEED_VERSION
    assert feed["title"] == "Test digest"
    assert feed["home_page_url"] == SITE.site_url
    assert feed["feed_url"] == SITE.site_url + JSON_PATH
    assert feed["language"] == "en"
    assert isinstance(feed["items"], list)
    assert ids_of(out[JSON_PATH], JSON_PATH) == LISTING
    by_id = {p.id: p for p in corpus()}
    for place, item in enumerate(feed["items"]):
        p = by_id[LISTING[place]]
        assert isinstance(item["id"], str) and item["id"] == f"{SITE.site_url}{JSON_PATH}#{p.id}"
        assert item["url"] == f"{SITE.site_url}days/{p.first_seen.isoformat()}/#{p.id}"
        assert isinstance(item.get("content_html"), str) or isinstance(item.get("content_text"), str)
        assert _RFC3339.match(item["date_published"])
        assert datetime.fromisoformat(item["date_published"]) == noon(p.first_seen, 1 if p.id == "c-paper" else 0)
        assert item.get("tags", []) == [dict(THEMES)[t] for t in p.themes]
        assert all(isinstance(tag, str) for tag in item.get("tags", []))


# --- OPML --------------------------------------------------------------------------------------


def test_opml_bundles_one_rss_feed_per_theme(out: dict[str, bytes]) -> None:
    root = lxml.etree.fromstring(out[OPML_PATH])
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title")
    assert root.find("head/dateCreated") is None  # a date would change the file every day
    outlines = [o for o in root.iter("outline") if o.get("xmlUrl")]
    urls = [o.get("xmlUrl") for o in outlines]
    assert urls == [f"{SITE.site_url}feeds/themes/{theme_id}.xml" for theme_id, _ in THEMES]  # not the site feed
    for outline in outlines:
        assert outline.get("type") == "rss"
        assert outline.get("text")
        path = outline.get("xmlUrl").removeprefix(SITE.site_url)
        assert outline.get("htmlUrl") == f"{SITE.site_url}themes/{path.split('/')[-1].removesuffix('.xml')}/"
        assert parse(out[path]).feed.title == outline.get("title")


def test_opml_without_themes_holds_the_site_feed() -> None:
    root = lxml.etree.fromstring(render_feeds(corpus(), [], SITE)[OPML_PATH])
    assert [o.get("xmlUrl") for o in root.iter("outline")] == [SITE.site_url + RSS_PATH]


# --- bad input ---------------------------------------------------------------------------------


def test_duplicate_paper_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="two papers share the id 'x'"):
        render_feeds([paper("x", LAST), paper("x", date(2026, 6, 1))], THEMES, SITE)


@pytest.mark.parametrize("themes", [[("../etc", "Bad")], [("a", "A"), ("a", "Again")]])
def test_unsafe_or_repeated_theme_ids_are_refused(themes: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError, match="theme id"):
        render_feeds([paper("x", LAST)], themes, SITE)


# --- two real builds, the second with one more day ----------------------------------------------


def _build(project: Path, *args: str) -> dict[str, bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", *args], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    feeds = project / "docs/feeds"
    return {str(p.relative_to(project / "docs")): p.read_bytes() for p in feeds.rglob("*") if p.is_file()}


def test_a_new_day_rewrites_only_the_feeds_that_gained_papers(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    for dump in DUMPS.glob("*.txt"):
        shutil.copy(dump, project / "dumps" / dump.name)
    before = _build(project)
    new_day = "2026-11-21"  # a quiet day: two papers
    (project / "dumps" / f"{new_day}.txt").write_text(
        HEADER_A
        + entry_a("Spiking Neurons in Cortex Recordings", "We record cortical neurons with fMRI and EEG in the brain.")
        + entry_a("Emotion Support Chatbots", "An empathetic dialogue system for emotional support and wellbeing."),
        encoding="utf-8",
    )
    after = _build(project)  # the next day's build, from the last one's state
    assert _build(project, "--no-cache") == after  # as a cold build gives them
    papers = json.loads((project / "docs/data/papers.json").read_text(encoding="utf-8"))["papers"]
    gained = {theme for p in papers if p["first_seen"] == new_day for theme in p["themes"]}
    themes = {path.split("/")[-1].split(".")[0] for path in after if path.startswith("feeds/themes/")} - {"sitemap"}
    quiet = themes - gained
    assert gained and len(quiet) >= 5, (gained, quiet)  # the seed's last day leaves most themes quiet
    changed = {path for path in after if before.get(path) != after[path]}
    expected = {RSS_PATH, ATOM_PATH, JSON_PATH}
    expected |= {f"feeds/themes/{theme}{ext}" for theme in gained for ext in (".xml", ".atom.xml")}
    assert changed == expected  # quiet themes' feeds and the OPML: byte-identical
    for path in (p for p in expected if p != JSON_PATH):
        old = {e.id: (e.title, e.published_parsed) for e in parse(before[path]).entries}
        new = {e.id: (e.title, e.published_parsed) for e in parse(after[path]).entries}
        kept = old.keys() & new.keys()
        assert kept and all(old[g] == new[g] for g in kept), path  # same GUIDs, same items
        assert as_datetime(parse(after[path]).feed.updated_parsed).date().isoformat() == new_day


def test_past_43199_papers_a_day_the_offset_stops_and_the_utc_date_holds() -> None:
    day = date(2026, 6, 12)
    papers = [paper(f"p{i:05d}", day, position=i + 1) for i in range(43_202)]
    times = item_times(papers)
    assert times["p00000"] == noon(day) and times["p43198"] == noon(day, 43_198)
    assert times["p43199"] == times["p43201"] == datetime(2026, 6, 12, 0, 0, 1, tzinfo=UTC)
