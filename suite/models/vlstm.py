"""VLSTM, VMED's variational-RNN baseline: a latent z_t at every decoding step, with a learned Gaussian prior
p(z_t | s_{t-1}) read from the decoder's previous top state and a Gaussian posterior q(z_t | s_{t-1}, y_<t)
that also reads the encoding of the gold response before the current word; the decoder LSTM reads [word; W z_t].
KL(q || p) in closed form at every step (the released code run with --use_mem=False, one mode)."""

from __future__ import annotations

import torch
from torch import nn

from suite.data.dialogue import PairBatch
from suite.models.mixture_prior import GaussianHead
from suite.models.posteriors import gaussian_kl
from suite.models.stepwise import (
    ContextEncoder,
    ResponseEncoder,
    StackedLSTM,
    StepwiseResponder,
    initialise_as_released,
)


class VLSTM(StepwiseResponder):
    likelihood = "elbo"
    per_step_posterior = True

    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, layers: int, latent_dim: int):
        super().__init__(vocab_size, emb_dim)
        self.encoder = ContextEncoder(self.embedding, hidden, layers)
        self.response_encoder = ResponseEncoder(self.embedding, hidden)
        self.prior = GaussianHead(hidden, 2 * latent_dim, latent_dim)
        self.posterior = GaussianHead(hidden + self.response_encoder.output_dim, 2 * latent_dim, latent_dim)
        self.from_z = nn.Linear(latent_dim, 2 * latent_dim, bias=False)
        self.decoder = StackedLSTM(emb_dim + 2 * latent_dim, hidden, layers)
        self.out = nn.Linear(hidden, vocab_size, bias=False)
        initialise_as_released(self)

    def start(self, batch: PairBatch, posterior: bool):
        _, h, c = self.encoder(batch)
        return {"h": h, "c": c}, None

    def step(self, words, state, guide=None):
        previous = state["h"][:, -1]
        prior = self.prior(previous)
        kl = None
        if guide is None:
            z = prior.rsample().z
        else:
            q = self.posterior(torch.cat([previous, guide], -1))
            z = q.rsample().z
            kl = gaussian_kl(q, prior)
        top, h, c = self.decoder(torch.cat([words, self.from_z(z)], -1), state["h"], state["c"])
        return self.out(top), {"h": h, "c": c}, kl
