"""Text autoencoders as compositions: encoder -> latent path (posterior, signal, decoder) -> regulariser.

A DAE is this with a point posterior and no regulariser; a VAE with a Gaussian posterior and the KL term.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from suite.data.batching import Batch
from suite.models.posteriors import Draw


class LatentPath(nn.Module):
    """posterior network -> latent code z -> decoding signal h -> decoder.
    The coupled network of Coupled-VAE is a second path with the same structure."""

    def __init__(self, posterior: nn.Module, to_signal: nn.Module, decoder: nn.Module):
        super().__init__()
        self.posterior, self.to_signal, self.decoder = posterior, to_signal, decoder


def signal_mlp(latent_dim: int, emb_dim: int) -> nn.Module:
    """z -> h in word-embedding space (h is the decoder's first input and is appended to every input)."""
    return nn.Sequential(nn.Linear(latent_dim, emb_dim), nn.ReLU(), nn.Linear(emb_dim, emb_dim))


@dataclass
class ForwardPass:
    encoded: torch.Tensor
    posterior: object
    draw: Draw
    signal: torch.Tensor
    rec: torch.Tensor            # -log p(x | z) per sentence


class TextAutoencoder(nn.Module):
    def __init__(self, encoder: nn.Module, path: LatentPath, prior, regulariser=None):
        super().__init__()
        self.encoder, self.path = encoder, path
        self.prior = prior
        self.regulariser = regulariser

    @property
    def likelihood(self) -> str:
        """How -log p(x) is evaluated: by importance sampling for a latent-variable model; a DAE has no
        likelihood, only the reconstruction loss from its code."""
        return "importance" if self.regulariser is not None else "reconstruction"

    def posterior(self, batch: Batch):
        return self.path.posterior(self.encoder(batch))

    def prior_for(self, batch: Batch):
        """p(z) for these sentences (conditional models return p(z | post))."""
        return self.prior

    def sentence_nll(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        """-log p(x | z) per sentence; z (B, d) aligned with the batch."""
        return self.path.decoder.sentence_nll(self.path.to_signal(z), batch)

    def deterministic_nll(self, batch: Batch) -> torch.Tensor:
        """Reconstruction loss from the deterministic code (a DAE's model-selection score)."""
        return self.sentence_nll(batch, self.posterior(batch).code)

    def greedy(self, z: torch.Tensor, max_len: int, mask_unk: bool) -> list[list[int]]:
        return self.path.decoder.greedy(self.path.to_signal(z), max_len, mask_unk)

    def forward_pass(self, batch: Batch) -> ForwardPass:
        encoded = self.encoder(batch)
        posterior = self.path.posterior(encoded)
        draw = posterior.rsample()
        signal = self.path.to_signal(draw.z)
        return ForwardPass(encoded, posterior, draw, signal, self.path.decoder.sentence_nll(signal, batch))

    def terms(self, forward: ForwardPass, kl_weight: float) -> dict[str, torch.Tensor]:
        rec = forward.rec.mean()
        terms = {"loss": rec, "rec": rec}
        if self.regulariser is not None:
            penalty, logged = self.regulariser(forward.posterior, forward.draw, self.prior, kl_weight)
            terms.update(logged)
            terms["loss"] = rec + penalty
        return terms

    def training_terms(self, batch: Batch, kl_weight: float) -> dict[str, torch.Tensor]:
        return self.terms(self.forward_pass(batch), kl_weight)
