"""Coupled-VAE (Wu et al. 2020): couple any text autoencoder with a deterministic twin network.

The twin shares the encoder (and word embedding), has its own posterior network, signal MLP and decoder of
the same structure, and decodes from the posterior's deterministic code. Its reconstruction loss trains
the shared encoder; the signal-matching loss pulls the stochastic signal h towards detach(h^c).
"""

from __future__ import annotations

import torch

from suite.config import Coupling
from suite.data.batching import Batch
from suite.models.autoencoder import LatentPath, TextAutoencoder
from suite.models.regularisers import KERNEL_SCALES
from suite.models.wrapping import WrapsBase


def rational_quadratic_distance(h: torch.Tensor, target: torch.Tensor, c: float) -> torch.Tensor:
    """-sum_s s*C / (s*C + ||h - target||^2) per row; bounded, so far-apart pairs get small gradients."""
    squared = (h - target).pow(2).sum(-1)
    return -sum(s * c / (s * c + squared) for s in KERNEL_SCALES)


def euclidean_distance(h: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (h - target).pow(2).sum(-1)


class Coupled(WrapsBase):
    """Evaluation uses the stochastic network (`base`) only."""

    def __init__(self, base: TextAutoencoder, twin: LatentPath, coupling: Coupling, latent_dim: int):
        super().__init__()
        self.base, self.twin, self.coupling = base, twin, coupling
        # The released code's kernel constant: C = 2 * latent_dim (the MMD convention for a unit prior).
        self.rq_c = 2.0 * latent_dim

    def match(self, signal: torch.Tensor, coupled_signal: torch.Tensor) -> torch.Tensor:
        target = coupled_signal.detach()    # h^c guides h, never the reverse
        if self.coupling.distance == "euclidean":
            return euclidean_distance(signal, target)
        return rational_quadratic_distance(signal, target, self.rq_c)

    def coupled_signal(self, forward) -> torch.Tensor:
        """h^c: the twin decodes from its posterior's deterministic code, computed from the shared encoding."""
        return self.twin.to_signal(self.twin.posterior(forward.encoded).code)

    def training_terms(self, batch: Batch, kl_weight: float) -> dict[str, torch.Tensor]:
        forward = self.base.forward_pass(batch)
        terms = self.base.terms(forward, kl_weight)
        coupled_signal = self.coupled_signal(forward)
        rec_c = self.twin.decoder.sentence_nll(coupled_signal, batch).mean()
        match = self.match(forward.signal, coupled_signal).mean()
        terms["loss"] = terms["loss"] + self.coupling.lambda_rec * rec_c + self.coupling.lambda_match * match
        terms.update(rec_c=rec_c, match=match)
        return terms
