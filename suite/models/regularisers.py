"""Regularisers of the latent code: each returns (penalty added to the loss, terms to log).

`kl_weight` is the KL schedule's current weight (its maximum is β for β-VAE and 0.8 for WAE).
"""

from __future__ import annotations

import torch

from suite.config import Regulariser
from suite.models.posteriors import Draw

# The seven scales s of the released codes' inverse multiquadratic kernels, C / (C + d^2) with C = base x s:
# WAE's MMD here, the coupling's rational-quadratic distance in coupling.py.
KERNEL_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def kl_penalty(posterior, draw: Draw, prior, kl_weight: float):
    kl = posterior.kl(draw).mean()
    return kl_weight * kl, {"kl": kl}


def free_bits_penalty(threshold: float):
    """PreFB (Li et al. 2019) as the released code implements it: each dimension's KL is clamped from below
    at threshold / d, so the optimiser gains nothing by pushing a dimension under its share of free nats."""
    def penalty(posterior, draw: Draw, prior, kl_weight: float):
        per_dimension = posterior.kl_per_dimension()
        clamped = per_dimension.clamp(min=threshold / per_dimension.size(-1)).sum(-1).mean()
        return kl_weight * clamped, {"kl": per_dimension.sum(-1).mean(), "kl_free_bits": clamped}
    return penalty


def squared_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """||a_i - b_j||^2 without a square root, so the gradient is finite at a_i = b_j."""
    return a.pow(2).sum(-1, keepdim=True) + b.pow(2).sum(-1) - 2 * a @ b.T


def mmd_imq(x: torch.Tensor, y: torch.Tensor, base: float = 2.0) -> torch.Tensor:
    """Unbiased MMD^2 between samples x, y (n, d) with the inverse multiquadratic kernel
    k(a, b) = C / (C + ||a - b||^2), summed over C = base d s for the seven scales s (WAE; the released
    Coupled-VAE code uses base 2, the released Stochastic WAE code base 4)."""
    n, d = x.shape
    off_diagonal = 1 - torch.eye(n, dtype=x.dtype, device=x.device)
    xx, yy, xy = squared_distances(x, x), squared_distances(y, y), squared_distances(x, y)
    total = x.new_zeros(())
    for scale in KERNEL_SCALES:
        c = base * d * scale
        within = ((c / (c + xx) + c / (c + yy)) * off_diagonal).sum() / (n * n - n)
        total = total + within - 2.0 * (c / (c + xy)).sum() / (n * n)
    return total


def mmd_plus_kl_penalty(mmd_weight: float):
    """WAE as in the released Coupled-VAE code: λ·MMD(q(z), p(z)) on this batch's codes against as many prior
    samples, plus the annealed KL term (whose schedule peaks at 0.8) because MMD alone does not bound it."""
    def penalty(posterior, draw: Draw, prior, kl_weight: float):
        mmd = mmd_imq(draw.z, prior.sample(len(draw.z)).to(draw.z))
        kl = posterior.kl(draw).mean()
        return mmd_weight * mmd + kl_weight * kl, {"mmd": mmd, "kl": kl}
    return penalty


def build_regulariser(cfg: Regulariser):
    if cfg.family == "none":
        return None
    if cfg.family == "kl":
        return kl_penalty
    if cfg.family == "free-bits":
        return free_bits_penalty(cfg.free_bits)
    if cfg.family == "mmd+kl":
        return mmd_plus_kl_penalty(cfg.mmd_weight)
    raise ValueError(f"unknown regulariser {cfg.family!r}")


def kl_to_own_mean(posterior) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(μ, I)) per sentence: Σ_i (σ_i² - 1)/2 - log σ_i (Stochastic WAE, eq. 5)."""
    scale = posterior.scale
    return (0.5 * (scale.pow(2) - 1) - scale.log()).sum(-1)


def stochastic_wae_penalty(cfg):
    """Stochastic WAE (released code): λ_WAE · MMD(codes, prior samples) with the IMQ kernel at the config's base,
    plus λ_KL · the auxiliary KL for a Gaussian encoder (WAE-S; λ_KL = 0 leaves σ to collapse)."""
    def penalty(posterior, draw: Draw, prior, kl_weight: float):
        mmd = mmd_imq(draw.z, prior.sample(len(draw.z)).to(draw.z), cfg.kernel_base)
        logged = {"mmd": mmd}
        total = cfg.mmd_weight * mmd
        if hasattr(posterior, "scale"):
            aux = kl_to_own_mean(posterior).mean()
            logged.update(aux_kl=aux, sigma=posterior.scale.detach().mean())
            total = total + cfg.aux_kl_weight * aux
        return total, logged
    return penalty
