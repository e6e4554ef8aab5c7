"""generator/search.py and generator/pagefind_files.py: the records, the archive read a year at a
time, the links, the bundles a real `pagefind --service` writes (split into parts, the same bytes
every run) and the CBOR they hold."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from generator import pagefind_files, search

THEMES = {"creativity-discovery": "Creativity & Scientific Discovery", "other": "Other"}


def paper(n: int, day: str = "2026-11-19", upvotes: int | None = None, themes=("creativity-discovery",)) -> dict:
    return {
        "id": f"paper-{n}",
        "title": f"Paper {n} on <b>creative</b> things",
        "abstract": f"Abstract {n}: creativity measured {n} ways.",
        "first_seen": day,
        "upvotes": upvotes,
        "themes": list(themes),
    }


def test_a_record_holds_the_title_alone_as_meta_and_shows_the_rest_through_filters() -> None:
    record = search.paper_record(
        paper(1, upvotes=7, themes=("creativity-discovery", "other")), "days/x/#paper-1", THEMES
    )
    assert record.content == "Paper 1 on <b>creative</b> things\nAbstract 1: creativity measured 1 ways."
    assert record.meta == {"title": "Paper 1 on <b>creative</b> things"}  # meta fields are searched
    # no upvotes: a re-sighting changes them, and the day page shows the newest
    assert record.filters == {"theme": ["Creativity & Scientific Discovery", "Other"], "date": ["2026-11-19"]}
    assert record.sort == {"date": "2026-11-19"}


def _lines(days: list[str]) -> list[bytes]:
    rows = [paper(n, day) for n, day in enumerate(days)]
    return [
        b'{"papers":[\n',
        *(json.dumps(r).encode() + b",\n" for r in rows[:-1]),
        json.dumps(rows[-1]).encode(),
        b"\n]}\n",
    ]


def _bundles(days: list[str]) -> list[tuple[str, list[str], list[str]]]:
    found = search.bundle_lines(_lines(days))
    return [(name, months, [json.loads(line)["first_seen"] for line in lines]) for name, months, lines in found]


def test_the_archive_is_read_a_bundle_at_a_time_a_month_of_the_newest_half_year_or_a_half_year() -> None:
    days = ["2026-09-03", "2026-08-03", "2026-07-01", "2026-06-30", "2026-01-05", "2025-12-31", "2025-01-02"]
    assert _bundles(days) == [
        ("2026-09", ["2026-09"], ["2026-09-03"]),
        ("2026-08", ["2026-08"], ["2026-08-03"]),
        ("2026-07", ["2026-07"], ["2026-07-01"]),
        ("2026-h1", ["2026-06", "2026-01"], ["2026-06-30", "2026-01-05"]),
        ("2025-h2", ["2025-12"], ["2025-12-31"]),
        ("2025-h1", ["2025-01"], ["2025-01-02"]),
    ]
    # A new day leaves every other bundle's papers where they were (their bundles stay cached) ...
    later = _bundles(["2026-09-04", *days])
    assert later[0] == ("2026-09", ["2026-09"], ["2026-09-04", "2026-09-03"]) and later[1:] == _bundles(days)[1:]
    # ... and so does a new half-year, from its first day: the last one's months become one
    # bundle (a paper of it revised later leaves it as it was: the "revised" bundle holds it).
    for day in ("2027-01-01", "2027-02-28"):
        names = [name for name, _, _ in _bundles([day, *days])]
        assert names == [day[:7], "2026-h2", "2026-h1", "2025-h2", "2025-h1"]
    assert [name for name, _, _ in _bundles(["2026-01-05", "2025-12-31", "2025-06-02"])] == [
        "2026-01",
        "2025-h2",
        "2025-h1",
    ]


def test_a_title_that_quotes_the_date_key_does_not_move_its_paper_to_another_bundle() -> None:
    row = dict(paper(1, "2026-01-02"), title='On "first_seen": "1999-12" and other keys')
    line = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()
    assert [name for name, _, _ in search.bundle_lines([line])] == ["2026-01"]


def test_a_record_links_to_the_day_page_that_holds_the_paper(tmp_path: Path) -> None:
    first, later = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text('<h3 id="paper-1">x</h3>\n<h3 id="paper-2">y</h3>')
    later.write_text('<a href="#paper-1">again</a> <h3 id="paper-1">x</h3>')
    anchors = search.anchors_by_page([("days/2026-11-20/", later), ("days/2026-11-19/", first)])
    assert search.paper_url(paper(1), anchors) == "days/2026-11-19/#paper-1"
    with pytest.raises(RuntimeError, match=r"paper-9 .* has no anchor"):
        search.paper_url(paper(9), anchors)


def test_cbor_round_trips_what_pagefind_writes() -> None:
    value = [
        "1.5.2",
        [["en_ab78177", 122], ["x", 70000]],
        [],
        [["theme", "en_1"]],
        [["date", [0, 1, 2]]],
        [-3, None, True],
    ]
    encoded = pagefind_files.cbor_encode(value)
    assert pagefind_files.cbor_decode(encoded) == (value, len(encoded))
    assert encoded[:2] == bytes([0x86, 0x65])  # six items, then a five-letter string: shortest heads


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def _archive(docs: Path) -> tuple[Path, list[tuple[str, str, Path]]]:
    """Five papers of 2026 (a day each) and one of 2025: data/papers.json and the day pages."""
    rows = [
        paper(n, f"2026-11-{20 - n:02d}", upvotes=n % 3 or None, themes=("creativity-discovery", "other")[: n % 2 + 1])
        for n in range(5)
    ]
    rows.append(paper(9, "2025-01-01"))
    (docs / "days").mkdir(parents=True)
    pages = []
    for row in rows:
        page = docs / "days" / f"{row['first_seen']}.md"
        page.write_text(f'<h3 id="{row["id"]}">{row["title"]}</h3>\n')
        pages.append((f"days/{page.name}", f"days/{row['first_seen']}/", page))
    archive = docs / "papers.json"
    archive.write_text('{"papers":[\n' + ",\n".join(json.dumps(r) for r in rows) + "\n]}\n")
    return archive, pages


def test_the_words_a_suggestion_may_offer_are_those_of_two_papers_or_more_commonest_first(monkeypatch) -> None:
    counts = search.word_counts(["Sparse Sparse autoencoders\nSparse codes, 2x GPT4 big_data"])
    # a paper counts once; no word of three letters or fewer, none with a digit; at the underscore, two words
    assert counts == {"sparse": 1, "autoencoders": 1, "codes": 1, "data": 1}
    bundles = [{"sparse": 3, "codes": 1, "typoo": 1}, {"codes": 1, "attention": 2, "data": 3}]
    # "typoo" is one paper's: as likely a misspelling as the reader's, never offered
    assert search.site_words(bundles) == ["data", "sparse", "attention", "codes"]
    monkeypatch.setattr(search, "SUGGESTED_MAX_WORDS", 2)
    assert search.site_words(bundles) == ["data", "sparse"]


def test_the_site_lists_its_words_and_a_damaged_list_beside_a_cached_bundle_is_read_again(tmp_path: Path) -> None:
    archive, pages = _archive(tmp_path / "docs")
    cache = tmp_path / "cache"

    def build(site: Path) -> list[str]:
        index = search.SearchIndex(cache, "en")
        index.start(archive, pages, THEMES)
        index.finish(site)
        return json.loads((site / "pagefind" / search.WORDS_FILE).read_text())["words"]

    words = build(tmp_path / "site1")
    # six papers say "paper", "creative", "things", "abstract", "creativity", "measured", "ways"
    assert words == sorted(["paper", "creative", "things", "abstract", "creativity", "measured", "ways"])
    [counts] = list(cache.glob("2025-h1-*.words.json"))
    kept = counts.read_bytes()
    assert json.loads(kept) == dict.fromkeys(
        ["abstract", "creative", "creativity", "measured", "paper", "things", "ways"], 1
    )
    counts.write_text("{not json")
    assert build(tmp_path / "site2") == words and counts.read_bytes() == kept
    counts.unlink()  # a bundle cached before there were suggestions
    assert build(tmp_path / "site3") == words and counts.read_bytes() == kept


def test_a_busy_year_is_split_into_parts_and_the_same_papers_give_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(search, "PART_SIZE", 2)
    archive, pages = _archive(tmp_path / "docs")

    trees = []
    for run in range(2):  # Pagefind lists filter values in hash-map order; canonicalize fixes it
        index = search.SearchIndex(tmp_path / f"cache{run}", "en")
        index.start(archive, pages, THEMES)
        site = tmp_path / f"site{run}"
        index.finish(site)
        trees.append(_tree(site / "pagefind"))
    assert trees[0] == trees[1]
    listing = json.loads((site / "pagefind" / "bundles.json").read_text())
    # 5 papers of November 2026 in parts of at most 2, newest first, then 2025's first half.
    assert listing == {
        "bundles": ["2026-11-1/", "2026-11-2/", "2026-11-3/", "2025-h1/"],
        "themes": list(THEMES.values()),
        "skip": {},
    }
    counts = [
        json.loads((site / "pagefind" / b / "pagefind-entry.json").read_text())["languages"]["en"]["page_count"]
        for b in listing["bundles"]
    ]
    assert counts == [1, 2, 2, 1]
    # Every filter's values are sorted by name, and the meta file names the renamed files.
    for bundle in listing["bundles"]:
        root = site / "pagefind" / bundle
        entry = json.loads((root / "pagefind-entry.json").read_text())
        meta, _ = pagefind_files.cbor_decode(
            pagefind_files.payload(root / f"pagefind.{entry['languages']['en']['hash']}.pf_meta")
        )
        for _name, file_hash in meta[3]:
            (_key, values), _ = pagefind_files.cbor_decode(
                pagefind_files.payload(root / "filter" / f"{file_hash}.pf_filter")
            )
            assert [v[0] for v in values] == sorted(v[0] for v in values)


def test_a_year_whose_bundles_are_cached_is_not_read_again_and_a_changed_page_indexes_its_year_again(
    tmp_path: Path, monkeypatch
) -> None:
    """The next day's build reads and indexes only the years it changed: a year is cached under
    its lines of the archive and its day pages' bytes (where the links are read from)."""
    monkeypatch.setattr(search, "PART_SIZE", 2)
    archive, pages = _archive(tmp_path / "docs")
    cache = tmp_path / "cache"

    def build(site: Path) -> dict[str, str]:
        index = search.SearchIndex(cache, "en")
        index.start(archive, pages, THEMES)
        index.finish(site)
        return _tree(site / "pagefind")

    page = next(path for src, _url, path in pages if src == "days/2026-11-20.md")
    page.write_text(page.read_text() + '<p id="seen-again">Seen again</p>\n')
    first = build(tmp_path / "site1")
    made: list[str] = []
    original = search.paper_record
    monkeypatch.setattr(search, "paper_record", lambda p, *a: made.append(p["id"]) or original(p, *a))
    assert build(tmp_path / "site2") == first
    assert made == []  # nothing parsed, nothing indexed
    # The same anchors in another order on the page (a paper seen again moves by its upvotes).
    page.write_text(
        '<p id="seen-again">Seen again</p>\n' + page.read_text().replace('<p id="seen-again">Seen again</p>\n', "")
    )
    assert build(tmp_path / "site2") == first
    assert made == []

    # The 2025 paper now sits under another anchor page: its year's link changes, 2026's do not.
    [(src, _url, page)] = [p for p in pages if p[0] == "days/2025-01-01.md"]
    pages[pages.index((src, _url, page))] = (src, "days/2025-01-01/part-2/", page)
    third = build(tmp_path / "site3")
    assert made == ["paper-9"]
    changed = {k for k in first if first[k] != third.get(k)}
    assert changed <= {k for k in first if k.startswith(("2025-h1/", "bundles"))}
    assert any(k.startswith("2025-h1/") for k in changed)


