"""Importance-weighted NLL, Monte Carlo KL and perplexity (Coupled-VAE appendix D)."""

from __future__ import annotations

import math

import torch


def log_marginal_iw(log_px_given_z: torch.Tensor, log_pz: torch.Tensor, log_qz: torch.Tensor) -> torch.Tensor:
    """log p(x) ≈ logsumexp_i[log p(x|z_i) + log p(z_i) - log q(z_i|x)] - log N, z_i ~ q(z|x).
    Inputs (N, ...) with the sample axis first; returns (...)."""
    n = log_px_given_z.size(0)
    return torch.logsumexp(log_px_given_z + log_pz - log_qz, dim=0) - math.log(n)


def kl_monte_carlo(log_qz: torch.Tensor, log_pz: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || p(z)) ≈ mean_i[log q(z_i|x) - log p(z_i)] over the same samples; (N, ...) -> (...)."""
    return (log_qz - log_pz).mean(dim=0)


def perplexity(sentence_nll: torch.Tensor, lengths: torch.Tensor) -> float:
    """exp(sum NLL / sum(length + 1)): per word, the end-of-sentence token counted."""
    return math.exp(float(sentence_nll.double().sum()) / float((lengths + 1).sum()))
