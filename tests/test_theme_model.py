"""The learned theme model: labels file, determinism, stability, pins that teach, no network."""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import generator.embedding as embedding
from generator.cli import Project
from generator.errors import ConfigError
from generator.models import Paper
from generator.pipeline import build, extend
from generator.state import BuildCache, state_key
from generator.theme_model import (
    EXAMPLES_FILE,
    LABELS_FILE,
    OVERRIDE_WEIGHT,
    Example,
    Scored,
    ThemeModel,
    assign_one,
    assign_texts,
    explain,
    least_sure,
    override_examples,
    parse_labels,
    review_text,
    term_closeness,
    with_labels,
    written_examples,
)
from generator.themes import parse_theme_config, words
from tests.conftest import seed_dumps

ROOT = Path(__file__).resolve().parent.parent
CONFIG = parse_theme_config((ROOT / "themes.yml").read_text(encoding="utf-8"))
LABELS = parse_labels((ROOT / LABELS_FILE).read_text(encoding="utf-8"), LABELS_FILE, CONFIG)
LABELLED = with_labels(CONFIG, LABELS)


@pytest.fixture(scope="module")
def model() -> ThemeModel:
    return ThemeModel(LABELLED)


def paper(pid: str, title: str, abstract: str) -> Paper:
    day = date(2026, 1, 1)
    return Paper(pid, title, abstract, day, day, None, None, None, None, ())


def test_shipped_labels_carry_their_text_and_valid_themes():
    assert len(LABELS) == 216
    assert all(ex.title and len(ex.abstract) > 100 and ex.themes[0] in CONFIG.ids for ex in LABELS)
    assert LABELS[0].source == f"{LABELS_FILE}:1"


def test_labels_file_problems_are_reported_together_with_their_lines():
    text = (
        '{"title": "A", "abstract": "x", "primary": "cognition"}\n'
        "not json\n"
        '{"title": "B", "abstract": "y", "primary": "cognitoin"}\n'
        "\n"
        '{"abstract": "z", "primary": "other"}\n'
        '{"title": "C", "abstract": "w", "primary": "other", "secondary": "steering"}\n'
        '{"title": "D", "abstract": "v", "primary": "other", "confidence": "sure"}\n'
        '{"title": "E", "abstract": "u", "primary": "other", "confidence": "low"}\n'
    )
    with pytest.raises(ConfigError) as caught:
        parse_labels(text, "themes-labels.jsonl", CONFIG)
    got = [str(p) for p in caught.value.problems]
    assert [p.split(":")[1] for p in got] == ["2", "3", "5", "6", "7"]
    assert "unknown theme id 'cognitoin' — use one of: interpretability" in got[1]
    assert got[4] == """themes-labels.jsonl:7: `confidence` is 'sure' — write "high", "medium" or "low\""""
    good = parse_labels(text.splitlines()[0] + "\n" + text.splitlines()[-1], "themes-labels.jsonl", CONFIG)
    assert [ex.confidence for ex in good] == ["", "low"]


def test_the_shipped_labels_say_how_sure_their_labeller_was_and_the_model_ignores_it():
    assert Counter(ex.confidence for ex in LABELS) == {"high": 128, "medium": 66, "low": 22}
    unsure = tuple(replace(ex, confidence="") for ex in LABELS)
    assert with_labels(CONFIG, unsure).labels_digest == LABELLED.labels_digest


def test_a_bad_labels_file_stops_the_build_with_its_line(project):
    (project / LABELS_FILE).write_text('{"title": "A", "abstract": "x", "primary": "nope"}\n')
    with pytest.raises(ConfigError) as caught:
        Project(project / "mkdocs.yml").load_config()
    assert f"{LABELS_FILE}:1: unknown theme id 'nope'" in str(caught.value.problems[0])


