"""VMED's greedy responses run as long as the released decoder runs: per batch of consecutive pairs, the longest
gold response + 2 steps, the first of which predicts <go>."""

import torch

from suite.data.dialogue import PairSet
from suite.data.vocab import Vocab
from suite.evaluation.vmed_responses import decoding_batches, greedy_responses

VOCAB = Vocab.build([["hi", "there"]])


def pairs_with_response_lengths(lengths: list[int]) -> PairSet:
    hi = VOCAB.encode(["hi"])
    return PairSet.from_lists([hi] * len(lengths), [hi * n for n in lengths])


def test_each_batch_decodes_its_longest_gold_response_plus_two_steps():
    batches = decoding_batches(pairs_with_response_lengths([2, 5, 3, 1, 4, 2, 1]), batch_size=3, past_gold=2)
    assert [index.tolist() for index, _ in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    # the short last batch takes the longest of the final 3 pairs (4, 2, 1), which the released code decodes
    assert [length for _, length in batches] == [7, 6, 6]


class Babbler(torch.nn.Module):
    """Never stops: every response is as long as it is allowed to be."""

    def __init__(self):
        super().__init__()
        self.anchor = torch.nn.Parameter(torch.zeros(1))     # a device to run on

    def respond(self, batch, max_len, mask_unk):
        return [VOCAB.encode(["there"]) * max_len for _ in range(len(batch))]


def test_responses_stop_at_their_batchs_decoding_length():
    pairs = pairs_with_response_lengths([1, 1, 3, 2])
    responses, golds = greedy_responses(Babbler(), pairs, VOCAB, batch_size=2, past_gold=2, mask_unk=False,
                                        max_len=20)
    assert [len(r) for r in responses] == [3, 3, 5, 5]
    assert [len(g) for g in golds] == [1, 1, 3, 2]
