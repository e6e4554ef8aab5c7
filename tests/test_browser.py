"""The built site in a real headless browser: Debian's Chromium driven by Playwright from PyPI.

The site is built once per module from the shipped dumps plus one hostile dump, served on
127.0.0.1 by a server the tests start and stop, and every page is watched for console errors,
uncaught exceptions, dialogs, failed responses and any request that leaves 127.0.0.1.
Screenshots of every step go to test-artifacts/browser/ (git-ignored).
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest
import yaml

from .conftest import DUMPS, HEADER_A, ROOT, entry_a, make_project
from .test_site import build_site

CHROMIUM = Path(os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium"))  # Debian's; never `playwright install`
if not CHROMIUM.is_file():
    pytest.skip(
        f"browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium "
        "(tests/tools/setup.sh does it when run as root)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright (pip install playwright)")
expect = sync_api.expect

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
HOSTILE_TITLE = "<script>alert(1)</script> Hostile Title Probe"
HOSTILE_DAY = "2026-11-21"  # after the last shipped dump, so it becomes the latest day
REVISED_WORD = "quokkaphile"  # in the revision's new last sentence, in no other paper
VIEWPORT = {"width": 1280, "height": 900}  # wide enough for Material's sidebar navigation
TIMEOUT_MS = 10_000


# --- the site, the server and the browser ------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Path, str]]:
    """(project, base URL): the shipped dumps plus one dump whose title is an HTML script tag, built
    once and its site/ folder served at http://127.0.0.1:<free port>/ until the module ends.

    The copy's site_url is set to that address, as `mkdocs serve` does: Material's instant
    navigation only takes over links listed in sitemap.xml, whose URLs come from site_url, so with
    the shipped https://example.github.io/digest/ every click here would be a full page load.
    """
    project = make_project(tmp_path_factory.mktemp("browser-site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(project / "site")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/"
        config = project / "mkdocs.yml"
        text, count = re.subn(r"(?m)^site_url:.*$", f"site_url: {base_url}", config.read_text(encoding="utf-8"))
        assert count == 1, "mkdocs.yml has no site_url line"
        config.write_text(text, encoding="utf-8")
        header = HEADER_A.replace("Jun 10", "Nov 21")
        abstract = "A probe that checks the site escapes dump text instead of running it as markup."
        title, _then, now = revised_seed_paper()
        hostile = header + entry_a(HOSTILE_TITLE, abstract) + entry_a(title, now)
        (project / "dumps" / f"{HOSTILE_DAY}.txt").write_text(hostile, encoding="utf-8")
        done = build_site(project, DUMPS)
        assert done.returncode == 0, done.stdout + done.stderr
        thread.start()
        yield project, base_url
    finally:
        if thread.is_alive():
            server.shutdown()
            thread.join(timeout=5)
        server.server_close()


def revised_seed_paper() -> tuple[str, str, str]:
    """(title, abstract, revised abstract) of a paper of the shipped 2026-05-07 dump (whose last
    sentence holds words no other paper holds), the revision (that sentence replaced) seen on
    HOSTILE_DAY: a paper revised after its half-year's search bundle was made."""
    from generator.files import read_dumps
    from generator.parse import parse_dump

    [dump] = [d for d in read_dumps(DUMPS) if d.name == "2026-05-07.txt"]
    [first] = [e for e in parse_dump(dump)[0] if e.title.startswith("Metacognitive Reuse:")]
    kept = first.abstract.rstrip(".").rsplit(". ", 1)[0]
    return first.title, first.abstract, f"{kept}. A {REVISED_WORD} probe sentence replaces the last one."


@pytest.fixture(scope="module")
def project(served: tuple[Path, str]) -> Path:
    return served[0]


@pytest.fixture(scope="module")
def base_url(served: tuple[Path, str]) -> str:
    return served[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # launch() gives every run a fresh temporary user data dir; never `playwright install`.
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """What a page did that a healthy page never does."""

    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.external == [], f"requests leaving 127.0.0.1: {self.external}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"
        assert self.page_errors == [], f"uncaught exceptions: {self.page_errors}"
        assert self.failed == [], f"failed responses: {sorted(set(self.failed))}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


NOT_LOCAL = re.compile(r"^(?!(https?://127\.0\.0\.1[:/]|data:|blob:|about:))")


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1"


def _open_context(browser, watch: Watch, color_scheme: str = "light"):
    context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)

    def on_request(request) -> None:
        if not _is_local(request.url):
            watch.external.append(request.url)

    context.on("request", on_request)
    # Recorded above; never let it reach the network, so a leak cannot hang or flake the test. A
    # regex (matched inside the browser driver) keeps local requests off the slow Python route path.
    context.route(NOT_LOCAL, lambda route: route.abort())
    return context


