"""Posterior families q(z|x) over the latent code, and the standard-normal prior.

A posterior network maps the encoded text e to a distribution object offering:
  rsample(n)            -> Draw: reparameterised samples z with log q(z|x)
  cross_log_prob(draw)  -> log q(z_i | x_j) for every sample i under every sentence j (for MI)
  kl(draw)              -> the KL term of the training objective, per sentence
  code                  -> the deterministic latent code of the coupled network (Coupled-VAE appendix B)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

LOG_2PI = math.log(2 * math.pi)


@dataclass
class Draw:
    """Samples z (..., B, d) from q(z|x) and log q(z|x) (..., B). `base` is what `cross_log_prob` needs:
    z itself, or the base sample of a flow."""

    z: torch.Tensor
    log_q: torch.Tensor | None
    base: torch.Tensor


def gaussian_log_prob(z: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    standardised = (z - loc) / scale
    return -(0.5 * standardised.pow(2) + scale.log() + 0.5 * LOG_2PI).sum(-1)


class DiagGaussian:
    """N(loc, diag(scale^2)) with batch shape (B,) and event shape (d,)."""

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor):
        self.loc, self.scale = loc, scale

    def rsample(self, n: int | None = None) -> Draw:
        shape = self.loc.shape if n is None else (n, *self.loc.shape)
        z = self.loc + self.scale * torch.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return Draw(z, self.log_prob(z), z)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log q(z | x_b) for z of shape (..., B, d) -> (..., B)."""
        return gaussian_log_prob(z, self.loc, self.scale)

    def cross_log_prob(self, draw: Draw) -> torch.Tensor:
        """log q(z_i | x_j) for samples (N, B, d) -> (N, B, B), index [n, i, j].
        Expanded as a quadratic form so that no (N, B, B, d) tensor is built."""
        z = draw.base
        precision = self.scale.pow(-2)                                   # (B, d)
        quadratic = (z.pow(2) @ precision.T - 2 * z @ (self.loc * precision).T
                     + (self.loc.pow(2) * precision).sum(-1))
        log_norm = self.scale.log().sum(-1) + 0.5 * self.loc.size(-1) * LOG_2PI
        return -0.5 * quadratic - log_norm

    def negative_entropy(self) -> torch.Tensor:
        """E_q[log q(z|x)] in closed form, per sentence (B,)."""
        return -(self.scale.log() + 0.5 * (1 + LOG_2PI)).sum(-1)

    def kl_per_dimension(self) -> torch.Tensor:
        """Closed-form KL(q || N(0, I)) per sentence and dimension, (B, d)."""
        return 0.5 * (self.loc.pow(2) + self.scale.pow(2) - 1 - 2 * self.scale.log())

    def kl(self, draw: Draw | None = None) -> torch.Tensor:
        """Closed-form KL(q || N(0, I)) per sentence, (B,), as the released code trains with."""
        return self.kl_per_dimension().sum(-1)

    @property
    def code(self) -> torch.Tensor:
        return self.loc


def gaussian_kl(q: DiagGaussian, p: DiagGaussian) -> torch.Tensor:
    """Closed-form KL(q || p) between diagonal Gaussians, summed over dimensions: (B, d) -> (B,)."""
    variance_ratio = (q.scale / p.scale).pow(2)
    mean_term = ((q.loc - p.loc) / p.scale).pow(2)
    return 0.5 * (variance_ratio + mean_term - 1 - variance_ratio.log()).sum(-1)


class GaussianPosterior(nn.Module):
    """mean = W_mu e + b, std = exp(W_s e + b), as in the released code."""

    def __init__(self, in_dim: int, latent_dim: int):
        super().__init__()
        self.mean = nn.Linear(in_dim, latent_dim)
        self.log_scale = nn.Linear(in_dim, latent_dim)

    def forward(self, encoded: torch.Tensor) -> DiagGaussian:
        return DiagGaussian(self.mean(encoded), self.log_scale(encoded).exp())


class PointCode:
    """A deterministic code, the 'posterior' of a DAE: sampling returns the code itself."""

    def __init__(self, code: torch.Tensor):
        self.code = code

    def rsample(self, n: int | None = None) -> Draw:
        z = self.code if n is None else self.code.expand(n, *self.code.shape)
        return Draw(z, None, z)


class PointPosterior(nn.Module):
    def __init__(self, in_dim: int, latent_dim: int):
        super().__init__()
        self.to_code = nn.Linear(in_dim, latent_dim)

    def forward(self, encoded: torch.Tensor) -> PointCode:
        return PointCode(self.to_code(encoded))


class StandardNormal:
    def __init__(self, dim: int):
        self.dim = dim

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return -0.5 * (z.pow(2) + LOG_2PI).sum(-1)

    def sample(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.dim)