def test_a_bundle_already_in_the_site_stays_and_a_damaged_or_stale_one_is_replaced(tmp_path: Path) -> None:
    """Under `mkdocs serve` each build finishes into the same folder: the bundles already linked
    there from the cache are kept as they are; a bundle that lost or changed a file is linked
    again, and what no bundle lists goes."""
    archive, pages = _archive(tmp_path / "docs")
    cache, site = tmp_path / "cache", tmp_path / "site"

    def build() -> dict[str, str]:
        index = search.SearchIndex(cache, "en")
        index.start(archive, pages, THEMES)
        index.finish(site)
        return _tree(site / "pagefind")

    first = build()
    entry = site / "pagefind" / "2025-h1" / "pagefind-entry.json"
    before = entry.stat().st_ino
    assert build() == first and entry.stat().st_ino == before  # kept, not linked again

    fragment = next((site / "pagefind" / "2026-11" / "fragment").iterdir())
    fragment.unlink()
    entry.unlink()
    entry.write_text("{}")  # a file of its own in place of the cached one
    (site / "pagefind" / "1999").mkdir()
    assert build() == first
    assert not (site / "pagefind" / "1999").exists()
    assert (
        entry.stat().st_ino
        == next(p for p in cache.glob("2025-h1-*") if p.is_dir()).joinpath("pagefind-entry.json").stat().st_ino
    )


