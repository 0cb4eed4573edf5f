"""MMI reranking (Li et al. 2016): hand-built n-best lists whose answer is known, the responder end to end with
stand-in networks, and the batched backward scores against scoring each candidate alone."""

import pytest
import torch

from suite.config import Transformer
from suite.data.dialogue import PairSet
from suite.models.mmi import MMIResponder, mmi_scores, rerank
from suite.models.transformer_dialogue import Backward, Forward

GENERIC, SPECIFIC = [7, 8], [9, 10, 11]


def test_reranking_trades_likelihood_for_mutual_information():
    # "i don't know" is likelier given the post; the specific answer makes the post far likelier
    candidates = [[(-1.0, GENERIC), (-2.0, SPECIFIC)]]
    backward = [torch.tensor([-5.0, -1.0])]
    assert rerank(candidates, backward, 0.0) == [GENERIC]          # plain beam search
    assert rerank(candidates, backward, 0.5) == [SPECIFIC]         # -3.0 < -1.5
    assert rerank(candidates, backward, 0.1) == [GENERIC]          # -1.4 > -1.9
    assert rerank(candidates, backward, 1.0) == [SPECIFIC]         # the backward score alone, as released
    assert mmi_scores(torch.tensor([-1.0, -2.0]), backward[0], 0.5).tolist() == [-3.0, -1.5]


def test_reranking_handles_several_lists_and_empty_ones():
    candidates = [[(-1.0, [4]), (-1.5, [5])], [], [(-3.0, [6])]]
    backward = [torch.tensor([-9.0, -0.5]), torch.zeros(0), torch.tensor([-1.0])]
    assert rerank(candidates, backward, 1.0) == [[5], [], [6]]


SHAPE = Transformer(d_model=16, inner=32, heads=2, layers=1, beam=3, n_best=3, mmi_lambda=1.0)


def tiny_pairs() -> PairSet:
    return PairSet.from_lists([[4, 5], [6]], [[7, 8], [9]], earlier=[[10, 2], []])


def responder(seed: int = 0) -> MMIResponder:
    torch.manual_seed(seed)
    return MMIResponder(Forward(12, SHAPE, 0.0), Backward(12, SHAPE, 0.0), SHAPE).eval()


def test_respond_picks_the_best_combined_score(monkeypatch):
    model = responder()
    lists = [[(-1.0, [4]), (-2.0, [5, 6])], [(-0.5, [7]), (-0.6, [8])]]
    backward = {(4,): -9.0, (5, 6): -1.0, (7,): -1.0, (8,): -0.5}
    monkeypatch.setattr(model.forward_model, "n_best", lambda batch, max_len, mask_unk, n: lists)
    monkeypatch.setattr(model, "backward_log_p", lambda batch, candidates: [
        torch.tensor([backward[tuple(y)] for _, y in hyps]) for hyps in candidates])
    assert model.respond(tiny_pairs().batch(torch.arange(2)), 5, True) == [[5, 6], [8]]


@torch.no_grad()
def test_batched_backward_scores_equal_scoring_each_candidate_alone():
    model, pairs = responder(1), tiny_pairs()
    batch = pairs.batch(torch.arange(2))
    candidates = [[(-1.0, [4, 4]), (-2.0, [])], [(-1.0, [11, 3, 5])]]
    scores = model.backward_log_p(batch, candidates)
    for i, hypotheses in enumerate(candidates):
        for j, (_, words) in enumerate(hypotheses):
            alone = PairSet.from_lists([pairs.posts.sentence(i).tolist()], [words or [2]],
                                       [pairs.earlier.sentence(i).tolist()]).batch(torch.arange(1))
            expected = -float(model.backward_model.nll(alone, alone.response))
            assert float(scores[i][j]) == pytest.approx(expected, abs=1e-4)


def test_the_forward_network_is_copied_and_frozen():
    source, model = responder(2), responder(3)
    model.initialise_from(source)
    for a, b in zip(source.forward_model.parameters(), model.forward_model.parameters(), strict=True):
        assert torch.equal(a, b) and not b.requires_grad
    assert all(p.requires_grad for p in model.backward_model.parameters())
