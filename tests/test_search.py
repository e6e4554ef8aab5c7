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
    assert record.filters == {
        "theme": ["Creativity & Scientific Discovery", "Other"],
        "date": ["2026-11-19"],
        "upvotes": ["7"],
    }
    assert record.sort == {"date": "2026-11-19"}
    assert "upvotes" not in search.paper_record(paper(2), "u", THEMES).filters


def test_the_archive_is_read_a_year_at_a_time() -> None:
    rows = [paper(1, "2026-01-02"), paper(2, "2026-01-01"), paper(3, "2025-12-31")]
    lines = [
        b'{"papers":[\n',
        *(json.dumps(r).encode() + b",\n" for r in rows[:-1]),
        json.dumps(rows[-1]).encode(),
        b"\n]}\n",
    ]
    assert [(year, [p["id"] for p in ps]) for year, ps in search.archive_years(lines)] == [
        ("2026", ["paper-1", "paper-2"]),
        ("2025", ["paper-3"]),
    ]


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


def test_a_busy_year_is_split_into_parts_and_the_same_papers_give_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(search, "PART_SIZE", 2)
    rows = [
        paper(n, f"2026-11-{20 - n:02d}", upvotes=n % 3 or None, themes=("creativity-discovery", "other")[: n % 2 + 1])
        for n in range(5)
    ]
    rows.append(paper(9, "2025-01-01"))
    docs = tmp_path / "docs"
    (docs / "days").mkdir(parents=True)
    pages = []
    for row in rows:
        page = docs / "days" / f"{row['first_seen']}.md"
        page.write_text(f'<h3 id="{row["id"]}">{row["title"]}</h3>\n')
        pages.append((f"days/{page.name}", f"days/{row['first_seen']}/", page))
    archive = docs / "papers.json"
    archive.write_text('{"papers":[\n' + ",\n".join(json.dumps(r) for r in rows) + "\n]}\n")

    trees = []
    for run in range(2):  # Pagefind lists filter values in hash-map order; canonicalize fixes it
        index = search.SearchIndex(tmp_path / f"cache{run}", "en")
        index.start(archive, pages, THEMES)
        site = tmp_path / f"site{run}"
        index.finish(site)
        trees.append(_tree(site / "pagefind"))
    assert trees[0] == trees[1]
    listing = json.loads((site / "pagefind" / "bundles.json").read_text())
    # 5 papers of 2026 in parts of at most 2, newest first, then 2025's one.
    assert listing == {"bundles": ["2026-1/", "2026-2/", "2026-3/", "2025/"], "themes": list(THEMES.values())}
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
