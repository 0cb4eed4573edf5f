"""VMED's greedy responses run as long as the released decoder runs: per batch of consecutive pairs, the longest
gold response + 2 steps, the first of which predicts <go>; scores are averaged per batch over the pairs the
released loop scores (a short last batch re-scores pairs of the final full window)."""

import pytest
import torch

from suite.data.dialogue import PairSet
from suite.data.vocab import Vocab
from suite.evaluation.vmed_responses import (
    ScoredBatch,
    decoding_batches,
    greedy_responses,
    mean_over_batches,
    validation_bleu,
)
from suite.metrics.sentence_bleu import pair_bleu

VOCAB = Vocab.build([["hi", "there"]])


def pairs_with_response_lengths(lengths: list[int]) -> PairSet:
    hi = VOCAB.encode(["hi"])
    return PairSet.from_lists([hi] * len(lengths), [hi * n for n in lengths])


def test_each_batch_decodes_its_longest_gold_response_plus_two_steps():
    batches = decoding_batches(pairs_with_response_lengths([2, 5, 3, 1, 4, 2, 1]), batch_size=3, past_gold=2)
    # the short last batch (1 pair left) decodes the final 3 pairs and scores the first of them, pair 4, as
    # qa_task.py's bs = [n - batch_size, n] with rs = 1 does: pair 6 is never scored
    assert [b.decoded.tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [4, 5, 6]]
    assert [b.scored for b in batches] == [3, 3, 1]
    assert [b.steps for b in batches] == [7, 6, 6]


def test_fewer_pairs_than_a_batch_make_one_batch_of_them_all():
    [batch] = decoding_batches(pairs_with_response_lengths([2, 1]), batch_size=3, past_gold=2)
    assert (batch.decoded.tolist(), batch.scored, batch.steps) == ([0, 1], 2, 4)


def test_scores_are_a_mean_of_batch_means():
    batches = [ScoredBatch(torch.arange(3), [["a"]] * 3, [["a"]] * 3), ScoredBatch(torch.tensor([4]), [["b"]], [["a"]])]
    def hit(responses, golds):
        return [sum(r == g for r, g in zip(responses, golds, strict=True)) / len(golds)]
    assert mean_over_batches(batches, hit) == [0.5]              # (1 + 0) / 2, not 3 / 4 over the pairs


class Babbler(torch.nn.Module):
    """Never stops: every response is as long as it is allowed to be."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))     # a device to run on

    def respond(self, batch, max_len, mask_unk):
        return [VOCAB.encode(["there"]) * max_len for _ in range(len(batch))]


def test_responses_stop_at_their_batchs_decoding_length():
    pairs = pairs_with_response_lengths([1, 1, 3, 2])
    batches = greedy_responses(Babbler(), pairs, VOCAB, batch_size=2, past_gold=2, mask_unk=False, max_len=20)
    assert [[len(r) for r in b.responses] for b in batches] == [[3, 3], [5, 5]]
    assert [[len(g) for g in b.golds] for b in batches] == [[1, 1], [3, 2]]


class PostParrot(torch.nn.Module):
    """Answers each context with its own post."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))

    def respond(self, batch, max_len, mask_unk):
        return [batch.post.words[b, :batch.post.lengths[b]].tolist()[:max_len] for b in range(len(batch))]


def test_validation_bleu_is_the_released_mean_of_batch_means_with_the_short_last_batch():
    words = Vocab.build([["the", "cat", "sat", "on", "a", "mat", "dog", "ran"]])
    posts = ["the cat sat", "a dog ran", "the dog sat on a mat", "a cat", "the mat"]
    golds = ["the cat sat on a mat", "a dog sat", "the dog ran", "a cat sat on the mat", "a mat"]
    pairs = PairSet.from_lists([words.encode(p.split()) for p in posts], [words.encode(g.split()) for g in golds])
    score = [pair_bleu(p.split(), g.split())[3] for p, g in zip(posts, golds, strict=True)]
    # batches of 2: pairs (0, 1), (2, 3), then the final 2 pairs (3, 4) of which the first, pair 3, is scored
    expected = ((score[0] + score[1]) / 2 + (score[2] + score[3]) / 2 + score[3]) / 3
    assert validation_bleu(PostParrot(), pairs, words, batch_size=2, past_gold=2, max_len=20) == pytest.approx(expected)
