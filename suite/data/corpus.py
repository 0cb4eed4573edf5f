"""A tokenised corpus: vocabulary plus train/valid/test sentences stored as flat id tensors."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

import torch

from suite.data.batching import Batch
from suite.data.vocab import Vocab

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class SentenceSet:
    """Sentences of one split: ids concatenated, with per-sentence offsets and lengths."""

    ids: torch.Tensor
    offsets: torch.Tensor
    lengths: torch.Tensor

    @classmethod
    def from_lists(cls, sentences: list[list[int]]) -> SentenceSet:
        lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
        offsets = torch.zeros(len(sentences), dtype=torch.long)
        offsets[1:] = torch.cumsum(lengths, 0)[:-1]
        ids = torch.tensor([i for s in sentences for i in s], dtype=torch.long)
        return cls(ids, offsets, lengths)

    def __len__(self) -> int:
        return len(self.lengths)

    def sentence(self, i: int) -> torch.Tensor:
        start = int(self.offsets[i])
        return self.ids[start:start + int(self.lengths[i])]

    def batch(self, index: torch.Tensor, max_len: int | None = None) -> Batch:
        return Batch.from_sentences([self.sentence(int(i)) for i in index], index, max_len)

    def select(self, index: torch.Tensor) -> SentenceSet:
        """The sentences at `index`, in that order."""
        return SentenceSet.from_lists([self.sentence(int(i)).tolist() for i in index])

    def subset(self, n: int | None) -> SentenceSet:
        """The first n sentences (all when n is None)."""
        if n is None or n >= len(self):
            return self
        end = int(self.offsets[n - 1] + self.lengths[n - 1])
        return SentenceSet(self.ids[:end], self.offsets[:n], self.lengths[:n])


@dataclass(frozen=True)
class Corpus:
    name: str
    vocab: Vocab
    splits: dict[str, SentenceSet]
    checksum: str
    stand_in: bool = False
    # Unigram counts and sentence count of the corpus's own text, where a paper's corpus statistics read the text
    # itself rather than what the models see (SNLI: every sentence whole, as the released evaluate_latent_space.py
    # reads snli_sentences_all.txt)
    reference_unigrams: Counter | None = None
    reference_sentences: int = 0

    @classmethod
    def from_tokens(cls, name: str, tokens: dict[str, list[list[str]]], raw_texts: list[bytes],
                    stand_in: bool = False) -> Corpus:
        """Build the vocabulary on train (every word kept) and encode each split."""
        vocab = Vocab.build(tokens["train"])
        splits = {s: SentenceSet.from_lists([vocab.encode(t) for t in tokens[s]]) for s in SPLITS}
        return cls(name, vocab, splits, checksum(raw_texts), stand_in)


def checksum(raw_texts: list[bytes]) -> str:
    digest = hashlib.sha256()
    for text in raw_texts:
        digest.update(hashlib.sha256(text).digest())
    return digest.hexdigest()
