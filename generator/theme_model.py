"""The learned part of theme assignment: labelled papers teach a model on top of the rules.

A paper is described by three groups of numbers, all computed from its own title and
abstract and the config:
  * the rules: each theme's term score from themes.yml (log-scaled);
  * the taxonomy: how close the paper's wording is to each theme's name, description and terms
    (cosine of static sentence embeddings, see embedding.py), and how close its words come to
    each theme's terms word by word (term_closeness: "steer" is near "steering");
  * the wording itself: the 256 numbers of the paper's sentence embedding, and a tf-idf of its
    stemmed words (vocabulary and idf fitted on the labelled papers; title words count twice).
A multinomial logistic regression over them is fitted on labelled papers: the shipped labels
file (title, abstract, primary, secondaries), one description example per theme (so a theme
with no labelled paper yet can still be chosen), and every paper pinned in overrides.yml
(weighted: an owner's correction counts more than a shipped label). Its regularisation is
chosen by cross-validation on the training labels only. The primary theme is the most probable
one (`other` is a class of its own); secondaries are themes at least `secondary_ratio` as
probable as the primary, at most `max_secondary`.

Deterministic: fixed folds, a deterministic solver, coefficients rounded before use; the model
depends only on the config, the labels and the code, never on other papers of the archive.
"""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import Any

import numpy as np

from .errors import ConfigError, Problem
from .models import Paper
from .processes import map_chunks
from .themes import OTHER, ThemeConfig, _score, assign, choose, stem, words

LABELS_FILE = "themes-labels.jsonl"
EXAMPLES_FILE = "themes-examples.jsonl"  # written examples: the labels' format, learned from only
MODEL_VERSION = "4"  # bump when features or fitting change: cached themes then rebuild
OVERRIDE_WEIGHT = 5.0  # an owner's correction counts this many shipped labels
DESCRIPTION_WEIGHT = 1.0
WRITTEN_WEIGHT = 1.0  # a written example counts as much as a labelled paper
EMBEDDING_SCALE = 4.0  # the unit-length embedding block against standardised rule features
TFIDF_SCALE = 4.0  # the unit-length tf-idf block, like the embedding block
TITLE_WEIGHT = 2.0  # a title word counts this many abstract words in the tf-idf
MIN_DF = 2  # a word is in the tf-idf vocabulary when this many training texts have it
_HASH_SPACE = 2**31  # words are columns by crc32 of their stem (stable across runs and processes)
C_GRID = (0.1, 0.3, 1.0)  # regularisation candidates, chosen by inner cross-validation
FOLDS = 5
_DECIMALS = 6  # coefficients are rounded so that the model's bytes do not wobble


CONFIDENCES = ("high", "medium", "low", "")  # a label's `confidence`; "" when it gives none


@dataclass(frozen=True)
class Example:
    """One labelled paper: its text and themes (primary first), and where the label comes from."""

    title: str
    abstract: str
    themes: tuple[str, ...]
    source: str  # "themes-labels.jsonl:12", "overrides.yml" or "themes.yml"
    weight: float = 1.0
    confidence: str = ""  # how sure the labeller was (high, medium, low); for the evaluation only

    @property
    def primary(self) -> str:
        return self.themes[0]


# ---------------------------------------------------------------------------- labels file


def parse_labels(text: str, path: str, config: ThemeConfig) -> tuple[Example, ...]:
    """The labels file: one JSON object per line with `title`, `abstract`, `primary` and
    optionally `secondary` (a list) and `confidence` (high, medium or low: how sure the labeller
    was; benchmarks/themes_eval.py reports accuracy by it, the model does not use it). Every
    problem is reported at once, with its line."""
    known = set(config.ids)
    problems: list[Problem] = []
    examples: list[Example] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(path, number, f"not valid JSON: {exc.msg}", "write one JSON object per line"))
            continue
        if not isinstance(row, dict):
            problems.append(Problem(path, number, "not a JSON object", 'write {"title": ..., "primary": ...}'))
            continue
        title, abstract, primary = row.get("title"), row.get("abstract", ""), row.get("primary")
        secondary, confidence = row.get("secondary", []), row.get("confidence", "")
        if not isinstance(title, str) or not title.strip() or not isinstance(abstract, str):
            problems.append(Problem(path, number, "needs a non-empty `title` and a text `abstract`", "add them"))
            continue
        if not isinstance(secondary, list):
            problems.append(Problem(path, number, "`secondary` is not a list", 'write e.g. "secondary": ["cognition"]'))
            continue
        if confidence not in CONFIDENCES:
            problems.append(Problem(path, number, f"`confidence` is {confidence!r}", 'write "high", "medium" or "low"'))
            continue
        themes = [primary, *secondary]
        bad = [t for t in themes if not isinstance(t, str) or t not in known]
        if bad:
            problems.append(
                Problem(path, number, f"unknown theme id {bad[0]!r}", f"use one of: {', '.join(config.ids)}")
            )
            continue
        examples.append(
            Example(title, abstract, tuple(dict.fromkeys(themes)), f"{path}:{number}", confidence=confidence)
        )
    if problems:
        raise ConfigError(problems)
    return tuple(examples)


