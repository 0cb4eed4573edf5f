"""VMED's Seq2Seq and Seq2Seq-att baselines: an L-layer LSTM encoder whose final state starts an L-layer LSTM
decoder; with attention, each step also reads the additive (Bahdanau) attention of the decoder's previous top
state over the encoder outputs, fed with the word as the released code does."""

from __future__ import annotations

import torch
from torch import nn

from suite.data.dialogue import PairBatch
from suite.models.stepwise import ContextEncoder, StackedLSTM, StepwiseResponder, initialise_as_released


class AdditiveAttention(nn.Module):
    """softmax_i v·tanh(U e_i + W s) over every encoder output e_i, the batch's padding included, as released;
    returns Σ α_i e_i."""

    def __init__(self, hidden: int, attend: int):
        super().__init__()
        self.keys, self.query = nn.Linear(hidden, attend, bias=False), nn.Linear(hidden, attend, bias=False)
        self.score = nn.Linear(attend, 1, bias=False)

    def forward(self, query: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        weights = self.score(torch.tanh(self.keys(values) + self.query(query).unsqueeze(1)))[..., 0].softmax(-1)
        return (weights.unsqueeze(-1) * values).sum(1)


class LSTMSeq2Seq(StepwiseResponder):
    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, layers: int, attention: bool):
        super().__init__(vocab_size, emb_dim)
        self.encoder = ContextEncoder(self.embedding, hidden, layers)
        self.attention = AdditiveAttention(hidden, hidden) if attention else None
        self.decoder = StackedLSTM(emb_dim + (hidden if attention else 0), hidden, layers)
        self.out = nn.Linear(hidden, vocab_size, bias=False)
        initialise_as_released(self)

    def start(self, batch: PairBatch, posterior: bool):
        outputs, h, c = self.encoder(batch)
        state = {"h": h, "c": c}
        if self.attention is not None:
            state["values"] = outputs
        return state, None

    def step(self, words: torch.Tensor, state, guide=None):
        if self.attention is not None:
            words = torch.cat([words, self.attention(state["h"][:, -1], state["values"])], -1)
        top, h, c = self.decoder(words, state["h"], state["c"])
        return self.out(top), {**state, "h": h, "c": c}, None