def _watch_page(page, watch: Watch) -> None:
    page.on(
        "console",
        lambda msg: watch.console_errors.append(f"{msg.text} @ {msg.location}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.on("response", lambda r: watch.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def on_dialog(dialog) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser, watch: Watch):
    """A fresh context (own storage, light preference) and page, watched from its first request."""
    context = _open_context(browser, watch)
    page = context.new_page()
    _watch_page(page, watch)
    try:
        yield page
    finally:
        context.close()


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def papers(project: Path) -> list[dict]:
    return json.loads((project / "docs/data/papers.json").read_text(encoding="utf-8"))["papers"]


def theme_name(project: Path, theme_id: str) -> str:
    themes = yaml.safe_load((project / "themes.yml").read_text(encoding="utf-8"))["themes"]
    return next(t["name"] for t in themes if t["id"] == theme_id)


def primary_nav_link(page, text: str):
    """A visible link of the sidebar navigation (not the table of contents' link of the same name)."""
    pattern = re.compile(rf"^\s*{re.escape(text)}\s*$")
    return page.locator("nav.md-nav--primary a.md-nav__link").filter(has_text=pattern, visible=True).first


def heading_text(page, paper_id: str) -> str:
    """A paper heading's text without its permalink sign."""
    return page.evaluate(
        "id => Array.from(document.getElementById(id).childNodes)"
        ".filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('')",
        paper_id,
    )


def expect_at_anchor(page, path: str, anchor: str) -> None:
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}#{re.escape(anchor)}$"))
    assert urlsplit(page.url).fragment == anchor
    target = page.locator(f"[id='{anchor}']")
    expect(target).to_have_count(1)
    expect(target).to_be_in_viewport()


# --- the tests -----------------------------------------------------------------------------------


def test_served_at_root_with_relative_links(project: Path) -> None:
    """Pages link relatively, so site/ works served at / here and under the shipped site_url's /digest/."""
    home = lxml.html.fromstring((project / "site/index.html").read_bytes())
    for element in home.xpath("//script[@src] | //link[@href][@rel='stylesheet'] | //a[@href]"):
        url = element.get("src") or element.get("href")
        assert not url.startswith("/"), url  # a root-absolute link would break under /digest/


def test_home_page_loads_without_console_errors_or_external_requests(page, watch: Watch, base_url: str) -> None:
    page.goto(base_url, wait_until="networkidle")
    expect(page.locator("article h1").first).to_be_visible()
    # The Material stylesheet really applied (a relative link that failed would leave it unstyled).
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
    shot(page, "01-home")
    watch.assert_clean()


def test_theme_from_navigation_then_paper_lands_on_its_anchor(page, watch: Watch, base_url: str, project: Path) -> None:
    page.goto(base_url, wait_until="networkidle")
    primary_nav_link(page, "Themes").click()
    expect(page).to_have_url(re.compile(r"/themes/$"))
    name = theme_name(project, "neuroscience")
    primary_nav_link(page, name).click()
    expect(page).to_have_url(re.compile(r"/themes/neuroscience/$"))
    expect(page.locator("article h1").first).to_contain_text(name)
    shot(page, "02-theme-page")

    link = page.locator("article a[href*='days/'][href*='#']").first
    href = link.get_attribute("href")
    day, part, anchor = re.search(r"days/(\d{4}-\d{2}-\d{2})/(\d+/)?#(.+)$", href).groups()
    paper = next(p for p in papers(project) if p["id"] == anchor)
    assert paper["first_seen"] == day and "neuroscience" in paper["themes"]
    link.click()
    expect_at_anchor(page, f"/days/{day}/{part or ''}", anchor)
    assert heading_text(page, anchor) == paper["title"]
    shot(page, "03-paper-anchor")
    watch.assert_clean()


def distinctive_word(all_papers: list[dict]) -> tuple[str, dict]:
    """A word of 8+ letters in exactly one paper's abstract, and in no other paper's title or abstract."""
    in_abstracts: Counter[str] = Counter()
    for paper in all_papers:
        in_abstracts.update(set(re.findall(r"[a-z]{8,}", paper["abstract"].lower())))
    texts = [(p["title"] + " " + p["abstract"]).lower() for p in all_papers]
    for word in sorted(w for w, n in in_abstracts.items() if n == 1):
        # substring check: no other paper holds the word inside a longer word either
        owners = [p for p, text in zip(all_papers, texts, strict=True) if word in text]
        if len(owners) == 1:
            return word, owners[0]
    raise AssertionError("no distinctive word in the seed abstracts")


def test_search_lists_the_paper_and_opens_it(page, watch: Watch, base_url: str, project: Path) -> None:
    word, paper = distinctive_word([p for p in papers(project) if p["title"] != HOSTILE_TITLE])
    page.goto(base_url, wait_until="networkidle")
    page.evaluate("window.__same_document__ = true")
    primary_nav_link(page, "Search").click()
    expect(page).to_have_url(re.compile(r"/search/$"))
    # Instant navigation swapped the page in place, so search.js had to mount through document$.
    assert page.evaluate("window.__same_document__ === true"), "the click reloaded the page: instant navigation is off"
    box = page.locator("#digest-search .digest-search__input")
    expect(box).to_be_visible()
    box.press_sequentially(word, delay=20)
    hit = page.locator(f"#digest-search a.digest-result__title[href*='#{paper['id']}']").first
    expect(hit).to_have_text(paper["title"])  # the paper's own title, not its day page's
    shot(page, "04-search-results")
    hit.click()
    expect_at_anchor(page, f"/days/{paper['first_seen']}/", paper["id"])
    shot(page, "05-search-landed")
    watch.assert_clean()


def scheme(page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def test_light_dark_toggle_switches_the_palette(page, watch: Watch, base_url: str) -> None:
    page.goto(base_url, wait_until="networkidle")
    assert scheme(page) == "default"
    page.locator("form[data-md-component='palette'] label[title='Switch to dark mode']").click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    shot(page, "06-dark")
    page.locator("form[data-md-component='palette'] label[title='Switch to light mode']").click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "default")
    shot(page, "07-light-again")
    watch.assert_clean()


SITE_FEEDS = {
    "application/rss+xml": "feeds/rss.xml",
    "application/atom+xml": "feeds/atom.xml",
    "application/feed+json": "feeds/feed.json",
}


FEED_PAGES = ["", "archive/", "themes/", "themes/neuroscience/", f"days/{HOSTILE_DAY}/", "stats/", "search/", "about/"]


def test_every_page_head_advertises_feeds_that_serve_xml_and_json(page, watch: Watch, base_url: str) -> None:
    checked: set[str] = set()
    for path in FEED_PAGES:
        page.goto(base_url + path, wait_until="load")
        links = page.locator("head link[rel='alternate']")
        found = [
            (links.nth(i).get_attribute("type"), urljoin(page.url, links.nth(i).get_attribute("href")))
            for i in range(links.count())
        ]
        assert {(kind, urljoin(base_url, SITE_FEEDS[kind])) for kind in SITE_FEEDS} <= set(found), (path, found)
        for kind, url in found:
            assert _is_local(url), url
            if url not in checked:
                checked.add(url)
                assert_feed(url, kind)
    # theme pages add their own theme's RSS and Atom feeds
    assert {
        urljoin(base_url, "feeds/themes/neuroscience.xml"),
        urljoin(base_url, "feeds/themes/neuroscience.atom.xml"),
    } <= checked
    watch.assert_clean()


def assert_feed(url: str, kind: str) -> None:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200, url
        body = response.read()
    if kind == "application/feed+json":
        assert json.loads(body)["version"].startswith("https://jsonfeed.org/version/"), url
    else:
        root = lxml.etree.fromstring(body)
        assert lxml.etree.QName(root).localname == ("rss" if kind == "application/rss+xml" else "feed"), url


def test_script_in_a_title_shows_as_text_and_runs_nothing(page, watch: Watch, base_url: str, project: Path) -> None:
    paper = next(p for p in papers(project) if p["title"] == HOSTILE_TITLE)
    page.goto(f"{base_url}days/{paper['first_seen']}/#{paper['id']}", wait_until="load")
    heading = page.locator(f"h3[id='{paper['id']}']")
    expect(heading).to_have_count(1)
    assert heading_text(page, paper["id"]) == HOSTILE_TITLE
    shot(page, "08-hostile-title-day")
    page.goto(f"{base_url}themes/{paper['themes'][0]}/", wait_until="load")
    link = page.locator(f"article a[href$='#{paper['id']}']")
    expect(link).to_have_count(1)
    assert link.text_content() == HOSTILE_TITLE
    shot(page, "09-hostile-title-theme")
    # The search page renders the title as a result: still text, still no dialog.
    page.goto(f"{base_url}search/", wait_until="load")
    page.locator("#digest-search .digest-search__input").fill("Hostile Title Probe")
    hit = page.locator(f"#digest-search a.digest-result__title[href*='#{paper['id']}']").first
    expect(hit).to_have_text(HOSTILE_TITLE)
    shot(page, "10-hostile-title-search")
    watch.assert_clean()


# --- day pages made for scanning ------------------------------------------------------------------

BUSIEST_DAY = "2026-11-19"  # 204 new papers: the busiest shipped day
UPVOTED_DAY = "2026-06-10"  # some papers with upvotes, some without
PHONE = {"width": 390, "height": 844}


def _context(browser, watch: Watch, **options):
    """A watched context with other options (JavaScript off, a phone's viewport...)."""
    context = browser.new_context(viewport=options.pop("viewport", VIEWPORT), service_workers="block", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.on("request", lambda request: None if _is_local(request.url) else watch.external.append(request.url))
    context.route(NOT_LOCAL, lambda route: route.abort())
    return context


def day_papers(project: Path, day: str) -> list[dict]:
    return [p for p in papers(project) if p["first_seen"] == day]


def test_abstract_opens_without_javascript(browser, base_url: str, project: Path) -> None:
    """No script: the opening shows, the rest of the abstract is one click away (<details>)."""
    watch = Watch()
    context = _context(browser, watch, java_script_enabled=False)
    try:
        page = context.new_page()
        _watch_page(page, watch)
        page.goto(f"{base_url}days/{BUSIEST_DAY}/", wait_until="load")
        assert page.locator(".digest-toolbar").count() == 0  # the script's tools are not there
        details = page.locator("details.digest-abstract").first
        expect(details).not_to_have_attribute("open", "")
        rest = details.locator("p")
        expect(rest).to_be_hidden()
        expect(details.locator("summary")).to_be_visible()
        shot(page, "11-day-no-js-compact")
        details.locator("summary").click()
        expect(rest).to_be_visible()
        expect(details).to_have_attribute("open", "")
        # The opening and the rest are the paper's whole abstract.
        block = details.locator("xpath=ancestor::div[contains(@class, 'digest-paper')]")
        paper_id = block.locator("h3").get_attribute("id")
        paper = next(p for p in papers(project) if p["id"] == paper_id)
        shown = details.locator("summary").text_content() + rest.text_content()
        assert shown == " ".join(paper["abstract"].split())
        shot(page, "12-day-no-js-opened")
        watch.assert_clean()
    finally:
        context.close()


def test_closed_abstract_is_found_by_find_in_page(page, watch: Watch, base_url: str) -> None:
    """A word only in the hidden rest of an abstract is found by the browser's find (Chromium's
    find-in-page opens the <details> that holds it; window.find, its scripted form, only finds).
    Text a page really hides (display: none) is not found: the control below."""
    page.goto(f"{base_url}days/{BUSIEST_DAY}/", wait_until="networkidle")
    details = page.locator("details.digest-abstract").nth(3)
    expect(details).not_to_have_attribute("open", "")
    words = re.findall(r"[A-Za-z]{9,}", details.locator("p").text_content())
    opening = page.locator("article").text_content().split(details.locator("p").text_content())[0]
    word = next(w for w in words if w not in opening)  # not found earlier on the page
    assert page.evaluate("w => window.find(w)", word)
    page.evaluate("() => { window.getSelection().removeAllRanges(); window.scrollTo(0, 0); }")
    details.locator("p").evaluate("p => { p.style.display = 'none'; }")
    assert not page.evaluate("w => window.find(w)", word)
    watch.assert_clean()


def test_compact_full_switch_is_remembered(page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}days/{BUSIEST_DAY}/", wait_until="networkidle")
    switch = page.locator(".digest-toolbar__view")
    expect(switch).to_have_attribute("aria-pressed", "false")
    closed = "Array.from(document.querySelectorAll('details.digest-abstract')).filter(d => !d.open).length"
    assert page.evaluate(closed) > 0
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(closed) == 0
    shot(page, "13-day-full")
    # Remembered: another day, and the same one reloaded, open in full.
    page.goto(f"{base_url}days/{BUSIEST_DAY}/2/", wait_until="networkidle")
    expect(page.locator(".digest-toolbar__view")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(closed) == 0
    page.locator(".digest-toolbar__view").click()
    page.reload(wait_until="networkidle")
    expect(page.locator(".digest-toolbar__view")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(closed) > 0
    watch.assert_clean()


def _shown(page) -> list[dict]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('section.digest-papers')).map(section => ({
            theme: section.previousElementSibling.id,
            hidden: section.hidden || section.previousElementSibling.hidden,
            papers: Array.from(section.querySelectorAll('.digest-paper')).filter(p => !p.hidden)
                .map(p => p.querySelector('h3').id),
        }))"""
    )


def _contents(page) -> list[str]:
    """The page's table of contents: the sections its entries shown lead to."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.md-nav--secondary a.md-nav__link'))
            .filter(a => a.checkVisibility()).map(a => '#' + a.href.split('#')[1])"""
    )


def test_filter_by_theme_and_sort_on_a_day_page(page, watch: Watch, base_url: str, project: Path) -> None:
    day = day_papers(project, UPVOTED_DAY)
    by_id = {p["id"]: p for p in day}
    page.goto(f"{base_url}days/{UPVOTED_DAY}/", wait_until="networkidle")

    def position(paper_id: str) -> int:
        return by_id[paper_id]["sightings"][0]["position"]

    # The page's own order, within each theme: upvotes (most first) where known, then the listing.
    for section in _shown(page):
        expected = sorted(
            section["papers"], key=lambda i: (by_id[i]["upvotes"] is None, -(by_id[i]["upvotes"] or 0), position(i))
        )
        assert section["papers"] == expected, section["theme"]
    assert any(by_id[i]["upvotes"] for s in _shown(page) for i in s["papers"][:1])

    page.locator(".digest-toolbar__sort").select_option("listing")
    for section in _shown(page):
        assert section["papers"] == sorted(section["papers"], key=position), section["theme"]
    shot(page, "14-day-sorted-by-listing")

    # Filter: a secondary theme too, so papers come from several sections (on a one-page day
    # that has a paper with a secondary theme).
    filter_day = next(
        d for d in (UPVOTED_DAY, "2026-05-07", "2025-12-11") if any(p["themes"][1:] for p in day_papers(project, d))
    )
    day = day_papers(project, filter_day)
    if filter_day != UPVOTED_DAY:
        page.goto(f"{base_url}days/{filter_day}/", wait_until="networkidle")
    counts = Counter(t for p in day for t in p["themes"])
    theme = next(t for t, _ in counts.most_common() if any(t in p["themes"][1:] for p in day))
    page.locator(".digest-toolbar__filter").select_option(theme)
    shown = [i for s in _shown(page) if not s["hidden"] for i in s["papers"]]
    assert sorted(shown) == sorted(p["id"] for p in day if theme in p["themes"])
    assert all(not s["papers"] for s in _shown(page) if s["hidden"])
    expect(page.locator(".digest-toolbar__status")).to_contain_text(f"{len(shown)} of {len(day)} papers")
    # "Seen again" keeps the theme's papers only, and its heading only while it has one
    again = [
        p["id"]
        for p in papers(project)
        if p["first_seen"] < filter_day and any(s["date"] == filter_day for s in p["sightings"])
    ]
    assert again
    kept = [p["id"] for p in papers(project) if p["id"] in again and theme in p["themes"]]
    items = page.locator("#seen-again + ul.digest-list > li")
    visible = [
        urlsplit(items.nth(i).locator("a").get_attribute("href")).fragment
        for i in range(items.count())
        if items.nth(i).is_visible()
    ]
    assert sorted(visible) == sorted(kept)
    assert page.locator("#seen-again").is_visible() == bool(kept)
    # the table of contents beside the page lists the sections still shown, and only those
    tail = ["#seen-again"] if kept else []
    assert _contents(page) == ["#" + s["theme"] for s in _shown(page) if not s["hidden"]] + tail
    shot(page, "15-day-filtered")
    # a theme none of the papers seen again has: the heading goes too
    again_themes = {t for p in papers(project) if p["id"] in again for t in p["themes"]}
    lone = next(t for t in counts if t not in again_themes)
    page.locator(".digest-toolbar__filter").select_option(lone)
    expect(page.locator("#seen-again")).to_be_hidden()
    assert "#seen-again" not in _contents(page)
    page.locator(".digest-toolbar__filter").select_option("")
    assert sum(len(s["papers"]) for s in _shown(page)) == len(day)
    assert _contents(page) == ["#" + s["theme"] for s in _shown(page)] + ["#seen-again"]
    assert page.locator("#seen-again + ul.digest-list > li:visible").count() == len(again)

    # A day whose listing has no upvotes offers no sort by them; the filter stays.
    assert not any(p["upvotes"] for p in day_papers(project, BUSIEST_DAY))
    page.goto(f"{base_url}days/{BUSIEST_DAY}/", wait_until="networkidle")
    expect(page.locator(".digest-toolbar__filter")).to_be_visible()
    expect(page.locator(".digest-toolbar__sort")).to_have_count(0)
    watch.assert_clean()


def test_permalink_shows_on_hover_and_focus_and_copies(browser, base_url: str, project: Path) -> None:
    watch = Watch()
    context = _context(browser, watch, permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        _watch_page(page, watch)
        page.goto(f"{base_url}days/{BUSIEST_DAY}/2/", wait_until="networkidle")
        heading = page.locator(".digest-paper h3").nth(2)
        paper_id = heading.get_attribute("id")
        permalink = heading.locator("a.headerlink")
        # (Material's instant navigation makes links absolute.)
        assert urljoin(page.url, permalink.get_attribute("href")) == f"{base_url}days/{BUSIEST_DAY}/2/#{paper_id}"
        opacity = "el => getComputedStyle(el).opacity"
        page.mouse.move(0, 0)
        assert permalink.evaluate(opacity) == "0"
        heading.hover()
        expect(permalink).to_have_css("opacity", "1")
        page.mouse.move(0, 0)
        expect(permalink).to_have_css("opacity", "0")
        permalink.focus()  # as the Tab key does
        expect(permalink).to_have_css("opacity", "1")
        page.keyboard.press("Enter")
        expect_at_anchor(page, f"/days/{BUSIEST_DAY}/2/", paper_id)
        # Copy link: the clipboard holds the paper's permalink.
        page.evaluate("navigator.clipboard.writeText('nothing yet')")
        button = page.locator(f".digest-paper:has(h3[id='{paper_id}']) .digest-copy")
        button.click()
        expect(button).to_have_text("Link copied")
        assert page.evaluate("navigator.clipboard.readText()") == f"{base_url}days/{BUSIEST_DAY}/2/#{paper_id}"
        shot(page, "16-permalink-copied")
        # this listing has no meta line: the button, alone on its line, lines up with the title
        both = f"[id='{paper_id}'], .digest-paper:has(h3[id='{paper_id}']) .digest-copy"
        lefts = "s => [...document.querySelectorAll(s)].map(e => e.getBoundingClientRect().left)"
        title_left, button_left = page.evaluate(lefts, both)
        assert abs(title_left - button_left) < 1
        # after a meta line's text, it keeps its distance from it
        page.goto(f"{base_url}days/{UPVOTED_DAY}/", wait_until="networkidle")
        after_text = page.locator(".digest-meta:not(.digest-meta--link) .digest-copy").first
        assert after_text.evaluate("el => parseFloat(getComputedStyle(el).marginLeft)") > 4
        # The paper is where every link to it leads: papers.json's first day, the second part.
        paper = next(p for p in papers(project) if p["id"] == paper_id)
        assert paper["first_seen"] == BUSIEST_DAY
        watch.assert_clean()
    finally:
        context.close()


def test_a_link_to_a_paper_opens_its_abstract_below_the_header_and_marks_it(page, watch: Watch, base_url: str) -> None:
    # a search result, a feed item or a shared permalink: the reader asked for this paper
    page.goto(f"{base_url}days/{BUSIEST_DAY}/", wait_until="networkidle")
    block = page.locator(".digest-paper:has(details.digest-abstract)").nth(12)
    paper_id = block.locator("h3").get_attribute("id")
    other = page.locator(".digest-paper:has(details.digest-abstract)").nth(13)
    page.goto(f"{base_url}about/", wait_until="networkidle")  # from elsewhere: a whole page load
    page.goto(f"{base_url}days/{BUSIEST_DAY}/#{paper_id}", wait_until="networkidle")
    target = page.locator(f".digest-paper:has(h3[id='{paper_id}'])")
    expect(target.locator("details.digest-abstract")).to_have_attribute("open", "")
    assert other.locator("details.digest-abstract").get_attribute("open") is None  # compact elsewhere
    header = page.evaluate("document.querySelector('.md-header').getBoundingClientRect().bottom")
    top = target.locator("h3").evaluate("el => el.getBoundingClientRect().top")
    assert header <= top <= header + 60, (header, top)
    marked = "el => getComputedStyle(el).backgroundColor"
    assert target.evaluate(marked) != other.evaluate(marked) == "rgba(0, 0, 0, 0)"
    # a link within the page (the table of contents, a permalink) does the same
    second = other.locator("h3").get_attribute("id")
    page.evaluate("id => { window.location.hash = id; }", second)
    expect(other.locator("details.digest-abstract")).to_have_attribute("open", "")
    shot(page, "17-paper-linked")
    watch.assert_clean()


def test_keyboard_focus_never_hides_under_the_sticky_header(page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}days/{BUSIEST_DAY}/", wait_until="networkidle")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.locator(".md-footer a").last.focus()
    under = []
    for _ in range(80):  # backwards through the page's last papers, as a reader going back up
        page.keyboard.press("Shift+Tab")
        where = page.evaluate(
            "(() => { const e = document.activeElement; if (!e.closest('article')) return null;"
            " return [e.textContent.trim().slice(0, 30), e.getBoundingClientRect().top,"
            " document.querySelector('.md-header').getBoundingClientRect().bottom]; })()"
        )
        if where and where[1] < where[2]:
            under.append(where)
    assert under == []
    watch.assert_clean()


def test_a_printed_day_keeps_the_papers_and_drops_the_controls(page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}days/{BUSIEST_DAY}/", wait_until="networkidle")
    expect(page.locator(".digest-toolbar")).to_be_visible()
    page.emulate_media(media="print")
    for selector in (".digest-toolbar", ".digest-copy", ".digest-lookup", ".digest-daynav"):
        assert page.locator(selector).first.evaluate("el => getComputedStyle(el).display") == "none", selector
    heading = page.locator(".digest-paper h3").first
    assert heading.evaluate("el => getComputedStyle(el).breakAfter") == "avoid"  # never alone at a page's foot
    expect(heading).to_be_visible()
    watch.assert_clean()


def test_phone_reaches_the_days_themes_from_the_top(browser, base_url: str, project: Path) -> None:
    watch = Watch()
    context = _context(browser, watch, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        _watch_page(page, watch)
        page.goto(f"{base_url}days/{BUSIEST_DAY}/", wait_until="networkidle")
        themes = page.locator("nav.digest-themes a")
        expect(themes.first).to_be_in_viewport()  # on the first screen, no scrolling
        day = day_papers(project, BUSIEST_DAY)
        primary = Counter(p["themes"][0] for p in day)
        assert themes.count() == len(primary)
        shot(page, "17-phone-day-top")
        # A theme whose papers start on a later part of the day: the link leads there.
        names = {t: theme_name(project, t) for t in primary if t != "other"}
        later = page.locator("nav.digest-themes a[href*='/2/'], nav.digest-themes a[href*='/3/']").first
        label = later.text_content()
        theme = next(t for t, n in names.items() if label.startswith(n))
        later.tap()
        expect(page).to_have_url(re.compile(rf"/days/{BUSIEST_DAY}/\d/#{theme}$"))
        expect(page.locator(f"h2[id='{theme}']")).to_be_in_viewport()
        shot(page, "18-phone-day-theme")
        watch.assert_clean()
    finally:
        context.close()


# --- every page at a phone's width, in light and dark; axe-core on each ----------------------------

PAGES = {
    "home": "",
    "day-busiest": f"days/{BUSIEST_DAY}/",
    "day-busiest-part-2": f"days/{BUSIEST_DAY}/2/",
    "day-upvoted": f"days/{UPVOTED_DAY}/",
    "theme": "themes/neuroscience/",
    "themes": "themes/",
    "archive": "archive/",
    "archive-year": "archive/2026/",
    "stats": "stats/",
    "subscribe": "subscribe/",
    "about": "about/",
    "search": "search/",
}
# Checked with axe-core (the search page is checked by its own tests).
AXE_PAGES = ["home", "day-busiest", "theme", "archive", "stats", "subscribe"]
MODES = {
    "light": {"color_scheme": "light"},
    "dark": {"color_scheme": "dark"},
    "phone": {"color_scheme": "light", "viewport": PHONE, "is_mobile": True, "has_touch": True},
}
AXE_VERSION = "4.14.1"  # as tests/test_search_browser.py: its rules on by default include label-content-name-mismatch


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script, from npm (installed into .cache/axe-core/ on first use)."""
    from . import npm_package

    try:
        folder = npm_package.ensure("axe-core", AXE_VERSION)
    except npm_package.NpmError as exc:
        pytest.fail(str(exc), pytrace=False)
    return (folder / "axe.min.js").read_text(encoding="utf-8")


def _open_mode(browser, watch: Watch, mode: str):
    context = _context(browser, watch, **dict(MODES[mode]))
    page = context.new_page()
    _watch_page(page, watch)
    return context, page


def _goto(page, url: str, mode: str) -> None:
    page.goto(url, wait_until="networkidle")
    expected = "slate" if mode == "dark" else "default"
    if scheme(page) != expected:  # Material follows the media query; the toggle is the fallback
        page.locator("form[data-md-component='palette'] label").first.click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", expected)


@pytest.mark.parametrize("mode", list(MODES))
def test_axe_finds_no_serious_violation(browser, base_url: str, axe_source: str, mode: str) -> None:
    watch = Watch()
    context, page = _open_mode(browser, watch, mode)
    found = {}
    try:
        for name in AXE_PAGES:
            _goto(page, base_url + PAGES[name], mode)
            page.add_script_tag(content=axe_source)
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            serious = [
                f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                found[name] = serious
        assert found == {}
        watch.assert_clean()
    finally:
        context.close()


@pytest.mark.parametrize("mode", list(MODES))
def test_every_page_screenshot_and_no_sideways_scroll(browser, base_url: str, mode: str) -> None:
    """Full-page screenshots of every page to look at; none scrolls sideways (at 390 px too)."""
    watch = Watch()
    context, page = _open_mode(browser, watch, mode)
    try:
        wide = {}
        for name, path in PAGES.items():
            _goto(page, base_url + path, mode)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > page.viewport_size["width"]:
                wide[name] = width
            shot(page, f"page-{name}-{mode}", full_page=True)
        assert wide == {}
        watch.assert_clean()
    finally:
        context.close()


def test_chart_text_is_readable_on_a_phone(browser, base_url: str) -> None:
    """Every chart label renders at 11 px or more at 390 px wide; axes are labelled."""
    watch = Watch()
    context, page = _open_mode(browser, watch, "phone")
    try:
        for path in ("stats/", "themes/neuroscience/"):
            _goto(page, base_url + path, "phone")
            sizes = page.evaluate(
                """() => Array.from(document.querySelectorAll('svg.digest-chart text')).map(t =>
                    parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)"""
            )
            assert sizes and min(sizes) >= 11, (path, min(sizes))
            labels = page.locator("svg.digest-chart text").all_text_contents()
            assert any("first seen" in label for label in labels), path  # the time axis' title
        watch.assert_clean()
    finally:
        context.close()


def test_a_page_title_takes_no_more_lines_than_its_words_on_a_phone(browser, base_url: str) -> None:
    """The ¶ of a page title would link the page to itself; wrapped on a phone it left an empty
    line under the title. The title's box is as tall as its words."""
    watch = Watch()
    context, page = _open_mode(browser, watch, "phone")
    try:
        extra = {}
        for path in ("themes/steering/", "themes/cognition/", PAGES["day-busiest"], PAGES["stats"]):
            _goto(page, base_url + path, "phone")
            extra[path] = page.evaluate(
                """() => {
                    const title = document.querySelector('.md-content h1');
                    const walker = document.createTreeWalker(title, NodeFilter.SHOW_TEXT);
                    let top = Infinity, bottom = -Infinity;
                    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                        if (!node.textContent.trim() || node.parentElement.closest('.headerlink')) continue;
                        const range = document.createRange();
                        range.selectNodeContents(node);
                        const box = range.getBoundingClientRect();
                        top = Math.min(top, box.top); bottom = Math.max(bottom, box.bottom);
                    }
                    const box = title.getBoundingClientRect();
                    return Math.round(box.height - (bottom - top));
                }"""
            )
        assert all(px <= 12 for px in extra.values()), extra  # px beyond the words' lines
        watch.assert_clean()
    finally:
        context.close()


def test_links_in_text_are_underlined(page, watch: Watch, base_url: str) -> None:
    """Links in running text are told apart by more than their colour (WCAG 1.4.1)."""
    for name in ("home", "theme", "archive", "subscribe", "day-busiest"):
        page.goto(base_url + PAGES[name], wait_until="networkidle")
        plain = page.evaluate(
            """() => Array.from(document.querySelectorAll('article p a, article li a, article td a'))
                .filter(a => !a.closest('nav.digest-themes') && !a.matches('.digest-tag, .headerlink'))
                .filter(a => !getComputedStyle(a).textDecorationLine.includes('underline'))
                .map(a => a.textContent)"""
        )
        assert plain == [], name
    watch.assert_clean()