def examples_digest(examples: Sequence[Example]) -> str:
    """A hash of the labelled texts and themes (what the model learns from)."""
    digest = hashlib.sha256()
    for ex in examples:
        row = json.dumps([ex.title, ex.abstract, list(ex.themes), ex.weight], ensure_ascii=False)
        digest.update(row.encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()[:24]


def with_labels(config: ThemeConfig, examples: tuple[Example, ...], written: tuple[Example, ...] = ()) -> ThemeConfig:
    """The config carrying its labelled papers and written examples (and their digest, so
    they key caches)."""
    return replace(config, labels=examples, written=written, labels_digest=examples_digest((*examples, *written)))


def written_examples(text: str, path: str, config: ThemeConfig) -> tuple[Example, ...]:
    """The written examples file (themes-examples.jsonl): example papers an owner (or the
    shipped taxonomy) writes for a theme, in the labels' format. The model learns from them
    as from the themes' descriptions; they are never among the papers a choice is judged on
    (its inner cross-validation, benchmarks/themes_eval.py)."""
    return tuple(replace(ex, weight=WRITTEN_WEIGHT) for ex in parse_labels(text, path, config))


def override_examples(papers: Sequence[Paper], overrides: Mapping[str, tuple[str, ...]]) -> tuple[Example, ...]:
    """Each pinned paper that is in `papers`, as a labelled example (by id order)."""
    pinned = sorted((p for p in papers if p.id in overrides), key=lambda p: p.id)
    return tuple(Example(p.title, p.abstract, overrides[p.id], "overrides.yml", OVERRIDE_WEIGHT) for p in pinned)


def description_examples(config: ThemeConfig) -> tuple[Example, ...]:
    """One example per theme written from its name, description and terms."""
    return tuple(
        Example(theme.name, _description_text(theme), (theme.id,), "themes.yml", DESCRIPTION_WEIGHT)
        for theme in config.themes
        if theme.id != OTHER
    )


def learned_only(config: ThemeConfig) -> tuple[Example, ...]:
    """What the model learns from besides the labelled papers, and never judges itself on:
    the themes' descriptions and the written examples."""
    return (*description_examples(config), *config.written)


def _description_text(theme) -> str:
    terms = " ".join(text for text, _ in _literal_terms(theme))
    return f"{theme.description} {terms}".strip()


def _literal_terms(theme) -> list[tuple[str, float]]:
    """A theme's keywords and phrases (not its regexes) as plain text, "*" dropped, with weights."""
    return [(term.text.replace("*", ""), term.weight) for term in theme.terms if term.regex is None]


# ---------------------------------------------------------------------------- features

NEAR_FLOOR = 0.5  # a word closer than this (cosine) to a term's word counts as near it
NEAR_POWER = 8.0  # the power mean over a text's words: close to their maximum
NEAR_TOP = 10  # a theme's closeness: the weighted mean of its this many closest terms
NEAR_BATCH = 2_000  # texts at a time (bounds the dense texts x term words matrix)


@functools.lru_cache(maxsize=8)
def _term_words(config: ThemeConfig) -> tuple[tuple[str, ...], np.ndarray, Any, list[np.ndarray]]:
    """The words of the themes' terms (sorted) and their unit vectors; a (terms x words) matrix
    whose row averages a term's words, the themes' terms one after the other (taxonomy order,
    `other` aside); and per theme, its terms' weights."""
    from scipy.sparse import csr_matrix

    from .embedding import shared

    per_theme = []
    for theme in config.themes:
        if theme.id != OTHER:
            terms = [(words(text), weight) for text, weight in _literal_terms(theme)]
            per_theme.append([(ws, weight) for ws, weight in terms if ws])
    every = [ws for terms in per_theme for ws, _ in terms]
    vocab = sorted({w for ws in every for w in ws})
    at = {w: i for i, w in enumerate(vocab)}
    rows = np.repeat(np.arange(len(every)), [len(ws) for ws in every])
    cols = np.array([at[w] for ws in every for w in ws], dtype=np.int64)
    vals = np.array([1.0 / len(ws) for ws in every for _ in ws])
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(every), len(vocab)))
    weights = [np.array([weight for _, weight in terms], dtype=np.float64) for terms in per_theme]
    return tuple(vocab), _unit(shared().vectors_of(vocab)), matrix, weights


# Unit vectors are rounded to multiples of 2**-14, so a cosine (a sum of 256 products, each a
# multiple of 2**-28) is exact in float64 whatever the order of the sum: a word's closeness is
# the same bits however many words are computed at once (one word alone takes another BLAS path).
_COSINE_QUANTUM = 2.0**-14


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.round(vectors / np.where(norms > 0, norms, 1.0) / _COSINE_QUANTUM) * _COSINE_QUANTUM


def _near_rows(term_vectors: np.ndarray, vectors: np.ndarray) -> Any:
    """Per word (its vector): its closeness to each term word, where above NEAR_FLOOR, scaled
    to (0, 1] and raised to NEAR_POWER (csr: a few in a hundred are kept)."""
    from scipy.sparse import csr_matrix, vstack

    parts = []
    for start in range(0, len(vectors), 10_000):  # bounds the dense (words x term words) block
        closeness = _unit(vectors[start : start + 10_000]) @ term_vectors.T
        near_rows, near_cols = np.nonzero(closeness > NEAR_FLOOR)
        near = np.minimum((closeness[near_rows, near_cols] - NEAR_FLOOR) / (1.0 - NEAR_FLOOR), 1.0)
        parts.append(csr_matrix((near**NEAR_POWER, (near_rows, near_cols)), shape=closeness.shape))
    return vstack(parts, format="csr") if parts else csr_matrix((0, len(term_vectors)))


def term_closeness(split: Sequence[tuple[list[str], list[str]]], config: ThemeConfig) -> np.ndarray:
    """Per text and theme (not other): how close the text's words come to the theme's terms,
    also where no term matches literally: other forms of a word and near-synonyms ("pictures"
    is near "image", "moral" near "ethics"; cosines 0.62 and 0.50).

    For each word of a term, its best closeness (cosine of the word vectors) to any word of
    the text, counted above NEAR_FLOOR only and taken as a power mean (a smooth maximum); a
    term scores the mean over its words; a theme the weighted mean of its NEAR_TOP best terms;
    and each text's row is centred (a paper full of generic words is close to every theme).
    Depends only on the text and the config."""
    from .embedding import shared

    return _closeness(shared().counts([title + abstract for title, abstract in split]), config)


