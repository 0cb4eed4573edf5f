"""Posterior families q(z|x) over the latent code, and the standard-normal prior.

Each posterior network maps the encoded text e to a distribution object with `rsample`, `log_prob`,
`cross_log_prob` (every sample under every sentence's posterior, for MI) and `code` (the deterministic
latent code the coupled network uses, appendix B of the Coupled-VAE paper).
"""

from __future__ import annotations

import math

import torch
from torch import nn

LOG_2PI = math.log(2 * math.pi)


class DiagGaussian:
    """N(loc, diag(scale^2)) with batch shape (B,) and event shape (d,)."""

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor):
        self.loc, self.scale = loc, scale

    def rsample(self, n: int | None = None) -> torch.Tensor:
        shape = self.loc.shape if n is None else (n, *self.loc.shape)
        return self.loc + self.scale * torch.randn(shape, dtype=self.loc.dtype, device=self.loc.device)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log q(z | x_b) for z of shape (..., B, d) -> (..., B)."""
        standardised = (z - self.loc) / self.scale
        return -(0.5 * standardised.pow(2) + self.scale.log() + 0.5 * LOG_2PI).sum(-1)

    def cross_log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log q(z_i | x_j) for z of shape (N, B, d) -> (N, B, B), index [n, i, j].
        Expanded as a quadratic form so that no (N, B, B, d) tensor is built."""
        precision = self.scale.pow(-2)                                   # (B, d)
        quadratic = (z.pow(2) @ precision.T - 2 * z @ (self.loc * precision).T
                     + (self.loc.pow(2) * precision).sum(-1))
        log_norm = self.scale.log().sum(-1) + 0.5 * self.loc.size(-1) * LOG_2PI
        return -0.5 * quadratic - log_norm

    def kl_to_standard_normal(self) -> torch.Tensor:
        """Closed-form KL(q || N(0, I)) per sentence, (B,)."""
        return 0.5 * (self.loc.pow(2) + self.scale.pow(2) - 1 - 2 * self.scale.log()).sum(-1)

    @property
    def code(self) -> torch.Tensor:
        return self.loc


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

    def rsample(self, n: int | None = None) -> torch.Tensor:
        return self.code if n is None else self.code.expand(n, *self.code.shape)


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

    def sample(self, n: int, generator: torch.Generator | None = None, device="cpu") -> torch.Tensor:
        return torch.randn(n, self.dim, generator=generator, device=device)
