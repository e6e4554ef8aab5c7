"""The feeds in a real feed reader: Debian's newsboat fetches them over HTTP from a local server,
as a subscriber's reader would, and what it stored (its cache, which its screens show) is read
back. Also the feeds' dates through feedparser in processes with other time zones (TZ).

newsboat is installed by tests/tools/setup.sh (apt-get, as root). When it is missing, these tests
fail where it could have been installed (root or CI) and are skipped elsewhere, with the reason.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import feedparser
import pytest

from .conftest import DUMPS, ROOT, make_project

NEWSBOAT = Path(os.environ.get("DIGEST_NEWSBOAT", "/usr/bin/newsboat"))
MISSING = (
    f"the feed-reader tests need newsboat at {NEWSBOAT}: apt-get install newsboat "
    "(tests/tools/setup.sh does it when run as root)"
)
BAD = ROOT / "tests" / "data" / "bad"
INJECTION_DUMPS = {"2026-06-11.txt": "injection.txt", "2026-06-12.txt": "injection-lines.txt"}
ZONES = ("America/New_York", "Asia/Tokyo")  # UTC-5 and UTC+9 in November, UTC-4 and UTC+9 in June


@pytest.fixture(scope="module")
def newsboat() -> Path:
    if not NEWSBOAT.is_file():
        if os.geteuid() == 0 or os.environ.get("CI"):
            pytest.fail(MISSING + ": it could have been installed here")
        pytest.skip(MISSING)
    return NEWSBOAT


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass(frozen=True)
class Served:
    project: Path
    base: str  # the site URL, where the server serves docs/

    def papers(self) -> list[dict]:
        return json.loads((self.project / "docs/data/papers.json").read_text(encoding="utf-8"))["papers"]

    def feed(self, path: str) -> feedparser.FeedParserDict:
        return feedparser.parse((self.project / "docs" / path).read_bytes())


def _serve(project: Path, dumps: dict[str, Path]) -> Iterator[Served]:
    """Build `dumps` in `project` with its site_url set to a local HTTP server serving docs/."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(project / "docs"))
    )
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    config = project / "mkdocs.yml"
    config.write_text(re.sub(r"(?m)^site_url: .*$", f"site_url: {base}", config.read_text(encoding="utf-8")))
    for name, source in dumps.items():
        shutil.copy(source, project / "dumps" / name)
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build"], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(project, base)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    project = make_project(tmp_path_factory.mktemp("reader-seed"))
    yield from _serve(project, {p.name: p for p in sorted(DUMPS.glob("*.txt"))})


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    project = make_project(tmp_path_factory.mktemp("reader-hostile"))
    yield from _serve(project, {name: BAD / source for name, source in INJECTION_DUMPS.items()})


@dataclass(frozen=True)
class Item:
    feed: str
    guid: str
    title: str
    url: str
    published: int  # seconds since the epoch, as newsboat stores it