def _closeness(counts: Any, config: ThemeConfig) -> np.ndarray:
    """term_closeness from the texts' word counts (Embedder.counts, just made)."""
    from .embedding import shared

    vocab, term_vectors, terms, weights = _term_words(config)
    n = counts.shape[0]
    out = np.zeros((n, len(weights)))
    if not n or not vocab:
        return out
    near = shared().derived(("near", vocab), functools.partial(_near_rows_of, term_vectors))
    incidence = counts.copy()
    incidence.sum_duplicates()
    incidence.data[:] = 1.0  # each distinct word once
    for first in range(0, n, NEAR_BATCH):  # bounds the dense (texts x term words) block
        rows = slice(first, first + NEAR_BATCH)
        best = (incidence[rows] @ near).tocsr()  # (texts, term words): a smooth max over the text's words
        best.data **= 1.0 / NEAR_POWER
        every = np.asarray((terms @ best.toarray().T).T)  # (texts, every theme's terms)
        start = 0
        for j, weight in enumerate(weights):
            scores, start = every[:, start : start + len(weight)], start + len(weight)
            if not len(weight):
                continue
            k = min(NEAR_TOP, scores.shape[1])
            top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            w = weight[top]
            out[rows, j] = (np.take_along_axis(scores, top, axis=1) * w).sum(axis=1) / w.sum(axis=1)
    return np.round(out - out.mean(axis=1, keepdims=True), _DECIMALS)


def _near_rows_of(term_vectors: np.ndarray, _words: list[str], vectors: np.ndarray) -> Any:
    return _near_rows(term_vectors, vectors)


def rule_scores(
    texts: Sequence[tuple[str, str]],
    config: ThemeConfig,
    split: Sequence[tuple[list[str], list[str]]] | None = None,
    counts: Any = None,
) -> np.ndarray:
    """Each text's rule score per theme (columns in config order), float64. `split` holds the
    texts' title and abstract words when the caller has them already, and `counts` their word
    counts (Embedder.counts, just made): the batch is then scored at once, to the same bits."""
    if split is not None and counts is not None:
        return _batch_rule_scores(texts, config, split, counts)
    pairs = split if split is not None else [(words(title), words(abstract)) for title, abstract in texts]
    rows = [_score(t, a, config, ws, reasons=False)[0] for (t, a), ws in zip(texts, pairs, strict=True)]
    return np.array(rows, dtype=np.float64).reshape(len(texts), len(config.themes))


@functools.lru_cache(maxsize=8)
def _rule_terms(
    config: ThemeConfig,
) -> tuple[str, np.ndarray, np.ndarray, list[tuple[int, tuple[int, ...]]], list[int]]:
    """The rules' terms for scoring a batch at once: a key naming them, each term's theme and
    weight (the matcher's term order), each phrase's (term, pattern ids), the regex terms."""
    matcher = config._matcher
    themes = np.array([theme for theme, _ in matcher.terms], dtype=np.int64)
    weights = np.array([term.weight for _, term in matcher.terms], dtype=np.float64)
    phrases = [
        (i, tuple(matcher.pattern_ids[p] for p in term.pattern))
        for i, (_, term) in enumerate(matcher.terms)
        if term.regex is None and len(term.pattern) > 1
    ]
    key = hashlib.sha256(repr([(t.text, t.kind, t.pattern) for _, t in matcher.terms]).encode()).hexdigest()
    return key, themes, weights, phrases, list(matcher.regexes)


def _word_singles(config: ThemeConfig, new_words: list[str], _vectors: np.ndarray) -> Any:
    """Per word: how often it is each one-word term (csr, words x terms)."""
    from scipy.sparse import csr_matrix

    hits = [config._matcher.hit(word) for word in new_words]
    singles = [hit[0] if hit else () for hit in hits]
    rows = np.repeat(np.arange(len(new_words)), [len(s) for s in singles])
    cols = np.fromiter(chain.from_iterable(singles), dtype=np.int64, count=len(rows))
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(new_words), len(config._matcher.terms)))


def _word_patterns(config: ThemeConfig, new_words: list[str], _vectors: np.ndarray) -> Any:
    """Per word: the term patterns (phrase words) it matches (csr, words x patterns)."""
    from scipy.sparse import csr_matrix

    hits = [config._matcher.hit(word) for word in new_words]
    patterns = [sorted(hit[1]) if hit else [] for hit in hits]
    rows = np.repeat(np.arange(len(new_words)), [len(p) for p in patterns])
    cols = np.fromiter(chain.from_iterable(patterns), dtype=np.int64, count=len(rows))
    shape = (len(new_words), max(1, len(config._matcher.pattern_ids)))
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)


