"""MMD, free bits and the KL penalty against independent references."""

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from suite.config import Regulariser
from suite.models.posteriors import DiagGaussian, StandardNormal
from suite.models.regularisers import build_regulariser, mmd_imq


def imq_expectation(mean_a: float, mean_b: float) -> float:
    """E k(a, b) for independent a ~ N(mean_a, 1), b ~ N(mean_b, 1) in 1-D (C = 2s), by quadrature over the
    difference a - b ~ N(mean_a - mean_b, 2)."""
    difference = stats.norm(mean_a - mean_b, np.sqrt(2))
    return sum(integrate.quad(lambda t, c=2.0 * s: c / (c + t * t) * difference.pdf(t), -30, 30, epsabs=1e-12)[0]
               for s in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0))


def repeated_estimates(shift: float, n=64, repeats=400):
    torch.manual_seed(0)
    return np.array([float(mmd_imq(torch.randn(n, 1, dtype=torch.float64),
                                   torch.randn(n, 1, dtype=torch.float64) + shift)) for _ in range(repeats)])


@pytest.mark.parametrize("shift", [0.0, 1.0])
def test_mmd_estimator_is_unbiased(shift):
    population = imq_expectation(0, 0) + imq_expectation(shift, shift) - 2 * imq_expectation(0, shift)
    estimates = repeated_estimates(shift)
    standard_error = estimates.std() / np.sqrt(len(estimates))
    assert abs(estimates.mean() - population) < 4 * standard_error
    if shift == 0.0:
        assert (estimates < 0).any()            # unbiased around zero: a V-statistic would never go negative


def test_mmd_gradient_is_finite_for_identical_points():
    x = torch.zeros(4, 3, requires_grad=True)
    mmd_imq(x, torch.ones(4, 3)).backward()
    assert torch.isfinite(x.grad).all()


def test_kl_and_free_bits_penalties():
    loc = torch.tensor([[0.0, 2.0], [0.1, 0.0]])
    scale = torch.ones(2, 2)
    q, prior = DiagGaussian(loc, scale), StandardNormal(2)
    draw = q.rsample()
    penalty, terms = build_regulariser(Regulariser("kl"))(q, draw, prior, 0.5)
    assert float(terms["kl"]) == pytest.approx((2.0 + 0.005) / 2)          # 0.5 * mu^2 summed, batch mean
    assert float(penalty) == pytest.approx(0.5 * float(terms["kl"]))
    penalty, terms = build_regulariser(Regulariser("free-bits", free_bits=1.0))(q, draw, prior, 1.0)
    # each dimension counts at least 1.0 / 2 nats: sentence 1: 0.5 + 2.0, sentence 2: 0.5 + 0.5
    assert float(terms["kl_free_bits"]) == pytest.approx((2.5 + 1.0) / 2)
    assert float(penalty) == pytest.approx(float(terms["kl_free_bits"]))


def test_the_coupled_vae_codes_wae_penalty_is_weighted_mmd_against_as_many_prior_samples_plus_the_annealed_kl():
    q, prior = DiagGaussian(torch.tensor([[0.0, 2.0], [0.1, 0.0], [1.0, -1.0]]), torch.ones(3, 2)), StandardNormal(2)
    draw = q.rsample()
    torch.manual_seed(3)
    prior_codes = prior.sample(3)
    torch.manual_seed(3)
    penalty, terms = build_regulariser(Regulariser("mmd+kl", mmd_weight=10.0))(q, draw, prior, 0.8)
    mmd = mmd_imq(draw.z, prior_codes)
    kl = (2.0 + 0.005 + 1.0) / 3                  # 0.5 * mu^2 summed over dimensions, batch mean
    assert float(terms["mmd"]) == pytest.approx(float(mmd)) and float(terms["kl"]) == pytest.approx(kl)
    assert float(penalty) == pytest.approx(10.0 * float(mmd) + 0.8 * kl)