_FINGERPRINT_SCRIPT = """
import hashlib, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from generator.themes import parse_theme_config
from generator.theme_model import LABELS_FILE, Scored, ThemeModel, parse_labels, with_labels
root = Path({root!r})
config = parse_theme_config((root / "themes.yml").read_text(encoding="utf-8"))
config = with_labels(config, parse_labels((root / LABELS_FILE).read_text(encoding="utf-8"), LABELS_FILE, config))
model = ThemeModel(config)
fitted = model.fitted
digest = hashlib.sha256()
for array in (fitted.mean, fitted.scale, fitted.coef, fitted.intercept, fitted.descriptions):
    digest.update(array.tobytes())
texts = [(ex.title, ex.abstract[::-1]) for ex in config.labels]  # texts it was not fitted on
digest.update(repr(model.assign(Scored.of(texts, config))).encode())
print(fitted.C, fitted.classes, model.fingerprint, digest.hexdigest())
"""


def test_the_model_is_byte_identical_under_different_hash_seeds():
    script = _FINGERPRINT_SCRIPT.format(root=str(ROOT))
    outputs = []
    for seed in ("1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].split()) >= 4


def test_a_paper_gets_the_same_themes_alone_and_among_others(model):
    papers = [p for dump in seed_dumps()[:2] for p in _papers_of(dump)]
    texts = [(p.title, p.abstract) for p in papers]
    together = model.assign(Scored.of(texts, LABELLED))
    reversed_batch = model.assign(Scored.of(texts[::-1], LABELLED))[::-1]
    assert together == reversed_batch
    alone = [assign_one(title, abstract, model) for title, abstract in texts[:60]]
    assert alone == together[:60]
    # as a build assigns them: word counts restricted to the model's vocabulary in the workers
    assert assign_texts(texts, model) == together
    # the embedding itself does not depend on the batch, to the bit
    one = embedding.Embedder().embed([f"{texts[7][0]}. {texts[7][1]}"])
    assert one.tobytes() == Scored.of(texts, LABELLED).vectors[7].tobytes()


_NEAR_CONFIG = parse_theme_config(
    "themes:\n"
    "  - {id: neuroscience, name: Brain, description: brain data, keywords: [fmri, cortex]}\n"
    "  - {id: multimodal, name: Vision, description: images, keywords: [image, video]}\n"
    "  - {id: other, name: Other, description: none}\n"
)


def test_term_closeness_finds_a_theme_its_terms_do_not_name():
    texts = [("Photographs and pictures of cats", ""), ("Recordings of the brain", ""), ("A recipe for bread", "")]
    split = [(words(t), words(a)) for t, a in texts]
    # no term of either theme is in these titles: the rules see nothing
    assert not Scored.of(texts, _NEAR_CONFIG).rules.any()
    near = term_closeness(split, _NEAR_CONFIG)  # columns: neuroscience, multimodal
    assert near[0, 1] > near[0, 0] and near[1, 0] > near[1, 1]
    assert not near[2].any()  # nothing near either theme: a zero row
    # a smooth maximum over the text's words, not a count: saying it again adds nothing
    again = term_closeness([(words("Photographs and pictures, pictures, pictures of cats"), [])], _NEAR_CONFIG)
    assert again.tobytes() == near[:1].tobytes()
    # a text's closeness is its own, in a batch of any size (the batches of NEAR_BATCH included)
    many = split * 700
    assert term_closeness(many, _NEAR_CONFIG).tobytes() == np.tile(near, (700, 1)).tobytes()


def test_what_is_kept_per_word_is_the_same_however_the_words_came():
    from generator.theme_model import _near_rows, _term_words

    texts = [(p.title, p.abstract) for dump in seed_dumps()[:3] for p in _papers_of(dump)]
    split = [(words(t), words(a)) for t, a in texts]
    fresh = embedding.Embedder()
    fresh.counts([t + a for t, a in split])  # every word learned at once
    _, term_vectors, _, _ = _term_words(CONFIG)
    at_once = _near_rows(term_vectors, fresh._words)
    # a word alone (numpy takes another BLAS path for one row) has the same bits as among others
    for i in range(0, len(fresh._words), 41):
        alone = _near_rows(term_vectors, fresh._words[i : i + 1])
        assert (alone != at_once[i]).nnz == 0, fresh._word_list[i]
    # word by word, a text at a time: the kept rows grow with the words and equal one pass
    stepwise = embedding.Embedder()
    for t, a in split[:40]:
        counts = stepwise.counts([t + a])
        stepwise.derived("near", lambda _words, vectors: _near_rows(term_vectors, vectors))
    kept = stepwise.derived("near", lambda _words, vectors: _near_rows(term_vectors, vectors))
    assert kept.shape[0] == len(stepwise._word_list) == counts.shape[1]
    rows = [fresh._word_ids[w] for w in stepwise._word_list]
    assert (kept != at_once[rows]).nnz == 0
    # and so a paper's closeness is its own whatever the embedder learned before it
    embedding._SHARED = embedding.Embedder()
    alone = term_closeness(split[:1], CONFIG)
    embedding._SHARED = embedding.Embedder()
    among = term_closeness(split[::-1], CONFIG)[-1:]
    assert alone.tobytes() == among.tobytes()


def _papers_of(dump) -> list[Paper]:
    from generator.dedupe import dedupe
    from generator.parse import parse_dump

    return dedupe(parse_dump(dump)[0])


def _pin_case(model: ThemeModel) -> tuple[Example, tuple[str, str], str]:
    """A labelled paper, a paper like it (the same abstract without its first sentence, another
    title) that the model puts in the same theme, and another theme to pin the first one to."""
    for ex in LABELS:
        sentences = ex.abstract.split(". ")
        if ex.primary in ("other", "multimodal") or len(sentences) < 4:
            continue
        like = (f"A study of {ex.title.split(':')[0]}", ". ".join(sentences[1:]))
        if assign_one(*like, model)[0] == ex.primary:
            return ex, like, "multimodal"
    raise AssertionError("no labelled paper has a look-alike in its own theme")


def test_pinning_a_paper_teaches_the_model_and_a_paper_like_it_moves(model):
    labelled, like, target = _pin_case(model)
    pinned = paper("the-pinned-paper-0001", labelled.title, labelled.abstract)
    overrides = {pinned.id: (target,)}
    examples = override_examples([pinned, paper("x", "Unrelated", "Text.")], overrides)
    assert examples == (Example(labelled.title, labelled.abstract, (target,), "overrides.yml", OVERRIDE_WEIGHT),)
    taught = ThemeModel(LABELLED, examples)
    assert taught.fingerprint != model.fingerprint
    assert taught.examples.count(labelled) == 0  # the pin replaces the shipped label of that paper
    assert assign_one(*like, model)[0] == labelled.primary
    assert assign_one(*like, taught)[0] == target


def test_written_examples_teach_the_model_and_key_its_fingerprint(model, project):
    """themes-examples.jsonl: papers written for a theme, in the labels' format. Five copies
    of a look-alike of a labelled paper, written for another theme, move that paper's
    look-alikes there; a bad line stops the build with its file and line."""
    labelled, like, target = _pin_case(model)
    rows = [{"title": f"{labelled.title} ({n})", "abstract": labelled.abstract, "primary": target} for n in range(5)]
    text = "".join(json.dumps(row) + "\n" for row in rows)
    written = written_examples(text, EXAMPLES_FILE, CONFIG)
    assert [ex.source for ex in written] == [f"{EXAMPLES_FILE}:{n}" for n in range(1, 6)]
    taught = ThemeModel(with_labels(CONFIG, LABELS, written))
    assert taught.fingerprint != model.fingerprint
    assert assign_one(*like, model)[0] == labelled.primary
    assert assign_one(*like, taught)[0] == target

    (project / EXAMPLES_FILE).write_text(text + '{"title": "A", "abstract": "x", "primary": "nope"}\n')
    with pytest.raises(ConfigError) as caught:
        Project(project / "mkdocs.yml").load_config()
    assert f"{EXAMPLES_FILE}:6: unknown theme id 'nope'" in str(caught.value.problems[0])
    (project / EXAMPLES_FILE).write_text(text)
    loaded = Project(project / "mkdocs.yml").load_config().themes.written
    assert [(ex.title, ex.themes, ex.weight) for ex in loaded] == [(ex.title, ex.themes, ex.weight) for ex in written]


def test_labels_key_the_theme_cache_and_the_next_day_state(model):
    fewer = with_labels(CONFIG, LABELS[1:])
    assert repr(fewer) != repr(LABELLED) and ThemeModel(fewer).fingerprint != model.fingerprint
    config = Project(ROOT / "mkdocs.yml").load_config()
    assert config.themes.labels == LABELS
    other = replace(config, themes=fewer)
    assert state_key("code", other) != state_key("code", config)
    edited = Example(LABELS[0].title, LABELS[0].abstract + " Revised.", ("cognition",), "overrides.yml", 5.0)
    assert ThemeModel(LABELLED, (edited,)).fingerprint != ThemeModel(LABELLED, (LABELS[0],)).fingerprint


def test_without_labels_the_rules_decide():
    rules_only = ThemeModel(CONFIG)
    assert rules_only.fitted is None
    title = "Spiking neural networks on neuromorphic hardware"
    assert assign_one(title, "We train spiking neurons.", rules_only)[0] == "brain-inspired"


def test_the_build_makes_no_network_call(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network call: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(embedding, "_SHARED", None)  # load the embedding files afresh
    project = Project(ROOT / "mkdocs.yml")
    result = build(seed_dumps(), project.load_config(), project.loader(), cache=BuildCache("code"))
    assert result.state is not None and result.state.theme_model is not None
    assert result.state.theme_model.fitted is not None
    assert len(result.briefs) == 431 and all(brief.themes for brief in result.briefs)


def test_explain_names_terms_learned_evidence_similar_labels_and_what_to_do(model):
    ex = LABELS[0]
    text = explain(paper("p-1", ex.title, ex.abstract), model, {})
    assert f"title:       {ex.title}" in text
    assert "rules alone:" in text and "prob" in text and "wording" in text
    assert "most similar labelled papers" in text
    assert f"{LABELS_FILE}:1]" in text  # the paper itself is the nearest labelled paper
    assert "p-1: [" in text and "overrides.yml" in text
    pinned = explain(paper("p-1", ex.title, ex.abstract), model, {"p-1": ("steering",)})
    assert "themes:      steering  (pinned in overrides.yml)" in pinned


def test_review_lists_the_papers_the_model_is_least_sure_of_leaving_out_the_pinned_and_labelled(model):
    seen = [p for dump in seed_dumps()[:2] for p in _papers_of(dump)]
    labelled = LABELS[0]
    papers = [*seen, paper("a-labelled-paper", labelled.title, labelled.abstract)]
    # each paper's gap between its two likeliest themes, one paper at a time
    fitted = model.fitted
    assert fitted is not None

    def gap(p: Paper) -> float:
        top = sorted(fitted.proba(Scored.of([(p.title, p.abstract)], LABELLED), LABELLED)[0])
        return float(top[-1] - top[-2])

    gaps = {p.id: gap(p) for p in papers}
    least = min(seen, key=lambda p: gaps[p.id])
    listed = least_sure(papers, model, {}, 5)
    assert listed is not None and len(listed) == 5
    assert listed[0].paper == least and listed[0].margin == pytest.approx(gaps[least.id], abs=1e-9)
    assert [u.margin for u in listed] == sorted(u.margin for u in listed)
    unlisted = [p for p in seen if p.id not in {u.paper.id for u in listed}]
    assert max(u.margin for u in listed) <= min(gaps[p.id] for p in unlisted) + 1e-9
    # each with the themes the model gives it and its likeliest three, most probable first
    for item in listed:
        assert item.themes == assign_one(item.paper.title, item.paper.abstract, model)
        assert item.themes[0] == item.ranked[0][0] and item.ranked[0][1] - item.ranked[1][1] == pytest.approx(
            item.margin
        )
    # a labelled paper is never listed, however unsure; a pinned one neither
    assert all(u.paper.id != "a-labelled-paper" for u in least_sure(papers, model, {}, len(papers)) or [])
    after = least_sure(papers, model, {least.id: ("other",)}, 5)
    assert after is not None and least not in [u.paper for u in after] and after[0].paper == listed[1].paper
    text = review_text(listed, len(papers))
    assert f"  1. {least.title}" in text and f"pin: {least.id}: [{', '.join(listed[0].themes)}]" in text
    assert least_sure(papers, ThemeModel(CONFIG), {}, 5) is None  # no labels: the rules decide


def test_other_share_is_near_the_labels_on_the_seed_papers(model):
    papers = [p for dump in seed_dumps() for p in _papers_of(dump)]
    got = model.assign(Scored.of([(p.title, p.abstract) for p in papers], LABELLED))
    share = sum(t == ("other",) for t in got) / len(got)
    assert 0.04 <= share <= 0.13
    assert all(len(t) <= 3 and (t == ("other",) or "other" not in t) for t in got)
    assert np.mean([len(t) > 1 for t in got]) < 0.9


def test_the_next_day_builds_cold_when_a_pinned_paper_first_appears():
    project = Project(ROOT / "mkdocs.yml")
    dumps, loader = seed_dumps(), project.loader()
    config = project.load_config()
    newest = max(d.day for d in dumps)
    earlier = [d for d in dumps if d.day < newest]
    whole = build(dumps, config, loader)
    newcomer = next(b for b in whole.briefs if b.first_seen == newest)
    pinned = replace(config, overrides={newcomer.id: ("steering",)})
    cold = build(earlier, pinned, loader, cache=BuildCache("code"))
    assert cold.state is not None
    # the model learned without the newcomer's text: the next day cannot reuse it
    assert extend(pickle.loads(pickle.dumps(cold.state)), dumps, pinned, loader, "code") is None
    plain = build(earlier, config, loader, cache=BuildCache("code"))
    assert plain.state is not None
    step = extend(pickle.loads(pickle.dumps(plain.state)), dumps, config, loader, "code")
    assert step is not None and step.briefs == whole.briefs


def test_cross_validated_accuracy_on_the_shipped_labels_stays_above_its_floor():
    # each paper judged by a model fitted (regularisation included) without its fold
    from benchmarks.themes_eval import cross_validate, figures

    examples = list(LABELS)
    scored = Scored.of([(ex.title, ex.abstract) for ex in examples], CONFIG)
    result = figures(examples, cross_validate(examples, scored, CONFIG, 5))
    assert result["strict"] >= 0.72 and result["lenient"] >= 0.90
    assert 0.05 <= result["other"] <= 0.14


def test_the_disagreements_list_the_papers_judged_wrong_worst_first_in_line_order():
    from benchmarks.themes_eval import disagreements

    def labelled(line: int, *themes: str) -> Example:
        return Example(f"paper {line}", "", themes, f"themes-labels.jsonl:{line}")

    examples = [labelled(10, "steering", "interpretability"), labelled(9, "cognition"), labelled(2, "multimodal")]
    examples += [labelled(11, "steering")]
    predicted = [("interpretability", "steering"), ("neuroscience",), ("multimodal", "hallucination"), ("multimodal",)]
    lines = disagreements(examples, predicted)
    # a right primary is not listed, whatever its secondaries; a primary that is none of the
    # labelled themes comes first; then by line (9 before 11, not as text)
    assert [entry.split(":")[1] for entry in lines] == ["9", "11", "10"]
    assert "labelled cognition -> model neuroscience  (its primary is none" in lines[0]
    assert lines[2].endswith("interpretability, steering\n    paper 10")


def test_the_evaluation_gives_accuracy_by_how_sure_the_labeller_was():
    from benchmarks.themes_eval import by_confidence

    def labelled(confidence: str, *themes: str) -> Example:
        return Example("paper", "", themes, "x:1", confidence=confidence)

    examples = [labelled("high", "steering"), labelled("high", "cognition"), labelled("low", "multimodal", "other")]
    examples += [labelled("", "steering")]
    lines = by_confidence(examples, ["steering", "steering", "other", "cognition"])
    assert [line.split() for line in lines] == [
        ["labelled", "with", "high", "confidence", "n=2", "strict", "0.500", "lenient", "0.500"],
        ["labelled", "with", "low", "confidence", "n=1", "strict", "0.000", "lenient", "1.000"],
    ]


def test_the_evaluation_gives_accuracy_per_quarter_of_the_papers_by_how_sure_the_model_was():
    from benchmarks.themes_eval import by_certainty

    examples = [Example(f"paper {n}", "", ("steering", "interpretability"), f"x:{n}") for n in range(8)]
    # gaps: papers 5 and 2 least sure (one right, one lenient only), 0 and 7 surest
    margins = [0.9, 0.5, 0.1, 0.4, 0.3, 0.05, 0.6, 0.95]
    predicted = ["steering"] * 8
    predicted[2], predicted[3], predicted[4] = "interpretability", "other", "other"
    lines = by_certainty(examples, predicted, margins)
    assert lines[0].split() == [
        "least",
        "sure",
        "quarter",
        "strict",
        "0.500",
        "lenient",
        "1.000",
        "(gap",
        "up",
        "to",
        "0.10)",
    ]
    assert lines[1].split()[2:6] == ["strict", "0.000", "lenient", "0.000"]  # papers 4 and 3
    assert lines[3].split()[2:6] == ["strict", "1.000", "lenient", "1.000"]
    assert lines[4].strip() == "the least sure quarter holds 1 of the 3 errors"


def test_the_evaluation_without_rules_gives_every_paper_zero_rule_scores(monkeypatch):
    import generator.theme_model as theme_model
    from benchmarks.themes_eval import drop_rules

    texts = [(ex.title, ex.abstract) for ex in LABELS[:20]]
    assert Scored.of(texts, CONFIG).rules.any()
    monkeypatch.setattr(theme_model, "rule_scores", theme_model.rule_scores)  # put back afterwards
    drop_rules()
    assert not Scored.of(texts, CONFIG).rules.any()


def test_word_counts_over_a_vocabulary_keep_its_words_only_and_count_title_words_twice():
    from generator.theme_model import term_counts

    known = term_counts([([], ["probing", "circuits"])])  # a vocabulary of two words
    vocabulary = np.array(sorted(known.indices.tolist()), dtype=np.int64)
    circuit = int(term_counts([([], ["circuit"])]).indices[0])
    text = ("Circuits", "Circuit circuits probing of zebras")
    row = Scored.of([text], LABELLED).counts_in(vocabulary).toarray()[0].tolist()
    by_word = dict(zip(vocabulary.tolist(), row, strict=True))
    # "Circuits" (title), "Circuit" and "circuits" share a stem; "of" and "zebras" are not in it
    assert by_word[circuit] == 4.0 and sorted(row) == [1.0, 4.0]  # twice for the title, once each after
    # restricted in the workers or afterwards: the same counts
    restricted = Scored.of([text], LABELLED, vocabulary)
    assert restricted.counts_in(vocabulary).toarray().tolist() == [row]


def test_judged_as_unseen_a_paper_loses_the_terms_of_its_themes_no_other_labelled_paper_has():
    from benchmarks.themes_eval import unseen_rules
    from generator.theme_model import rule_scores

    config = parse_theme_config(
        "title_weight: 3\nthemes:\n"
        "  - {id: a, name: A, description: a, keywords: [alpha, shared]}\n"
        "  - {id: b, name: B, description: b, keywords: [beta]}\n"
        "  - {id: other, name: Other, description: none}\n"
    )
    examples = [
        Example("one", "alpha shared", ("a",), "l:1"),
        Example("two", "shared shared", ("a",), "l:2"),
        Example("three", "alpha beta", ("b",), "l:3"),  # alpha is not a term of its themes
    ]
    a, b = config.ids.index("a"), config.ids.index("b")
    everything = rule_scores([(ex.title, ex.abstract) for ex in examples], config)
    assert (unseen_rules(examples, config, 0) == everything).all()
    one = unseen_rules(examples, config, 1)
    assert one[0, a] == 1.0  # alpha only it has (of the papers labelled a): shared stays
    assert one[1, a] == 2.0  # shared: two labelled papers have it
    assert one[2, a] == 1.0 and one[2, b] == 0.0  # alpha stays (not its theme), beta goes
    two = unseen_rules(examples, config, 2)
    assert two[0, a] == two[1, a] == 0.0 and two[2, a] == 1.0


@pytest.mark.parametrize("name", ["themes-taxonomy.yml", "themes-blind.yml"])
def test_the_yardstick_vocabularies_name_the_shipped_themes(name):
    # benchmarks/data's vocabularies written without looking at a paper (README, "How good is
    # it?"): they measure the model honestly only while they have the shipped themes
    path = ROOT / "benchmarks" / "data" / name
    config = parse_theme_config(path.read_text(encoding="utf-8"), path.name)
    assert config.ids == CONFIG.ids
    assert all(theme.terms for theme in config.themes if theme.id != "other")
