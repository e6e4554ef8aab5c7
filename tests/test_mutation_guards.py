"""Tests that pin lines mutation sampling found unguarded (issue 16): each fails when its line
is broken (benchmarks/mutations.py applies such breaks and runs the suite's relevant tests).

- files.py: the writer refuses to write outside its output folder;
- incremental.py: a new sighting that would join two earlier papers makes the next day cold;
- dedupe.py: the abstract-similarity bar (ABSTRACT_SAME_RATIO) at, above and below it;
- themes.py: the secondary-theme bar (secondary_ratio x the primary's score, and threshold).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import dedupe
from generator.dedupe import Item, same_paper
from generator.files import write_tree
from generator.pipeline import build, extend
from generator.state import BuildCache
from generator.themes import assign, parse_theme_config

from .conftest import make_project
from .test_incremental import CODE, _dumps, _roundtrip

# ---------------------------------------------------------------------------- files.py


@pytest.mark.parametrize("rel", ["../outside.md", "days/../../outside.md", "/tmp/outside-digest.md", "link/outside.md"])
def test_the_writer_refuses_to_write_outside_its_folder_and_writes_nothing(tmp_path, rel):
    out, outside = tmp_path / "docs", tmp_path / "elsewhere"
    out.mkdir()
    outside.mkdir()
    (out / "link").symlink_to(outside)  # a folder inside the output that leads out of it
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError, match="refusing to write outside"):
        write_tree(out, {"index.md": b"fine", rel: b"escaped"})
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert not Path("/tmp/outside-digest.md").exists()


def test_the_writer_writes_inside_nested_folders(tmp_path):
    write_tree(tmp_path, {"a/b/c.md": b"deep", "a/../top.md": b"top"})
    assert (tmp_path / "a/b/c.md").read_bytes() == b"deep" and (tmp_path / "top.md").read_bytes() == b"top"


# ---------------------------------------------------------------------------- dedupe.py

# Words of lowercase letters: a digit is a character no abstract here holds, so n digits
# replacing n letters cost exactly n in similarity (fuzz.ratio = 100 * (1 - n / length)).
_SENTENCE = "we study how sparse probes read the circuits of small transformers and what they find there"
_WORDS = _SENTENCE.split()
ABSTRACT = " ".join(_WORDS[i % len(_WORDS)] for i in range(120))[:500]


def changed(text: str, count: int, start: int = 200) -> str:
    """`text` with `count` letters (every other one from `start`) replaced by a digit."""
    chars = list(text)
    at = [i for i in range(start, len(chars)) if chars[i].isalpha()][: 2 * count : 2]
    assert len(at) == count
    for i in at:
        chars[i] = "7"
    return "".join(chars)


def item(index: int, title: str, abstract: str) -> Item:
    return Item(index, title, abstract, False)


@pytest.mark.parametrize(
    ("differing", "same"),
    [(0, True), (30, True), (40, True), (41, False), (60, False)],
    ids=["equal", "94", "92-exactly", "91.8", "88"],
)
def test_abstracts_of_one_title_are_the_same_paper_down_to_the_ratio_bar(differing, same):
    assert len(ABSTRACT) == 500 and dedupe.ABSTRACT_SAME_RATIO == 92.0
    # Titles a typo apart: the abstracts alone decide (under one exact title, a revised
    # abstract that keeps most of its text is the same paper whatever the ratio).
    a = item(0, "sparse probing of transformer circuits", ABSTRACT)
    b = item(1, "sparse probing of transformer circuitry", changed(ABSTRACT, differing))
    assert same_paper(a, b) is same and same_paper(b, a) is same


def test_a_retitled_paper_needs_the_abstract_bar_too():
    a = item(0, "sparse probing of transformer circuits", ABSTRACT)
    assert same_paper(a, item(1, "what sparse probes find in small transformers", changed(ABSTRACT, 40)))
    assert not same_paper(a, item(1, "what sparse probes find in small transformers", changed(ABSTRACT, 41)))


# ---------------------------------------------------------------------------- incremental.py


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    from generator.cli import Project

    return Project(make_project(tmp_path_factory.mktemp("guards")) / "mkdocs.yml")


def test_a_new_sighting_that_would_join_two_earlier_papers_makes_the_next_day_cold(project):
    """Day 1: papers A and B, 13% of their abstracts apart (two papers). Day 2: C, 6.5% from
    each, with A's title: it is A and it is B, so a cold build makes one paper of the three.
    The next day from day 1's state cannot undo day 1's grouping: it must decline."""
    title = "Sparse Probing of Transformer Circuits"
    x = ABSTRACT
    x_b = changed(x, 64, start=250)  # B: 64 of 500 characters changed
    x_c = changed(x, 32, start=250)  # C: the first 32 of B's changes
    a, b, c = item(0, title.lower(), x), item(1, "circuits read by sparse probes", x_b), item(2, title.lower(), x_c)
    assert not same_paper(a, b) and same_paper(a, c) and same_paper(b, c)  # the set-up holds
    head = "Daily Papers\n\n"
    day1 = f"{head}{title}\n\n{x}.\n\nCircuits Read By Sparse Probes\n\n{x_b}.\n"
    day2 = f"{head}{title}\n\n{x_c}.\n"
    dumps = _dumps([("2026-01-01.txt", day1.encode()), ("2026-01-02.txt", day2.encode())])
    config, loader = project.load_config(), project.loader()
    first = build(dumps[:1], config, loader, cache=BuildCache(CODE))
    both = build(dumps, config, loader, cache=BuildCache(CODE))
    assert len(first.briefs) == 2 and len(both.briefs) == 1
    assert first.state is not None
    assert extend(_roundtrip(first.state), dumps, config, loader, CODE) is None


# ---------------------------------------------------------------------------- themes.py

THEMES = """
threshold: {threshold}
max_secondary: 2
secondary_ratio: 0.5
title_weight: 3.0
abstract_cap: 3
themes:
  - id: alpha
    name: Alpha
    description: alpha things
    keywords: [{{alphaword: 4}}]
  - id: beta
    name: Beta
    description: beta things
    boost: {boost}
    keywords: [{{betaword: {beta}}}]
  - id: gamma
    name: Gamma
    description: gamma things
    keywords: [{{gammaword: {gamma}}}]
  - id: other
    name: Other
    description: the rest
