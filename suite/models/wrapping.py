"""Models built around a base model that evaluate exactly as the base does (Coupled-*, SA-VAE)."""

from __future__ import annotations

import torch
from torch import nn

from suite.data.batching import Batch


class WrapsBase(nn.Module):
    """Likelihoods, priors, posteriors and decoding come from `self.base`; subclasses change training (and may
    override any of these, as SA-VAE does with the posterior)."""

    base: nn.Module

    @property
    def likelihood(self) -> str:
        return self.base.likelihood

    @property
    def prior(self):
        return self.base.prior

    def posterior(self, batch: Batch):
        return self.base.posterior(batch)

    def prior_for(self, batch: Batch):
        return self.base.prior_for(batch)

    def sentence_nll(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        return self.base.sentence_nll(batch, z)

    def greedy(self, z: torch.Tensor, max_len: int, mask_unk: bool) -> list[list[int]]:
        return self.base.greedy(z, max_len, mask_unk)
