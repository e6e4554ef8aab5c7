"""A static sentence embedding of paper texts: the mean of its words' vectors, unit length.

The vectors are wordllama's 256-dimension token embedding (`l2_supercat_256`), read straight
from the files inside its wheel with safetensors and the `tokenizers` library: nothing is
downloaded, and wordllama's own loader (which tries the network) is never imported.

A text is cut into lowercased words (the same words the theme rules match); each distinct
word is tokenized once and its vector (the sum of its tokens') memoised. A batch of texts is
then a sparse word-count matrix times the word vectors: one matrix product, no per-word Python
work once the memo is warm. What the themes compute from a word alone (its stem's column, its
closeness to the themes' terms) is kept beside its vector, so a batch looks each word up once.
Pure: a text's vector depends only on the text and the shipped files, to the bit (see _QUANTUM).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Hashable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError, Problem
from .themes import words

DIMENSIONS = 256
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_MEMO_LIMIT = 500_000  # distinct words kept; beyond it the memo starts again
_DERIVED_KEYS = 8  # `derived` keys kept (one or two per config)


def _package_dir() -> Path:
    spec = importlib.util.find_spec("wordllama")  # finds the folder without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            Problem("wordllama", None, "the wordllama package is not installed", "run `pip install -e .`")
        )
    return Path(next(iter(spec.submodule_search_locations)))


# Token vectors are rounded to multiples of 2**-14 and summed in float64: every sum of them is
# then exact (far below 2**53 units), so a text's vector is the same bits whatever the order of
# its words or the other texts of its batch.
_QUANTUM = 2.0**-14


class Embedder:
    """Word vectors from the wordllama wheel's token vectors, loaded on first use.

    Each word the embedder has seen has an id (its row in the memo); what a caller computes
    from a word alone (its stem's bucket, its closeness to a theme's terms) is kept beside it
    by `derived`, so that a batch of texts costs one dictionary lookup per word."""

    def __init__(self) -> None:
        self._tokenizer: Any = None
        self._table: np.ndarray | None = None  # token id -> vector (float16, as shipped)
        self._word_ids: dict[str, int] = {}  # word -> row of self._words (memo)
        self._word_list: list[str] = []  # the words by id
        self._words = np.zeros((0, DIMENSIONS))
        self._derived: dict[Hashable, tuple[int, Any]] = {}  # key -> (words covered, rows)

    def _load(self) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        # One thread per tokenizer: the build forks worker processes, and a tokenizer whose
        # thread pool ran before a fork warns on stderr in every child.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        folder = _package_dir()
        self._table = load_file(str(folder / _WEIGHTS))["embedding.weight"]  # float16, quantised on use
        self._tokenizer = Tokenizer.from_file(str(folder / _TOKENIZER))

    def vectors_of(self, new_words: Sequence[str]) -> np.ndarray:
        """The words' vectors (sums of their tokens' quantised vectors, not unit length), not
        memoised."""
        if self._tokenizer is None:
            self._load()
        assert self._tokenizer is not None and self._table is not None
        from scipy.sparse import csr_matrix

        if not new_words:
            return np.zeros((0, DIMENSIONS))
        ids = [enc.ids for enc in self._tokenizer.encode_batch(list(new_words), add_special_tokens=False)]
        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, ids), dtype=np.int64, count=len(ids)), out=indptr[1:])
        columns = np.fromiter(chain.from_iterable(ids), dtype=np.int64)
        used, columns = np.unique(columns, return_inverse=True)  # only the tokens these words use
        vectors = np.round(self._table[used].astype(np.float64) / _QUANTUM) * _QUANTUM
        tokens = csr_matrix((np.ones(len(columns)), columns.ravel(), indptr), shape=(len(ids), len(used)))
        return np.asarray(tokens @ vectors)

    def _know(self, vocabulary: set[str]) -> None:
        unknown = vocabulary.difference(self._word_ids)
        if len(self._word_ids) + len(unknown) > _MEMO_LIMIT:
            self._word_ids, self._word_list, self._words, self._derived = {}, [], np.zeros((0, DIMENSIONS)), {}
            unknown = vocabulary
        if unknown or self._tokenizer is None:
            new_words = sorted(unknown)
            first = len(self._word_list)
            self._words = np.vstack([self._words, self.vectors_of(new_words)])
            self._word_ids.update(zip(new_words, range(first, first + len(new_words)), strict=True))
            self._word_list.extend(new_words)

    def counts(self, tokens: Sequence[list[str]]) -> Any:
        """A (texts x known words) csr matrix with a 1 for each word of each text, in order
        (repeats not summed: `.indices` is every word's id). Ids are valid until the next call."""
        from scipy.sparse import csr_matrix

        self._know(set(chain.from_iterable(tokens)))
        columns = np.fromiter(map(self._word_ids.__getitem__, chain.from_iterable(tokens)), dtype=np.int64)
        indptr = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens)), out=indptr[1:])
        return csr_matrix((np.ones(len(columns)), columns, indptr), shape=(len(tokens), len(self._words)))

    def derived(self, key: Hashable, compute: Callable[[list[str], np.ndarray], Any]) -> Any:
        """Rows computed from each known word alone, in the order of their ids, kept under `key`
        and extended as words are learned: compute(words, vectors) gives one row per word (a
        1-d array or a sparse matrix) from the words and their vectors (not unit length)."""
        covered, rows = self._derived.get(key, (0, None))
        if rows is None or covered < len(self._word_list):
            new = compute(self._word_list[covered:], self._words[covered:])
            if rows is not None:
                from scipy.sparse import issparse, vstack

                new = vstack([rows, new], format="csr") if issparse(new) else np.concatenate([rows, new])
            if key not in self._derived and len(self._derived) >= _DERIVED_KEYS:
                del self._derived[next(iter(self._derived))]  # the oldest: another config's
            self._derived[key] = (len(self._word_list), new)
            rows = new
        return rows

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text (a text without words gives a zero row), float32."""
        return self.embed_words([words(text) for text in texts])

    def embed_words(self, tokens: Sequence[list[str]]) -> np.ndarray:
        """As `embed`, from each text's words (themes.words)."""
        return self.embed_counts(self.counts(tokens))

    def embed_counts(self, counts: Any) -> np.ndarray:
        """As `embed`, from the texts' `counts` (just made by `counts`)."""
        matrix = np.asarray(counts @ self._words)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


_SHARED: Embedder | None = None


def shared() -> Embedder:
    """The process's embedder (its word memo is a pure cache, so sharing it changes nothing)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Embedder()
    return _SHARED
