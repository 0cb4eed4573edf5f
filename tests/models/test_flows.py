"""Planar-flow posterior against independent references: autograd Jacobians, numerical inversion and quadrature
of the density, brute-force cross scores, and BatchNorm's train/eval behaviour."""

import math

import pytest
import torch
from scipy.integrate import quad
from scipy.optimize import brentq
from torch import nn
from torch.autograd.functional import jacobian
from torch.distributions import Normal

from suite.models.flows import FlowGaussian, PlanarFlow, PlanarFlowPosterior, apply_flows
from suite.models.posteriors import DiagGaussian


def random_flows(d: int, k: int = 3, seed: int = 0) -> nn.ModuleList:
    """Flows with u, w, b ~ N(0, 1): the default ±0.01 initialisation is so close to the identity that the
    determinant checks would pass for almost any formula."""
    generator = torch.Generator().manual_seed(seed)
    flows = nn.ModuleList(PlanarFlow(d) for _ in range(k)).double()
    with torch.no_grad():
        for parameter in flows.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64))
    return flows


def random_flow_gaussian(b: int, d: int, seed: int = 0) -> FlowGaussian:
    generator = torch.Generator().manual_seed(seed)
    loc = torch.randn(b, d, generator=generator, dtype=torch.float64)
    scale = torch.rand(b, d, generator=generator, dtype=torch.float64) + 0.3
    return FlowGaussian(DiagGaussian(loc, scale), random_flows(d, seed=seed))


def reference_log_abs_det(function, z: torch.Tensor) -> torch.Tensor:
    """log|det J| of `function` at each row of z (n, d), from the full autograd Jacobian."""
    return torch.stack([torch.linalg.slogdet(jacobian(function, point)).logabsdet for point in z])


def test_planar_flow_follows_the_released_formula_and_initialisation():
    flow = PlanarFlow(4)
    for parameter in (flow.u, flow.w, flow.b):
        assert parameter.abs().max() <= 0.01
    flow = random_flows(4, k=1)[0]
    u, w, b = flow.u.detach(), flow.w.detach(), flow.b.detach()
    w_dot_u = w @ u
    u_hat = u + (-1 + torch.log1p(w_dot_u.exp()) - w_dot_u) * w / (w @ w)
    z = torch.randn(7, 4, dtype=torch.float64)
    assert torch.allclose(flow(z)[0], z + u_hat * torch.tanh(z @ w + b).unsqueeze(-1))


def test_log_det_of_one_flow_matches_the_autograd_jacobian():
    flow = random_flows(5, k=1)[0]
    z = torch.randn(20, 5, dtype=torch.float64)
    with torch.no_grad():
        _, log_det = flow(z)
    jacobians = torch.stack([jacobian(lambda x: flow(x)[0], point) for point in z])
    expected = torch.linalg.det(jacobians).abs().add(1e-8).log()      # the released code's offset
    assert torch.allclose(log_det, expected)
    assert log_det.abs().mean() > 0.1                                  # far enough from the identity to mean something


def test_log_det_of_the_composition_matches_the_autograd_jacobian():
    flows = random_flows(5, seed=1)
    z = torch.randn(20, 5, dtype=torch.float64)
    with torch.no_grad():
        _, log_det = apply_flows(flows, z)
    # The 1e-8 offset sits inside each step's log, so the sum differs from log|det J| only by O(1e-8 / |det_k|).
    expected = reference_log_abs_det(lambda x: apply_flows(flows, x)[0], z)
    assert torch.allclose(log_det, expected, atol=1e-6)
    assert log_det.abs().mean() > 0.1


def test_flows_accept_any_leading_dimensions():
    flows = random_flows(5)
    z = torch.randn(2, 3, 5, dtype=torch.float64)
    z_k, log_det = apply_flows(flows, z)
    flat_z_k, flat_log_det = apply_flows(flows, z.view(6, 5))
    assert z_k.shape == (2, 3, 5) and log_det.shape == (2, 3)
    assert torch.allclose(z_k.view(6, 5), flat_z_k) and torch.allclose(log_det.view(6), flat_log_det)


