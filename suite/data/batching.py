"""Padded batches of sentences, grouped by length so that little compute is spent on padding.

The batch planners take any split with `lengths` (a tensor) and `len()`; the split builds the batch itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from suite.data.vocab import EOS, GO, PAD


@dataclass(frozen=True)
class Batch:
    """B sentences. `words` feeds the encoder; the decoder reads `inputs` (<go> w1..wn) and predicts
    `targets` (w1..wn <eos>) where `mask` is true, so every sentence has length + 1 predictions."""

    words: torch.Tensor      # (B, T) word ids, PAD after each sentence
    lengths: torch.Tensor    # (B,)
    inputs: torch.Tensor     # (B, T + 1)
    targets: torch.Tensor    # (B, T + 1)
    mask: torch.Tensor       # (B, T + 1) bool
    index: torch.Tensor      # (B,) position of each sentence in its split

    @classmethod
    def from_sentences(cls, sentences: list[torch.Tensor], index: torch.Tensor,
                       max_len: int | None = None) -> Batch:
        if max_len is not None:
            sentences = [s[:max_len] for s in sentences]
        lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
        size, width = len(sentences), int(lengths.max())
        words = torch.full((size, width), PAD, dtype=torch.long)
        for row, sentence in enumerate(sentences):
            words[row, :len(sentence)] = sentence
        inputs = torch.cat([torch.full((size, 1), GO, dtype=torch.long), words], dim=1)
        targets = torch.cat([words, torch.full((size, 1), PAD, dtype=torch.long)], dim=1)
        targets[torch.arange(size), lengths] = EOS
        mask = torch.arange(width + 1).unsqueeze(0) <= lengths.unsqueeze(1)
        return cls(words, lengths, inputs, targets, mask, index)

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def n_predictions(self) -> int:
        """Real (unpadded) target tokens, end-of-sentence included."""
        return int(self.lengths.sum()) + len(self)

    def to(self, device) -> Batch:
        return Batch(*(t.to(device) for t in (self.words, self.lengths, self.inputs, self.targets,
                                                self.mask, self.index)))

    def repeat(self, n: int) -> Batch:
        """n stacked copies (copy-major), for evaluating n latent samples per sentence in one pass."""
        return Batch(*(t.repeat(n, *[1] * (t.dim() - 1)) for t in (self.words, self.lengths, self.inputs,
                                                                   self.targets, self.mask, self.index)))


def training_batches(sentences, batch_size: int, generator: torch.Generator,
                     pool_batches: int = 100) -> list[torch.Tensor]:
    """One epoch of shuffled batch indices. Sentences are shuffled, then sorted by length within pools of
    `pool_batches` batches, so batches hold sentences of similar length; the batch order is shuffled again."""
    order = torch.randperm(len(sentences), generator=generator)
    pool = batch_size * pool_batches
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[torch.argsort(sentences.lengths[chunk], stable=True)]
        batches.extend(chunk.split(batch_size))
    shuffle = torch.randperm(len(batches), generator=generator)
    return [batches[i] for i in shuffle]


def evaluation_batches(sentences, max_tokens: int, max_batch: int | None = None) -> list[torch.Tensor]:
    """Deterministic batches over a whole split, sorted by length, each holding at most `max_tokens`
    padded positions (and at most `max_batch` sentences)."""
    order = torch.argsort(sentences.lengths, stable=True)
    batches, current, width = [], [], 0
    for i in order.tolist():
        length = int(sentences.lengths[i]) + 1
        grown = max(width, length)
        if current and (grown * (len(current) + 1) > max_tokens or len(current) == max_batch):
            batches.append(torch.tensor(current))
            current, grown = [], length
        current.append(i)
        width = grown
    if current:
        batches.append(torch.tensor(current))
    return batches


def same_length_batches(sentences, batch_size: int) -> list[torch.Tensor]:
    """Batches of sentences that all have the same length (at most `batch_size` each), shortest first: how
    He et al.'s released code batches text, building the list once and shuffling only its order per epoch."""
    order = torch.argsort(sentences.lengths, stable=True)
    batches = []
    for length in torch.unique(sentences.lengths[order]):
        same = order[sentences.lengths[order] == length]
        batches.extend(same.split(batch_size))
    return batches
