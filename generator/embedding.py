"""A static sentence embedding of paper texts: the mean of its words' vectors, unit length.

The vectors are wordllama's 256-dimension token embedding (`l2_supercat_256`), read straight
from the files inside its wheel with safetensors and the `tokenizers` library: nothing is
downloaded, and wordllama's own loader (which tries the network) is never imported.

A text is cut into lowercased words (the same words the theme rules match); each distinct
word is tokenized once (memoised). A batch of texts is then a sparse token-count matrix times
the token vectors: one matrix product, no per-token Python work once the memo is warm. Pure:
a text's vector depends only on the text and the shipped files.
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


class Embedder:
    """Token vectors from the wordllama wheel, loaded on first use."""

    def __init__(self) -> None:
        self._tokenizer: Any = None
        self._table: np.ndarray | None = None  # token id -> vector (float32)
        self._word_tokens: dict[str, tuple[int, ...]] = {}  # word -> its token ids (memo)

    def _load(self) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        # One thread per tokenizer: the build forks worker processes, and a tokenizer whose
        # thread pool ran before a fork warns on stderr in every child.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        folder = _package_dir()
        table = load_file(str(folder / _WEIGHTS))["embedding.weight"]
        self._table = np.ascontiguousarray(table, dtype=np.float32)
        self._tokenizer = Tokenizer.from_file(str(folder / _TOKENIZER))

    def _learn(self, new_words: list[str]) -> None:
        if self._tokenizer is None:
            self._load()
        assert self._tokenizer is not None
        encoded = self._tokenizer.encode_batch(new_words, add_special_tokens=False)
        for word, enc in zip(new_words, encoded, strict=True):
            self._word_tokens[word] = tuple(enc.ids)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text (a text without words gives a zero row), float32."""
        from scipy.sparse import csr_matrix

        tokens = [words(text) for text in texts]
        unknown = set(chain.from_iterable(tokens)).difference(self._word_tokens)
        if len(self._word_tokens) + len(unknown) > _MEMO_LIMIT:
            self._word_tokens = {}
            unknown = set(chain.from_iterable(tokens))
        if unknown or self._table is None:
            self._learn(sorted(unknown))
        assert self._table is not None
        lookup = self._word_tokens.__getitem__
        columns: list[int] = []
        indptr = [0]
        for ws in tokens:
            columns.extend(chain.from_iterable(map(lookup, ws)))
            indptr.append(len(columns))
        # Columns are token ids (a fixed vocabulary) and duplicates are summed in column order,
        # so each row's floating-point sum runs in an order set by its own text alone.
        counts = csr_matrix(
            (np.ones(len(columns), np.float32), np.array(columns, np.int64), np.array(indptr, np.int64)),
            shape=(len(texts), self._table.shape[0]),
        )
        counts.sum_duplicates()
        matrix = np.asarray(counts @ self._table, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms > 0, norms, 1.0)


_SHARED: Embedder | None = None


def shared() -> Embedder:
    """The process's embedder (its word memo is a pure cache, so sharing it changes nothing)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Embedder()
    return _SHARED