def read_with_newsboat(newsboat: Path, home: Path, urls: list[str], opml: Path | None = None) -> list[Item]:
    """Subscribe a fresh newsboat to `urls` (and import `opml`), reload every feed, and return
    the items it stored."""
    home.mkdir()
    (home / "urls").write_text("".join(url + "\n" for url in urls))
    (home / "config").write_text("")
    base = [str(newsboat), "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C", str(home / "config")]
    env = dict(os.environ, HOME=str(home), LANG="C.UTF-8")
    if opml is not None:
        done = subprocess.run([*base, "-i", str(opml)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run([*base, "-x", "reload"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite3.connect(home / "cache.db") as db:
        rows = db.execute("SELECT feedurl, guid, title, url, pubDate FROM rss_item").fetchall()
    return [Item(*row) for row in rows]


def subscribed(home: Path) -> list[str]:
    return [line.split()[0] for line in (home / "urls").read_text().splitlines() if line.startswith("http")]


def newest_days(papers: list[dict], at_least: int) -> set[str]:
    """The days the site feed must hold whole: newest first, until at least `at_least` papers."""
    days: dict[str, int] = {}
    for paper in papers:
        days[paper["first_seen"]] = days.get(paper["first_seen"], 0) + 1
    chosen: set[str] = set()
    total = 0
    for day in sorted(days, reverse=True):
        if total >= at_least:
            break
        chosen.add(day)
        total += days[day]
    return chosen


def listing_order(papers: list[dict]) -> list[str]:
    """Paper ids, newest day first, then by place in that day's listing (dump, position)."""

    def place(paper: dict) -> tuple[int, str, int]:
        first = [s for s in paper["sightings"] if s["date"] == paper["first_seen"]]
        dump, position = min((len(s["dump"]), s["dump"], s["position"]) for s in first)[1:]
        return (-date.fromisoformat(paper["first_seen"]).toordinal(), dump, position)

    return [p["id"] for p in sorted(papers, key=place)]


def paper_id(guid: str) -> str:
    return guid.rsplit("#", 1)[1]


# --- the site feeds -----------------------------------------------------------------------------


def test_newsboat_shows_every_paper_of_the_newest_days_in_order_with_its_title(newsboat, seed, tmp_path):
    papers = seed.papers()
    days = newest_days(papers, 200)  # mkdocs.yml: feed_items: 200
    expected = [p for p in papers if p["first_seen"] in days]
    assert len(days) >= 2 and len(expected) > 200  # whole days: more than the cap
    titles = {p["id"]: p["title"] for p in expected}
    order = listing_order(expected)
    feeds = [seed.base + "feeds/rss.xml", seed.base + "feeds/atom.xml"]
    items = read_with_newsboat(newsboat, tmp_path / "nb", feeds)
    for url in feeds:
        mine = [i for i in items if i.feed == url]
        assert sorted(paper_id(i.guid) for i in mine) == sorted(titles), url  # every one, nothing else
        assert {paper_id(i.guid): i.title for i in mine} == titles, url
        by_date = sorted(mine, key=lambda i: i.published, reverse=True)
        assert [paper_id(i.guid) for i in by_date] == order, url  # sorting by date keeps the listing
        assert len({i.published for i in mine}) == len(mine), url
        for item in mine:
            first_seen = next(p["first_seen"] for p in expected if p["id"] == paper_id(item.guid))
            # The paper's anchor on its day page (a busy day's later part: days/<day>/<n>/).
            page, anchor = item.url.removeprefix(seed.base).split("#")
            assert anchor == paper_id(item.guid) and re.fullmatch(rf"days/{first_seen}/(\d+/)?", page), item.url
            source = seed.project / "docs" / (page.rstrip("/") + ".md")
            assert f'id="{anchor}"' in source.read_text(encoding="utf-8"), item.url
            for zone in ZONES:  # the day a reader there sees
                local = datetime.fromtimestamp(item.published, UTC).astimezone(ZoneInfo(zone))
                assert local.date().isoformat() == first_seen, (zone, item)


def test_the_opml_gives_every_theme_whole_beside_the_site_feed(newsboat, seed, tmp_path):
    opml = tmp_path / "opml.xml"
    with urlopen(seed.base + "feeds/opml.xml") as response:  # as a subscriber downloads it
        opml.write_bytes(response.read())
    home = tmp_path / "nb"
    site_feed = seed.base + "feeds/rss.xml"
    items = read_with_newsboat(newsboat, home, [site_feed], opml)  # already subscribed to the site feed
    urls = subscribed(home)
    themes = [u for u in urls if u != site_feed]
    assert urls[0] == site_feed and len(themes) == len(list((seed.project / "docs/feeds/themes").glob("*.atom.xml")))
    for url in urls:
        served = seed.feed(url.removeprefix(seed.base))
        assert served.entries, url  # no theme of the seed site is empty
        mine = [i for i in items if i.feed == url]
        assert sorted(i.guid for i in mine) == sorted(e.id for e in served.entries), url  # not one missing
        assert {i.guid: i.title for i in mine} == {e.id: e.title for e in served.entries}, url
    assert len({i.guid for i in items}) == len(items)  # a GUID belongs to one feed


# --- dates in other time zones, through feedparser --------------------------------------------------

_LOCAL_DAYS = """
import calendar, json, sys, time
import feedparser
feed = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps([[e.id, time.strftime("%Y-%m-%d", time.localtime(calendar.timegm(e.published_parsed)))]
                  for e in feed.entries]))
"""


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("path", ["feeds/rss.xml", "feeds/atom.xml"])
def test_a_reader_in_another_time_zone_sees_the_days_date_in_the_listings_order(seed, zone, path):
    papers = {p["id"]: p for p in seed.papers()}
    data = (seed.project / "docs" / path).read_bytes()
    done = subprocess.run(
        [sys.executable, "-c", _LOCAL_DAYS], input=data, capture_output=True, check=True, env=dict(os.environ, TZ=zone)
    )
    shown = json.loads(done.stdout)
    assert shown and all(day == papers[paper_id(guid)]["first_seen"] for guid, day in shown)
    assert [paper_id(guid) for guid, _ in shown] == listing_order([papers[paper_id(g)] for g, _ in shown])


# --- hostile titles --------------------------------------------------------------------------------


def test_hostile_titles_reach_newsboat_as_they_are(newsboat, hostile, tmp_path):
    titles = {p["id"]: p["title"] for p in hostile.papers()}
    assert len(titles) == 7 and any("<b onmouseover" in t for t in titles.values())
    feeds = [hostile.base + "feeds/rss.xml", hostile.base + "feeds/atom.xml"]
    items = read_with_newsboat(newsboat, tmp_path / "nb", feeds)
    for url in feeds:
        assert {paper_id(i.guid): i.title for i in items if i.feed == url} == titles, url
