"""Fuzzing with a bounded budget: mutated seed dumps through the parser and the whole pipeline.

tests/test_parse.py checks that random bytes and small edits never raise anything but DumpError.
These go further: realistic damage (lines spliced in from another dump, deleted, duplicated, cut
mid-character, nasty characters inserted, one format turned into the other) through the whole
in-memory build, asserting the pipeline's own invariants. fuzz/ holds an atheris harness for
longer runs.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.cli import Project
from generator.errors import DigestError
from generator.models import DumpFile
from generator.parse import parse_dump
from generator.pipeline import build, parse_all

from .conftest import HEADER_A, HEADER_B, ROOT, dump_file, seed_dumps

SEEDS = {d.name: d.data.decode("utf-8").split("\n") for d in seed_dumps()}
# Small slices keep one build near 0.2 s: a format A day with metadata, a format B day.
SLICES = {"2026-06-10.txt": SEEDS["2026-06-10.txt"][:140], "2026-11-19.txt": SEEDS["2026-11-19.txt"][:60]}
NASTY = (
    "\x00", "\x01", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "\u200b", "\u200e", "\u202e", "\u2028",
    "\ufeff", "\ufffe", "\ud800", "\u0301", "\U0001d518", "·", "•", "<script>", "&amp;", "{{ 7*7 }}",
    "**", "| a |", "{ #x }", "]]>", "\t", "\r", "\u00a0", "日本語", "\u05e9\u05dc",
)  # fmt: skip
NASTY_LINES = ("", "·", "  • 3 authors", "May 12", "Jun 10", "Nov 25, 2025 2", "Subscribe", "new", "Daily Papers")
# Never in a generated page, feed or archive (XML 1.0 cannot carry them).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

_index = st.integers(0, 10_000)
_op = st.one_of(
    st.tuples(st.just("delete"), _index, st.integers(1, 12)),
    st.tuples(st.just("duplicate"), _index, st.integers(1, 12), _index),
    st.tuples(st.just("splice"), st.sampled_from(sorted(SEEDS)), _index, st.integers(1, 12), _index),
    st.tuples(st.just("insert"), _index, _index, st.lists(st.sampled_from(NASTY), min_size=1, max_size=4).map("".join)),
    st.tuples(st.just("line"), _index, st.sampled_from(NASTY_LINES)),
    st.tuples(st.just("swap")),
    st.tuples(st.just("truncate"), st.integers(1, 400)),
)


def mutate(lines: list[str], ops: list[tuple]) -> bytes:
    """Apply the edits to a copy of a dump's lines; the result is bytes (it may not be UTF-8)."""
    lines = list(lines)
    cut = 0
    for op in ops:
        n = max(len(lines), 1)
        if op[0] == "delete":
            del lines[op[1] % n : op[1] % n + op[2]]
        elif op[0] == "duplicate":
            lines[op[3] % n : op[3] % n] = lines[op[1] % n : op[1] % n + op[2]]
        elif op[0] == "splice":
            other = SEEDS[op[1]]
            lines[op[4] % n : op[4] % n] = other[op[2] % len(other) : op[2] % len(other) + op[3]]
        elif op[0] == "insert" and lines:
            line = lines[op[1] % n]
            lines[op[1] % n] = line[: op[2] % (len(line) + 1)] + op[3] + line[op[2] % (len(line) + 1) :]
        elif op[0] == "line":
            lines.insert(op[1] % (len(lines) + 1), op[2])
        elif op[0] == "swap":
            # Format A -> B: no blank lines; format B -> A: a blank line after every line.
            has_blank = any(not line.strip() for line in lines)
            lines = [line for line in lines if line.strip()] if has_blank else [x for line in lines for x in (line, "")]
        elif op[0] == "truncate":
            cut = op[1]
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    return data[:-cut] if cut and len(data) > cut else data


_dumps = st.lists(st.lists(_op, max_size=5), min_size=2, max_size=2)


def mutated_dumps(op_lists: list[list[tuple]]) -> list[DumpFile]:
    return [dump_file(mutate(lines, ops), name) for (name, lines), ops in zip(SLICES.items(), op_lists, strict=True)]


@pytest.fixture(scope="module")
def site() -> tuple:
    project = Project(ROOT / "mkdocs.yml")
    return project.load_config(), project.loader()


