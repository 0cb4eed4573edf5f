"""Posterior families against torch.distributions (an independent implementation)."""

import torch
from torch.distributions import Normal, kl_divergence

from suite.models.posteriors import DiagGaussian, StandardNormal


def random_gaussian(b=5, d=4, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(b, d, generator=generator, dtype=torch.float64),
            torch.rand(b, d, generator=generator, dtype=torch.float64) + 0.1)


def test_log_prob_and_kl_match_torch_distributions():
    loc, scale = random_gaussian()
    ours, reference = DiagGaussian(loc, scale), Normal(loc, scale)
    z = torch.randn(7, 5, 4, dtype=torch.float64)
    assert torch.allclose(ours.log_prob(z), reference.log_prob(z).sum(-1))
    standard = Normal(torch.zeros_like(loc), torch.ones_like(scale))
    assert torch.allclose(ours.kl(), kl_divergence(reference, standard).sum(-1))
    assert torch.allclose(StandardNormal(4).log_prob(z), standard.log_prob(z).sum(-1))


def test_cross_log_prob_scores_every_sample_under_every_posterior():
    loc, scale = random_gaussian()
    q = DiagGaussian(loc, scale)
    draw = q.rsample(3)                                  # z: (3, 5, 4)
    cross = q.cross_log_prob(draw)                       # (3, 5, 5): [n, i, j] = log q(z_{n,i} | x_j)
    brute = Normal(loc, scale).log_prob(draw.z.unsqueeze(2)).sum(-1)
    assert torch.allclose(cross, brute)
    assert torch.allclose(torch.diagonal(cross, dim1=1, dim2=2), draw.log_q)


def test_reparameterised_samples_carry_gradients_and_have_the_right_moments():
    loc = torch.tensor([[1.0, -2.0]], requires_grad=True)
    scale = torch.tensor([[0.5, 2.0]], requires_grad=True)
    torch.manual_seed(0)
    z = DiagGaussian(loc, scale).rsample(200_000).z
    z.mean().backward()          # z = loc + scale * eps, averaged over n samples and 2 dimensions
    assert torch.allclose(loc.grad, torch.full_like(loc, 0.5))
    assert torch.allclose(scale.grad, 0.5 * (z.detach() - loc.detach()).div(scale.detach()).mean(0))
    assert torch.allclose(z.mean(0), loc.detach(), atol=0.02)
    assert torch.allclose(z.std(0), scale.detach(), atol=0.02)
