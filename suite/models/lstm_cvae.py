"""VMED's CVAE baseline (Zhao et al. 2017) on VMED's LSTM encoder-decoder: one latent z per response, with a
Gaussian prior p(z | x) read from the context's top final state and a Gaussian posterior q(z | x, y) from that
state and the response's encoding; z shifts the decoder's initial hidden state of every layer (the released
code's CVAE puts z into the initial decoder state). KL(q || p) in closed form, once per response."""

from __future__ import annotations

import torch
from torch import nn

from suite.data.dialogue import PairBatch
from suite.models.cvae import gaussian_kl
from suite.models.mixture_prior import GaussianHead
from suite.models.stepwise import (
    ContextEncoder,
    ResponseEncoder,
    StackedLSTM,
    StepwiseResponder,
    initialise_as_released,
)


class LSTMCVAE(StepwiseResponder):
    likelihood = "elbo"

    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, layers: int, latent_dim: int):
        super().__init__(vocab_size, emb_dim)
        self.layers, self.hidden = layers, hidden
        self.encoder = ContextEncoder(self.embedding, hidden, layers)
        self.response_encoder = ResponseEncoder(self.embedding, hidden)
        self.prior = GaussianHead(hidden, 2 * latent_dim, latent_dim)
        self.posterior = GaussianHead(2 * hidden, 2 * latent_dim, latent_dim)
        self.to_state = nn.Linear(latent_dim, layers * hidden)
        self.decoder = StackedLSTM(emb_dim, hidden, layers)
        self.out = nn.Linear(hidden, vocab_size)
        initialise_as_released(self)

    def start(self, batch: PairBatch, posterior: bool):
        _, h, c, _ = self.encoder(batch)
        context = h[:, -1]
        prior = self.prior(context)
        kl = None
        if posterior:
            q = self.posterior(torch.cat([context, self.response_encoder.final(batch)], -1))
            z = q.rsample().z
            kl = gaussian_kl(q, prior)
        else:
            z = prior.rsample().z
        h = h + self.to_state(z).view(len(batch), self.layers, self.hidden)
        return {"h": h, "c": c}, kl

    def step(self, words, state, guide=None):
        top, h, c = self.decoder(words, state["h"], state["c"])
        return self.out(top), {"h": h, "c": c}, None