def _assert_clean_problems(exc: DigestError, names: set[str]) -> None:
    for problem in exc.problems:
        assert problem.path.removeprefix("dumps/") in names, problem
        assert problem.line is None or problem.line >= 1, problem
        assert "\n" not in str(problem)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_dumps)
def test_pipeline_on_mutated_dumps_keeps_every_sighting_once_and_is_deterministic(site, op_lists):
    config, loader = site
    dumps = mutated_dumps(op_lists)
    try:
        result = build(dumps, config, loader)
    except DigestError as exc:  # DumpError is one: anything else escapes and fails the test
        _assert_clean_problems(exc, {d.name for d in dumps})
        event("refused")
        return
    event("built")
    entries, _ = parse_all(dumps)
    sightings = Counter((s.dump, s.position) for p in result.papers for s in p.sightings)
    assert sightings == Counter((e.dump, e.position) for e in entries)
    assert set(sightings.values()) == {1} and result.entries == len(entries)
    assert len({p.id for p in result.papers}) == len(result.papers)
    for path, data in result.files.items():
        text = gzip.decompress(data) if path.endswith(".gz") else data
        assert not FORBIDDEN.search(text.decode("utf-8")), path
    archive = json.loads(result.files["data/papers.json"])
    assert sorted(p["id"] for p in archive["papers"]) == sorted(p.id for p in result.papers)
    again = build(mutated_dumps(op_lists), config, loader)
    assert again.files == result.files


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_dumps)
def test_parser_on_mutated_dumps_points_every_entry_at_its_title_line(op_lists):
    for dump in mutated_dumps(op_lists):
        try:
            entries, warnings = parse_dump(dump)
        except DigestError as exc:
            _assert_clean_problems(exc, {dump.name})
            continue
        n_lines = dump.data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1  # as the parser counts
        assert [e.position for e in entries] == list(range(1, len(entries) + 1))
        assert [e.line for e in entries] == sorted(e.line for e in entries)
        assert all(1 <= e.line <= n_lines for e in entries)
        assert all(w.line is None or 1 <= w.line <= n_lines for w in warnings)
        for e in entries:
            assert e.title and e.title == " ".join(e.title.split()) and e.abstract == " ".join(e.abstract.split())
            assert not FORBIDDEN.search(e.title + e.abstract + (e.organization or ""))


# --- Round trip: entries written out in either format parse back to the same titles and abstracts.

_WORDS = (
    "Learning", "Graph", "Agents", "<b>bold</b>", "{{", "}}", "{%", "&amp;", "**x**", "|", "#", "[x](y)",
    "é", "\u202eRTL", "日本", "—", "May", "12", "v2", "(LLMs)", "C++", "`code`", "'quoted'", '"q"', "·x", "x:",
)  # fmt: skip
_title = st.lists(st.sampled_from(_WORDS), min_size=2, max_size=12).map(lambda w: "Paper " + " ".join(w))
_abstract = st.lists(st.sampled_from(_WORDS), min_size=60, max_size=120).map(lambda w: "We " + " ".join(w) + ".")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_title, _abstract), min_size=1, max_size=8), st.booleans())
def test_entries_written_in_either_format_parse_back(pairs, lines_format):
    if lines_format:  # format B: one line each, "Subscribe" glued to the first title
        text = HEADER_B + "".join(f"{t}\n{a}\n" for t, a in pairs)
    else:
        text = HEADER_A + "".join(f"{t}\n\n{a}\n\n  • 2 authors\n·\nMay 12\n\n" for t, a in pairs)
    entries, warnings = parse_dump(dump_file(text))
    assert [(e.title, e.abstract) for e in entries] == pairs
    assert warnings == []
    lines = text.split("\n")
    for e in entries:
        assert lines[e.line - 1].removeprefix("Subscribe") == e.title


def test_mutate_is_deterministic_and_can_swap_formats():
    a = SLICES["2026-06-10.txt"]
    assert mutate(a, [("swap",)]) == mutate(a, [("swap",)])
    swapped = mutate(a, [("swap",)]).decode()
    assert "\n\n" not in swapped
    entries, _ = parse_dump(dump_file(swapped))
    assert entries  # a format A day with its blank lines gone still reads as entries
    assert Path(ROOT / "dumps" / "2026-06-10.txt").exists()