def test_a_publish_moves_the_bundles_the_published_site_holds_already_into_the_new_site(tmp_path: Path) -> None:
    """`digest site` builds into a staging folder: a bundle the published site holds already
    (the same files as the cache's) is left out and moved in at the swap, a rename instead of
    links made and removed; a bundle that changed is linked from the cache. The new site has
    the same files either way."""
    from generator.files import swap_dir

    archive, pages = _archive(tmp_path / "docs")
    cache, site, staging = tmp_path / "cache", tmp_path / "site", tmp_path / "staging"

    def index() -> search.SearchIndex:
        made = search.SearchIndex(cache, "en")
        made.start(archive, pages, THEMES)
        return made

    index().finish(site)
    first = _tree(site / "pagefind")
    (site / "pagefind" / "2026-11" / "pagefind-entry.json").unlink()  # no longer the cache's files
    entry = site / "pagefind" / "2025-h1" / "pagefind-entry.json"
    before = entry.stat().st_ino
    staged = index()
    assert staged.finish(staging, published=site / "pagefind")
    assert staged.handed_over == ["2025-h1"]
    assert not (staging / "pagefind" / "2025-h1").exists() and (staging / "pagefind" / "2026-11").is_dir()
    swap_dir(staging, site, [f"pagefind/{name}" for name in staged.handed_over])
    assert _tree(site / "pagefind") == first and entry.stat().st_ino == before
    assert not staging.exists()
    # a bundle to take that is gone by then: nothing moves, the published site stays
    again = index()
    again.finish(staging, published=site / "pagefind")
    with pytest.raises(OSError):
        swap_dir(staging, site, ["pagefind/2025-h1", "pagefind/1999"])
    assert _tree(site / "pagefind") == first


