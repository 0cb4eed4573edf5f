"""Mutual information between x and z under q (Coupled-VAE appendix E)."""

from __future__ import annotations

import math

import torch


def mutual_information(log_q_own: torch.Tensor, log_q_cross: torch.Tensor) -> torch.Tensor:
    """MI_x ≈ mean_i[log q(z_i|x) - log q(z_i)], with the aggregate posterior q(z_i) estimated from the
    other sentences of the batch: log q(z_i) ≈ logsumexp_{j≠i} log q(z_i|x_j) - log(M), M = B - 1.
    The sentence itself is left out, as in the paper's estimator. For MI this errs upwards at small batches: the
    other B - 1 sentences rarely explain z_i, so log q(z_i) is underestimated and MI overestimated; including
    j = i errs the other way, downwards (the estimate can then never exceed log B).

    log_q_own: (N, B), log q(z_n,b | x_b).  log_q_cross: (N, B, B), [n, b, j] = log q(z_n,b | x_j).
    Returns MI_x per sentence, (B,)."""
    batch = log_q_cross.size(-1)
    if batch < 2:
        raise ValueError("the leave-one-out MI estimate needs at least two sentences per batch")
    diagonal = torch.eye(batch, dtype=torch.bool, device=log_q_cross.device)
    others = log_q_cross.masked_fill(diagonal, float("-inf"))
    log_aggregate = torch.logsumexp(others, dim=-1) - math.log(batch - 1)
    return (log_q_own - log_aggregate).mean(dim=0)


def mutual_information_minibatch(negative_entropy: torch.Tensor, log_q_cross: torch.Tensor) -> float:
    """He et al.'s calc_mi on one batch: mean_i E_q[log q(z|x_i)] (closed form) minus mean_i log q(z_i), with one
    sample z_i per sentence and q(z_i) ≈ mean over the batch's sentences j of q(z_i | x_j), j = i included.

    negative_entropy: (B,).  log_q_cross: (B, B), [i, j] = log q(z_i | x_j)."""
    log_aggregate = torch.logsumexp(log_q_cross, dim=-1) - math.log(log_q_cross.size(-1))
    return float(negative_entropy.mean() - log_aggregate.mean())