def test_constrained_u_keeps_every_flow_invertible():
    generator = torch.Generator().manual_seed(0)
    flow = PlanarFlow(3).double()
    with torch.no_grad():
        for scale in (0.01, 1.0, 10.0):
            for _ in range(100):
                flow.w.copy_(scale * torch.randn(3, generator=generator, dtype=torch.float64))
                # Half the draws point u against w, where the unconstrained flow would fold over itself.
                sign = -1 if torch.rand((), generator=generator) < 0.5 else 1
                flow.u.copy_(sign * scale * torch.randn(3, generator=generator, dtype=torch.float64).abs()
                             * flow.w.sign())
                # wᵀû = -1 + softplus(wᵀu) > -1 exactly; when wᵀu << 0 it rounds to -1 in floating point.
                assert flow.w @ flow.u_hat() >= -1 - 1e-12


def planar_1d(u: float, w: float, b: float):
    """A 1-D planar flow written with plain floats, for scipy."""
    u_hat = u + (-1 + math.log1p(math.exp(w * u)) - w * u) / w
    return lambda z: z + u_hat * math.tanh(w * z + b), abs(u_hat)


def invert(steps, y: float) -> float:
    """Each 1-D step is strictly increasing and moves z by at most |û|, so brentq brackets its inverse."""
    for step, reach in reversed(steps):
        y = brentq(lambda z, step=step, y=y: step(z) - y, y - reach - 1, y + reach + 1, xtol=1e-14)
    return y


def test_log_q_is_a_normalised_density_whose_mc_kl_matches_quadrature():
    loc, scale = 0.3, 0.8
    base = DiagGaussian(torch.tensor([[loc]], dtype=torch.float64), torch.tensor([[scale]], dtype=torch.float64))
    q = FlowGaussian(base, random_flows(1, seed=2))
    steps = [planar_1d(flow.u.item(), flow.w.item(), flow.b.item()) for flow in q.flows]

    def log_q(y: float) -> float:
        return q.push(torch.tensor([[invert(steps, y)]], dtype=torch.float64)).log_q.item()

    def forward(z: float) -> float:
        for step, _ in steps:
            z = step(z)
        return z

    low, high = forward(loc - 12 * scale), forward(loc + 12 * scale)
    with torch.no_grad():
        mass = quad(lambda y: math.exp(log_q(y)), low, high, limit=200)[0]
        log_prior = Normal(0.0, 1.0).log_prob
        exact_kl = quad(lambda y: math.exp(log_q(y)) * (log_q(y) - log_prior(torch.tensor(y)).item()),
                        low, high, limit=200)[0]
        torch.manual_seed(0)
        kl = q.kl(q.rsample(200_000)).squeeze(-1)
    assert mass == pytest.approx(1.0, abs=1e-6)
    assert exact_kl > 0
    assert kl.mean().item() == pytest.approx(exact_kl, abs=4 * kl.std().item() / math.sqrt(len(kl)))


def test_rsample_log_q_is_the_change_of_variables_density():
    q = random_flow_gaussian(b=3, d=2, seed=3)
    draw = q.rsample(4)                                                # z: (4, 3, 2)
    assert draw.z.shape == (4, 3, 2) and draw.log_q.shape == (4, 3)
    z0 = draw.base.detach().reshape(12, 2)
    base_log_prob = Normal(q.base.loc, q.base.scale).log_prob(draw.base.detach()).sum(-1)
    log_det = reference_log_abs_det(lambda x: apply_flows(q.flows, x)[0], z0).view(4, 3)
    assert torch.allclose(draw.log_q, base_log_prob - log_det, atol=1e-6)
    z = draw.base
    for flow in q.flows:
        z = z + flow.u_hat() * torch.tanh(z @ flow.w + flow.b).unsqueeze(-1)
    assert torch.allclose(draw.z, z)
    assert q.rsample().z.shape == (3, 2)