def test_a_later_sighting_keeps_a_papers_search_key_and_a_change_of_what_its_record_shows_does_not() -> None:
    """The archive's line of a paper changes with each sighting (last_seen, sightings); the
    bundle it is in is indexed again only when what its record is made of changes."""
    import dataclasses
    import datetime as dt

    from generator.archive import _archive_row
    from generator.models import Paper, Sighting

    day = dt.date(2026, 11, 19)
    first = Sighting("2026-11-19.txt", day, 1, 7)
    base = Paper("p-1", 'A "quoted" title', "An abstract.", day, day, None, 3, "Org", 12, (first,), ("cognition",))
    key = search.record_material(_archive_row(base))
    later = Sighting("2026-11-25.txt", dt.date(2026, 11, 25), 4, 9)
    again = dataclasses.replace(
        base, last_seen=later.date, sightings=(first, later), authors_count=4, upvotes=40, titles=("A", "B")
    )
    assert search.record_material(_archive_row(again)) == key
    # Revised after its half-year: its half-year's record is made of what it showed then.
    from generator.models import Earlier

    now = {"title": "A revised title", "abstract": "A revised abstract.", "themes": ("multimodal",)}
    revised = dataclasses.replace(
        again, **now, earlier=Earlier(dt.date(2026, 12, 31), base.title, base.abstract, base.themes)
    )
    assert search.record_material(_archive_row(revised)) == key
    as_now = search.record_material(_archive_row(dataclasses.replace(again, **now)))
    assert search.record_material(_archive_row(revised), revised=True) == as_now != key
    assert search.record_material(_archive_row(dataclasses.replace(base, upvotes=None))) == key
    for change in (
        {"id": "p-2"},
        {"title": "Another title"},
        {"abstract": "A revised abstract."},
        {"first_seen": dt.date(2026, 11, 18)},
        {"themes": ("cognition", "multimodal")},
    ):
        assert search.record_material(_archive_row(dataclasses.replace(base, **change))) != key, change


