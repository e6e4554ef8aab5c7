"""A static sentence embedding of paper texts: the mean of its words' vectors, unit length.

The vectors are wordllama's 256-dimension token embedding (`l2_supercat_256`), read straight
from the files inside its wheel with safetensors and the `tokenizers` library: nothing is
downloaded, and wordllama's own loader (which tries the network) is never imported.

A text is cut into lowercased words (the same words the theme rules match); each distinct
word is tokenized once and its vector (the sum of its tokens') memoised. A batch of texts is
then a sparse word-count matrix times the word vectors: one matrix product, no per-word Python
work once the memo is warm. Pure: a text's vector depends only on the text and the shipped
files, to the bit (see _QUANTUM).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError, Problem
from .themes import words

DIMENSIONS = 256
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_MEMO_LIMIT = 500_000  # distinct words kept; beyond it new words are looked up each time


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
    """Word vectors from the wordllama wheel's token vectors, loaded on first use."""

    def __init__(self) -> None:
        self._tokenizer: Any = None
        self._table: np.ndarray | None = None  # token id -> vector (float16, as shipped)
        self._word_ids: dict[str, int] = {}  # word -> row of self._words (memo)
        self._words = np.zeros((0, DIMENSIONS))

    def _load(self) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        # One thread per tokenizer: the build forks worker processes, and a tokenizer whose
        # thread pool ran before a fork warns on stderr in every child.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        folder = _package_dir()
        self._table = load_file(str(folder / _WEIGHTS))["embedding.weight"]  # float16, quantised on use
        self._tokenizer = Tokenizer.from_file(str(folder / _TOKENIZER))

    def _learn(self, new_words: list[str]) -> None:
        if self._tokenizer is None:
            self._load()
        assert self._tokenizer is not None and self._table is not None
        from scipy.sparse import csr_matrix

        ids = [enc.ids for enc in self._tokenizer.encode_batch(new_words, add_special_tokens=False)]
        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, ids), dtype=np.int64, count=len(ids)), out=indptr[1:])
        columns = np.fromiter(chain.from_iterable(ids), dtype=np.int64)
        used, columns = np.unique(columns, return_inverse=True)  # only the tokens these words use
        vectors = np.round(self._table[used].astype(np.float64) / _QUANTUM) * _QUANTUM
        tokens = csr_matrix((np.ones(len(columns)), columns.ravel(), indptr), shape=(len(ids), len(used)))
        first = len(self._word_ids)
        self._word_ids.update(zip(new_words, range(first, first + len(new_words)), strict=True))
        self._words = np.vstack([self._words, np.asarray(tokens @ vectors)])

    def word_vectors(self, tokens: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The texts' distinct words as unit-length vectors (float64; a word without tokens
        gives zeros), and each word of the texts (in order) as a row of them."""
        self._know(set(chain.from_iterable(tokens)))
        rows = np.fromiter(map(self._word_ids.__getitem__, chain.from_iterable(tokens)), dtype=np.int64)
        used, rows = np.unique(rows, return_inverse=True)
        vectors = self._words[used]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0), rows.ravel()

    def _know(self, vocabulary: set[str]) -> None:
        unknown = vocabulary.difference(self._word_ids)
        if len(self._word_ids) + len(unknown) > _MEMO_LIMIT:
            self._word_ids, self._words = {}, np.zeros((0, DIMENSIONS))
            unknown = vocabulary
        if unknown or self._tokenizer is None:
            self._learn(sorted(unknown))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text (a text without words gives a zero row), float32."""
        return self.embed_words([words(text) for text in texts])

    def embed_words(self, tokens: Sequence[list[str]]) -> np.ndarray:
        """As `embed`, from each text's words (themes.words)."""
        from scipy.sparse import csr_matrix

        self._know(set(chain.from_iterable(tokens)))
        columns = np.fromiter(map(self._word_ids.__getitem__, chain.from_iterable(tokens)), dtype=np.int64)
        indptr = np.zeros(len(tokens) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens)), out=indptr[1:])
        counts = csr_matrix((np.ones(len(columns)), columns, indptr), shape=(len(tokens), len(self._words)))
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
