"""VMED's CVAE baseline as the released code runs it (qa_task.py --single_KL=True --use_mem=False; vdnc.py): the
LSTM encoder-decoder of the other baselines with one latent per response and decoder layer. For each layer l a
z_l as wide as the LSTM replaces the decoder's initial h_l (its c_l stays the context's):

    prior      p(z_l | x)    from  W_p [c_l; h_l]
    posterior  q(z_l | x, y) from  tanh(W_q [c_l + c'_l; h_l + h'_l])

each output split into a mean and a softplus log-variance, where (c_l, h_l) is the context's final state and
(c'_l, h'_l) the response's, read by the same encoder from a zero state over every decoding step (<go> y_1 .. y_n
<eos> and the batch's padding, as released); W_p and W_q are linear maps without bias shared by the layers.
The KL is the top layer's only, as released (its loop over layers keeps the last layer's distributions), so the
lower layers' z are not tied to their prior; responses draw every z from the prior. The softplussed halves are
log-variances, as the released sampler and KL read them and as in this suite's other VMED models."""

from __future__ import annotations

import torch
from torch import nn

from suite.data.dialogue import PairBatch
from suite.models.mixture_prior import softplus_log_variance_gaussian
from suite.models.posteriors import DiagGaussian, gaussian_kl
from suite.models.stepwise import (
    ContextEncoder,
    StackedLSTM,
    StepwiseResponder,
    decoded_targets,
    initialise_as_released,
)


def top_layer(dist: DiagGaussian) -> DiagGaussian:
    return DiagGaussian(dist.loc[:, -1], dist.scale[:, -1])


class LSTMCVAE(StepwiseResponder):
    likelihood = "elbo"

    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, layers: int):
        super().__init__(vocab_size, emb_dim)
        self.encoder = ContextEncoder(self.embedding, hidden, layers)
        self.prior = nn.Linear(2 * hidden, 2 * hidden, bias=False)
        self.posterior = nn.Linear(2 * hidden, 2 * hidden, bias=False)
        self.decoder = StackedLSTM(emb_dim, hidden, layers)
        self.out = nn.Linear(hidden, vocab_size, bias=False)
        initialise_as_released(self)

    def response_state(self, batch: PairBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """The encoder's final h and c (B, L, H) after <go> y_1 .. y_n <eos> and the padding."""
        _, (h, c) = self.encoder.lstm(self.embedding(decoded_targets(batch)))
        return h.transpose(0, 1), c.transpose(0, 1)

    def start(self, batch: PairBatch, posterior: bool):
        _, h, c = self.encoder(batch)
        prior = softplus_log_variance_gaussian(self.prior(torch.cat([c, h], -1)))
        if not posterior:
            return {"h": prior.rsample().z, "c": c}, None
        h_y, c_y = self.response_state(batch)
        q = softplus_log_variance_gaussian(torch.tanh(self.posterior(torch.cat([c + c_y, h + h_y], -1))))
        return {"h": q.rsample().z, "c": c}, gaussian_kl(top_layer(q), top_layer(prior))

    def step(self, words, state, guide=None):
        top, h, c = self.decoder(words, state["h"], state["c"])
        return self.out(top), {"h": h, "c": c}, None
