"""VMED's preprocessing window over a dialogue corpus: each context keeps its last `context_len` words (those
nearest the response) and each response its first `response_len` words. The vocabulary is the corpus's."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import torch

from suite.data.corpus import Corpus, SentenceSet
from suite.data.datasets import load_corpus
from suite.data.dialogue import PairSet


def window(sentences: SentenceSet, keep: int, from_end: bool) -> SentenceSet:
    """Each sentence cut to at most `keep` words, its last ones when `from_end`, else its first."""
    lengths = sentences.lengths.clamp(max=keep)
    starts = sentences.offsets + (sentences.lengths - lengths if from_end else 0)
    offsets = torch.zeros_like(lengths)
    offsets[1:] = torch.cumsum(lengths, 0)[:-1]
    index = torch.repeat_interleave(starts - offsets, lengths) + torch.arange(int(lengths.sum()))
    return SentenceSet(sentences.ids[index], offsets, lengths)


def window_pairs(pairs: PairSet, context_len: int, response_len: int) -> PairSet:
    return PairSet(window(pairs.posts, context_len, from_end=True), window(pairs.responses, response_len, False))


def dialogue_window(corpus: Corpus, context_len: int, response_len: int) -> Corpus:
    return replace(corpus, splits={name: window_pairs(split, context_len, response_len)
                                   for name, split in corpus.splits.items()})


@cache
def windowed_corpus(name: str, data_dir: Path | None, context_len: int, response_len: int) -> Corpus:
    return dialogue_window(load_corpus(name, data_dir), context_len, response_len)
