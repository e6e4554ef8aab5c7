"""Deduplication: every must-merge and must-not-merge case, ids, merging, and invariants."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from generator.dedupe import ABSTRACT_SAME_RATIO, Item, dedupe, item_text, kept_sentences, normalize, same_paper
from generator.models import Entry
from generator.parse import parse_dump

from .conftest import benchmark_module, seed_dumps

ABSTRACT = (
    "Large language models are increasingly used to simulate human participants in behavioural "
    "experiments. We test whether their responses reproduce classic effects from cognitive "
    "psychology across forty tasks, and find that agreement depends strongly on the task family, "
    "the prompt format and the model size, with smaller models failing most often."
)
OTHER_ABSTRACT = (
    "We introduce a benchmark of chemistry hypotheses annotated by experts and show that a "
    "hierarchical search over candidate hypotheses outperforms sampling baselines by a wide "
    "margin across every model family we evaluate, including open and closed models."
)
TITLE = "Do Large Language Models Reproduce Human Cognitive Effects?"


def entry(title=TITLE, abstract=ABSTRACT, day=date(2026, 6, 10), position=1, **meta) -> Entry:
    return Entry(f"{day.isoformat()}.txt", day, position, position * 4 + 9, title, abstract, **meta)


def merged(a: Entry, b: Entry) -> bool:
    papers = dedupe([a, replace(b, date=date(2026, 6, 11), dump="2026-06-11.txt", position=2)])
    return len(papers) == 1


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({"title": TITLE.upper()}, id="letter-case"),
        pytest.param({"title": "Do  Large Language\tModels Reproduce Human Cognitive Effects ?"}, id="whitespace"),
        pytest.param({"title": "Do Large-Language Models Reproduce Human Cognitive Effects!"}, id="punctuation"),
        pytest.param(
            {"title": "Do Large Language Models Reproduce Human \u201cCognitive\u201d Effects\u2014?"},
            id="unicode-quotes-dashes",
        ),
        pytest.param({"title": "Do Large Language Models Reproduce Human Cognitive E\ufb00ects?"}, id="ligature"),
        pytest.param(
            {
                "title": "Do Large Language Models Reproduce Human Cognitive Effects &amp; More?".replace(
                    " &amp; More", ""
                )
            },
            id="plain",
        ),
        pytest.param(
            {"abstract": ABSTRACT.replace("behavioural", "behavioural &amp; social")}, id="html-entity-abstract"
        ),
        pytest.param({"title": "Do Large Langauge Models Reproduce Human Cognitive Effects?"}, id="title-typo"),
        pytest.param({"abstract": ABSTRACT.replace("psychology", "psycholgy")}, id="abstract-typo"),
        pytest.param({"abstract": ABSTRACT[:150]}, id="truncated-abstract"),
        pytest.param({"abstract": ABSTRACT[:180].rstrip() + "\u2026"}, id="ellipsised-abstract"),
        pytest.param({"abstract": ABSTRACT[:180].rstrip() + " ..."}, id="dots-abstract"),
        pytest.param(
            {"title": "Can LLMs Stand In for Human Participants? Classic Effects Revisited"},
            id="retitled-same-abstract",
        ),
        pytest.param(
            {"title": "Do Large Langauge Models Reproduce Human Cognitive Effects?", "abstract": ABSTRACT[:200] + "…"},
            id="typo-and-truncated",
        ),
        pytest.param({"abstract": ABSTRACT[:30] + "…"}, id="short-truncated-copy-same-title"),
    ],
)
def test_same_paper_despite(variant):
    assert merged(entry(), entry(**variant))


def test_html_entities_in_title_merge():
    a = entry(title="Sense & Sensibility in Language Models")
    b = entry(title="Sense &amp; Sensibility in Language Models")
    assert merged(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(entry(), entry(abstract=OTHER_ABSTRACT), id="same-title-different-abstract"),
        pytest.param(
            entry(title="MOOSE-Chem2: Exploring LLM Limits in Hypothesis Discovery"),
            entry(title="MOOSE-Chem3: Exploring LLM Limits in Hypothesis Discovery"),
            id="number-token",
        ),
        pytest.param(
            entry(title="Emergent Abilities of Language Models, Part II"),
            entry(title="Emergent Abilities of Language Models, Part III"),
            id="roman-part",
        ),
        pytest.param(entry(title="Benchmarking Agents v2"), entry(title="Benchmarking Agents v3"), id="version-token"),
        pytest.param(
            entry(title="Emergent Abilities of Language Models, Part II", abstract=ABSTRACT),
            entry(title="Emergent Abilities of Language Models, Part III", abstract=OTHER_ABSTRACT),
            id="roman-part-different-abstract",
        ),
        pytest.param(
            entry(title="A Survey of Agents"),
            entry(title="A Survey of Agents Revisited", abstract=ABSTRACT[:40]),
            id="short-prefix-with-another-title",
        ),
        pytest.param(entry(), entry(abstract=ABSTRACT[:15]), id="too-short-to-vouch"),
    ],
)
def test_different_papers_even_though(a, b):
    assert not merged(a, b)


def test_normalize_folds_variants():
    assert normalize("Caf\u00e9 \u201cQuoted\u201d \u2014 E\ufb00ect &amp; co") == normalize(
        'cafe "quoted" - effect & CO'
    )


def test_seed_dumps_give_431_papers_from_472_sightings():
    entries = [e for d in seed_dumps() for e in parse_dump(d)[0]]
    papers = dedupe(entries)
    assert len(entries) == 472 and len(papers) == 431
    assert sum(len(p.sightings) for p in papers) == 472
    assert len({p.id for p in papers}) == 431


def test_merged_paper_keeps_most_complete_text_latest_metadata_and_every_sighting():
    a = entry(abstract=ABSTRACT[:150] + "…", upvotes=2, authors_count=4, published=date(2026, 5, 1))
    b = replace(
        entry(position=7),
        date=date(2026, 6, 12),
        dump="2026-06-12.txt",
        upvotes=9,
        authors_count=4,
        published=date(2026, 5, 1),
    )
    c = replace(entry(abstract=ABSTRACT[:100]), date=date(2026, 6, 14), dump="2026-06-14.txt")  # no metadata
    (paper,) = dedupe([c, b, a])
    assert paper.abstract == ABSTRACT
    assert (paper.first_seen, paper.last_seen, paper.upvotes) == (date(2026, 6, 10), date(2026, 6, 14), 9)
    assert [s.dump for s in paper.sightings] == ["2026-06-10.txt", "2026-06-12.txt", "2026-06-14.txt"]


def test_id_is_slug_plus_hash_and_never_changes_when_later_dumps_arrive():
    (first,) = dedupe([entry()])
    assert first.id.startswith("do-large-language-models-reproduce-human") and len(first.id.rsplit("-", 1)[1]) == 8
    later = replace(
        entry(title="Can LLMs Stand In for Human Participants?"), date=date(2026, 7, 1), dump="2026-07-01.txt"
    )
    (again,) = dedupe([entry(), later])
    assert again.id == first.id and again.title == later.title


def test_same_title_different_abstract_get_distinct_ids():
    papers = dedupe([entry(), entry(abstract=OTHER_ABSTRACT, position=2)])
    assert len({p.id for p in papers}) == 2


def test_same_paper_twice_in_one_day_is_one_paper_with_two_sightings():
    (paper,) = dedupe([entry(position=1), entry(position=5)])
    assert [s.position for s in paper.sightings] == [1, 5]


SEED_ENTRIES = [e for d in seed_dumps() for e in parse_dump(d)[0]]


def _fingerprint(papers):
    return sorted((p.id, p.title, p.abstract, p.sightings) for p in papers)


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(20, 120))
def test_dedupe_is_order_independent_idempotent_and_loses_nothing(rnd: random.Random, size: int):
    sample = rnd.sample(SEED_ENTRIES, size)
    # Perturbed re-sightings on a later day, as a later dump would bring them.
    extra = [
        replace(
            e,
            title=e.title.upper(),
            abstract=e.abstract[: len(e.abstract) // 2] + "…",
            date=date(2026, 12, 1),
            dump="2026-12-01.txt",
        )
        for e in sample[: size // 4]
    ]
    entries = sample + extra
    papers = dedupe(entries)
    shuffled = entries[:]
    rnd.shuffle(shuffled)
    assert _fingerprint(dedupe(shuffled)) == _fingerprint(papers)
    sightings = sorted((s.dump, s.position) for p in papers for s in p.sightings)
    assert sightings == sorted((e.dump, e.position) for e in entries)
    # Idempotent: deduping the merged papers' own texts again merges nothing further.
    again = dedupe([Entry(p.sightings[0].dump, p.first_seen, i, 1, p.title, p.abstract) for i, p in enumerate(papers)])
    assert len(again) == len(papers)


# Revised papers (issue 14): an arXiv v2 under the same title is the same paper; hard negatives
# are not. The cases come from benchmarks/dedupe_corpus.py, over every seed paper.
CORPUS = benchmark_module("dedupe_corpus")
SEED_PAPERS = CORPUS.seed_papers()
MATERIAL = CORPUS.Corpus(SEED_PAPERS)


def _merged(first: tuple[str, str], second: tuple[str, str]) -> bool:
    """Whether the two sightings (the second a day later) are one paper; the pair decision must
    not depend on which comes first (a next-day build compares in the other order)."""
    a, b = (Item(i, *item_text(entry(*text))) for i, text in enumerate((first, second)))
    assert same_paper(a, b) == same_paper(b, a)
    return merged(entry(*first), entry(*second))


def _cases(kind: str) -> list:
    """One case of this kind for every seed paper, each from its own fixed random seed."""
    return [MATERIAL.case(random.Random(n), paper, kind) for n, paper in enumerate(SEED_PAPERS)]


REVISED = (
    "Large language models are increasingly used to simulate human participants in behavioural "
    "experiments. We test whether their responses reproduce classic effects from cognitive "
    "psychology across forty-two tasks, and find that agreement depends strongly on the task family, "
    "the prompt format and the model size, with smaller models failing most often. We release the "
    "tasks and the responses of every model so that others can extend the comparison."
)


def test_the_revision_of_the_issue_is_the_same_paper_and_a_same_opening_is_not():
    # One sentence edited ("forty" -> "forty-two"), the last replaced by a new one: too far apart
    # for the abstracts to agree as a whole.
    assert fuzz.ratio(normalize(ABSTRACT), normalize(REVISED)) < ABSTRACT_SAME_RATIO
    assert _merged((TITLE, ABSTRACT), (TITLE, REVISED))
    same_opening = ABSTRACT.split(". ")[0] + ". " + OTHER_ABSTRACT
    assert not _merged((TITLE, ABSTRACT), (TITLE, same_opening))


@pytest.mark.parametrize("kind", ["revision", "revision-recased", "revision-added"])
def test_a_revised_abstract_under_the_same_title_is_the_same_paper(kind):
    """One sentence replaced by a new one and another edited (or one edited and one added), the
    rest unchanged, for every seed paper."""
    cases = _cases(kind)
    assert len(cases) > 400
    assert [n for n, case in enumerate(cases) if not _merged(case.first, case.second)] == []


@pytest.mark.parametrize(
    "kind",
    [
        "title-word+same-opening",
        "other-title+same-opening",
        "same-title+other-abstract",
        "same-title+same-opening",
        "same-title+same-opening-truncated",
    ],
)
def test_hard_negatives_stay_apart(kind):
    """One title word changed and another abstract that opens with the same first sentence;
    another paper opening with the same sentence; the same title with another abstract, or with
    one that only opens alike (complete or truncated): for every seed paper."""
    cases = _cases(kind)
    assert [n for n, case in enumerate(cases) if _merged(case.first, case.second)] == []


@pytest.mark.parametrize("suffix", CORPUS.SUFFIXES)
@pytest.mark.parametrize("same_opening", [False, True], ids=["other-abstract", "same-opening"])
def test_a_title_with_a_suffix_and_another_abstract_is_another_paper(suffix, same_opening):
    rng = random.Random(suffix)
    for paper in SEED_PAPERS:
        donor = MATERIAL.donor(rng, paper)
        abstract = MATERIAL.same_opening(paper, donor) if same_opening else donor.abstract
        assert not _merged((paper.title, paper.abstract), (paper.title + suffix, abstract)), paper.title


def _on(day: int, title: str, abstract: str, position: int = 1) -> Entry:
    when = date(2026, 6, day)
    return Entry(f"{when.isoformat()}.txt", when, position, position * 4 + 9, title, abstract)


def test_a_paper_shows_its_newest_complete_text_and_keeps_every_title_it_was_seen_under():
    new_title = "Can LLMs Stand In for Human Participants? Classic Effects Revisited"
    sightings = [
        _on(10, TITLE, ABSTRACT),
        _on(11, TITLE, REVISED),  # the revision: the newest complete text
        _on(12, TITLE.upper(), REVISED[:150] + "…"),  # truncated copies never replace it
        _on(13, TITLE, ABSTRACT[:200]),
        _on(13, TITLE, REVISED[:250], position=2),
    ]
    (paper,) = dedupe(sightings)
    assert (paper.title, paper.abstract) == (TITLE, REVISED)
    assert paper.titles == (TITLE, TITLE.upper())
    (paper,) = dedupe([*sightings, _on(14, new_title, REVISED)])  # retitled, complete: shown
    assert (paper.title, paper.abstract) == (new_title, REVISED)
    assert paper.titles == (TITLE, TITLE.upper(), new_title)
    assert paper.id == dedupe([sightings[0]])[0].id  # the id never changes


def test_when_every_copy_is_truncated_the_longest_is_shown_the_newest_of_equals():
    short, long_ = ABSTRACT[:120] + "…", ABSTRACT[:200] + "…"
    (paper,) = dedupe([_on(10, TITLE, long_), _on(11, TITLE, short)])
    assert paper.abstract == long_
    (paper,) = dedupe([_on(10, TITLE, long_), _on(11, TITLE.lower(), long_)])
    assert paper.title == TITLE.lower()


SIX = [
    "Sparse autoencoders decompose the activations of a language model into features that people can read.",
    "We train them on the residual stream of a mid-sized transformer at every layer.",
    "Most features respond to a single concept, such as a language, a topic or a syntactic role.",
    "Ablating a feature changes the model's output in the way its label predicts.",
    "Features found at one scale reappear, split into finer ones, at larger scales.",
    "We release the autoencoders, the labels and an interactive browser for every feature.",
]
NEW_SENTENCES = [
    "Our method needs no labelled data and runs on a single graphics card in an afternoon.",
    "The largest dictionary we train holds a million features and reconstructs the activations almost exactly.",
]
SAE_TITLE = "Sparse Autoencoders Find Readable Features in the Residual Stream of Language Models"


def test_a_truncated_revision_is_judged_on_its_whole_sentences():
    # Two of its four whole sentences kept, the fifth cut short: the same paper.
    cut = " ".join([SIX[0], NEW_SENTENCES[0], SIX[2], NEW_SENTENCES[1], SIX[4][:30]]) + "…"
    assert _merged((SAE_TITLE, " ".join(SIX)), (SAE_TITLE, cut))


def test_a_truncated_copy_sharing_only_its_opening_sentence_is_another_paper():
    opening = (
        "Large language models (LLMs) have shown remarkable capabilities across a wide range of natural "
        "language processing tasks, from question answering and summarisation to code generation and reasoning."
    )
    paper = opening + " We study how they handle negation in instructions. They often ignore it."
    other = opening + " In this work we propose a retrieval method for long documents th…"
    assert not _merged((SAE_TITLE, paper), (SAE_TITLE, other))


def test_a_sibling_with_one_title_word_changed_and_most_of_the_abstract_is_another_paper():
    """A revision is recognised under the same title only: a title with one word changed and an
    abstract that kept most sentences is a sibling paper (precision first)."""
    revised = " ".join([SIX[0], NEW_SENTENCES[0], *SIX[2:5], NEW_SENTENCES[1]])
    assert _merged((SAE_TITLE, " ".join(SIX)), (SAE_TITLE, revised))
    sibling = SAE_TITLE.replace("Readable", "Causal")
    assert not _merged((SAE_TITLE, " ".join(SIX)), (sibling, revised))


def test_kept_sentences_does_not_depend_on_which_abstract_comes_first():
    # Matched greedily, the first abstract's sentences would find one partner, the second's two.
    first = (
        "We train the model on all ten benchmarks and report accuracy. "
        "We tune the model on all ten benchmarks and report the error."
    )
    second = (
        "We train a model on all the ten benchmarks and we report its accuracy. "
        "We train the model on all ten benchmarks and report the accuracy."
    )
    a, b = (Item(i, *item_text(entry(abstract=text))) for i, text in enumerate((first, second)))
    assert kept_sentences(a, b) == kept_sentences(b, a)
    assert same_paper(a, b) == same_paper(b, a)