def _batch_rule_scores(
    texts: Sequence[tuple[str, str]], config: ThemeConfig, split: Sequence[tuple[list[str], list[str]]], counts: Any
) -> np.ndarray:
    """rule_scores of a batch from its word counts (Embedder.counts, just made), the same
    bits: each term's title and abstract counts by sparse products (one-word terms) and
    position arithmetic (phrases, never across the title's end), then themes._score's sums."""
    from scipy.sparse import coo_matrix, csr_matrix

    from .embedding import shared

    n, width = len(split), len(config.themes)
    key, term_themes, term_weights, phrases, regexes = _rule_terms(config)
    if n == 0 or len(term_themes) == 0:
        return np.zeros((n, width))
    embedder = shared()
    ids = counts.indices
    lengths = np.fromiter(chain.from_iterable((len(t), len(a)) for t, a in split), dtype=np.int64, count=2 * n)
    fields = np.zeros(2 * n + 1, dtype=np.int64)  # segment 2i: text i's title, 2i+1: its abstract
    np.cumsum(lengths, out=fields[1:])
    by_field = csr_matrix((np.ones(len(ids)), ids, fields), shape=(2 * n, counts.shape[1]))
    found = (by_field @ embedder.derived(("rule singles", key), functools.partial(_word_singles, config))).tocoo()
    rows, cols, vals = [found.row], [found.col], [found.data]
    if phrases:
        segment = np.repeat(np.arange(2 * n), lengths)
        at_pattern = embedder.derived(("rule patterns", key), functools.partial(_word_patterns, config))[ids].tocsc()
        positions = [
            at_pattern.indices[at_pattern.indptr[p] : at_pattern.indptr[p + 1]] for p in range(at_pattern.shape[1])
        ]
        for phrase, patterns in phrases:
            start = positions[patterns[0]]
            for k, pattern in enumerate(patterns[1:], start=1):
                following = start + k
                inside = following < len(ids)
                start, following = start[inside], following[inside]
                later = positions[pattern]
                where = np.minimum(np.searchsorted(later, following), max(len(later) - 1, 0))
                keep = (later[where] == following) if len(later) else np.zeros(len(following), bool)
                keep &= segment[following] == segment[start]
                start = start[keep]
            rows.append(segment[start])
            cols.append(np.full(len(start), phrase, dtype=np.int64))
            vals.append(np.ones(len(start)))
    for regex_term in regexes:
        regex = config._matcher.terms[regex_term][1].regex
        assert regex is not None
        hits = [len(regex.findall(part.lower())) for pair in texts for part in pair]
        rows.append(np.arange(2 * n))
        cols.append(np.full(2 * n, regex_term, dtype=np.int64))
        vals.append(np.array(hits, dtype=np.float64))
    every = coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(2 * n, len(term_themes))
    ).tocsr()
    every.eliminate_zeros()
    every.sum_duplicates()
    # each (text, term) found in its title or abstract, by text then term (themes._score's order)
    title, abstract = every[0::2].tocoo(), every[1::2].tocoo()
    text = np.concatenate([title.row, abstract.row])
    term = np.concatenate([title.col, abstract.col])
    in_title = np.concatenate([np.ones(len(title.row), bool), np.zeros(len(abstract.row), bool)])
    count = np.concatenate([np.zeros(len(title.row)), abstract.data])
    order = np.lexsort((~in_title, term, text))
    text, term, in_title, count = text[order], term[order], in_title[order], count[order]
    first = np.ones(len(text), bool)  # the first entry of each (text, term); a title one when there is one
    first[1:] = (text[1:] != text[:-1]) | (term[1:] != term[:-1])
    abstract_count = np.zeros(len(text))
    from_abstract = ~in_title
    abstract_count[from_abstract] = count[from_abstract]
    # a term seen in both: its title entry takes the abstract's count
    both = first[:-1] & in_title[:-1] & ~first[1:]
    abstract_count[:-1][both] = count[1:][both]
    text, term, in_title, abstract_count = text[first], term[first], in_title[first], abstract_count[first]
    capped = np.minimum(abstract_count, config.abstract_cap)
    weights = term_weights[term]
    points = np.where(in_title, weights * (config.title_weight + capped), weights * capped)
    scores = np.zeros((n, width))
    np.add.at(scores, (text, term_themes[term]), points)  # in order: the sums themes._score makes
    boosts = np.array([theme.boost for theme in config.themes], dtype=np.float64)
    flat = (scores * boosts).ravel().tolist()
    return np.array([round(value, 3) for value in flat], dtype=np.float64).reshape(n, width)


def embed_texts(texts: Sequence[tuple[str, str]]) -> np.ndarray:
    """The sentence embedding of each "title. abstract"."""
    from .embedding import shared

    return shared().embed_words([words(title) + words(abstract) for title, abstract in texts])


def _buckets(new_words: list[str], _vectors: np.ndarray) -> np.ndarray:
    """Each word's column in the word counts: the crc32 of its stem."""
    buckets = (zlib.crc32(stem(word).encode("utf-8", "surrogatepass")) % _HASH_SPACE for word in new_words)
    return np.fromiter(buckets, dtype=np.int64, count=len(new_words))


def term_counts(split: Sequence[tuple[list[str], list[str]]]):
    """Each text's word counts by stem bucket (csr, n x 2**31, float64), a title word counting
    TITLE_WEIGHT. Depends only on the text."""
    from .embedding import shared

    return _bucket_counts(split, shared().counts([title + abstract for title, abstract in split]))


def _bucket_counts(
    split: Sequence[tuple[list[str], list[str]]], counts: Any, vocabulary: np.ndarray | None = None
) -> Any:
    """term_counts from the texts' word counts (Embedder.counts, just made). With a
    `vocabulary`, what _restrict(term_counts(split), vocabulary) gives, made directly from each
    word's column in the vocabulary (kept per word)."""
    from scipy.sparse import csr_matrix

    from .embedding import shared

    n = len(split)
    lengths = np.fromiter(chain.from_iterable((len(t), len(a)) for t, a in split), dtype=np.int64)
    data = np.repeat(np.tile([TITLE_WEIGHT, 1.0], n), lengths)
    if vocabulary is None:
        columns = shared().derived("stem buckets", _buckets)[counts.indices]
        out = csr_matrix((data, columns, counts.indptr.copy()), shape=(n, _HASH_SPACE))
        out.sum_duplicates()  # per row: sorts its columns and adds repeats
        return out
    if len(vocabulary) == 0:
        return csr_matrix((n, 0), dtype=np.float32)
    key = ("vocabulary columns", hashlib.sha256(vocabulary.tobytes()).hexdigest())
    columns = shared().derived(key, functools.partial(_columns_in, vocabulary))[counts.indices]
    keep = columns >= 0
    indptr = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])[counts.indptr]
    out = csr_matrix((data[keep], columns[keep], indptr), shape=(n, len(vocabulary)))
    out.sum_duplicates()
    return csr_matrix((out.data.astype(np.float32), out.indices.astype(np.int32), out.indptr), shape=out.shape)


def _columns_in(vocabulary: np.ndarray, new_words: list[str], vectors: np.ndarray) -> np.ndarray:
    """Each word's column in the sorted `vocabulary` of buckets (-1: not in it)."""
    buckets = _buckets(new_words, vectors)
    at = np.minimum(np.searchsorted(vocabulary, buckets), len(vocabulary) - 1)
    return np.where(vocabulary[at] == buckets, at, -1)


