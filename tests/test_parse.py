"""The parser: both formats, header noise, metadata blocks, tolerance, errors, line numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import DumpError
from generator.parse import parse_dump, resolve_date

from .conftest import HEADER_A, HEADER_B, dump_file, entry_a, seed_dumps

ABSTRACT = "We study a thing. It works well on several benchmarks and we release the code."

# From the shared eval README: entries, with metadata block, of which organisation lines.
SEED_FACTS = {
    "2025-12-11.txt": (45, 39, 1),
    "2026-05-07.txt": (61, 60, 1),
    "2026-06-10.txt": (34, 32, 2),
    "2026-11-19.txt": (213, 0, 0),
    "2026-11-20.txt": (119, 0, 0),
}


@pytest.mark.parametrize("dump", seed_dumps(), ids=lambda d: d.name)
def test_seed_dumps_match_the_known_counts(dump):
    entries, warnings = parse_dump(dump)
    with_meta = [e for e in entries if e.published or e.authors_count or e.organization]
    assert (len(entries), len(with_meta), sum(1 for e in entries if e.organization)) == SEED_FACTS[dump.name]
    assert warnings == []
    assert [e.position for e in entries] == list(range(1, len(entries) + 1))
    assert all(e.title and e.abstract for e in entries)
    assert not any(e.title.startswith(("Subscribe", "Get trending", "Daily Papers")) for e in entries)


def test_format_a_reads_title_abstract_and_metadata_with_line_numbers():
    text = HEADER_A + entry_a("First Paper", ABSTRACT) + entry_a("Second Paper", ABSTRACT, "")
    entries, _ = parse_dump(dump_file(text))
    first, second = entries
    assert (first.title, first.abstract, first.authors_count, first.published) == (
        "First Paper",
        ABSTRACT,
        3,
        date(2026, 5, 12),
    )
    assert (first.line, second.line) == (13, 21)
    assert text.splitlines()[first.line - 1] == "First Paper"
    assert second.authors_count is None and second.published is None


def test_organisation_line_and_upvotes():
    meta = "KoreaUniversity Korea University\n·\nNov 25, 2025 2"
    entries, _ = parse_dump(dump_file(HEADER_A + entry_a("Org Paper", ABSTRACT, meta)))
    (e,) = entries
    assert (e.organization, e.authors_count, e.published, e.upvotes) == (
        "KoreaUniversity Korea University",
        None,
        date(2025, 11, 25),
        2,
    )


def test_date_without_year_is_latest_not_after_the_dump_and_may_carry_upvotes():
    entries, _ = parse_dump(
        dump_file(HEADER_A + entry_a("P", ABSTRACT, "  • 2 authors\n·\nJan 14 2"), "2026-06-10.txt")
    )
    assert (entries[0].published, entries[0].upvotes) == (date(2026, 1, 14), 2)
    entries, _ = parse_dump(dump_file(HEADER_A + entry_a("P", ABSTRACT, "  • 2 authors\n·\nDec 4"), "2026-06-10.txt"))
    assert entries[0].published == date(2025, 12, 4)


@pytest.mark.parametrize(
    ("month", "day", "not_after", "expected"),
    [
        (6, 10, date(2026, 6, 10), date(2026, 6, 10)),
        (6, 11, date(2026, 6, 10), date(2025, 6, 11)),
        (2, 29, date(2026, 3, 1), date(2024, 2, 29)),
    ],
)
def test_resolve_date(month, day, not_after, expected):
    assert resolve_date(month, day, None, not_after) == expected


def test_format_b_with_glued_subscribe():
    text = HEADER_B + "Alpha: A Title\n" + ABSTRACT + "\nBeta Title\n" + ABSTRACT + "\n"
    entries, warnings = parse_dump(dump_file(text))
    assert [e.title for e in entries] == ["Alpha: A Title", "Beta Title"]
    assert [e.line for e in entries] == [3, 5]
    assert warnings == []


def test_crlf_bom_tabs_nbsp_and_trailing_spaces():
    text = HEADER_A + entry_a("Spaced\u00a0\tTitle   ", "  " + ABSTRACT + " \t")
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    (e,), warnings = parse_dump(dump_file(data))
    assert (e.title, e.abstract, e.published) == ("Spaced Title", ABSTRACT, date(2026, 5, 12))
    assert warnings == []


def test_abstract_wrapped_over_several_lines_is_joined():
    wrapped = "We study a thing.\nIt works well on several\nbenchmarks and we release the code."
    (e,), _ = parse_dump(dump_file(HEADER_A + entry_a("Wrapped", wrapped)))
    assert e.abstract == ABSTRACT


def test_cp1252_falls_back_with_a_warning():
    text = HEADER_A + entry_a("Caf\u00e9 \u201cquotes\u201d", ABSTRACT)
    (e,), warnings = parse_dump(dump_file(text.encode("cp1252")))
    assert e.title == "Caf\u00e9 \u201cquotes\u201d"
    assert len(warnings) == 1 and "cp1252" in str(warnings[0]) and "dumps/2026-06-10.txt:" in str(warnings[0])


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"", "the dump is empty"),
        (b"  \n\n\t\n", "the dump is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the dump is not text"),
        (HEADER_A.encode(), "only a header"),
    ],
)
def test_unusable_dumps_are_errors_naming_file_and_line(data, what):
    with pytest.raises(DumpError) as info:
        parse_dump(dump_file(data))
    message = str(info.value)
    assert message.startswith("dumps/2026-06-10.txt:1: ") and what in message and " — " in message


def test_truncated_last_entry_is_kept_with_a_warning():
    text = HEADER_A + entry_a("Complete", ABSTRACT) + "Cut Off Title\n"
    entries, warnings = parse_dump(dump_file(text))
    assert [e.title for e in entries] == ["Complete", "Cut Off Title"]
    assert entries[1].abstract == ""
    assert [str(w) for w in warnings] == [
        "dumps/2026-06-10.txt:21: title with no abstract — kept with an empty abstract"
    ]


def test_metadata_with_no_title_is_a_warning():
    text = HEADER_A + "  • 3 authors\n·\nMay 12\n\n" + entry_a("Real", ABSTRACT)
    entries, warnings = parse_dump(dump_file(text))
    assert [e.title for e in entries] == ["Real"]
    assert [w.what for w in warnings] == ["metadata with no title"] and warnings[0].line == 13


def test_title_with_no_abstract_in_the_middle():
    text = HEADER_A + "Lonely Title\n\n" + entry_a("Next Title", ABSTRACT)
    entries, warnings = parse_dump(dump_file(text))
    assert [(e.title, bool(e.abstract)) for e in entries] == [("Lonely Title", False), ("Next Title", True)]
    assert [w.what for w in warnings] == ["title with no abstract"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_parser_raises_nothing_but_its_own_error(data):
    try:
        entries, _ = parse_dump(dump_file(data))
    except DumpError as exc:
        assert str(exc).startswith("dumps/2026-06-10.txt")
    else:
        assert entries and all(e.title for e in entries)


SEED_TEXT = seed_dumps()[2].data.decode()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SEED_TEXT)), st.integers(0, 40), st.text(max_size=8)), max_size=6))
def test_mutated_seed_dumps_parse_or_fail_cleanly(edits):
    text = SEED_TEXT
    for pos, cut, insert in edits:
        text = text[:pos] + insert + text[pos + cut :]
    try:
        entries, _ = parse_dump(dump_file(text))
    except DumpError:
        return
    assert all(1 <= e.line <= text.count("\n") + 1 for e in entries)


LONG = ABSTRACT * 5  # an unwrapped abstract of several hundred characters


def test_format_b_survives_a_stray_blank_line_and_a_short_last_entry():
    text = HEADER_B + "Alpha Title\n" + LONG + "\nBeta Title\n" + LONG + "\n\nGamma Title\nA short abstract.\n"
    entries, warnings = parse_dump(dump_file(text))
    assert [(e.title, e.abstract) for e in entries] == [
        ("Alpha Title", LONG),
        ("Beta Title", LONG),
        ("Gamma Title", "A short abstract."),
    ]
    assert warnings == []


def test_format_b_with_an_organisation_metadata_block():
    text = HEADER_B + "Alpha Title\n" + LONG + "\nSakanaAI Sakana AI\n·\nMar 3, 2026 7\nBeta Title\n" + LONG + "\n"
    entries, _ = parse_dump(dump_file(text))
    assert [(e.title, e.organization, e.upvotes) for e in entries] == [
        ("Alpha Title", "SakanaAI Sakana AI", 7),
        ("Beta Title", None, None),
    ]


def test_format_a_entry_without_its_blank_lines():
    text = HEADER_A + "Glued Title\n" + LONG + "\n  • 2 authors\n·\nMay 3\n\n" + entry_a("Next", ABSTRACT)
    entries, _ = parse_dump(dump_file(text))
    assert [(e.title, e.abstract, e.authors_count) for e in entries] == [
        ("Glued Title", LONG, 2),
        ("Next", ABSTRACT, 3),
    ]


# Every character line cleaning treats specially, and some it must leave alone.
_TRICKY = " \t\r\n\x00\x0b\x0c\x1c\x1f\x7f\x85\xa0\u1680\u2000\u2007\u200a\u200b\u2028\u202f\u3000\ufeffab·•é"


@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=60))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_lines_are_cleaned_the_same_on_the_quick_path(text):
    """The quick path (only plain spaces to squeeze) gives exactly what full cleaning gives."""
    from generator import parse

    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = parse._CONTROL.sub("", parse._SPACES.sub(" ", unified))
    expected = [(i, " ".join(raw.split())) for i, raw in enumerate(cleaned.split("\n"), 1)]
    assert [(line.number, line.text) for line in parse._lines(text)] == expected
    plain = "".join(c for c in text if c in " \nab·•é")  # the quick path's input
    assert [line.text for line in parse._lines(plain)] == [" ".join(raw.split()) for raw in plain.split("\n")]
