"""The LSTM VAE of He et al. (2019)'s released code (vae-lagging-encoder), whose open-source implementation the
Coupled-VAE paper modified for its Lagging-VAE and SA-VAE rows (the † rows of Tables 1 and 2).

Encoder: its own word embedding, a one-layer LSTM over <s> w_1 .. w_n </s>, and a bias-free linear map of the
final hidden state to the posterior mean and log-variance. Decoder: its own embedding, z concatenated to every
input embedding, initial cell c0 = W z (bias-free) and hidden tanh(c0), dropout on the input embeddings and on
the LSTM outputs, a bias-free output layer. Every weight starts uniform in (-0.01, 0.01), the embeddings in
(-0.1, 0.1). The latent code is the decoding signal itself (h = z), which is what a coupled twin matches.
"""

from __future__ import annotations

import torch
from torch import nn

from suite.data.batching import Batch, Packing
from suite.data.vocab import EOS, GO, PAD
from suite.models.decoder import real_targets, summed_nll
from suite.models.greedy import greedy_decode
from suite.models.posteriors import DiagGaussian


def delimited(words: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """<s> w_1 .. w_n </s> for each padded row of words: the sequence the released encoder reads."""
    rows = torch.arange(len(words), device=words.device)
    pad = torch.full((len(words), 1), PAD, dtype=words.dtype, device=words.device)
    sequence = torch.cat([torch.full_like(pad, GO), words, pad], dim=1)
    sequence[rows, lengths + 1] = EOS
    return sequence


class LSTMEncoder(nn.Module):
    def __init__(self, vocab_size: int, emb_dim: int, hidden: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden, batch_first=True)
        self.output_dim = hidden

    def forward(self, batch: Batch) -> torch.Tensor:
        packing = Packing.of(batch.packing.lengths + 2).to(batch.words.device)     # <s> and </s> added
        packed = packing.pack(self.embedding(delimited(batch.words, batch.lengths)))
        _, (hidden, _) = self.lstm(packed)
        return hidden[0]


class LogVarianceGaussianPosterior(nn.Module):
    """[mean; log-variance] = W e (no bias)."""

    def __init__(self, in_dim: int, latent_dim: int):
        super().__init__()
        self.linear = nn.Linear(in_dim, 2 * latent_dim, bias=False)

    def forward(self, encoded: torch.Tensor) -> DiagGaussian:
        mean, log_variance = self.linear(encoded).chunk(2, dim=-1)
        return DiagGaussian(mean, (0.5 * log_variance).exp())


class LSTMDecoder(nn.Module):
    def __init__(self, embedding: nn.Embedding, vocab_size: int, hidden: int, latent_dim: int, dropout: float):
        super().__init__()
        self.embedding = embedding
        emb_dim = embedding.embedding_dim
        self.input_dropout, self.output_dropout = nn.Dropout(dropout), nn.Dropout(dropout)
        self.lstm = nn.LSTM(emb_dim + latent_dim, hidden, batch_first=True)
        self.initial_cell = nn.Linear(latent_dim, hidden, bias=False)
        self.to_vocab = nn.Linear(hidden, vocab_size, bias=False)

    def initial_state(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cell = self.initial_cell(z).unsqueeze(0)
        return torch.tanh(cell), cell

    def sentence_nll(self, z: torch.Tensor, batch: Batch) -> torch.Tensor:
        """-log p(x | z) per sentence (teacher forcing over <s> w_1 .. w_n, predicting w_1 .. </s>)."""
        words = self.input_dropout(self.embedding(batch.inputs))
        steps = torch.cat([words, z.unsqueeze(1).expand(-1, words.size(1), -1)], dim=-1)
        states, _ = self.lstm(steps, self.initial_state(z))
        states, targets = real_targets(states, batch)
        return summed_nll(self.to_vocab, self.output_dropout(states), targets, batch)

    @torch.no_grad()
    def greedy(self, z: torch.Tensor, max_len: int, mask_unk: bool = True) -> list[list[int]]:
        def step(token, rows, state):
            out, state = self.lstm(torch.cat([self.embedding(token), rows], dim=-1).unsqueeze(1), state)
            return self.to_vocab(out[:, 0]), state

        return greedy_decode(step, self.initial_state(z), z, max_len, mask_unk,
                             keep=lambda state, running: tuple(s[:, running] for s in state))


def initialise_uniformly(model: nn.Module):
    """The released code's scheme: every parameter uniform(-0.01, 0.01), then embeddings uniform(-0.1, 0.1)."""
    for parameter in model.parameters():
        nn.init.uniform_(parameter, -0.01, 0.01)
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            nn.init.uniform_(module.weight, -0.1, 0.1)