@dataclass(frozen=True)
class Scored:
    """What the model reads of a batch of texts: rule scores, sentence embeddings, word counts.

    The word counts are by stem bucket (2**31 columns), or, for a large batch, only those of a
    model's vocabulary (`vocabulary` names it): a few thousand columns, so that 100,000 papers'
    counts cross from the scoring workers in tens of megabytes, not hundreds."""

    rules: np.ndarray  # (n, themes)
    vectors: np.ndarray  # (n, 256), unit length
    terms: Any = None  # csr: (n, 2**31) word counts by bucket, or (n, len(vocabulary)) when restricted
    vocabulary: np.ndarray | None = field(default=None, repr=False)  # what `terms` is restricted to
    near: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (n, themes but other): term_closeness

    @staticmethod
    def of(texts: Sequence[tuple[str, str]], config: ThemeConfig, vocabulary: np.ndarray | None = None) -> Scored:
        from .embedding import shared

        split = [(words(title), words(abstract)) for title, abstract in texts]
        embedder = shared()
        counts = embedder.counts([title + abstract for title, abstract in split])  # one lookup per word
        terms = _bucket_counts(split, counts, vocabulary)
        near = _closeness(counts, config)
        rules = rule_scores(texts, config, split, counts)
        return Scored(rules, embedder.embed_counts(counts), terms, vocabulary, near)

    @staticmethod
    def concat(parts: Sequence[Scored], themes: int) -> Scored:
        from scipy.sparse import vstack

        if not parts:
            empty = np.zeros((0, themes))
            return Scored(empty, np.zeros((0, 256), np.float32), term_counts([]), None, empty[:, 1:])
        vocabulary = parts[0].vocabulary
        for part in parts[1:]:  # concatenated counts must share their columns
            if not _same_vocabulary(part.vocabulary, vocabulary):
                raise ValueError("word counts restricted to different vocabularies")
        terms = vstack([p.terms for p in parts], format="csr")
        rules, vectors = np.vstack([p.rules for p in parts]), np.vstack([p.vectors for p in parts])
        return Scored(rules, vectors, terms, vocabulary, np.vstack([p.near for p in parts]))

    def take(self, rows: Sequence[int]) -> Scored:
        rows = list(rows)
        return Scored(self.rules[rows], self.vectors[rows], self.terms[rows], self.vocabulary, self.near[rows])

    def counts_in(self, vocabulary: np.ndarray) -> Any:
        """The word counts over `vocabulary`'s columns."""
        if self.vocabulary is None:
            return _restrict(self.terms, vocabulary)
        if not _same_vocabulary(self.vocabulary, vocabulary):
            raise ValueError("word counts restricted to another vocabulary than the model's")
        return self.terms


def _same_vocabulary(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or np.array_equal(a, b)


def _restrict(terms: Any, vocabulary: np.ndarray) -> Any:
    """Bucket counts (csr, 2**31 columns) -> counts over the sorted `vocabulary`'s buckets only
    (csr, len(vocabulary) columns, float32 counts: exact for these small whole numbers)."""
    from scipy.sparse import csr_matrix

    terms = terms.tocsr()
    n = terms.shape[0]
    if len(vocabulary) == 0:
        return csr_matrix((n, 0), dtype=np.float32)
    at = np.minimum(np.searchsorted(vocabulary, terms.indices), len(vocabulary) - 1)
    keep = vocabulary[at] == terms.indices
    indptr = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])[terms.indptr]
    return csr_matrix(
        (terms.data[keep].astype(np.float32), at[keep].astype(np.int32), indptr), shape=(n, len(vocabulary))
    )


def _tfidf(counts: Any, idf: np.ndarray) -> Any:
    """Sublinear tf-idf of counts over a vocabulary (csr), each row of unit length (csr)."""
    from scipy.sparse import csr_matrix

    n = counts.shape[0]
    rows = np.repeat(np.arange(n), np.diff(counts.indptr))
    data = (1.0 + np.log(counts.data.astype(np.float64))) * idf[counts.indices]
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
    data = data / norms[rows]
    return csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape)


def _fit_vocabulary(terms) -> tuple[np.ndarray, np.ndarray]:
    """The buckets found in at least MIN_DF of these texts (sorted) and their smoothed idf."""
    terms = terms.tocsr()
    buckets, df = np.unique(terms.indices, return_counts=True)
    keep = df >= MIN_DF
    n = terms.shape[0]
    return buckets[keep].astype(np.int64), np.round(np.log((1 + n) / (1 + df[keep])) + 1, _DECIMALS)


def _theme_columns(config: ThemeConfig) -> list[int]:
    return [i for i, t in enumerate(config.themes) if t.id != OTHER]


def _dense(scored: Scored, config: ThemeConfig, descriptions: np.ndarray) -> np.ndarray:
    """Rule scores (log-scaled), similarity to each theme's description and closeness to its
    terms, per text."""
    rules = np.log1p(np.maximum(scored.rules[:, _theme_columns(config)], 0.0))
    return np.hstack([rules, scored.vectors.astype(np.float64) @ descriptions.T, scored.near])


# ---------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Fitted:
    """A fitted model: everything needed to predict with numpy alone."""

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    C: float
    descriptions: np.ndarray  # (themes without other, 256)
    examples: tuple[Example, ...]  # what it learned from, for explain
    example_vectors: np.ndarray = field(repr=False)
    vocabulary: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)  # buckets
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def _blocks(self, scored: Scored, config: ThemeConfig):
        dense = (_dense(scored, config, self.descriptions) - self.mean) / self.scale
        dense = np.hstack([dense, EMBEDDING_SCALE * scored.vectors.astype(np.float64)])
        return dense, TFIDF_SCALE * _tfidf(scored.counts_in(self.vocabulary), self.idf)

    def design(self, scored: Scored, config: ThemeConfig) -> np.ndarray:
        """The features as one dense matrix (for explain: a few texts only)."""
        dense, sparse = self._blocks(scored, config)
        return np.hstack([dense, sparse.toarray()])

    def logits(self, scored: Scored, config: ThemeConfig) -> np.ndarray:
        dense, sparse = self._blocks(scored, config)
        width = dense.shape[1]
        return dense @ self.coef[:, :width].T + np.asarray(sparse @ self.coef[:, width:].T) + self.intercept

    def proba(self, scored: Scored, config: ThemeConfig) -> np.ndarray:
        return _softmax(self.logits(scored, config))


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def folds_of(primaries: Sequence[str], k: int = FOLDS) -> list[int]:
    """Deterministic stratified folds: the i-th example of each primary goes to fold i mod k."""
    seen: dict[str, int] = {}
    out = []
    for primary in primaries:
        out.append(seen.get(primary, 0) % k)
        seen[primary] = seen.get(primary, 0) + 1
    return out


