"""VMED's parts: D_var against a Monte Carlo KL, the DNC memory's addressing."""

import math

import pytest
import torch
from torch.nn import functional as F

from suite.models.dnc_memory import MemoryAccess, MemoryState, allocation_weights, content_weights
from suite.models.mixture_prior import GaussianMixture
from suite.models.posteriors import DiagGaussian, gaussian_kl


def monte_carlo_kl(q: DiagGaussian, g: GaussianMixture, n: int = 200_000) -> torch.Tensor:
    z = q.rsample(n).z
    return (q.log_prob(z) - g.log_prob(z)).mean(0)


def random_case(k: int, d: int = 3, batch: int = 4):
    q = DiagGaussian(torch.randn(batch, d), torch.rand(batch, d) + 0.5)
    g = GaussianMixture(torch.rand(batch, k).softmax(-1), 2 * torch.randn(batch, k, d), torch.rand(batch, k, d) + 0.5)
    return q, g


def test_d_var_bounds_the_kl_to_a_mixture():
    torch.manual_seed(0)
    for k in (2, 3, 4):
        q, g = random_case(k)
        kl = monte_carlo_kl(q, g)
        assert (g.d_var(q) >= 0.99 * kl - 0.02).all(), (k, g.d_var(q), kl)      # slack: Monte Carlo error


def test_d_var_of_two_modes_is_minus_log_of_the_weighted_exp_minus_kls():
    """By hand, with each mode's KL from torch.distributions; by Jensen it lies below the weighted mean KL."""
    from torch.distributions import Independent, Normal, kl_divergence

    torch.manual_seed(4)
    q, g = random_case(2)
    f = Independent(Normal(q.loc, q.scale), 1)
    kl = [kl_divergence(f, Independent(Normal(g.loc[:, k], g.scale[:, k]), 1)) for k in (0, 1)]
    pi = g.weights
    expected = -torch.log(pi[:, 0] * torch.exp(-kl[0]) + pi[:, 1] * torch.exp(-kl[1]))
    assert torch.allclose(g.d_var(q), expected, atol=1e-5)
    assert (g.d_var(q) < pi[:, 0] * kl[0] + pi[:, 1] * kl[1] - 1e-3).all()


def test_d_var_is_the_kl_for_one_mode():
    torch.manual_seed(1)
    q, g = random_case(1)
    closed = gaussian_kl(q, DiagGaussian(g.loc[:, 0], g.scale[:, 0]))
    assert torch.allclose(g.d_var(q), closed, atol=1e-5)
    assert torch.allclose(monte_carlo_kl(q, g), closed, rtol=0.01, atol=0.02)


def test_mixture_samples_draw_modes_as_the_released_gumbel_softmax_over_the_weights_as_logits():
    """The released sampler's hard Gumbel-softmax reads π = (0.2, 0.8) as logits: the second mode comes with
    probability e^0.8 / (e^0.2 + e^0.8) = 0.646, not 0.8 (Gumbel-max, simulated here independently)."""
    torch.manual_seed(2)
    n = 20000
    weights = torch.tensor([[0.2, 0.8]]).expand(n, 2)
    g = GaussianMixture(weights, torch.tensor([[[-10.0], [10.0]]]).expand(n, 2, 1), torch.full((n, 2, 1), 0.1))
    gumbel = -torch.log(-torch.log(torch.rand(n, 2)))
    released = ((weights + gumbel).argmax(-1) == 1).float().mean()
    ours = (g.sample_as_released() > 0).float().mean()
    assert abs(released - math.exp(0.8) / (math.exp(0.2) + math.exp(0.8))) < 0.015
    assert abs(ours - released) < 0.02


def test_content_weights_sum_to_one_and_find_the_matching_slot():
    torch.manual_seed(3)
    memory = torch.randn(2, 16, 8)
    keys = memory[:, [5, 9]]                       # two heads looking for slots 5 and 9
    weights = content_weights(memory, keys, torch.full((2, 2), 50.0))
    assert torch.allclose(weights.sum(-1), torch.ones(2, 2))
    assert weights.argmax(-1).tolist() == [[5, 9], [5, 9]]


