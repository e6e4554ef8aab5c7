# ruff: noqa: F811  (the fixtures imported from test_browser.py are parameters of these tests)
"""Paper search in a real headless Chromium: the header's box, one result per paper, filters,
order, the address, an absent word, no JavaScript, and axe-core on the results in light, dark
and at 390 px. The site is the shipped dumps plus the hostile one (tests/test_browser.py's
fixtures); screenshots go to test-artifacts/browser/search-*.png.

The expected papers are computed from data/papers.json with the rule Pagefind applies: a query
word's English Snowball stem matches every indexed word whose stem starts with it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import snowballstemmer

from generator.render import long_date

from .conftest import ROOT
from .test_browser import (  # noqa: F401  (fixtures)
    CHROMIUM_ARGS,
    REVISED_WORD,
    TIMEOUT_MS,
    Watch,
    _open_context,
    _watch_page,
    base_url,
    browser,
    expect,
    page,
    papers,
    project,
    revised_seed_paper,
    served,
    shot,
    watch,
)

WORD = "creativity"  # "creative", "creatively", "creativity": one stem, no other word shares it
AXE_VERSION = "4.14.1"
AXE_PREFIX = ROOT / ".cache" / "axe-core"
AXE_SCRIPT = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
_STEMMER = snowballstemmer.stemmer("english")


def _words(text: str) -> set[str]:
    """A paper's words the two ways Pagefind may split them (at hyphens and other punctuation,
    or at spaces only with the punctuation dropped)."""
    lower = text.lower()
    return set(re.findall(r"[a-z0-9]+", lower)) | {re.sub(r"[^a-z0-9]", "", w) for w in lower.split()}


def expected_papers(all_papers: list[dict], word: str) -> list[dict]:
    stem = _STEMMER.stemWord(word.lower())
    return [
        p
        for p in all_papers
        if any(_STEMMER.stemWord(w).startswith(stem) for w in _words(p["title"] + " " + p["abstract"]) if w)
    ]


def results(page) -> list[str]:
    """The paper ids the results link to (their anchors), in order."""
    expect(page.locator("#digest-search")).to_have_attribute("data-state", "ready")
    links = page.locator(".digest-result__title")
    return [urlsplit(links.nth(i).get_attribute("href")).fragment for i in range(links.count())]


def test_the_header_box_searches_from_any_page(page, watch: Watch, base_url: str, project: Path) -> None:
    want = expected_papers(papers(project), WORD)
    assert 5 <= len(want) <= 20, "the word should give a list that fits one page of results"
    page.goto(base_url + "about/", wait_until="networkidle")
    box = page.locator("header #digest-searchbox-input")
    expect(box).to_be_visible()
    expect(page.locator("label[for='digest-searchbox-input']")).to_have_text("Search papers")
    page.keyboard.press("/")
    expect(box).to_be_focused()
    box.press_sequentially(WORD, delay=10)
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/search/\?q={WORD}$"))
    found = results(page)
    assert sorted(found) == sorted(p["id"] for p in want)
    expect(page.locator(".digest-search__status")).to_have_text(f"{len(want)} papers match “{WORD}”.")
    # focus is on the answer, and the next Tab reaches the first result
    expect(page.locator(".digest-search__status")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".digest-result__title").first).to_be_focused()
    # Escape empties the header's box, and a second Escape leaves it
    header = page.locator("header #digest-searchbox-input")
    header.focus()
    header.press("Escape")
    expect(header).to_have_value("")
    header.press("Escape")
    expect(header).not_to_be_focused()
    shot(page, "search-header-query")
    # A result opens its paper on the day page that holds it.
    first = next(p for p in want if p["id"] == found[0])
    page.locator(".digest-result__title").first.click()
    expect(page).to_have_url(re.compile(rf"/days/{first['first_seen']}/#{re.escape(first['id'])}$"))
    expect(page.locator(f"[id='{first['id']}']")).to_be_in_viewport()
    watch.assert_clean()


def test_each_result_shows_title_day_themes_and_a_snippet_of_its_abstract_only(
    page, watch: Watch, base_url: str, project: Path
) -> None:
    by_id = {p["id"]: p for p in papers(project)}
    page.goto(f"{base_url}search/?q={WORD}", wait_until="networkidle")
    found = results(page)
    assert found
    themes = {t: n for t, n in _theme_names(project).items()}
    for n, pid in enumerate(found):
        paper = by_id[pid]
        item = page.locator(".digest-result").nth(n)
        assert item.locator(".digest-result__title").text_content() == paper["title"]
        meta = item.locator(".digest-result__meta").text_content()
        line = (
            long_date(date.fromisoformat(paper["first_seen"])) + " · " + ", ".join(themes[t] for t in paper["themes"])
        )
        assert meta == line  # no upvotes: the day page shows them, always the newest
        snippet = item.locator(".digest-result__snippet").text_content().strip("… ")
        assert snippet and snippet in " ".join(paper["abstract"].split()), (snippet, paper["abstract"])
        assert item.locator(".digest-result__snippet mark").count() >= (
            1 if WORD[:7] in paper["abstract"].lower() else 0
        )
    watch.assert_clean()


def test_back_from_a_result_returns_to_it(page, watch: Watch, base_url: str) -> None:
    # on a phone: a reader scrolls down the results, opens one, reads, and comes back
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base_url}search/?q=model", wait_until="networkidle")
    assert len(results(page)) >= 20
    page.locator(".digest-search__more").click()  # more than the first page of results
    expect(page.locator(".digest-result")).to_have_count(40)
    hit = page.locator(".digest-result__title").nth(27)
    hit.scroll_into_view_if_needed()
    title = hit.text_content()
    before = page.evaluate("window.scrollY")
    assert before > 3000
    hit.click()
    expect(page).to_have_url(re.compile(r"/days/"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/search/\?q=model$"))
    expect(page.locator(".digest-result")).to_have_count(40)
    page.wait_for_function(f"Math.abs(window.scrollY - {before}) < 5")
    expect(page.locator(".digest-result__title").nth(27)).to_be_in_viewport()
    assert page.locator(".digest-result__title").nth(27).text_content() == title
    # opening a result, then coming to the same search another way than Back: from the top
    page.locator(".digest-result__title").nth(27).click()
    expect(page).to_have_url(re.compile(r"/days/"))
    page.goto(f"{base_url}search/?q=model", wait_until="networkidle")
    results(page)
    assert page.evaluate("window.scrollY") == 0 and page.locator(".digest-result").count() == 20
    watch.assert_clean()


def test_the_status_line_quotes_a_query_once(page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}search/?q=%22theory+of+mind%22", wait_until="networkidle")
    results(page)
    expect(page.locator(".digest-search__status")).to_have_text(
        re.compile(r'^\d+ papers? match(es)? "theory of mind"\.$')
    )
    watch.assert_clean()


def _theme_names(project: Path) -> dict[str, str]:
    import yaml

    return {t["id"]: t["name"] for t in yaml.safe_load((project / "themes.yml").read_text())["themes"]}


def test_theme_and_year_filters_and_the_order_live_in_the_address(
    page, watch: Watch, base_url: str, project: Path
) -> None:
    want = expected_papers(papers(project), WORD)
    names = _theme_names(project)
    theme = "creativity-discovery"
    page.goto(f"{base_url}search/?q={WORD}", wait_until="networkidle")
    results(page)
    page.locator("select[name='theme']").select_option(names[theme])
    in_theme = [p for p in want if theme in p["themes"]]
    assert 0 < len(in_theme) < len(want)
    expect(page.locator(".digest-search__status")).to_have_text(f"{len(in_theme)} papers match “{WORD}”.")
    assert sorted(results(page)) == sorted(p["id"] for p in in_theme)
    assert parse_qs(urlsplit(page.url).query) == {"q": [WORD], "theme": [names[theme]]}
    shot(page, "search-theme-filter")

    # The address alone runs the same search: year and order too.
    years = sorted({p["first_seen"][:4] for p in want})
    assert len(years) >= 2
    page.goto(f"{base_url}search/?q={WORD}&year={years[0]}&sort=date", wait_until="networkidle")
    expect(page.locator("select[name='year']")).to_have_value(years[0])
    in_year = [p for p in want if p["first_seen"].startswith(years[0])]
    assert sorted(results(page)) == sorted(p["id"] for p in in_year)
    # Newest first across bundles: a word of the oldest 2026 day's papers that older years hold too
    # (each bundle ranks only its own papers, so a merge by rank would interleave the years).
    every = papers(project)
    oldest_2026 = min(p["first_seen"] for p in every if p["first_seen"].startswith("2026"))
    candidates = sorted(
        {w for p in every if p["first_seen"] == oldest_2026 for w in re.findall(r"[a-z]{7,}", p["abstract"].lower())}
    )
    word, found = next(
        (w, f)
        for w in candidates
        if 3 <= len(f := expected_papers(every, w)) <= 20
        and {p["first_seen"][:4] for p in f} >= {"2025", "2026"}
        and any(p["first_seen"] == oldest_2026 for p in f)
    )
    page.goto(f"{base_url}search/?q={word}&sort=date", wait_until="networkidle")
    by_id = {p["id"]: p for p in found}
    days = [by_id[pid]["first_seen"] for pid in results(page)]
    assert len(days) == len(found) and days == sorted(days, reverse=True), (word, days)
    watch.assert_clean()


def test_a_paper_revised_after_its_half_year_is_found_once_as_it_reads_now(
    page, watch: Watch, base_url: str, project: Path
) -> None:
    """Its half-year's bundle keeps a record of the text it had then; the search skips it and
    finds the "revised" bundle's record: by the new words, not by the words taken out, in its
    own year, once, and in its place among the others newest first."""
    title, then, now = revised_seed_paper()
    every = papers(project)
    paper = next(p for p in every if p["title"] == title)
    assert (paper["abstract"], paper["earlier"]["abstract"], paper["first_seen"]) == (now, then, "2026-05-07")
    gone = [w for w in sorted(_words(then) - _words(now)) if len(w) >= 6 and not expected_papers(every, w)]
    assert gone, "the sentence taken out should hold a word that no paper holds now"
    for query, want in (
        (f"q={REVISED_WORD}", [paper["id"]]),
        (f"q={REVISED_WORD}&year=2026", [paper["id"]]),
        (f"q={REVISED_WORD}&year=2025", []),
        (f"q={gone[0]}", []),
    ):
        page.goto(f"{base_url}search/?{query}", wait_until="networkidle")
        assert results(page) == want, query
        if query == f"q={REVISED_WORD}":
            expect(page.locator(".digest-result").first).to_contain_text(REVISED_WORD)  # the snippet: as it reads now
            shot(page, "search-revised")
    # A word of the sentences kept, that papers of both years hold: the paper once, by day (the
    # revised bundle comes last, so it is after the papers of 2025 unless merged by day).
    word, found = next(
        (w, f)
        for w in sorted(w for w in _words(now) if len(w) >= 7 and w.isalpha())
        if 3 <= len(f := expected_papers(every, w)) <= 20 and {p["first_seen"][:4] for p in f} == {"2025", "2026"}
    )
    page.goto(f"{base_url}search/?q={word}&sort=date", wait_until="networkidle")
    by_id = {p["id"]: p for p in found}
    got = results(page)
    days = [by_id[pid]["first_seen"] for pid in got]
    assert sorted(got) == sorted(by_id) and days == sorted(days, reverse=True), (word, days)
    watch.assert_clean()


def test_a_hyphenated_word_or_a_quoted_phrase_finds_the_papers_however_they_write_it(
    page, watch: Watch, base_url: str, project: Path
) -> None:
    """ "chain-of-thought" finds the papers that write "Chain of Thought" too, and the quoted
    phrase those that write "Chain-of-Thought" (indexed as one word): each once, and newest
    first across the bundles when asked."""
    every = papers(project)
    by_id = {p["id"]: p for p in every}

    def holding(*words: str) -> set[str]:
        return set.intersection(*({p["id"] for p in expected_papers(every, w)} for w in words))

    hyphenated, apart = holding("chainofthought"), holding("chain", "of", "thought")
    phrase = {p["id"] for p in every if re.search(r"\bchains?\s+of\s+thought", p["title"] + " " + p["abstract"], re.I)}
    assert phrase - hyphenated and hyphenated - phrase, "the seeds write it both ways"
    page.goto(f"{base_url}search/?q=chain-of-thought", wait_until="networkidle")
    got = results(page)
    assert len(got) == len(set(got)) and set(got) == hyphenated | apart
    expect(page.locator(".digest-search__status")).to_have_text(f"{len(got)} papers match “chain-of-thought”.")
    quoted = urlencode({"q": '"chain of thought"'})
    page.goto(f"{base_url}search/?{quoted}", wait_until="networkidle")
    got = results(page)
    # (which of the phrase's own papers Pagefind finds is its matter; the hyphenated ones are ours)
    assert len(got) == len(set(got)) and hyphenated <= set(got) <= phrase | hyphenated and set(got) - hyphenated
    page.goto(f"{base_url}search/?q=theory-of-mind", wait_until="networkidle")
    assert set(results(page)) == holding("theory", "of", "mind") | holding("theoryofmind") != set()
    # Newest first: the bundles in turn, each bundle's two spellings merged by day.
    page.goto(f"{base_url}search/?q=chain-of-thought&sort=date", wait_until="networkidle")
    got = results(page)
    days = [by_id[pid]["first_seen"] for pid in got]
    assert set(got) == hyphenated | apart and len(got) == len(set(got)), got
    assert days == sorted(days, reverse=True) and len({d[:7] for d in days}) >= 2, days
    # Page after page ("Show more papers"), newest first and each paper once, with two spellings.
    page.goto(f"{base_url}search/?q=large-language&sort=date", wait_until="networkidle")
    more = page.locator(".digest-search__more")
    while more.is_visible():
        more.click()
        expect(page.locator("#digest-search")).to_have_attribute("data-state", "ready")
        page.wait_for_function("() => !document.querySelector('.digest-search__more').disabled")
    got = results(page)
    days = [by_id[pid]["first_seen"] for pid in got]
    want = holding("large", "language") | holding("largelanguage")
    assert len(want) > 60 and len(got) == len(set(got)) and set(got) == want
    assert days == sorted(days, reverse=True)
    watch.assert_clean()


def test_the_page_stems_words_as_pagefind_does(page, watch: Watch, base_url: str, project: Path) -> None:
    """search.js's English stemmer (it tells a bundle's stand-in answer from a real one) gives
    Python's snowballstemmer's stem, the one Pagefind indexes, for every word of the site."""
    every = papers(project)
    site_words = sorted({w for p in every for w in _words(p["title"] + " " + p["abstract"]) if w.isalpha()})
    tricky = "dying lying skies news generalizations universal emergency pasted inning evening cried ties yelling"
    tricky += " players joyfulness bled hopping agreed exceedingly"
    site_words += tricky.split()
    page.goto(f"{base_url}search/", wait_until="networkidle")
    got = page.evaluate("words => words.map(w => window.digestStem(w))", site_words)
    assert len(site_words) > 5000
    assert [(w, g) for w, g in zip(site_words, got, strict=True) if g != _STEMMER.stemWord(w)] == []
    watch.assert_clean()


def test_a_rare_word_finds_its_papers_alone_whatever_the_other_bundles_hold(
    page, watch: Watch, base_url: str, project: Path
) -> None:
    """ "viability" is in one paper of 2025; a bundle without it answers with the papers holding
    "via" (Pagefind's stand-in: the longest indexed word its stem "viabil" starts with), which the
    search drops, since no matched word's stem starts with "viabil"."""
    want = expected_papers(papers(project), "viability")
    assert len(want) == 1 and any("via" in _words(p["abstract"]) for p in papers(project))
    page.goto(f"{base_url}search/?q=viability", wait_until="networkidle")
    assert results(page) == [want[0]["id"]]
    watch.assert_clean()


def test_a_word_whose_case_changes_inside_a_link_finds_its_paper(
    page, watch: Watch, base_url: str, project: Path
) -> None:
    """Pagefind indexes "OpenCausaLab" of "github.com/OpenCausaLab/SelfConsciousness" only in
    pieces ("open", "causa", "lab") and ranks papers holding those words first, so the search
    found nothing; the record's "words" meta field holds the whole word."""
    from generator.search import joined_words

    every = papers(project)
    joined = sorted({w for p in every for w in joined_words(p["title"] + "\n" + p["abstract"])})
    assert "opencausalab" in joined and "latentcot" in joined
    missed = {}
    for word in joined:
        want = {p["id"] for p in expected_papers(every, word)}
        if len(want) > 20:  # more than the first page of results shows ("llama")
            continue
        page.goto(f"{base_url}search/?q={word}", wait_until="networkidle")
        got = set(results(page))
        if not want <= got:  # (a paper holding only its pieces may come too: Pagefind's own match)
            missed[word] = sorted(want - got)
    assert missed == {}
    watch.assert_clean()


@pytest.mark.parametrize(("word", "suggested"), [("zqxwvjkb", None), (WORD + "zz", WORD)])
def test_a_word_that_occurs_nowhere_finds_nothing(
    page, watch: Watch, base_url: str, project: Path, word: str, suggested: str | None
) -> None:
    # Pagefind answers such a word with the papers of the longest indexed word it starts with
    # ("z", "creativ"); the search page must not. Two letters from a word of the papers, it
    # offers that word.
    assert expected_papers(papers(project), word) == []
    page.goto(f"{base_url}search/?q={word}", wait_until="networkidle")
    assert results(page) == []
    offer = f" Did you mean {suggested}?" if suggested else ""
    expect(page.locator(".digest-search__status")).to_have_text(f"No paper matches “{word}”.{offer}")
    expect(page.locator(".digest-result")).to_have_count(0)
    watch.assert_clean()


@pytest.mark.parametrize(
    ("slip", "words", "offered"),
    [
        ("modles", ["modes", "models"], "modes"),  # one change each (a letter out, two swapped): the commoner
        ("modls", ["mode", "models"], "models"),  # a letter in is one change; "mode" is two
        ("ransformer", ["transformer"], "transformer"),  # the first letter may be the slip
        ("mnid", ["mend", "mind"], "mind"),  # "mend" is commoner, but two changes away; "mind" one swap
        ("mnid", ["nid", "mind"], "mind"),  # one change each: the word of the same first letter
        ("hallucinatoin", ["hallucination", "hallucinating"], "hallucination"),  # a swap is one change
        ("hlalucinaiton", ["hallucination"], "hallucination"),  # two changes in a long word
        ("modelz", ["mxdelx"], "mxdelx"),  # two changes in a word of six letters: offered
        ("modelz", ["mxdxlx"], None),  # three: not
        ("modl", ["madly"], None),  # two changes in a word of five letters or fewer: not
        ("stering", [], None),
    ],
)
def test_a_slip_is_taken_for_the_nearest_word_then_the_same_first_letter_then_the_commonest(
    page, base_url: str, slip: str, words: list[str], offered: str | None
) -> None:
    page.goto(f"{base_url}search/", wait_until="networkidle")
    assert page.evaluate("([word, list]) => window.digestSpelt(word, list)", [slip, words]) == offered


@pytest.mark.parametrize("slip", ["creatvity", "craetivity", "creativitty", "creaitvty"])
def test_a_misspelt_word_is_offered_as_the_papers_spell_it_and_the_offer_searches(
    page, watch: Watch, base_url: str, project: Path, slip: str
) -> None:
    """A letter left out, two swapped, one doubled, or two slips: the search page offers the
    word as the papers spell it, keeping the reader's other words and filters, and only where
    that finds papers under those filters."""
    every = papers(project)
    want = expected_papers(every, WORD)
    names = _theme_names(project)
    page.goto(f"{base_url}search/?q={slip}+models", wait_until="networkidle")
    assert results(page) == []
    status = page.locator(".digest-search__status")
    expect(status).to_have_text(f"No paper matches “{slip} models”. Did you mean {WORD} models?")
    offer = page.locator(".digest-search__suggestion")
    assert parse_qs(urlsplit(offer.get_attribute("href")).query) == {"q": [f"{WORD} models"]}
    offer.click()
    both = {p["id"] for p in want} & {p["id"] for p in expected_papers(every, "models")}
    expect(status).to_have_text(re.compile(rf"^{len(both)} papers? match(es)? “{WORD} models”\.$"))
    assert set(results(page)) == both and page.locator(".digest-search__input").input_value() == f"{WORD} models"
    assert parse_qs(urlsplit(page.url).query) == {"q": [f"{WORD} models"]}

    # Under a theme none of the word's papers has, the offer would find nothing: none is made.
    theme = next(t for t in names if t != "other" and all(t not in p["themes"] for p in want))
    page.goto(f"{base_url}search/?{urlencode({'q': slip, 'theme': names[theme]})}", wait_until="networkidle")
    expect(page.locator("select[name='theme']")).to_have_value(names[theme])
    assert results(page) == []
    expect(status).to_have_text(f"No paper matches “{slip}”.")
    watch.assert_clean()


def test_without_javascript_the_search_page_says_so_with_working_links(browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(base_url + "search/", wait_until="load")
        note = page.locator("article p.digest-nojs")
        expect(note).to_be_visible()
        expect(note).to_contain_text("needs JavaScript")
        assert "](" not in page.locator("article").inner_text()
        hrefs = [note.locator("a").nth(i).get_attribute("href") for i in range(note.locator("a").count())]
        assert hrefs == ["../archive/", "../themes/"]
        shot(page, "search-no-javascript")
    finally:
        context.close()


# --- axe-core ------------------------------------------------------------------------------------


def _axe_source() -> str:
    """axe-core from npm, installed once into the git-ignored .cache/axe-core/ (via a staging folder)."""
    if (
        not AXE_SCRIPT.is_file()
        or json.loads((AXE_SCRIPT.parent / "package.json").read_text())["version"] != AXE_VERSION
    ):
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                f"npm not found: the accessibility test installs axe-core@{AXE_VERSION} from npm", pytrace=False
            )
        shutil.rmtree(AXE_PREFIX, ignore_errors=True)
        AXE_PREFIX.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="axe-core-", dir=AXE_PREFIX.parent))
        try:
            command = [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--loglevel=error"]
            done = subprocess.run([*command, f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                pytest.fail(f"npm install axe-core@{AXE_VERSION} failed: {done.stderr.strip()}", pytrace=False)
            staging.rename(AXE_PREFIX)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("mode", "scheme", "width"), [("light", "light", 1280), ("dark", "dark", 1280), ("phone", "light", 390)]
)
def test_axe_finds_no_serious_violation_on_search_results(
    browser, base_url: str, mode: str, scheme: str, width: int
) -> None:
    axe = _axe_source()
    watch = Watch()
    context = _open_context(browser, watch, color_scheme=scheme)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
        _watch_page(page, watch)
        # A word with more papers than one screen of results, so "Show more papers" is there too.
        page.goto(f"{base_url}search/?q=language", wait_until="networkidle")
        expect(page.locator("body")).to_have_attribute(
            "data-md-color-scheme", "slate" if scheme == "dark" else "default"
        )
        results(page)
        expect(page.locator(".digest-search__more")).to_be_visible()
        page.add_script_tag(content=axe)
        # The footer's copyright line is the site-wide palette's (issue 13's other half), not search's.
        report = page.evaluate(
            "async () => await axe.run({exclude: [['.md-copyright']]}, {resultTypes: ['violations']})"
        )
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
            for v in report["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], bad
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "horizontal scroll"
        shot(page, f"search-results-{mode}", full_page=True)
        watch.assert_clean()
    finally:
        context.close()


# --- the header override -------------------------------------------------------------------------


def test_the_header_override_is_materials_own_but_for_the_search_box() -> None:
    """templates/overrides/partials/header.html copies Material's header.html; after a Material
    upgrade this fails until the copy is taken again with the same one change."""
    import material

    theirs = (Path(material.__file__).parent / "templates" / "partials" / "header.html").read_text(encoding="utf-8")
    ours = (ROOT / "templates" / "overrides" / "partials" / "header.html").read_text(encoding="utf-8")
    strip_comments = re.compile(r"\{#-.*?-#\}\n?", re.S)
    plugin_block = re.compile(r'    \{% if "material/search" in config\.plugins %\}.*?\n    \{% endif %\}\n', re.S)
    assert plugin_block.search(theirs), "Material's header no longer has the search plugin block"
    expected = plugin_block.sub('    {% include "partials/search.html" %}\n', strip_comments.sub("", theirs))
    assert strip_comments.sub("", ours) == expected
