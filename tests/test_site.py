"""The built site: a real `mkdocs build --strict` of the shipped dumps, inspected with an HTML parser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import lxml.etree
import lxml.html
import pytest

from generator.check import Report, check_site_links

from .conftest import DUMPS, ROOT, make_project


def build_site(project: Path, dumps: Path) -> subprocess.CompletedProcess[str]:
    for path in dumps.glob("*.txt"):
        shutil.copy(path, project / "dumps" / path.name)
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [sys.executable, "-m", "generator", "site"], cwd=project, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("site"))
    done = build_site(project, DUMPS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return project


def html(site: Path, rel: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((site / "site" / rel).read_bytes())


def papers(site: Path) -> list[dict]:
    return json.loads((site / "docs/data/papers.json").read_text())["papers"]


def test_every_paper_is_new_on_exactly_one_day_page_and_on_each_theme_page(site):
    new_on: dict[str, list[str]] = {}  # paper id -> the pages it is new on ("2026-11-19/2/")
    pages = sorted((site / "site/days").glob("*/index.html")) + sorted((site / "site/days").glob("*/*/index.html"))
    for page in pages:
        for h3 in html(site, str(page.relative_to(site / "site"))).cssselect(".digest-paper h3[id]"):
            new_on.setdefault(h3.get("id"), []).append(page.parent.relative_to(site / "site/days").as_posix() + "/")
    all_papers = papers(site)
    assert len(all_papers) == 431
    assert len(pages) > 5  # the busiest days come in parts
    for paper in all_papers:
        (where,) = new_on.get(paper["id"], [])
        assert re.fullmatch(rf"{paper['first_seen']}/(\d+/)?", where), (paper["id"], where)
        for theme in paper["themes"]:
            hrefs = {a.get("href") for a in html(site, f"themes/{theme}/index.html").cssselect("article a")}
            assert f"../../days/{where}#{paper['id']}" in hrefs, (theme, paper["id"])


def test_every_internal_link_resolves(site):
    tree = {p.relative_to(site / "site").as_posix(): p.read_bytes() for p in (site / "site").rglob("*") if p.is_file()}
    report = Report()
    check_site_links(tree, "https://example.github.io/digest/", report)
    assert report.problems == []
    assert report.counts["site links"] > 2000


def test_day_page_sections_follow_the_taxonomy_and_form_the_toc(site):
    page = html(site, "days/2026-06-10/index.html")
    headings = [h.get("id") for h in page.cssselect("article h2[id]")]
    taxonomy = [t for t in json.loads(json.dumps(_taxonomy_ids()))]
    themed = [h for h in headings if h in taxonomy]
    assert themed == sorted(themed, key=taxonomy.index) and themed
    toc = [a.get("href") for a in page.cssselect("nav.md-nav--secondary a")]
    assert [f"#{h}" for h in headings] == toc
    counts = sum(
        int(h.text_content().rsplit("(", 1)[1].split(")")[0])
        for h in page.cssselect("article h2[id]")
        if h.get("id") in taxonomy
    )
    assert counts == sum(1 for p in papers(site) if p["first_seen"] == "2026-06-10")


def _taxonomy_ids() -> list[str]:
    import yaml

    return [t["id"] for t in yaml.safe_load((ROOT / "themes.yml").read_text())["themes"]]


def test_paper_block_has_meta_theme_links_abstract_and_lookups(site):
    paper = next(p for p in papers(site) if p["organization"])
    block = html(site, f"days/{paper['first_seen']}/index.html").get_element_by_id(paper["id"]).getparent()
    assert block.cssselect("h3")[0].text == paper["title"]
    assert block.cssselect("h3 > a.headerlink")[0].get("href") == f"#{paper['id']}"
    assert paper["organization"] in block.cssselect(".digest-meta")[0].text_content()
    assert [a.get("href") for a in block.cssselect(".digest-tags a")] == [f"../../themes/{t}/" for t in paper["themes"]]
    assert block.cssselect(".digest-abstract")[0].text_content() == " ".join(paper["abstract"].split())
    assert [a.text for a in block.cssselect(".digest-lookup a")] == ["arXiv", "Hugging Face", "Semantic Scholar"]


def test_seen_again_links_to_first_appearance_and_day_navigation(site):
    repeated = [p for p in papers(site) if len({s["date"] for s in p["sightings"]}) > 1]
    assert repeated
    paper = repeated[0]
    later = sorted({s["date"] for s in paper["sightings"]})[-1]
    page = html(site, f"days/{later}/index.html")
    links = {a.get("href") for a in page.cssselect("#seen-again ~ ul a")}
    assert any(re.fullmatch(rf"\.\./{paper['first_seen']}/(\d+/)?#{paper['id']}", link) for link in links), links
    nav_text = page.cssselect(".digest-daynav")[0].text_content()
    assert "All days" in nav_text


def test_every_page_advertises_the_feeds_and_makes_no_external_request(site):
    pages = list((site / "site").rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        doc = lxml.html.fromstring(path.read_bytes())
        alternates = {link.get("type") for link in doc.cssselect('head link[rel="alternate"]')}
        assert {"application/rss+xml", "application/atom+xml", "application/feed+json"} <= alternates, path
        for element in doc.xpath(
            "//script[@src] | //link[@href][not(@rel='alternate') and not(@rel='canonical')]"
            " | //img[@src] | //iframe | //source"
        ):
            url = element.get("src") or element.get("href")
            assert not url.startswith(("http:", "https:", "//")), (path, url)
        assert "fonts.googleapis" not in path.read_text()


def test_theme_page_has_description_count_feed_and_months(site):
    page = html(site, "themes/neuroscience/index.html")
    text = page.cssselect("article")[0].text_content()
    count = sum(1 for p in papers(site) if "neuroscience" in p["themes"])
    assert f"{count} papers" in text
    hrefs = {a.get("href") for a in page.cssselect("article a")}
    assert "../../feeds/themes/neuroscience.xml" in hrefs
    months = [h.text_content() for h in page.cssselect("article h2")]
    assert months and months[0].startswith("November 2026")
    theme_feeds = {link.get("href") for link in page.cssselect('head link[rel="alternate"]')}
    assert any(h.endswith("feeds/themes/neuroscience.xml") for h in theme_feeds)


def test_stats_page_draws_static_svg_charts_without_javascript(site):
    page = html(site, "stats/index.html")
    svgs = page.cssselect("article svg")
    assert len(svgs) == 2
    assert all(svg.cssselect("title") for svg in svgs)
    assert not page.cssselect("article script")
    assert page.cssselect("article table tr")


def test_home_and_archive(site):
    home = html(site, "index.html").cssselect("article")[0]
    assert "20 November 2026" in home.text_content()
    assert "../days/2026-11-20/" not in {a.get("href") for a in home.cssselect("a")}
    assert "days/2026-11-20/" in {a.get("href") for a in home.cssselect("a")}
    assert "feeds/opml.xml" in {a.get("href") for a in home.cssselect("a")}
    archive = html(site, "archive/index.html").cssselect("article")[0]
    assert [h.text_content().rstrip("¶") for h in archive.cssselect("h2")] == ["November 2026", "June 2026", "May 2026"]
    assert {"2026/", "2025/"} <= {a.get("href") for a in archive.cssselect("a")}
    older = html(site, "archive/2025/index.html").cssselect("article")[0]
    assert [h.text_content().rstrip("¶") for h in older.cssselect("h2")] == ["December 2025"]
    assert "../../days/2025-12-11/" in {a.get("href") for a in older.cssselect("a")}


def test_light_dark_toggle_instant_navigation_and_search_index(site):
    page = (site / "site/index.html").read_text()
    assert 'data-md-color-scheme="slate"' in page and 'data-md-color-scheme="default"' in page
    assert '"navigation.instant"' in page
    # One Pagefind bundle per month of the newest half-year, then per half-year, newest
    # first, each a whole index (the seed days: Nov, Jun and May 2026, Dec 2025).
    bundles = json.loads((site / "site/pagefind/bundles.json").read_text())["bundles"]
    assert bundles == ["2026-11/", "2026-h1/", "2025-h2/"]
    for bundle in bundles:
        assert (site / "site/pagefind" / bundle / "pagefind-entry.json").is_file()
        # what search.js loads is there (pagefind.js, its WebAssembly); Pagefind's own UIs, its
        # worker and its WebAssembly for no known language are not (the browser tests load it all)
        shipped = {p.name for p in (site / "site/pagefind" / bundle).iterdir()}
        assert {"pagefind.js", "wasm.en.pagefind"} <= shipped
        assert not {n for n in shipped if n.startswith(("pagefind-ui", "pagefind-component", "pagefind-modular"))}
        assert not shipped & {"pagefind-worker.js", "wasm.unknown.pagefind"}
    assert (site / "site/search/index.html").is_file()


def test_the_archive_is_published_gzipped_and_equal_to_the_one_in_docs(site):
    import gzip

    published = site / "site/data/papers.json.gz"
    assert gzip.decompress(published.read_bytes()) == (site / "docs/data/papers.json").read_bytes()
    assert not (site / "site/data/papers.json").exists()


def test_each_theme_feed_and_its_opml_entry_lead_to_the_themes_page(site):
    import feedparser

    site_url = "https://example.github.io/digest/"
    opml = lxml.etree.fromstring((site / "site/feeds/opml.xml").read_bytes())
    outlines = {o.get("xmlUrl"): o.get("htmlUrl") for o in opml.iter("outline")}
    for theme in _taxonomy_ids():
        feed = feedparser.parse((site / f"site/feeds/themes/{theme}.xml").read_bytes())
        assert feed.feed.link == outlines[f"{site_url}feeds/themes/{theme}.xml"] == f"{site_url}themes/{theme}/"
        page = html(site, f"themes/{theme}/index.html")
        assert f"../../feeds/themes/{theme}.xml" in {a.get("href") for a in page.cssselect("a")}


def test_the_end_of_each_page_leads_on(site):
    # a reader at the bottom of a long page finds the next part of the day, or the days around it
    for day_dir in sorted(p for p in (site / "site/days").iterdir() if p.is_dir()):
        day = day_dir.name
        parts = sorted(int(p.name) for p in day_dir.iterdir() if p.is_dir() and p.name.isdigit())
        pages = [(1, f"days/{day}/index.html")] + [(n, f"days/{day}/{n}/index.html") for n in parts]
        for i, (n, rel) in enumerate(pages):
            article = html(site, rel).cssselect("article")[0]
            end = article.cssselect("nav.digest-daynav--end")
            assert end, rel
            # nothing but the page's own closing comes after it
            assert not end[0].xpath("following::*[contains(@class, 'digest-paper')]"), rel
            hrefs = [a.get("href") for a in end[0].cssselect("a")]
            assert any(h.endswith("archive/") for h in hrefs), rel
            if i + 1 < len(pages):
                following = pages[i + 1][0]
                want = f"{following}/" if n == 1 else f"../{following}/"
                assert hrefs[0] == want and f"{(following - 1) * 60 + 1}–" in end[0].text_content(), (rel, hrefs)
            elif len(pages) > 1:
                assert hrefs[0] == "../" and "Back to papers 1–60" in end[0].text_content(), (rel, hrefs)
    assert any((site / "site/days").glob("*/2/index.html"))  # the seeds have a day in parts


def test_theme_months_and_archive_months_are_reachable_from_the_top(site):
    archive = html(site, "archive/index.html").cssselect("article")[0]
    months = [a.get("href") for a in archive.cssselect("nav.digest-months a")]
    assert (
        months
        == [f"#{h.get('id')}" for h in archive.cssselect("h2[id^='m']")]
        == ["#m2026-11", "#m2026-06", "#m2026-05"]
    )
    # a one-month year needs no list
    assert not html(site, "archive/2025/index.html").cssselect("nav.digest-months")
    # a year's page leads to the years beside it
    older = {a.text_content(): a.get("href") for a in html(site, "archive/2025/index.html").cssselect("article a")}
    newer = {a.text_content(): a.get("href") for a in html(site, "archive/2026/index.html").cssselect("article a")}
    assert older.get("2026 →") == "../2026/" and "← 2024" not in older
    assert newer.get("← 2025") == "../2025/" and "2027 →" not in newer


def test_the_not_found_page_leads_back_into_the_site(site):
    page = html(site, "404.html").cssselect("article")[0]
    assert "Page not found" in page.text_content()
    links = [a.get("href") for a in page.cssselect("a")]
    # served for any missing address, at any depth: links from the site's root
    assert links == ["/digest/", "/digest/archive/", "/digest/themes/", "/digest/search/"]
    for link in links:
        assert (site / "site" / link.removeprefix("/digest/") / "index.html").is_file(), link
