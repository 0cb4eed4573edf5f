"""von Mises-Fisher posterior on the unit sphere and the uniform prior on it (the vMF-VAE row of Coupled-VAE).

vMF(μ, κ) on S^{d-1} ⊂ R^d has density C_d(κ) exp(κ μᵀz) with respect to the surface measure, where
    log C_d(κ) = (d/2 - 1) log κ - (d/2) log 2π - log I_{d/2-1}(κ).
Sampling follows Davidson et al. (2018, "Hyperspherical Variational Auto-Encoders"): Wood's (1994) rejection
sampler draws the component w = μᵀz, a uniform direction orthogonal to e1 completes the sample around e1, and a
Householder reflection carries e1 onto μ. Wood's constants are exact, or, for the paper's rows, those of the
released code (`wood_envelope`).

The modified Bessel function I_v is the numerically delicate part: it overflows for large κ and underflows for
small κ against v, so everything that involves it is computed in float64 and only the results are cast back.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import torch
import torch.nn.functional as F
from scipy import special
from torch import nn
from torch.autograd.function import once_differentiable

from suite.models.posteriors import LOG_2PI, Draw

# Where scipy's exponentially scaled ive(v, κ) = I_v(κ) e^{-κ} falls below this it is near float64's smallest normal
# number (2.2e-308) and loses digits to underflow, so the power series takes over.
IVE_FLOOR = 1e-280


def log_sphere_area(dim: int) -> float:
    """log of the surface area of S^{dim-1} ⊂ R^dim, 2 π^{dim/2} / Γ(dim/2)."""
    return math.log(2) + dim / 2 * math.log(math.pi) - math.lgamma(dim / 2)


def _log_iv_series(order: float, kappa: np.ndarray) -> np.ndarray:
    """log I_v(κ) = log Σ_m (κ/2)^{2m+v} / (m! Γ(m+v+1)), summed in log space.

    The terms grow until m* with m*(m* + v) = κ²/4 and then shrink roughly like exp(-(m - m*)² / 2m*), so summing to
    m* + 10 sqrt(m* + 1) + 30 leaves a relative tail far below float64 precision."""
    half = kappa / 2
    peak = float(((np.sqrt(order**2 + 4 * half**2) - order) / 2).max())
    m = np.arange(int(peak + 10 * math.sqrt(peak + 1)) + 30)[:, None]
    log_terms = (2 * m + order) * np.log(half) - special.gammaln(m + 1) - special.gammaln(m + order + 1)
    return special.logsumexp(log_terms, axis=0)


def _log_iv_float64(order: float, kappa: np.ndarray) -> np.ndarray:
    """log I_v(κ) in float64: log ive(v, κ) + κ (no overflow for large κ), the power series where ive underflows."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = special.ive(order, kappa)
        out = np.log(scaled) + kappa
        underflow = scaled <= IVE_FLOOR          # False for NaN, so a NaN κ stays NaN
        if underflow.any():
            out[underflow] = _log_iv_series(order, kappa[underflow])
    return out


def _as_float64_numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float64).numpy()


class _LogBesselIv(torch.autograd.Function):
    """log I_v(κ), differentiable in κ; computed by scipy in float64 whatever the dtype of κ."""

    @staticmethod
    def forward(ctx, kappa: torch.Tensor, order: float) -> torch.Tensor:
        ctx.order = order
        ctx.save_for_backward(kappa)
        return torch.from_numpy(_log_iv_float64(order, _as_float64_numpy(kappa))).to(kappa)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor):
        (kappa,) = ctx.saved_tensors
        order, k = ctx.order, _as_float64_numpy(kappa)
        # d/dκ log I_v = I_{v+1}/I_v + v/κ, a sum of two positive terms; the equivalent I_{v-1}/I_v - v/κ cancels
        # catastrophically for small κ. The ratio comes from log-space values, so it never under- or overflows.
        with np.errstate(divide="ignore"):
            derivative = np.exp(_log_iv_float64(order + 1, k) - _log_iv_float64(order, k)) + order / k
        return grad * torch.from_numpy(derivative).to(grad), None


def log_bessel_iv(order: float, kappa: torch.Tensor) -> torch.Tensor:
    """log I_v(κ) of the modified Bessel function of the first kind, elementwise for κ > 0 and order v >= 0.

    Differentiable in κ (once). Returned in κ's dtype and device."""
    if order < 0:
        raise ValueError(f"order must be >= 0 (the power-series fallback assumes it), got {order}")
    return _LogBesselIv.apply(kappa, float(order))