"""


def themes_of(text: str, beta: float = 2.0, gamma: float = 0.5, threshold: float = 1.0, boost: float = 1.0):
    config = parse_theme_config(THEMES.format(beta=beta, gamma=gamma, threshold=threshold, boost=boost))
    return assign("untitled", text, config).themes


@pytest.mark.parametrize(
    ("beta", "expected"),
    [(2.0, ("alpha", "beta")), (2.5, ("alpha", "beta")), (1.99, ("alpha",))],
    ids=["at-half", "above-half", "below-half"],
)
def test_a_secondary_theme_needs_half_the_primary_score(beta, expected):
    # Alpha scores 4; the threshold (1.0) is well under half of it, so only the ratio decides.
    assert themes_of("alphaword betaword", beta=beta) == expected


def test_a_secondary_theme_needs_the_threshold_too_and_secondaries_go_by_score():
    # Threshold 3.0, over half of alpha's 4: a secondary scoring 2.5 is not enough, 3.0 is.
    assert themes_of("alphaword gammaword", gamma=2.5, threshold=3.0) == ("alpha",)
    assert themes_of("alphaword gammaword", gamma=3.0, threshold=3.0) == ("alpha", "gamma")
    # Two secondaries: the higher-scoring one first.
    assert themes_of("alphaword betaword gammaword", beta=2.5, gamma=3.0) == ("alpha", "gamma", "beta")


def test_a_primary_under_the_threshold_is_other():
    assert themes_of("betaword", beta=1.5, threshold=2.0) == ("other",)
    assert themes_of("betaword betaword", beta=1.5, threshold=2.0) == ("beta",)  # 3.0 >= 2.0


def test_a_boost_multiplies_a_theme_s_score():
    assert themes_of("alphaword betaword") == ("alpha", "beta")  # 4 against 2
    assert themes_of("alphaword betaword", boost=3.0) == ("beta", "alpha")  # 4 against 6


# ---------------------------------------------------------------------------- dedupe.py, more bars

SHORT_ABSTRACT = ABSTRACT[:120]  # under MIN_RETITLE_ABSTRACT_CHARS (200), over MIN_PREFIX_CHARS (60)


def test_a_title_typo_bar_of_90():
    from rapidfuzz import fuzz

    title = "sparse probing of transformer circuits"
    near = "sparse probing of transformer circuitry"  # a typo away
    far = "sparse probes of the transformer circuit"  # between 80 and 90: another title
    assert fuzz.ratio(title, near) >= 90 > fuzz.ratio(title, far) >= 80
    a, other = item(0, title, SHORT_ABSTRACT), changed(SHORT_ABSTRACT, 2, start=60)  # 98% alike, not equal
    assert same_paper(a, item(1, near, other))
    assert not same_paper(a, item(1, far, other))  # a short abstract cannot vouch for a new title


def test_without_an_abstract_only_the_exact_title_vouches():
    title = "sparse probing of transformer circuits"
    assert same_paper(item(0, title, ""), item(1, title, SHORT_ABSTRACT))
    assert not same_paper(item(0, title, ""), item(1, "sparse probing of transformer circuitry", SHORT_ABSTRACT))


def test_a_copy_cut_well_short_is_compared_as_a_prefix():
    title = "sparse probing of transformer circuits"
    # 300 of 500 characters, no ellipsis: the same paper, though the whole texts are 75% alike.
    assert same_paper(item(0, title, ABSTRACT), item(1, title, ABSTRACT[:300]))
    # A typo in the title, so that the revision rule (one exact title only) does not decide.
    typo = "sparse probing of transformer circuitry"
    assert same_paper(item(0, title, ABSTRACT), item(1, typo, ABSTRACT[:300]))
    assert not same_paper(item(0, title, ABSTRACT), item(1, typo, changed(ABSTRACT[:300], 40, start=100)))


def test_a_new_title_needs_200_characters_of_agreeing_abstract():
    # Abstracts 99% alike (equal ones always agree), under a title that does not agree.
    a = item(0, "sparse probing of transformer circuits", ABSTRACT[:199])
    b = item(1, "what small transformers compute", changed(ABSTRACT[:199], 2, start=100))
    assert not same_paper(a, b)
    longer = item(1, b.title, changed(ABSTRACT[:200], 2, start=100))
    assert same_paper(item(0, a.title, ABSTRACT[:200]), longer)


# ---------------------------------------------------------------------------- incremental.py, more


def test_the_index_refuses_entries_that_sort_before_what_it_holds(project):
    later = _dumps([("2026-01-02.txt", f"Daily Papers\n\nA Title\n\n{ABSTRACT}.\n".encode())])
    earlier = _dumps([("2026-01-01.txt", f"Daily Papers\n\nAnother Title\n\n{ABSTRACT[::-1]}.\n".encode())])
    state = build(later, project.load_config(), project.loader(), cache=BuildCache(CODE)).state
    assert state is not None
    from generator.parse import parse_dump

    entries, _ = parse_dump(earlier[0])
    assert state.index.add(entries, lambda dump, position: entries[position - 1]) is None


def test_an_over_full_block_of_new_items_is_not_compared_as_a_cold_build_does_not(project, monkeypatch):
    """Three new items share only their abstract's blocking keys, in blocks over the cap: a
    cold build never compares them (three papers), so the next day must not either."""
    from generator import incremental

    monkeypatch.setattr(dedupe, "MAX_BLOCK", 2)
    monkeypatch.setattr(incremental, "MAX_BLOCK", 2)
    titles = ["Sparse Probing Of Circuits", "What Small Models Compute", "Reading Attention Heads Closely"]
    day1 = f"Daily Papers\n\nAn Unrelated Paper\n\n{ABSTRACT[::-1]}.\n"
    day2 = "Daily Papers\n\n" + "".join(f"{t}\n\n{ABSTRACT}.\n\n" for t in titles)
    dumps = _dumps([("2026-01-01.txt", day1.encode()), ("2026-01-02.txt", day2.encode())])
    config, loader = project.load_config(), project.loader()
    first = build(dumps[:1], config, loader, cache=BuildCache(CODE))
    cold = build(dumps, config, loader, cache=BuildCache(CODE))
    assert len(cold.briefs) == 4  # the set-up holds: the three stay apart in a cold build
    assert first.state is not None
    step = extend(_roundtrip(first.state), dumps, config, loader, CODE)
    assert step is not None and [b.id for b in step.briefs] == [b.id for b in cold.briefs]


def _grouped_days(project, days: int):
    """A cold build of the first day and the entries of the `days - 1` days after it (three
    papers a day, each re-sighted once the next day), as dumps."""
    texts = [(f"Paper Number {n} On Probing", changed(ABSTRACT, n % 40 + 1, start=n % 7)) for n in range(3 * days)]
    pairs = []
    for day in range(days):
        fresh = texts[3 * day : 3 * day + 3]
        again = texts[3 * day - 3 : 3 * day] if day else []
        body = "".join(f"{title}\n\n{abstract}.\n\n" for title, abstract in fresh + again)
        pairs.append((f"2026-01-{day + 1:02d}.txt", f"Daily Papers\n\n{body}".encode()))
    dumps = _dumps(pairs)
    first = build(dumps[:1], project.load_config(), project.loader(), cache=BuildCache(CODE))
    assert first.state is not None
    return first.state, dumps


def test_folded_keys_still_find_every_item(project, monkeypatch):
    """Keys added by later days are folded into the sorted arrays; looked up by bisection, so
    after folding every item must still be found under each of its blocking keys."""
    from generator import incremental
    from generator.dedupe import blocking_keys
    from generator.parse import parse_dump

    monkeypatch.setattr(incremental, "RECENT_KEYS_MAX", 0)  # fold after every day
    state, dumps = _grouped_days(project, 4)
    index = _roundtrip(state).index
    loaded = {d.name: parse_dump(d)[0] for d in dumps}
    for dump in dumps[1:]:
        assert index.add(loaded[dump.name], lambda name, position: loaded[name][position - 1]) is not None
        assert index.recent_keys == {}  # folded
    for i in range(len(index.parent)):
        text = index._stored_text(i)
        assert text is not None
        for key in blocking_keys(Item(i, *text)):
            assert i in index._members(incremental._key_digest(key)), (i, key)


def test_texts_not_yet_stored_are_read_from_the_index_itself(project):
    """Before the writer stores them, the index's texts are its pending records, the first one too."""
    state, _ = _grouped_days(project, 1)
    index = state.index
    assert index.stored == 0 and len(index.pending) == len(index.parent) == 3
    assert [index._stored_text(i) for i in range(3)] == [
        (f"paper number {n} on probing", dedupe.normalize(changed(ABSTRACT, n % 40 + 1, start=n % 7) + "."), False)
        for n in range(3)
    ]


# ---------------------------------------------------------------------------- the mutation benchmark


def test_every_mutation_of_the_benchmark_still_applies():
    """benchmarks/mutations.py quotes lines of the modules verbatim: a line that was rewritten
    since would make it stop at once (`not found`), so its figure could not be measured."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "benchmarks/mutations.py", "--list"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(done.stdout.splitlines()) >= 50
