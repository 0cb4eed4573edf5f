"""A K-mode mixture-of-Gaussians prior and VMED's bound on the KL from a Gaussian posterior to it.

The KL between a Gaussian f and a mixture g = Σ_k π_k g_k has no closed form; VMED trains with
    D_var(f || g) = -log Σ_k π_k exp(-KL(f || g_k))
(vmed-supplement.txt §1: Hershey & Olsen's variational approximation with f a one-mode mixture), which is an
upper bound on KL(f || g) and equals it when K = 1.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from suite.models.posteriors import DiagGaussian, gaussian_kl, gaussian_log_prob


class GaussianMixture:
    """Σ_k π_k N(loc_k, diag(scale_k^2)): weights (B, K), loc and scale (B, K, d)."""

    def __init__(self, weights: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor):
        self.weights, self.loc, self.scale = weights, loc, scale

    @property
    def components(self) -> DiagGaussian:
        return DiagGaussian(self.loc, self.scale)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log g(z) for z (..., B, d) -> (..., B)."""
        return torch.logsumexp(self.weights.log() + gaussian_log_prob(z.unsqueeze(-2), self.loc, self.scale), -1)

    def sample_as_released(self) -> torch.Tensor:
        """One z per row: a mode, then a draw from that mode. Not a draw from this mixture: the mode is drawn as the
        released sampler draws it,
        a hard Gumbel-softmax that reads the weights π as logits: mode k with probability softmax(π)_k, flatter
        than π_k (the released `sample_the_mixture_hard`; the KL term uses π itself)."""
        mode = torch.multinomial(torch.softmax(self.weights, -1), 1)                  # (B, 1)
        pick = mode.unsqueeze(-1).expand(-1, 1, self.loc.size(-1))
        loc, scale = self.loc.gather(1, pick)[:, 0], self.scale.gather(1, pick)[:, 0]
        return loc + scale * torch.randn_like(loc)

    def d_var(self, q: DiagGaussian) -> torch.Tensor:
        """D_var(q || g) per row (B,): the upper bound on KL(q || g) VMED minimises."""
        per_mode = gaussian_kl(DiagGaussian(q.loc.unsqueeze(-2), q.scale.unsqueeze(-2)), self.components)
        return -torch.logsumexp(self.weights.log() - per_mode, -1)


class GaussianHead(nn.Module):
    """input -> Linear -> ReLU -> Linear -> (mean, softplus log-variance): the two-layer maps VMED's released code uses
    from a read vector (prior mode) or from [read; response encoding] (posterior) to a Gaussian; bare matrices
    there (WLz_*), so no biases here."""

    def __init__(self, in_dim: int, hidden: int, latent_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden, bias=False), nn.ReLU(),
                                 nn.Linear(hidden, 2 * latent_dim, bias=False))

    def forward(self, x: torch.Tensor) -> DiagGaussian:
        return softplus_log_variance_gaussian(self.net(x))


def softplus_log_variance_gaussian(params: torch.Tensor) -> DiagGaussian:
    """(..., 2d) -> N(first half, σ²) with log σ² = softplus(second half): VMED's released heads softplus their
    second half and then read it as a log-variance, both when sampling (f_gaussian: z = μ + exp(l / 2)·ε) and in
    the KL (KL2gauss_log), so every σ is at least 1."""
    loc, log_variance = params.chunk(2, dim=-1)
    return DiagGaussian(loc, torch.exp(F.softplus(log_variance) / 2))


class MemoryMixturePrior(nn.Module):
    """VMED's prior p(z_t | x, y_<t): one mode per memory read vector (a shared GaussianHead on each of the K
    vectors read at the previous step); the mode weights are the softmax over heads of each head's largest
    read weight (the released code's `mixture_w`)."""

    def __init__(self, read_width: int, latent_dim: int):
        super().__init__()
        self.mode = GaussianHead(read_width, read_width, latent_dim)

    def forward(self, read_vectors: torch.Tensor, read_weights: torch.Tensor) -> GaussianMixture:
        """read_vectors (B, K, W), read_weights (B, K, N) -> the mixture."""
        modes = self.mode(read_vectors)
        return GaussianMixture(read_weights.max(-1).values.softmax(-1), modes.loc, modes.scale)
