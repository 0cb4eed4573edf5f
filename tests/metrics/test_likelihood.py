"""Importance-weighted log p(x), Monte Carlo KL and PPL against closed forms of a linear-Gaussian model:
z ~ N(0, I_d), x | z ~ N(W z, s^2 I_D), so p(x) = N(0, W W^T + s^2 I) and the posterior is Gaussian."""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from suite.metrics.likelihood import kl_monte_carlo, log_marginal_iw, perplexity

D_X, D_Z, NOISE = 4, 2, 0.7


def linear_gaussian(seed=0, orthogonal=False):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(D_X, D_Z, generator=generator, dtype=torch.float64)
    if orthogonal:   # W^T W diagonal makes the exact posterior diagonal
        weight = torch.linalg.qr(weight).Q * torch.tensor([2.0, 0.5], dtype=torch.float64)
    x = torch.randn(D_X, generator=generator, dtype=torch.float64) * 2
    return weight, x


def exact_posterior(weight, x):
    precision = torch.eye(D_Z, dtype=torch.float64) + weight.T @ weight / NOISE**2
    covariance = torch.linalg.inv(precision)
    return covariance @ weight.T @ x / NOISE**2, covariance


def log_px_closed_form(weight, x) -> float:
    weight = weight.numpy()
    covariance = weight @ weight.T + NOISE**2 * np.eye(D_X)
    return float(stats.multivariate_normal(np.zeros(D_X), covariance).logpdf(x.numpy()))


def log_weights(weight, x, proposal, n):
    torch.manual_seed(1)
    z = proposal.sample((n,))
    log_px_z = Normal(z @ weight.T, NOISE).log_prob(x).sum(-1)
    log_pz = Normal(0.0, 1.0).log_prob(z).sum(-1)
    log_qz = proposal.log_prob(z)
    return log_px_z, log_pz, log_qz


def test_iw_estimate_is_exact_with_the_true_posterior():
    weight, x = linear_gaussian(orthogonal=True)
    mean, covariance = exact_posterior(weight, x)
    assert torch.allclose(covariance, torch.diag(torch.diagonal(covariance)), atol=1e-12)
    for n in (1, 7, 100):
        estimate = log_marginal_iw(*log_weights(weight, x, MultivariateNormal(mean, covariance), n))
        assert float(estimate) == pytest.approx(log_px_closed_form(weight, x), abs=1e-9)


def test_iw_estimate_converges_from_a_poor_proposal_and_tightens_with_n():
    weight, x = linear_gaussian()
    mean, covariance = exact_posterior(weight, x)
    proposal = MultivariateNormal(mean + 0.3, covariance * 2.0)
    truth = log_px_closed_form(weight, x)
    bounds = []
    for n in (1, 10, 100):
        repeats = torch.stack(log_weights(weight, x, proposal, n * 2000)).view(3, 2000, n).transpose(1, 2)
        bounds.append(float(log_marginal_iw(*repeats).mean()))   # mean over 2000 repeats
    assert bounds[0] < bounds[1] < bounds[2] < truth + 1e-3     # IW bounds tighten monotonically (Burda et al.)
    assert float(log_marginal_iw(*log_weights(weight, x, proposal, 200_000))) == pytest.approx(truth, abs=0.01)


def test_monte_carlo_kl_matches_the_closed_form():
    q = Normal(torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.3, 1.5, 0.8]))
    p = Normal(0.0, 1.0)
    torch.manual_seed(0)
    z = q.sample((400_000,))
    estimate = kl_monte_carlo(q.log_prob(z).sum(-1), p.log_prob(z).sum(-1))
    closed = float(kl_divergence(q, Normal(torch.zeros(3), torch.ones(3))).sum())
    assert float(estimate) == pytest.approx(closed, abs=0.01)


def test_perplexity_counts_the_end_of_sentence_token():
    nll = torch.tensor([10.0, 20.0])
    lengths = torch.tensor([4, 5])           # 4 + 1 and 5 + 1 predictions
    assert perplexity(nll, lengths) == pytest.approx(math.exp(30 / 11))