def test_allocation_picks_the_least_used_slot():
    usage = torch.tensor([[0.9, 0.1, 0.5, 0.7], [0.3, 0.2, 1.0, 0.0]])
    weights = allocation_weights(usage)
    assert weights.argmax(-1).tolist() == [1, 3]
    # by hand (row 0), slots by usage 0.1, 0.5, 0.7, 0.9: each gets (1 - its usage) x the usages before it
    assert torch.allclose(weights[0], torch.tensor([0.1 * 0.1 * 0.5 * 0.7, 0.9, 0.5 * 0.1, 0.3 * 0.1 * 0.5]),
                          atol=1e-5)
    assert (weights.sum(-1) <= 1 + 1e-6).all()


def test_a_full_write_then_read_returns_what_was_written():
    torch.manual_seed(4)
    access = MemoryAccess(controller_dim=10, slots=16, width=8, heads=2)
    state = access.empty(3)
    for _ in range(4):
        state = access(torch.randn(3, 10), state)
    assert torch.allclose(state.read_weights.sum(-1) <= 1 + 1e-5, torch.ones(3, 2, dtype=torch.bool))
    assert torch.allclose(state.write_weights.sum(-1) <= 1 + 1e-5, torch.ones(3, dtype=torch.bool))
    assert torch.allclose(state.read_vectors, state.read_weights @ state.memory)
    assert (state.links.diagonal(dim1=1, dim2=2) == 0).all()
    assert isinstance(state.with_heads(4), MemoryState) and state.with_heads(4).read_vectors.shape == (3, 4, 8)


def interface(write_gate: float, write_vector, read_key, read_mode: int) -> dict[str, torch.Tensor]:
    """One head, chosen gates: allocation-only writes that erase the slot first, nothing freed, one read mode
    (0 backward, 1 content, 2 forward) with a content key sharp enough to ignore the traces that allocation's
    near-ties leave in the other slots."""
    width = len(write_vector)
    return {"read_keys": torch.tensor(read_key).view(1, 1, width), "read_strengths": torch.tensor([[1000.0]]),
            "write_key": torch.zeros(1, 1, width), "write_strength": torch.ones(1, 1),
            "erase": torch.ones(1, width), "write_vector": torch.tensor([write_vector]),
            "free_gates": torch.zeros(1, 1), "allocation_gate": torch.ones(1, 1),
            "write_gate": torch.tensor([[write_gate]]), "read_modes": F.one_hot(torch.tensor([[read_mode]]), 3).float()}


def test_writes_go_to_free_slots_and_reads_follow_content_and_the_order_of_writing(monkeypatch):
    """Write v1 then v2: each lands in an unused slot (a, then b), a content read keyed on v1 returns v1, the
    link matrix records b written right after a, and reading forward from a gives v2, backward from b gives v1."""
    access = MemoryAccess(controller_dim=1, slots=4, width=4, heads=1)
    v1, v2, nothing = [3.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]
    steps = iter([interface(1.0, v1, v1, 1), interface(1.0, v2, v1, 1), interface(0.0, nothing, v1, 2),
                  interface(0.0, nothing, v1, 0)])
    monkeypatch.setattr(access, "parse", lambda controller_output: next(steps))
    state, reads, a, b = access.empty(1), [], None, None
    for _ in range(4):
        state = access(torch.zeros(1, 1), state)
        reads.append(state.read_vectors[0, 0])
        if len(reads) <= 2:
            assert state.write_weights.max() > 1 - 1e-4        # all of one slot
            slot = int(state.write_weights.argmax())
            assert torch.allclose(state.memory[0, slot], torch.tensor([v1, v2][len(reads) - 1]), atol=1e-4)
            a, b = (slot, b) if len(reads) == 1 else (a, slot)
    assert a != b and float(state.links[0, b, a]) == pytest.approx(1.0, abs=1e-4)
    expected = [v1, v1, v2, v1]         # content (v1), content (v1), forward from a (v2), backward from b (v1)
    for read, vector in zip(reads, expected, strict=True):
        assert torch.allclose(read, torch.tensor(vector), atol=1e-3), (read, vector)
