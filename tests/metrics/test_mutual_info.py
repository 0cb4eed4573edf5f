"""Leave-one-out MI estimator (appendix E) against a brute-force loop and the closed-form MI of a
linear-Gaussian model, where q(z|x) is the exact posterior and I(x; z) = 1/2 log det(I + W^T W / s^2); He et
al.'s minibatch estimator (the † rows) against its own brute-force loop."""

import math

import pytest
import torch
from torch.distributions import Normal

from suite.metrics.mutual_info import mutual_information, mutual_information_minibatch
from suite.models.posteriors import DiagGaussian


def brute_force(loc, scale, z):
    """Direct transcription of MI_x = mean_i[log q(z_i|x) - log(1/M sum_{j != i} q(z_i|x_j))]."""
    n, b, _ = z.shape
    result = torch.zeros(b, dtype=torch.float64)
    for i in range(b):
        total = 0.0
        for s in range(n):
            own = Normal(loc[i], scale[i]).log_prob(z[s, i]).sum()
            others = torch.stack([Normal(loc[j], scale[j]).log_prob(z[s, i]).sum() for j in range(b) if j != i])
            total += own - (torch.logsumexp(others, 0) - math.log(b - 1))
        result[i] = total / n
    return result


def test_matches_a_brute_force_loop_and_leaves_the_sentence_out():
    torch.manual_seed(0)
    loc, scale = torch.randn(6, 3, dtype=torch.float64), torch.rand(6, 3, dtype=torch.float64) + 0.2
    q = DiagGaussian(loc, scale)
    draw = q.rsample(5)
    ours = mutual_information(draw.log_q, q.cross_log_prob(draw))
    assert torch.allclose(ours, brute_force(loc, scale, draw.z), atol=1e-10)
    with_self = (draw.log_q - (torch.logsumexp(q.cross_log_prob(draw), -1) - math.log(6))).mean(0)
    assert not torch.allclose(ours, with_self, atol=1e-3)


def test_recovers_the_closed_form_mi_of_a_linear_gaussian_model():
    torch.manual_seed(0)
    d_x, d_z, noise = 3, 2, 0.8
    weight = torch.linalg.qr(torch.randn(d_x, d_z, dtype=torch.float64)).Q * torch.tensor([1.5, 0.7])
    closed = 0.5 * float(torch.logdet(torch.eye(d_z, dtype=torch.float64) + weight.T @ weight / noise**2))
    precision = 1 + torch.diagonal(weight.T @ weight) / noise**2            # exact posterior is diagonal
    estimates = []
    for _ in range(4):
        x = torch.randn(1025, d_z, dtype=torch.float64) @ weight.T + noise * torch.randn(1025, d_x, dtype=torch.float64)
        loc = (x @ weight / noise**2) / precision
        q = DiagGaussian(loc, precision.rsqrt().expand_as(loc))
        draw = q.rsample(50)
        estimates.append(float(mutual_information(draw.log_q, q.cross_log_prob(draw)).mean()))
    assert sum(estimates) / len(estimates) == pytest.approx(closed, abs=0.03)


def test_he_et_al_minibatch_estimator_matches_a_brute_force_loop_that_keeps_the_sentence_in():
    """mean_i E_q[log q(z|x_i)] (closed form: minus the entropy) minus mean_i log (1/B sum_j q(z_i|x_j)), one
    sample z_i per sentence and j = i included, as He et al.'s calc_mi."""
    torch.manual_seed(1)
    b = 5
    loc, scale = torch.randn(b, 3, dtype=torch.float64), torch.rand(b, 3, dtype=torch.float64) + 0.2
    q = DiagGaussian(loc, scale)
    assert torch.allclose(q.negative_entropy(), -Normal(loc, scale).entropy().sum(-1))
    draw = q.rsample(1)
    z = draw.z[0]
    aggregate = [torch.logsumexp(torch.stack([Normal(loc[j], scale[j]).log_prob(z[i]).sum() for j in range(b)]), 0)
                 - math.log(b) for i in range(b)]
    expected = float(-Normal(loc, scale).entropy().sum(-1).mean() - torch.stack(aggregate).mean())
    ours = mutual_information_minibatch(q.negative_entropy(), q.cross_log_prob(draw)[0])
    assert ours == pytest.approx(expected, abs=1e-10)


class IndexPosterior(torch.nn.Module):
    """q(z | x) centred on the sentence's position in the split."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def posterior(self, batch):
        loc = batch.index.double().unsqueeze(-1).repeat(1, 2)
        return DiagGaussian(loc, torch.ones_like(loc))


def test_split_mi_is_each_sentences_estimate_within_its_consecutive_batch_averaged_over_sentences(
        monkeypatch, tiny_corpus):
    """Coupled-2's MI: consecutive batches in file order (a last single sentence joins the batch before it, since
    the estimate leaves the sentence out), each sentence weighted once. A stand-in estimator returning each
    sentence's batch size shows the batching: 9 sentences in batches of 4 are 4 + 5."""
    from suite.evaluation import mutual_info as module

    assert [b.tolist() for b in module.consecutive_batches(9, 4)] == [[0, 1, 2, 3], [4, 5, 6, 7, 8]]
    assert [len(b) for b in module.consecutive_batches(10, 4)] == [4, 4, 2]
    monkeypatch.setattr(module, "mutual_information", lambda log_q, cross: torch.full((log_q.size(-1),),
                                                                                      float(log_q.size(-1))))
    sentences = tiny_corpus.splits["train"].subset(9)
    assert module.evaluate_mi(IndexPosterior(), sentences, 3, 4, 50)["mi"] == pytest.approx((4 * 4 + 5 * 5) / 9)
    # without the stand-in: each batch's estimate is the brute-force leave-one-out one on the same draws
    monkeypatch.undo()
    torch.manual_seed(0)
    value = module.evaluate_mi(IndexPosterior(), sentences, 3, 4, 50)["mi"]
    torch.manual_seed(0)
    expected = []
    for index in module.consecutive_batches(9, 4):
        posterior = IndexPosterior().posterior(sentences.batch(index))
        draw = posterior.rsample(3)
        expected.append(brute_force(posterior.loc, posterior.scale, draw.z))
    assert value == pytest.approx(float(torch.cat(expected).mean()))