def test_cross_log_prob_scores_every_sample_under_every_posterior():
    q = random_flow_gaussian(b=4, d=3, seed=4)
    with torch.no_grad():
        draw = q.rsample(3)
        cross = q.cross_log_prob(draw)                                 # (3, 4, 4): [n, i, j]
    log_det = reference_log_abs_det(lambda x: apply_flows(q.flows, x)[0], draw.base.reshape(12, 3)).view(3, 4)
    brute = torch.empty(3, 4, 4, dtype=torch.float64)
    for n in range(3):
        for i in range(4):
            for j in range(4):
                base_log_prob = Normal(q.base.loc[j], q.base.scale[j]).log_prob(draw.base[n, i]).sum()
                brute[n, i, j] = base_log_prob - log_det[n, i]
    assert torch.allclose(cross, brute, atol=1e-6)
    assert torch.allclose(torch.diagonal(cross, dim1=1, dim2=2), draw.log_q)


def test_code_is_the_flowed_base_mean_and_the_limit_of_samples():
    q = random_flow_gaussian(b=3, d=4, seed=5)
    z = q.base.loc
    for flow in q.flows:
        z = flow(z)[0]
    assert torch.allclose(q.code, z)
    assert not torch.allclose(q.code, q.base.loc, atol=0.1)
    narrow = FlowGaussian(DiagGaussian(q.base.loc, torch.full_like(q.base.scale, 1e-7)), q.flows)
    assert torch.allclose(narrow.rsample(5).z, q.code.expand(5, 3, 4), atol=1e-5)


def test_kl_is_log_q_minus_the_standard_normal_and_positive_on_average():
    q = random_flow_gaussian(b=3, d=3, seed=6)
    torch.manual_seed(0)
    with torch.no_grad():
        draw = q.rsample(20_000)
        kl = q.kl(draw)
    assert torch.allclose(kl, draw.log_q - Normal(0.0, 1.0).log_prob(draw.z).sum(-1))
    assert (kl.mean(0) > 0).all()


def test_posterior_network_is_reparameterised_end_to_end():
    posterior = PlanarFlowPosterior(in_dim=6, latent_dim=3)
    assert len(posterior.flows) == 3
    q = posterior(torch.randn(8, 6))
    draw = q.rsample()
    (q.kl(draw).mean() + draw.z.pow(2).sum()).backward()
    for name, parameter in posterior.named_parameters():
        assert parameter.grad is not None and parameter.grad.isfinite().all(), name


def test_batchnorm_uses_batch_statistics_in_training_and_running_statistics_in_evaluation():
    torch.manual_seed(0)
    posterior = PlanarFlowPosterior(in_dim=6, latent_dim=3)
    assert all(isinstance(net[1], nn.BatchNorm1d) for net in (posterior.mean, posterior.log_scale))
    encoded = 3 * torch.randn(16, 6) + 2
    with torch.no_grad():
        posterior.train()
        loc = posterior(encoded).base.loc
        # Batch statistics: the mean is standardised over the batch, so one sentence's code depends on the others.
        assert torch.allclose(loc.mean(0), torch.zeros(3), atol=1e-5)
        assert not torch.allclose(posterior(encoded[:4]).code, posterior(encoded).code[:4])
        posterior.eval()
        # Running statistics (updated by the training-mode calls): each sentence is scored on its own.
        batch_norm = posterior.mean[1]
        expected = (posterior.mean[0](encoded) - batch_norm.running_mean) / (batch_norm.running_var
                                                                             + batch_norm.eps).sqrt()
        assert torch.allclose(posterior(encoded).base.loc, expected, atol=1e-5)
        assert torch.allclose(posterior(encoded[:4]).code, posterior(encoded).code[:4])
