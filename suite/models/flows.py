"""Gaussian posterior followed by planar flows (Rezende & Mohamed 2015), the VAE-NF / WAE-NF rows of Coupled-VAE.

As in the released code, the flow parameters are unconditional: one invertible map z0 -> z_K is shared by every
sentence, and only the base Gaussian q0(z0|x) depends on x. Hence for any sample z_K = F(z0)
    log q(z_K | x_j) = log q0(z0 | x_j) - sum_k log|det df_k/dz(z_{k-1})|,
which is exact for every j and is how `cross_log_prob` scores samples under other sentences' posteriors.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from suite.models.posteriors import DiagGaussian, Draw, StandardNormal

# Added to |det| inside the log, as the released code does, so a vanishing determinant gives a finite loss.
LOG_DET_OFFSET = 1e-8
INIT_RANGE = 0.01


class PlanarFlow(nn.Module):
    """f(z) = z + û tanh(wᵀz + b), with u, w, b shared by all inputs and initialised uniform(-0.01, 0.01)."""

    def __init__(self, latent_dim: int):
        super().__init__()
        self.u = nn.Parameter(torch.empty(latent_dim))
        self.w = nn.Parameter(torch.empty(latent_dim))
        self.b = nn.Parameter(torch.empty(()))
        for parameter in (self.u, self.w, self.b):
            nn.init.uniform_(parameter, -INIT_RANGE, INIT_RANGE)

    def u_hat(self) -> torch.Tensor:
        """u moved along w so that wᵀû = -1 + softplus(wᵀu) > -1, which makes f invertible."""
        w_dot_u = self.w @ self.u
        target = -1 + functional.softplus(w_dot_u)
        return self.u + (target - w_dot_u) * self.w / self.w.pow(2).sum()

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z (..., d) -> f(z) (..., d) and log|det ∂f/∂z| (...)."""
        u_hat = self.u_hat()
        activation = torch.tanh(z @ self.w + self.b)                     # (...)
        # Matrix determinant lemma: det(I + û ψᵀ) = 1 + ψᵀû with ψ = (1 - tanh²) w.
        psi_dot_u = (1 - activation.pow(2)) * (self.w @ u_hat)
        log_det = (1 + psi_dot_u).abs().add(LOG_DET_OFFSET).log()
        return z + u_hat * activation.unsqueeze(-1), log_det


def apply_flows(flows: nn.ModuleList, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """f_K ∘ … ∘ f_1 (z) and the summed log|det| of the steps, (...)."""
    total_log_det = z.new_zeros(z.shape[:-1])
    for flow in flows:
        z, log_det = flow(z)
        total_log_det = total_log_det + log_det
    return z, total_log_det


class FlowGaussian:
    """q(z_K|x): z0 ~ N(loc, diag(scale²)) pushed through the shared flows. Draw.base holds z0."""

    def __init__(self, base: DiagGaussian, flows: nn.ModuleList):
        self.base, self.flows = base, flows

    def push(self, z0: torch.Tensor) -> Draw:
        """Push base samples z0 (..., B, d) through the flows; log q by the change of variables."""
        z, log_det = apply_flows(self.flows, z0)
        return Draw(z, self.base.log_prob(z0) - log_det, z0)

    def rsample(self, n: int | None = None) -> Draw:
        return self.push(self.base.rsample(n).z)

    def cross_log_prob(self, draw: Draw) -> torch.Tensor:
        """log q(z_{n,i} | x_j) for samples (N, B, d) -> (N, B, B), index [n, i, j]. The flows are one map for
        every sentence, so z_{n,i} has the same base point z0_{n,i} under each x_j and the same log|det|."""
        _, log_det = apply_flows(self.flows, draw.base)
        return self.base.cross_log_prob(draw) - log_det.unsqueeze(-1)

    def kl(self, draw: Draw) -> torch.Tensor:
        """Single-sample KL estimate log q(z_K|x) - log N(z_K; 0, I) per sentence, (B,), as the released code
        trains with (no closed form exists once the flows are applied)."""
        return draw.log_q - StandardNormal(draw.z.size(-1)).log_prob(draw.z)

    @property
    def code(self) -> torch.Tensor:
        """Coupled-VAE appendix B.2: the deterministic code is the flows applied to the base mean."""
        return apply_flows(self.flows, self.base.loc)[0]


class PlanarFlowPosterior(nn.Module):
    """Base Gaussian with BatchNorm on the mean and log-std (unlike the plain VAE's), then K planar flows.

    BatchNorm normalises with the batch's statistics in train mode and with its running statistics in eval mode,
    as the released code does when evaluating, so evaluation must run under model.eval() and a sentence's
    posterior then does not depend on the rest of its batch. Train mode needs batches of two or more sentences.
    """

    def __init__(self, in_dim: int, latent_dim: int, flows: int = 3):
        super().__init__()
        self.mean = nn.Sequential(nn.Linear(in_dim, latent_dim), nn.BatchNorm1d(latent_dim))
        self.log_scale = nn.Sequential(nn.Linear(in_dim, latent_dim), nn.BatchNorm1d(latent_dim))
        self.flows = nn.ModuleList(PlanarFlow(latent_dim) for _ in range(flows))

    def forward(self, encoded: torch.Tensor) -> FlowGaussian:
        base = DiagGaussian(self.mean(encoded), self.log_scale(encoded).exp())
        return FlowGaussian(base, self.flows)
