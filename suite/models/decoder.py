"""Autoregressive GRU decoders and their shared output layer.

`SignalGRUDecoder` is the released Coupled-VAE decoder: the decoding signal h (in embedding space) is fed
as a first step [h; h] and concatenated to every word embedding afterwards.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from suite.data.batching import Batch
from suite.data.vocab import PAD
from suite.models.greedy import greedy_decode

TOKEN_CHUNK = 4096   # output-layer rows per chunk; bounds the (tokens x vocab) logits kept in memory


def real_targets(states: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """The states (B, T+1, H) and targets at real (unpadded) positions, as `states[batch.mask]` would give
    them, but by the host-known `batch.positions`: boolean indexing would make a GPU report its count."""
    flat = states.reshape(-1, states.size(-1)).index_select(0, batch.positions)
    return flat, batch.targets.reshape(-1).index_select(0, batch.positions)


def summed_nll(logits_of, states: torch.Tensor, targets: torch.Tensor, batch: Batch) -> torch.Tensor:
    """Cross-entropy per sentence, summed over the (states, targets) that `real_targets` picked; the logits
    come TOKEN_CHUNK rows at a time. PAD targets, which a batch of static shape keeps, score 0."""
    token_nll = torch.cat([F.cross_entropy(logits_of(s), t, reduction="none", ignore_index=PAD)
                           for s, t in zip(states.split(TOKEN_CHUNK), targets.split(TOKEN_CHUNK), strict=True)])
    return token_nll.new_zeros(len(batch)).index_add(0, batch.rows, token_nll)


class OutputHead(nn.Module):
    """dropout -> Linear(hidden, emb) -> tanh -> Linear(emb, vocab)."""

    def __init__(self, hidden: int, emb_dim: int, vocab_size: int, dropout: float):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.project = nn.Linear(hidden, emb_dim)
        self.to_vocab = nn.Linear(emb_dim, vocab_size)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return self.to_vocab(torch.tanh(self.project(self.dropout(states))))

    def sentence_nll(self, states: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Summed cross-entropy per sentence over real target positions only; states (B, T+1, hidden). A batch
        of static shape keeps its padded positions too: their target, PAD, scores 0."""
        return summed_nll(self, *real_targets(states, batch), batch)


class SignalGRUDecoder(nn.Module):
    def __init__(self, embedding: nn.Embedding, hidden: int, vocab_size: int, dropout: float):
        super().__init__()
        self.embedding = embedding
        emb_dim = embedding.embedding_dim
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(2 * emb_dim, hidden, batch_first=True)
        self.head = OutputHead(hidden, emb_dim, vocab_size, dropout)

    def states(self, signal: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Hidden states after each input token: (B, T+1, hidden), 0 past a sentence's end."""
        first = torch.cat([signal, signal], dim=-1).unsqueeze(1)
        words = self.embedding(batch.inputs)
        steps = self.dropout(torch.cat([words, signal.unsqueeze(1).expand(-1, words.size(1), -1)], dim=-1))
        # [h; h], <go>, the words: length + 2 steps
        outputs = batch.packing.unidirectional(self.gru, torch.cat([first, steps], dim=1), extra=2)
        return outputs[:, 1:]

    def sentence_nll(self, signal: torch.Tensor, batch: Batch) -> torch.Tensor:
        """-log p(x | h) per sentence (teacher forcing), end-of-sentence included."""
        return self.head.sentence_nll(self.states(signal, batch), batch)

    @torch.no_grad()
    def greedy(self, signal: torch.Tensor, max_len: int, mask_unk: bool = True) -> list[list[int]]:
        """Greedy decoding from each signal; stops at <eos> (excluded) or after max_len tokens."""
        _, state = self.gru(torch.cat([signal, signal], dim=-1).unsqueeze(1))

        def step(token, rows, state):
            out, state = self.gru(torch.cat([self.embedding(token), rows], dim=-1).unsqueeze(1), state)
            return self.head(out[:, 0]), state

        return greedy_decode(step, state, signal, max_len, mask_unk, keep=lambda state, running: state[:, running])
