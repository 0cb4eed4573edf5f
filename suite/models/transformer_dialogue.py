"""Transformer response models (AMI's dialogue setup): the forward network p(y | x) answers a dialogue context x,
the backward network p(x | y) reads a response y (after the earlier turns) and predicts the post it answered.

Context = the turns before the post (each ended by <eos>) followed by the post, at most `HISTORY` turns in all
(suite/data/dialogue.py). As in the authors' dialogue code, the backward network's source is the earlier history
followed by the response, and its target the post (the last context turn).
"""

from __future__ import annotations

import torch
from torch import nn

from suite.config import Transformer
from suite.data.batching import Batch
from suite.data.dialogue import PairBatch
from suite.data.vocab import EOS
from suite.models.transformer import Encoded, Seq2SeqTransformer, join


def after_history(batch: PairBatch, words: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """`words` preceded by the pair's earlier turns (if the split has them)."""
    if batch.earlier is None:
        return words, lengths
    return join(batch.earlier.words, batch.earlier.lengths, words, lengths)


def as_source(response: list[int]) -> torch.Tensor:
    """A generated response as the backward network's input; an empty one reads as a lone <eos>, so that a
    source is never empty (attention over nothing is undefined)."""
    return torch.tensor(response or [EOS], dtype=torch.long)


def context(batch: PairBatch) -> tuple[torch.Tensor, torch.Tensor]:
    """The forward network's source: earlier turns, then the post."""
    return after_history(batch, batch.post_words, batch.post_lengths)


def reverse_context(batch: PairBatch, responses: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """The backward network's source: earlier turns, then a response (the gold one or generated ones)."""
    return after_history(batch, responses.words, responses.lengths)


class Forward(nn.Module):
    """p(y | x): the Transformer encoder-decoder from context to response."""

    def __init__(self, vocab_size: int, shape: Transformer, dropout: float):
        super().__init__()
        self.net = Seq2SeqTransformer(vocab_size, shape, dropout)
        self.shape = shape

    def encode(self, batch: PairBatch) -> Encoded:
        return self.net.encode(*context(batch))

    def nll(self, batch: PairBatch, smoothing: float = 0.0) -> torch.Tensor:
        """-log p(response | context) per pair (label-smoothed cross-entropy when smoothing > 0)."""
        return self.net.sentence_nll(self.encode(batch), batch.response, smoothing)

    def n_best(self, batch: PairBatch, max_len: int, mask_unk: bool, n: int) -> list[list[tuple[float, list[int]]]]:
        return self.net.beam_search(self.encode(batch), self.shape.beam, min(n, self.shape.beam), max_len, mask_unk)

    def best(self, batch: PairBatch, max_len: int, mask_unk: bool) -> list[list[int]]:
        """The best beam-search response per context (empty when the beam finished none)."""
        return [hypotheses[0][1] if hypotheses else [] for hypotheses in self.n_best(batch, max_len, mask_unk, 1)]


class Backward(nn.Module):
    """p(x | y): from (earlier turns, response) to the post."""

    def __init__(self, vocab_size: int, shape: Transformer, dropout: float):
        super().__init__()
        self.net = Seq2SeqTransformer(vocab_size, shape, dropout)

    def nll(self, batch: PairBatch, responses: Batch, smoothing: float = 0.0) -> torch.Tensor:
        """-log p(post | earlier turns, response) per pair, for the given responses (B,)."""
        return self.net.sentence_nll(self.net.encode(*reverse_context(batch, responses)), batch.post, smoothing)


class TransformerResponder(nn.Module):
    """The Transformer row: MLE training (label-smoothed when configured), beam-search responses."""

    likelihood = "exact"

    def __init__(self, forward: Forward, smoothing: float):
        super().__init__()
        self.forward_model, self.smoothing = forward, smoothing

    def deterministic_nll(self, batch: PairBatch) -> torch.Tensor:
        """Exact -log p(y | x) per pair."""
        return self.forward_model.nll(batch)

    def training_terms(self, batch: PairBatch, kl_weight: float) -> dict[str, torch.Tensor]:
        """The label-smoothed NLL per pair, averaged over the batch (OpenNMT's 'sents' normalisation)."""
        return {"loss": self.forward_model.nll(batch, self.smoothing).mean()}

    @torch.no_grad()
    def respond(self, batch: PairBatch, max_len: int, mask_unk: bool) -> list[list[int]]:
        """The best beam-search response per context."""
        return self.forward_model.best(batch, max_len, mask_unk)


TRANSFORMER_KINDS = ("transformer", "transformer-mmi", "transformer-ami")