def _fit_lr(x: np.ndarray, y: np.ndarray, weights: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with an L2 penalty on the coefficients (not the
    intercepts): minimises sum_i w_i * cross-entropy_i + |coef|^2 / (2 c) with L-BFGS from zeros,
    which is deterministic. `y` holds class indices 0..k-1. Returns (coef (k, d), intercept (k,))."""
    from scipy.optimize import minimize

    n, d = x.shape
    k = int(y.max()) + 1
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    augmented = np.hstack([x, np.ones((n, 1))])
    penalty = np.ones((d + 1, 1)) / c
    penalty[-1] = 0.0

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(d + 1, k)
        logits = augmented @ w
        logits -= logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        log_proba = logits - log_norm
        value = -(weights[:, None] * onehot * log_proba).sum() + 0.5 * (penalty * w * w).sum()
        gradient = augmented.T @ (weights[:, None] * (np.exp(log_proba) - onehot)) + penalty * w
        return float(value), gradient.ravel()

    found = minimize(loss, np.zeros((d + 1) * k), jac=True, method="L-BFGS-B", options={"maxiter": 3000, "gtol": 1e-6})
    w = found.x.reshape(d + 1, k)
    return w[:-1].T.copy(), w[-1].copy()


def _fit_once(
    config: ThemeConfig, examples: Sequence[Example], scored: Scored, descriptions: np.ndarray, c: float
) -> Fitted:
    dense = _dense(scored, config, descriptions)
    weights = np.array([ex.weight for ex in examples])
    mean = np.average(dense, axis=0, weights=weights)
    scale = np.sqrt(np.average((dense - mean) ** 2, axis=0, weights=weights)) + 1e-6
    if scored.vocabulary is not None:  # a vocabulary is fitted on bucket counts, not on restricted ones
        raise ValueError("fitting needs word counts by bucket (Scored.of without a vocabulary)")
    vocabulary, idf = _fit_vocabulary(scored.terms)
    design = np.hstack(
        [
            (dense - mean) / scale,
            EMBEDDING_SCALE * scored.vectors.astype(np.float64),
            TFIDF_SCALE * _tfidf(scored.counts_in(vocabulary), idf).toarray(),
        ]
    )
    labels = np.array([ex.primary for ex in examples])
    classes = sorted({str(label) for label in labels}, key=config.ids.index)
    if len(classes) == 1:
        coef, intercept = np.zeros((1, design.shape[1])), np.zeros(1)
    else:
        index = {theme: i for i, theme in enumerate(classes)}
        y = np.array([index[str(label)] for label in labels])
        if design.shape[1] > design.shape[0]:
            # more features than texts: fit on the rotated design U*S (design = U S Vt) and map
            # back (coef = Z Vt); the same minimum (|Z| = |coef|), found far faster
            u, s, vt = np.linalg.svd(design, full_matrices=False)
            coef, intercept = _fit_lr(u * s, y, weights, c)
            coef = coef @ vt
        else:
            coef, intercept = _fit_lr(design, y, weights, c)
    return Fitted(
        classes=tuple(classes),
        mean=np.round(mean, _DECIMALS),
        scale=np.round(scale, _DECIMALS),
        coef=np.round(coef, _DECIMALS),
        intercept=np.round(intercept, _DECIMALS),
        C=c,
        descriptions=descriptions,
        examples=tuple(examples),
        example_vectors=scored.vectors,
        vocabulary=vocabulary,
        idf=idf,
    )


def _description_vectors(config: ThemeConfig) -> np.ndarray:
    from .embedding import shared

    texts = [f"{t.name}. {_description_text(t)}" for t in config.themes if t.id != OTHER]
    return shared().embed(texts).astype(np.float64)


def one_blas_thread():
    """Linear algebra on one thread: on a busy two-core machine, BLAS threads spinning against
    each other made one small fit take seconds instead of milliseconds; one thread also keeps
    floating-point sums in a fixed order."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def fit(config: ThemeConfig, examples: Sequence[Example], scored: Scored | None = None) -> Fitted | None:
    """The model learned from `examples` (None when there are none: the rules decide).
    C is chosen by cross-validation on these examples only (strict, then lenient accuracy)."""
    import scipy.optimize  # noqa: F401  (loaded first: thread limits apply to loaded libraries)

    with one_blas_thread():
        return _fit(config, examples, scored)


def _fit(config: ThemeConfig, examples: Sequence[Example], scored: Scored | None) -> Fitted | None:
    if not examples:
        return None  # nothing labelled: the rules decide alone
    extra = learned_only(config)
    if scored is None:
        scored = Scored.of([(ex.title, ex.abstract) for ex in examples], config)
    scored = Scored.concat([scored, Scored.of([(ex.title, ex.abstract) for ex in extra], config)], len(config.ids))
    labelled = list(range(len(examples)))
    examples = [*examples, *extra]
    if len({ex.primary for ex in examples}) < 2:
        return None
    descriptions = _description_vectors(config)
    best_c = C_GRID[len(C_GRID) // 2]
    if len(labelled) >= 4 * FOLDS:
        folds = folds_of([examples[i].primary for i in labelled])
        best = (-1.0, -1.0)
        for c in C_GRID:
            strict = lenient = 0.0
            for k in range(FOLDS):
                test = [i for i, f in zip(labelled, folds, strict=True) if f == k]
                train = [i for i in range(len(examples)) if i not in set(test)]
                model = _fit_once(config, [examples[i] for i in train], _take(scored, train), descriptions, c)
                got = predict(model, _take(scored, test), config)
                for i, themes in zip(test, got, strict=True):
                    strict += themes[0] == examples[i].primary
                    lenient += themes[0] in examples[i].themes
            if (strict, lenient) > best:
                best, best_c = (strict, lenient), c
    return _fit_once(config, examples, scored, descriptions, best_c)


def _take(scored: Scored, rows: Sequence[int]) -> Scored:
    return scored.take(rows)


def predict(model: Fitted, scored: Scored, config: ThemeConfig) -> list[tuple[str, ...]]:
    """Themes per text, primary first: the most probable class, then secondaries."""
    if len(scored.rules) == 0:
        return []
    with one_blas_thread():
        proba = model.proba(scored, config)
    return themes_of(model, proba, config)


def themes_of(model: Fitted, proba: np.ndarray, config: ThemeConfig) -> list[tuple[str, ...]]:
    """Themes per row of the model's probabilities (predict), primary first."""
    other = model.classes.index(OTHER) if OTHER in model.classes else -1
    # most probable first; equal probabilities keep the taxonomy's order (a stable sort)
    order = np.argsort(-proba, axis=1, kind="stable")[:, : config.max_secondary + 2].tolist()
    ranked = np.take_along_axis(proba, np.array(order, dtype=np.int64).reshape(len(proba), -1), axis=1).tolist()
    result: list[tuple[str, ...]] = []
    for indices, probabilities in zip(order, ranked, strict=True):
        best = indices[0]
        if best == other:
            result.append((OTHER,))
            continue
        floor = config.secondary_ratio * probabilities[0]
        extra = [
            model.classes[i] for i, p in zip(indices[1:], probabilities[1:], strict=True) if i != other and p >= floor
        ]
        result.append((model.classes[best], *extra[: config.max_secondary]))
    return result


class ThemeModel:
    """Theme assignment for one build: the config's labels plus the pinned papers' texts.

    `fingerprint` names everything the themes depend on besides a paper's own text (the
    config with its labels, the pinned examples, the model's version); it is known before
    fitting, so cached themes are found without fitting. The model is fitted on first use."""

    def __init__(self, config: ThemeConfig, pinned: tuple[Example, ...] = ()) -> None:
        self.config = config
        self.pinned = pinned
        self.examples = (*_merge(config.labels, pinned),)
        self.fingerprint = hashlib.sha256(
            f"{MODEL_VERSION}\0{config!r}\0{examples_digest(self.examples)}".encode("utf-8", "surrogatepass")
        ).hexdigest()[:32]
        self._fitted: Fitted | None = None
        self._done = False

    @functools.cached_property
    def vocabulary(self) -> np.ndarray:
        """The words the model's tf-idf reads (none when it learns nothing), known before
        fitting: the words of its examples, as the final fit finds them (_fit_once)."""
        if not self.examples:
            return np.zeros(0, np.int64)
        texts = [(ex.title, ex.abstract) for ex in (*self.examples, *learned_only(self.config))]
        return _fit_vocabulary(term_counts([(words(title), words(abstract)) for title, abstract in texts]))[0]

    @property
    def fitted(self) -> Fitted | None:
        if not self._done:
            self._fitted = fit(self.config, self.examples)
            self._done = True
        return self._fitted

    def assign(self, scored: Scored) -> list[tuple[str, ...]]:
        """Themes per scored text; rules alone when there is nothing to learn from."""
        model = self.fitted
        if model is None:
            return [choose([float(s) for s in row], self.config) for row in scored.rules]
        return predict(model, scored, self.config)

    def __getstate__(self) -> dict:
        self.fitted  # noqa: B018  (a pickled model is a fitted one: the next day must not refit)
        return self.__dict__

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def _merge(labels: Sequence[Example], pinned: Sequence[Example]) -> list[Example]:
    """The labels, with a pinned paper replacing a label of the same title."""
    from .dedupe import normalize

    pinned_titles = {normalize(ex.title) for ex in pinned}
    return [ex for ex in labels if normalize(ex.title) not in pinned_titles] + list(pinned)


def _score_chunk(config: ThemeConfig, vocabulary: np.ndarray | None, texts: Sequence[tuple[str, str]]) -> Scored:
    return Scored.of(texts, config, vocabulary)


def assign_texts(texts: list[tuple[str, str]], model: ThemeModel) -> list[tuple[str, ...]]:
    """Themes for each (title, abstract), in order. Each depends only on its own text and the
    model, so a large batch is scored (rules, embedding) over the machine's cores while the
    model is fitted here; the result is the same either way."""
    score = functools.partial(_score_chunk, model.config, model.vocabulary)
    chunks = map_chunks(score, texts, meanwhile=lambda: model.fitted)
    # Chunk by chunk: each text's themes depend on its row only, and the features of 100,000
    # papers are never copied into one matrix (a few hundred megabytes).
    return [themes for chunk in chunks for themes in model.assign(chunk)]


def assign_one(title: str, abstract: str, model: ThemeModel) -> tuple[str, ...]:
    """One paper's themes (a batch of one: the same as among others)."""
    return model.assign(Scored.of([(title, abstract)], model.config))[0]


@dataclass(frozen=True)
class Unsure:
    """A paper the model hesitates over (least_sure)."""

    paper: Paper
    themes: tuple[str, ...]  # what the model gives it, primary first
    ranked: tuple[tuple[str, float], ...]  # its three most probable themes, with their probabilities
    margin: float  # the most probable theme's probability less the next one's


def least_sure(papers: Sequence[Paper], model: ThemeModel, pinned: Collection[str], n: int) -> list[Unsure] | None:
    """The `n` papers whose themes the model is least sure of: the smallest gap between its two
    most probable themes, least first, then by id. Pinned papers (ids in `pinned`) and labelled
    ones (a label of the same title) are left out: their themes are the owner's already. None
    when there is nothing to learn from (no labels, no pins: the rules decide alone).

    On papers it was not fitted on, the least sure quarter gets about half its primaries right
    and the surest quarter nearly all (benchmarks/themes_eval.py, "how sure"), so an owner who
    pins these fixes the most themes per paper read, and each pin is a label the model learns from."""
    from .dedupe import normalize

    labelled = {normalize(ex.title) for ex in model.examples}
    candidates = [p for p in papers if p.id not in pinned and normalize(p.title) not in labelled]
    fitted, config = model.fitted, model.config
    if fitted is None:
        return None
    if not candidates:
        return []
    score = functools.partial(_score_chunk, config, model.vocabulary)
    chunks = map_chunks(score, [(p.title, p.abstract) for p in candidates])
    with one_blas_thread():
        proba = np.vstack([fitted.proba(chunk, config) for chunk in chunks])
    gaps = margins(proba).tolist()
    order = sorted(range(len(candidates)), key=lambda i: (gaps[i], candidates[i].id))[:n]
    found = []
    for i, given in zip(order, themes_of(fitted, proba[order], config), strict=True):
        best = sorted(range(len(fitted.classes)), key=lambda c: (-proba[i, c], c))[:3]
        ranked = tuple((fitted.classes[c], float(proba[i, c])) for c in best)
        found.append(Unsure(candidates[i], given, ranked, gaps[i]))
    return found


def margins(proba: np.ndarray) -> np.ndarray:
    """How sure the model is of each row of its probabilities: the likeliest theme's less the next one's."""
    top = np.sort(proba, axis=1)
    return top[:, -1] - top[:, -2]


def review_text(unsure: Sequence[Unsure] | None, total: int, scope: str = "") -> str:
    """What `digest themes review` prints; `scope` says which papers were looked at (" first
    seen since 2026-11-20"), after their count."""
    if unsure is None:
        return "No labelled or pinned papers to learn from: the themes.yml rules decide (see README, Themes).\n"
    if not unsure:
        return f"Nothing to review: each of the {total} papers{scope} is labelled or pinned.\n"
    lines = [
        f"The {len(unsure)} papers the theme model is least sure of, of {total}{scope} (labelled and pinned",
        "ones left out), least sure first: the gap between their two likeliest themes is smallest.",
        "Check each; where it is wrong, put its pin line in overrides.yml with the right themes, primary",
        "first. The next build shows them and learns from the pin: papers like it follow.",
        "",
    ]
    for n, item in enumerate(unsure, 1):
        odds = " · ".join(f"{theme} {p:.0%}" for theme, p in item.ranked)
        lines += [
            f"{n:>3}. {item.paper.title}",
            f"     first seen {item.paper.first_seen.isoformat()}; the model: {odds}",
            f"     pin: {item.paper.id}: [{', '.join(item.themes)}]",
        ]
    lines += ["", "Why the model hesitates over one: digest themes explain ID."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- explain


def explain(paper: Paper, model: ThemeModel, overrides: Mapping[str, tuple[str, ...]]) -> str:
    """Why a paper got its themes, in terms a site owner can act on: the rule terms matched,
    what the learned model added per theme, the most similar labelled papers, what to do."""
    config = model.config
    scored = Scored.of([(paper.title, paper.abstract)], config)
    computed = model.assign(scored)[0]
    pinned = overrides.get(paper.id)
    rules = assign(paper.title, paper.abstract, config)
    lines = [
        f"paper:       {paper.id}",
        f"title:       {paper.title}",
        f"themes:      {', '.join(pinned or computed)}" + ("  (pinned in overrides.yml)" if pinned else ""),
    ]
    if pinned:
        lines.append(f"computed:    {', '.join(computed)}  (what the model gives without the pin)")
    lines.append(f"rules alone: {', '.join(rules.themes)}  (the themes.yml terms only)")
    fitted = model.fitted
    matched = dict(rules.matched)
    rule_score = dict(rules.scores)
    if fitted is None:
        lines.append("No labelled papers to learn from: the rules decide (see README, Themes).")
        lines.append("rule scores:")
        lines += [
            f"  {t:<24} {rule_score[t]:7.2f}  {'; '.join(matched.get(t, ())) or 'no terms matched'}"
            for t, _ in rules.scores
            if t != OTHER
        ]
        return "\n".join(lines) + "\n"
    design = fitted.design(scored, config)[0]
    proba = fitted.proba(scored, config)[0]
    width = len(_theme_columns(config))
    # taxonomy: closeness to each theme's description, then to its terms (_dense)
    blocks = {"terms": slice(0, width), "taxonomy": slice(width, 3 * width), "wording": slice(3 * width, None)}
    # (wording: the embedding and the tf-idf of the paper's words)
    parts = {name: fitted.coef[:, cols] @ design[cols] for name, cols in blocks.items()}
    parts = {name: values - values.mean() for name, values in parts.items()}  # against the average theme
    lines += [
        "",
        "per theme: the model's probability, then its evidence for the theme against the average theme",
        "(terms: the themes.yml terms found; taxonomy: closeness to the theme's description and terms;",
        "wording: resemblance to the labelled papers of the theme), then the terms matched:",
        f"  {'theme':<20} {'prob':>5} {'terms':>6} {'taxon.':>6} {'wording':>7}  matched terms (rule score)",
    ]
    order = sorted(range(len(fitted.classes)), key=lambda i: (-proba[i], i))
    for i in order:
        theme_id = fitted.classes[i]
        if proba[i] < 0.01 and not matched.get(theme_id):
            continue
        terms = "; ".join(matched.get(theme_id, ())[:4]) or ("-" if theme_id == OTHER else "no terms matched")
        score = f" ({rule_score.get(theme_id, 0):g})" if theme_id != OTHER else ""
        lines.append(
            f"  {theme_id:<20} {proba[i]:5.0%} {parts['terms'][i]:+6.1f} {parts['taxonomy'][i]:+6.1f}"
            f" {parts['wording'][i]:+7.1f}  {terms}{score}"
        )
    similarity = fitted.example_vectors.astype(np.float64) @ scored.vectors[0].astype(np.float64)
    nearest = sorted(range(len(similarity)), key=lambda j: (-similarity[j], j))[:3]
    lines.append("most similar labelled papers (what the 'wording' column learned from):")
    for j in nearest:
        ex = fitted.examples[j]
        lines.append(f"  {similarity[j]:.2f}  {', '.join(ex.themes):<32} {ex.title[:70]}  [{ex.source}]")
    lines += [
        "",
        "to change it: pin the paper in overrides.yml, e.g.",
        f"  {paper.id}: [{', '.join(pinned or computed)}]",
        "  (a pin is also a labelled example: similar papers follow it on the next build);",
        f"or add terms to a theme in themes.yml, or labelled papers to {LABELS_FILE} (see README, Themes).",
    ]
    return "\n".join(lines) + "\n"
