"""vMF posterior and uniform prior against closed forms, asymptotic expansions, quadrature and Monte Carlo."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import integrate, special, stats

from suite.models.vmf import (
    HypersphericalUniform,
    VMFPosterior,
    VonMisesFisher,
    log_bessel_iv,
    log_sphere_area,
)

D = 32
ORDER = D / 2 - 1


def double(*values):
    return torch.tensor(values, dtype=torch.float64)


def on_unit_sphere(z, atol):
    return torch.allclose(z.norm(dim=-1), torch.ones_like(z[..., 0]), atol=atol)


def random_directions(b, d, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(b, d, generator=generator, dtype=torch.float64), dim=-1)


def small_argument_log_iv(order, kappa):
    """First two terms of the power series: I_v(κ) = (κ/2)^v / Γ(v+1) · (1 + (κ/2)² / (v+1) + O(κ⁴))."""
    return order * np.log(kappa / 2) - special.gammaln(order + 1) + np.log1p((kappa / 2) ** 2 / (order + 1))


def large_argument_log_iv(order, kappa):
    """Hankel's expansion to its fourth term (DLMF 10.40.1), μ = 4v²:
    I_v(κ) = e^κ / sqrt(2πκ) · (1 - (μ-1)/(8κ) + (μ-1)(μ-9)/(2!(8κ)²) - (μ-1)(μ-9)(μ-25)/(3!(8κ)³) + ...)."""
    mu, x = 4 * order**2, 8 * kappa
    series = 1 - (mu - 1) / x + (mu - 1) * (mu - 9) / (2 * x**2) - (mu - 1) * (mu - 9) * (mu - 25) / (6 * x**3)
    return kappa - 0.5 * np.log(2 * np.pi * kappa) + np.log(series)


def debye_log_iv(order, kappa):
    """Debye's uniform expansion for large order (DLMF 10.41.3) with its first correction, z = κ/v:
    I_v(vz) = e^{vη} / (sqrt(2πv) (1+z²)^{1/4}) · (1 + U₁(p)/v + O(v⁻²)), p = (1+z²)^{-1/2}, U₁ = (3p - 5p³)/24."""
    z = kappa / order
    root = np.sqrt(1 + z**2)
    eta = root + np.log(z / (1 + root))
    p = 1 / root
    correction = np.log1p((3 * p - 5 * p**3) / 24 / order)
    return order * eta - 0.5 * np.log(2 * np.pi * order) - 0.25 * np.log1p(z**2) + correction


def test_log_bessel_iv_matches_references_across_the_range():
    tiny = np.array([1e-30, 1e-8, 1e-3, 1e-2])
    assert np.allclose(log_bessel_iv(ORDER, torch.from_numpy(tiny)).numpy(), small_argument_log_iv(ORDER, tiny),
                       rtol=1e-12, atol=1e-9)
    moderate = np.array([0.1, 1.0, 10.0, 100.0, 500.0])
    assert np.allclose(log_bessel_iv(ORDER, torch.from_numpy(moderate)).numpy(),
                       np.log(special.ive(ORDER, moderate)) + moderate, rtol=1e-12)
    huge = np.array([1e4, 1e5, 1e7])
    assert np.allclose(log_bessel_iv(ORDER, torch.from_numpy(huge)).numpy(), large_argument_log_iv(ORDER, huge),
                       rtol=0, atol=1e-8)
    # Order 500: ive underflows below κ ≈ 330, so these cover both the series and the scipy branch.
    large_order = np.array([1.0, 50.0, 300.0, 400.0, 2000.0])
    assert special.ive(500, 50.0) == 0
    assert np.allclose(log_bessel_iv(500, torch.from_numpy(large_order)).numpy(), debye_log_iv(500, large_order),
                       rtol=0, atol=1e-4)


def test_log_bessel_iv_keeps_dtype_and_is_finite_in_float32():
    kappa = torch.tensor([1e-3, 1.0, 1e5])
    value = log_bessel_iv(ORDER, kappa)
    assert value.dtype == torch.float32 and torch.isfinite(value).all()


def test_log_bessel_iv_gradient_matches_finite_differences():
    for order, kappa in ((ORDER, double(1e-2, 0.7, 5.0, 60.0, 800.0)), (500, double(50.0, 400.0)), (0, double(0.3))):
        assert torch.autograd.gradcheck(lambda k, v=order: log_bessel_iv(v, k), kappa.requires_grad_())
    # At the ends of the range a relative step is needed, which gradcheck does not take.
    kappa = double(1e-3, 1e5).requires_grad_()
    log_bessel_iv(ORDER, kappa).sum().backward()
    step = 1e-5 * kappa.detach()
    with torch.no_grad():
        numeric = (log_bessel_iv(ORDER, kappa + step) - log_bessel_iv(ORDER, kappa - step)) / (2 * step)
    assert torch.allclose(kappa.grad, numeric, rtol=1e-6)


def test_normaliser_in_three_dimensions_is_the_closed_form():
    """For d = 3, C_3(κ) = κ / (4π sinh κ); log_prob(μ) = κ + log C."""
    kappa = double(1e-3, 0.1, 1.0, 10.0, 300.0)
    loc = random_directions(len(kappa), 3)
    log_normaliser = VonMisesFisher(loc, kappa).log_prob(loc) - kappa
    assert torch.allclose(log_normaliser, kappa.log() - torch.log(4 * math.pi * torch.sinh(kappa)), rtol=1e-12)


@pytest.mark.parametrize("kappa", [0.5, 5.0, 50.0])
def test_density_on_the_circle_integrates_to_one(kappa):
    angle = 0.3
    q = VonMisesFisher(double(math.cos(angle), math.sin(angle))[None], double(kappa))

    def density(theta):            # θ measured from the mean direction, where the density peaks
        z = double(math.cos(angle + theta), math.sin(angle + theta))[None]
        return q.log_prob(z).exp().item()

    total, _ = integrate.quad(density, -math.pi, math.pi, points=[0.0], epsabs=1e-12, epsrel=1e-10)
    assert total == pytest.approx(1.0, abs=1e-8)


def test_kl_matches_monte_carlo():
    torch.manual_seed(0)
    kappa, n = double(1.0, 10.0, 100.0), 20_000
    q = VonMisesFisher(random_directions(len(kappa), D), kappa)
    z = q.rsample(n).z
    log_ratio = q.log_prob(z) - HypersphericalUniform(D).log_prob(z)              # (n, B)
    standard_error = log_ratio.std(0) / math.sqrt(n)
    assert ((log_ratio.mean(0) - q.kl()).abs() < 5 * standard_error + 1e-6).all()


@pytest.mark.parametrize(("dim", "kappas"), [(D, (1.0, 10.0, 12.4, 16.0, 100.0, 1000.0)), (3, (0.5, 20.0)),
                                             (2, (0.5, 20.0))])
def test_samples_lie_on_the_sphere_with_the_vmf_moments(dim, kappas):
    """E[z] = A μ and E[zzᵀ] = (A/κ) I + (1 - dA/κ) μμᵀ (the gradient and Hessian of the log normaliser in κμ);
    the second moment also checks that the directions around μ are uniform. κ = 12.4 and 16 are the
    concentrations whose KLs are the paper's PTB vMF KLs (2.0 and 3.0 nats at d = 32), where the sampler of the
    released code (Davidson et al.'s, with its large-κ b blended in from κ = 10) draws w with a mean of about 0.22
    and 0.34 instead of 0.34 and 0.42."""
    torch.manual_seed(1)
    kappa, n = double(*kappas), 20_000
    q = VonMisesFisher(random_directions(len(kappa), dim, seed=dim), kappa)
    z = q.rsample(n).z
    assert z.shape == (n, len(kappa), dim)
    assert on_unit_sphere(z, 1e-12)
    mean_length = q.mean_resultant_length()
    assert torch.all((z.mean(0) - mean_length[:, None] * q.loc).abs() < 5 * z.std(0) / math.sqrt(n) + 1e-12)
    # Moments of the products z_i z_j as sums over samples, which avoids an (n, B, d, d) tensor.
    second_moment = torch.einsum("nbi,nbj->bij", z, z) / n
    product_variance = torch.einsum("nbi,nbj->bij", z**2, z**2) / n - second_moment**2
    spread = (mean_length / kappa)[:, None, None]
    expected = spread * torch.eye(dim) + (1 - dim * spread) * q.loc.unsqueeze(-1) * q.loc.unsqueeze(-2)
    assert torch.all((second_moment - expected).abs() < 5 * product_variance.clamp(min=0).sqrt() / math.sqrt(n) + 1e-12)


@pytest.mark.parametrize("kappa", [0.5, 5.0, 50.0])
def test_component_along_the_mean_has_the_exact_law_in_three_dimensions(kappa):
    """For d = 3 the density of w = μᵀz is proportional to e^{κw} on [-1, 1] (Archimedes: the area of a slice of S²
    does not depend on its height), so F(w) = (e^{κ(w-1)} - e^{-2κ}) / (1 - e^{-2κ}); Kolmogorov-Smirnov against it."""
    torch.manual_seed(6)
    q = VonMisesFisher(random_directions(1, 3), double(kappa))
    w = (q.rsample(5000).z @ q.loc.T).flatten().numpy()

    def cdf(x):
        return (np.exp(kappa * (x - 1)) - np.exp(-2 * kappa)) / -np.expm1(-2 * kappa)

    assert stats.kstest(w, cdf).pvalue > 1e-3


def released_sampler_mean_w(kappa: float, dim: int) -> float:
    """E[w] under the released code's sampler, by quadrature over Wood's Beta proposal ε: w(ε) = (1 - (1+b)ε) /
    (1 - (1-b)ε) is accepted with probability min(1, exp((d-1) log t - t + c)), t = 2ab / (1 - (1-b)ε),
    c = 4ab/(1+b) - (d-1) log(d-1), with Wood's a and b, b blended into (d-1)/(4κ) between κ = 10 and 11."""
    m1 = dim - 1
    root = math.sqrt(4 * kappa**2 + m1**2)
    blend = min(max(kappa - 10, 0.0), 1.0)
    b = blend * m1 / (4 * kappa) + (1 - blend) * (root - 2 * kappa) / m1
    a = (m1 + 2 * kappa + root) / 4
    c = 4 * a * b / (1 + b) - m1 * math.log(m1)

    def accepted_density(e):
        t = 2 * a * b / (1 - (1 - b) * e)
        return stats.beta.pdf(e, m1 / 2, m1 / 2) * min(1.0, math.exp(m1 * math.log(t) - t + c))

    def w(e):
        return (1 - (1 + b) * e) / (1 - (1 - b) * e)

    mass = integrate.quad(accepted_density, 0, 1, limit=200)[0]
    return integrate.quad(lambda e: w(e) * accepted_density(e), 0, 1, limit=200)[0] / mass


@pytest.mark.parametrize("kappa", [5.0, 10.5, 12.4, 16.0, 40.0])
def test_the_released_sampler_draws_the_released_codes_law(kappa):
    """The vMF rows draw as the released code does; up to κ = 10 that is vMF(κ) itself, above it a wider law
    (at κ = 12.4 the mean of w is 0.22, where vMF(κ)'s is 0.34)."""
    torch.manual_seed(7)
    q = VonMisesFisher(random_directions(1, D), double(kappa), released_sampler=True)
    w = (q.rsample(100_000).z @ q.loc.T).flatten()
    reference = released_sampler_mean_w(kappa, D)
    assert abs(w.mean().item() - reference) < 5 * w.std().item() / math.sqrt(len(w))
    exact = q.mean_resultant_length().item()
    assert reference == pytest.approx(exact, abs=1e-9) if kappa <= 10 else exact - reference > 0.01


def test_single_sample_has_the_batch_shape():
    q = VonMisesFisher(random_directions(4, D), double(1.0, 2.0, 3.0, 4.0)[:, None])
    draw = q.rsample()
    assert draw.z.shape == (4, D) and draw.log_q.shape == (4,) and q.kl().shape == (4,)
    assert torch.equal(q.code, q.loc)


def asymptotic_kl(kappa, dim):
    """KL(vMF || uniform) for large κ. Hankel's expansion gives log I_v(κ) = κ - ½ log 2πκ - (4v²-1)/(8κ) + O(κ⁻²)
    and A_d(κ) = 1 - (d-1)/(2κ) + (d-1)(d-3)/(8κ²) + O(κ⁻³); with v = d/2 - 1, so that 4v² - 1 = (d-1)(d-3),
        KL = (d-1)/2 · (log(κ/2π) - 1) + log area(S^{d-1}) + (d-1)(d-3)/(4κ) + O(κ⁻²).
    The leading term is the entropy gap of a Gaussian with variance 1/κ in each of the d-1 tangent directions."""
    return (dim - 1) / 2 * (math.log(kappa / (2 * math.pi)) - 1) + log_sphere_area(dim) + (dim - 1) * (dim - 3) / (
        4 * kappa)


@pytest.mark.parametrize("kappa", [1e4, 1e5])
def test_large_concentration_is_stable_and_matches_the_asymptotics(kappa):
    torch.manual_seed(2)
    n = 20_000
    q = VonMisesFisher(random_directions(1, D), double(kappa))
    assert q.kl().item() == pytest.approx(asymptotic_kl(kappa, D), abs=1e-4)
    gap = 1 - (q.rsample(n).z @ q.loc.T).squeeze(-1)                              # 1 - μᵀz, (n, 1)
    # E[1 - μᵀz] = 1 - A_d(κ) = (d-1)/(2κ) + O(κ⁻²); its relative spread is sqrt(2/(d-1)), i.e. ~0.2% over n.
    assert gap.mean().item() == pytest.approx((D - 1) / (2 * kappa), rel=0.02)
    single = VonMisesFisher(q.loc.float(), torch.tensor([kappa]))
    draw = single.rsample(1000)
    for value in (draw.z, draw.log_q, single.kl()):
        assert value.dtype == torch.float32 and torch.isfinite(value).all()
    assert on_unit_sphere(draw.z, 1e-5)


def test_small_concentration_kl_is_quadratic():
    """For small κ, log C_d + log area = -κ²/(2d) + O(κ⁴) and κ A_d = κ²/d + O(κ⁴), so KL = κ²/(2d) + O(κ⁴)."""
    kappa = double(1e-3, 1e-2)
    q = VonMisesFisher(random_directions(2, D), kappa)
    assert torch.allclose(q.kl(), kappa**2 / (2 * D), rtol=1e-4)


def test_cross_log_prob_scores_every_sample_under_every_posterior():
    torch.manual_seed(3)
    q = VonMisesFisher(random_directions(5, D), double(1.0, 3.0, 10.0, 30.0, 100.0))
    draw = q.rsample(3)
    cross = q.cross_log_prob(draw)
    brute = torch.empty(3, 5, 5, dtype=torch.float64)
    for j in range(5):
        single = VonMisesFisher(q.loc[j:j + 1], q.kappa[j:j + 1])
        brute[:, :, j] = single.log_prob(draw.z.unsqueeze(-2)).squeeze(-1)
    assert torch.allclose(cross, brute)
    assert torch.allclose(torch.diagonal(cross, dim1=1, dim2=2), draw.log_q)


def test_uniform_prior_is_normalised_and_samples_the_sphere():
    assert HypersphericalUniform(3).log_prob(torch.zeros(7, 2, 3)).allclose(torch.tensor(-math.log(4 * math.pi)))
    torch.manual_seed(4)
    z = HypersphericalUniform(D).sample(20_000)
    assert z.shape == (20_000, D) and on_unit_sphere(z, 1e-5)
    assert z.mean(0).abs().max() < 5 / math.sqrt(D * 20_000)


def test_gradients_reach_both_heads_of_the_posterior_network():
    torch.manual_seed(5)
    network = VMFPosterior(in_dim=8, latent_dim=D)
    encoded, target = torch.randn(4, 8), torch.randn(4, D)
    q = network(encoded)
    assert q.kappa.min() > 1 and on_unit_sphere(q.code, 1e-6)
    # The samples alone carry gradient to κ (through w) and to μ (through the reflection); the KL adds to κ.
    for loss in ((q.rsample(2).z * target).sum(), q.kl().sum()):
        network.zero_grad()
        loss.backward(retain_graph=True)
        for parameter in network.concentration.parameters():
            assert torch.isfinite(parameter.grad).all() and parameter.grad.abs().sum() > 0
    network.zero_grad()
    ((q.rsample(2).z * target).sum() + q.kl().sum()).backward()
    for parameter in network.parameters():
        assert torch.isfinite(parameter.grad).all() and parameter.grad.abs().sum() > 0


def test_reflection_gradient_is_finite_when_the_mean_is_e1():
    loc = torch.zeros(1, D, dtype=torch.float64)
    loc[0, 0] = 1
    loc.requires_grad_()
    kappa = double(10.0).requires_grad_()
    z = VonMisesFisher(loc, kappa).rsample(5).z
    assert on_unit_sphere(z, 1e-12)
    (z * torch.arange(D)).sum().backward()
    assert torch.isfinite(loc.grad).all() and torch.isfinite(kappa.grad).all()