def test_a_paper_revised_after_its_half_year_leaves_that_bundle_as_it_was_and_is_found_as_it_is_now(
    tmp_path: Path, monkeypatch
) -> None:
    """The 2025 paper is revised in 2026: its half-year's bundle keeps its record of what it
    showed then (the same files), the "revised" bundle holds what it shows now (with its year
    as a filter), and bundles.json names the fragment the search skips (the first record)."""
    archive, pages = _archive(tmp_path / "docs")
    rows = [json.loads(line.rstrip(",")) for line in archive.read_text().splitlines()[1:-1]]
    cache = tmp_path / "cache"

    def build(site: Path) -> dict[str, str]:
        # the archive's own encoding (record_material reads its fields by place)
        lines = [json.dumps(row, separators=(",", ":")) for row in rows]
        archive.write_text('{"papers":[\n' + ",\n".join(lines) + "\n]}\n")
        index = search.SearchIndex(cache, "en")
        index.start(archive, pages, THEMES)
        index.finish(site)
        return _tree(site / "pagefind")

    before = build(tmp_path / "site1")
    row = rows[-1]
    then = {"until": "2025-06-30", "title": row["title"], "abstract": row["abstract"], "themes": row["themes"]}
    row.update(title="Paper 9 revised", abstract="A revised abstract on serendipity.", themes=["other"], earlier=then)
    made: list[tuple[str, bool]] = []
    original = search.paper_record
    monkeypatch.setattr(search, "paper_record", lambda p, *a: made.append((p["id"], *a[2:])) or original(p, *a))
    after = build(tmp_path / "site2")
    assert made == [("paper-9", True)]  # the revised bundle's record only: nothing else indexed again
    # A damaged file of fragments by URL beside a cached bundle is read again from the bundle.
    [urls] = list(cache.glob("2025-h1-*.urls.json"))
    kept = urls.read_bytes()
    urls.write_text("{not json")
    assert build(tmp_path / "site2") == after and urls.read_bytes() == kept
    cache = tmp_path / "fresh"
    assert build(tmp_path / "site3") == after  # what an index of the same archive from nothing gives

    assert {k: v for k, v in after.items() if k.startswith("2025-h1/")} == {
        k: v for k, v in before.items() if k.startswith("2025-h1/")
    }
    site = tmp_path / "site2" / "pagefind"
    listing = json.loads((site / "bundles.json").read_text())
    assert listing["bundles"][-1] == "revised/"
    [record] = [json.loads(pagefind_files.payload(f)) for f in (site / "revised" / "fragment").iterdir()]
    assert record["url"] == "days/2025-01-01/#paper-9"
    assert record["content"].startswith("Paper 9 revised")
    assert record["filters"] == {"theme": ["Other"], "date": ["2025-01-01"], "year": ["2025"]}
    old = search.fragments_by_url(site / "2025-h1")["days/2025-01-01/#paper-9"]
    assert listing["skip"] == {"2025-h1": old.split("_", 1)[1]}
    assert (
        "creativity measured 9"
        in json.loads(pagefind_files.payload(site / "2025-h1" / "fragment" / f"{old}.pf_fragment"))["content"]
    )


def test_a_cancelled_index_leaves_the_site_as_it_was(tmp_path: Path) -> None:
    """Under `mkdocs serve` a new build cancels the last one's search if it is still indexing:
    its finish then writes nothing (the bundles in the site serve until the new ones are in)."""
    archive, pages = _archive(tmp_path / "docs")
    index = search.SearchIndex(tmp_path / "cache", "en")
    index.start(archive, pages, THEMES)
    index.cancel()
    assert index.finish(tmp_path / "site") is False
    assert not (tmp_path / "site").exists()