def bessel_ratio(order: float, kappa: torch.Tensor) -> torch.Tensor:
    """I_{v+1}(κ) / I_v(κ), differentiable in κ."""
    return (log_bessel_iv(order + 1, kappa) - log_bessel_iv(order, kappa)).exp()


def wood_envelope(kappa: torch.Tensor, dim: int, released: bool = False
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Wood's (1994) constants b, a, d of the rejection sampler for w = μᵀz.

    b is written (d-1) / (2κ + sqrt(4κ² + (d-1)²)), which equals the textbook (-2κ + sqrt(4κ² + (d-1)²)) / (d-1)
    (multiply by the conjugate) but has no cancellation for large κ, so it holds for every κ.

    `released`: the constants of Davidson et al.'s code, which the released Coupled-VAE code copies: b blends into
    (d-1)/(4κ) between κ = 10 and 11 while a stays exact. For d = 32 and 10 < κ ≲ 50 the sampler then draws a less
    concentrated law than vMF(κ) (mean w 0.22 against 0.34 at κ = 12.4), which its density still scores. The
    paper's vMF rows used it, so theirs do (README, Coupled-VAE section)."""
    m1 = dim - 1
    root = torch.sqrt(4 * kappa**2 + m1**2)
    b = m1 / (2 * kappa + root)
    if released:
        blend = (kappa - 10).clamp(0, 1)
        b = blend * m1 / (4 * kappa) + (1 - blend) * b
    a = (m1 + 2 * kappa + root) / 4
    d = 4 * a * b / (1 + b) - m1 * math.log(m1)
    return b, a, d


@torch.no_grad()
def wood_accepted_proposals(kappa: torch.Tensor, dim: int, shape: torch.Size, released: bool = False
                            ) -> torch.Tensor:
    """Beta((d-1)/2, (d-1)/2) proposals ε of shape `shape` (..., B), each accepted by Wood's test for its κ (B,).

    Only the still-rejected entries are redrawn, so the loop runs until the last one is accepted and no longer."""
    b, a, d = (value.expand(shape).reshape(-1) for value in wood_envelope(kappa, dim, released))
    half = torch.tensor((dim - 1) / 2, dtype=kappa.dtype, device=kappa.device)
    proposal_distribution = torch.distributions.Beta(half, half)
    accepted = torch.empty_like(b)
    pending = torch.arange(b.numel(), device=b.device)
    while pending.numel():
        proposal = proposal_distribution.sample(pending.shape)
        t = 2 * a[pending] * b[pending] / (1 - (1 - b[pending]) * proposal)
        log_uniform = torch.rand_like(proposal).log()
        accept = (dim - 1) * t.log() - t + d[pending] >= log_uniform
        accepted[pending[accept]] = proposal[accept]
        pending = pending[~accept]
    return accepted.reshape(shape)


class VonMisesFisher:
    """vMF(loc, kappa) on S^{d-1}: loc (B, d) unit vectors, kappa (B,) or (B, 1) positive concentrations.
    `released_sampler`: draw as the released Coupled-VAE code does (`wood_envelope`), not exactly from vMF(κ)."""

    def __init__(self, loc: torch.Tensor, kappa: torch.Tensor, released_sampler: bool = False):
        if loc.size(-1) < 2:
            raise ValueError("the vMF needs d >= 2")
        self.released_sampler = released_sampler and loc.size(-1) != 3     # it samples d = 3 exactly, by inversion
        self.loc = loc
        self.kappa = kappa.reshape(loc.shape[:-1])
        self.dim = loc.size(-1)
        self.order = self.dim / 2 - 1

    @cached_property
    def _log_normaliser(self) -> torch.Tensor:
        """log C_d(κ), (B,), in float64: for large κ it is the difference of two terms of size κ."""
        kappa = self.kappa.double()
        return self.order * kappa.log() - self.dim / 2 * LOG_2PI - log_bessel_iv(self.order, kappa)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log q(z | x_b) for z of shape (..., B, d) on the sphere -> (..., B)."""
        return self.kappa * (z * self.loc).sum(-1) + self._log_normaliser.to(z.dtype)

    def rsample(self, n: int | None = None) -> Draw:
        """Reparameterised samples, (B, d) or (n, B, d).

        Gradients reach κ through w, a differentiable function of κ for the accepted proposal ε, and μ through the
        reflection. Like the released Coupled-VAE code (which copies Davidson et al.'s implementation), the gradient
        ignores the correction term for the rejection step's dependence on κ, so it is the reparameterised part only."""
        shape = self.kappa.shape if n is None else torch.Size((n, *self.kappa.shape))
        w, tangent_length = self._component_along_mean(shape)
        direction = F.normalize(torch.randn(*shape, self.dim - 1, dtype=self.loc.dtype, device=self.loc.device), dim=-1)
        around_e1 = torch.cat([w.unsqueeze(-1), tangent_length.unsqueeze(-1) * direction], dim=-1)
        z = self._reflect_e1_onto_loc(around_e1)
        return Draw(z, self.log_prob(z), z)

    def _component_along_mean(self, shape: torch.Size) -> tuple[torch.Tensor, torch.Tensor]:
        """w = μᵀz and sqrt(1 - w²) for Wood's accepted proposals, differentiable in κ.

        Computed in float64 from 1 - w = 2bε / (1 - (1-b)ε), which keeps its digits when w is within float32
        rounding of 1 (large κ); 1 - w² = (1 - w)(1 + w)."""
        kappa = self.kappa.double()
        proposal = wood_accepted_proposals(kappa.detach(), self.dim, shape, self.released_sampler)
        b = wood_envelope(kappa, self.dim, self.released_sampler)[0]
        one_minus_w = 2 * b * proposal / (1 - (1 - b) * proposal)
        tangent_length = torch.sqrt(one_minus_w * (2 - one_minus_w))
        return (1 - one_minus_w).to(self.loc.dtype), tangent_length.to(self.loc.dtype)

    def _reflect_e1_onto_loc(self, x: torch.Tensor) -> torch.Tensor:
        """Apply H = I - 2uuᵀ, u = (e1 - μ)/|e1 - μ|, which maps e1 to μ, to x (..., B, d).

        If μ = e1 exactly then u = 0 and H = I, still correct; the guard keeps the gradient finite there."""
        e1 = torch.zeros_like(self.loc)
        e1[..., 0] = 1
        difference = e1 - self.loc
        norm = difference.norm(dim=-1, keepdim=True)
        u = difference / torch.where(norm > 0, norm, torch.ones_like(norm))
        return x - 2 * (x * u).sum(-1, keepdim=True) * u

    def cross_log_prob(self, draw: Draw) -> torch.Tensor:
        """log q(z_i | x_j) for samples (N, B, d) -> (N, B, B), index [n, i, j]; one matmul, no (N, B, B, d)."""
        return self.kappa * (draw.base @ self.loc.T) + self._log_normaliser.to(draw.base.dtype)

    def mean_resultant_length(self) -> torch.Tensor:
        """A_d(κ) = I_{d/2}(κ) / I_{d/2-1}(κ), (B,), so that E[z] = A_d(κ) μ."""
        return bessel_ratio(self.order, self.kappa.double()).to(self.loc.dtype)

    def kl(self, draw: Draw | None = None) -> torch.Tensor:
        """Closed-form KL(q || Uniform(S^{d-1})) = κ A_d(κ) + log C_d(κ) + log area(S^{d-1}) per sentence, (B,).

        Computed in float64: for large κ the first two terms are of size κ and cancel to O(d log κ)."""
        kappa = self.kappa.double()
        kl = kappa * bessel_ratio(self.order, kappa) + self._log_normaliser + log_sphere_area(self.dim)
        return kl.to(self.loc.dtype)

    @property
    def code(self) -> torch.Tensor:
        """The mean direction μ, the deterministic code of the coupled network (Coupled-VAE appendix B.3)."""
        return self.loc


class HypersphericalUniform:
    """The uniform prior on S^{dim-1}."""

    def __init__(self, dim: int):
        self.dim = dim

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return torch.full(z.shape[:-1], -log_sphere_area(self.dim), dtype=z.dtype, device=z.device)

    def sample(self, n: int) -> torch.Tensor:
        """Normalised standard normals are uniform on the sphere (the normal is rotation invariant)."""
        return F.normalize(torch.randn(n, self.dim), dim=-1)


class VMFPosterior(nn.Module):
    """μ = normalise(W_μ e + b), κ = softplus(W_κ e + b) + 1, as in the released code."""

    def __init__(self, in_dim: int, latent_dim: int, released_sampler: bool = False):
        super().__init__()
        self.direction = nn.Linear(in_dim, latent_dim)
        self.concentration = nn.Linear(in_dim, 1)
        self.released_sampler = released_sampler

    def forward(self, encoded: torch.Tensor) -> VonMisesFisher:
        loc = F.normalize(self.direction(encoded), dim=-1)
        kappa = F.softplus(self.concentration(encoded)).squeeze(-1) + 1
        return VonMisesFisher(loc, kappa, self.released_sampler)
