"""Pair splits and their batches; the Switchboard loader's pairing and errors; the Chit Chat stand-in."""

import hashlib
import pickle
import random
from collections import OrderedDict

import pytest
import torch

from suite.data import dialogue
from suite.data.batching import evaluation_batches, pool_sorted_batches, training_batches
from suite.data.dialogue import (
    PairBatch,
    PairSet,
    consecutive_pairs,
    load_chitchat,
    load_switchboard,
    split_conversations,
)
from suite.data.vocab import EOS, GO, PAD, SPECIALS
from suite.errors import DataMissing, SuiteError

POSTS = [[4, 5, 6], [7], [8, 9], [10, 11, 12, 13]]
RESPONSES = [[20, 21], [22, 23, 24, 25], [26], [27, 28, 29]]


def pairs() -> PairSet:
    return PairSet.from_lists(POSTS, RESPONSES)


def test_pair_batch_is_the_response_batch_with_the_post_alongside():
    batch = pairs().batch(torch.tensor([1, 3]))
    assert isinstance(batch, PairBatch) and len(batch) == 2
    assert batch.lengths.tolist() == [4, 3]
    assert batch.words.tolist() == [[22, 23, 24, 25], [27, 28, 29, PAD]]
    assert batch.inputs.tolist() == [[GO, 22, 23, 24, 25], [GO, 27, 28, 29, PAD]]
    assert batch.targets.tolist() == [[22, 23, 24, 25, EOS], [27, 28, 29, EOS, PAD]]
    assert batch.mask.sum(1).tolist() == [5, 4] and batch.n_predictions == 9
    assert batch.index.tolist() == [1, 3]
    assert batch.post_words.tolist() == [[7, PAD, PAD, PAD], [10, 11, 12, 13]]
    assert batch.post_lengths.tolist() == [1, 4]
    assert isinstance(batch.to("cpu"), PairBatch)


def test_repeat_keeps_each_response_with_its_post():
    batch = pairs().batch(torch.tensor([0, 2, 3]))
    repeated = batch.repeat(3)
    assert len(repeated) == 9
    for copy in range(3):
        rows = slice(3 * copy, 3 * copy + 3)
        assert torch.equal(repeated.words[rows], batch.words)
        assert torch.equal(repeated.post_words[rows], batch.post_words)
        assert torch.equal(repeated.post_lengths[rows], batch.post_lengths)
        assert torch.equal(repeated.index[rows], batch.index)


def test_truncation_applies_to_both_sides_and_planning_uses_response_lengths():
    split = pairs()
    batch = split.batch(torch.arange(4), max_len=2)
    assert batch.lengths.tolist() == [2, 2, 1, 2] and batch.post_lengths.tolist() == [2, 1, 2, 2]
    assert split.lengths.tolist() == [2, 4, 1, 3]
    assert sorted(torch.cat(evaluation_batches(split, max_tokens=8)).tolist()) == [0, 1, 2, 3]
    assert sorted(torch.cat(training_batches(split, 2, torch.Generator().manual_seed(0))).tolist()) == [0, 1, 2, 3]
    head = split.subset(2)
    assert len(head) == 2 and head.pair(1)[0].tolist() == [7] and head.pair(1)[1].tolist() == [22, 23, 24, 25]
    picked = split.select(torch.tensor([3, 1]))
    assert ([[side.tolist() for side in picked.pair(i)] for i in range(2)]
            == [[side.tolist() for side in split.pair(i)] for i in (3, 1)])


def test_sort_keys_are_each_networks_source_then_target_lengths():
    split = PairSet.from_lists(POSTS, RESPONSES, earlier=[[1, EOS], [], [1, 2, 3, EOS], [1]])
    assert split.sort_keys("context").tolist() == [[5, 2], [1, 4], [6, 1], [5, 3]]
    assert split.sort_keys("response").tolist() == [[4, 3], [4, 1], [5, 2], [4, 4]]
    assert pairs().sort_keys("context").tolist() == [[3, 2], [1, 4], [2, 1], [4, 3]]


def onmt_reference(keys: list[tuple], permutation: list[int], batch_size: int, pool: int) -> set[tuple]:
    """The batches OpenNMT-py's `_pool` cuts from one shuffled epoch: Python's stable `sorted` over each pool."""
    batches = set()
    for start in range(0, len(permutation), pool):
        ranked = sorted(permutation[start:start + pool], key=lambda i: keys[i])
        batches |= {tuple(ranked[k:k + batch_size]) for k in range(0, len(ranked), batch_size)}
    return batches


@pytest.mark.parametrize("pool_batches", [8192, 3])
def test_pool_sorted_batches_are_opennmts_sorted_pools(pool_batches):
    rng = random.Random(0)
    keys = torch.tensor([[rng.randint(1, 6), rng.randint(1, 4)] for _ in range(100)])
    batches = pool_sorted_batches(keys, 8, torch.Generator().manual_seed(5), pool_batches)
    permutation = torch.randperm(100, generator=torch.Generator().manual_seed(5)).tolist()
    reference = onmt_reference([tuple(k) for k in keys.tolist()], permutation, 8, 8 * pool_batches)
    assert {tuple(b.tolist()) for b in batches} == reference and len(batches) == len(reference)
    again = pool_sorted_batches(keys, 8, torch.Generator().manual_seed(5), pool_batches)
    assert all(torch.equal(a, b) for a, b in zip(batches, again, strict=True))
    if pool_batches == 8192:        # one pool: the batches, put back in key order, walk the sorted epoch
        ranked = torch.cat(sorted(batches, key=lambda b: keys[b[0]].tolist()))
        assert keys[ranked].tolist() == sorted(keys.tolist())
        firsts = [keys[b[0]].tolist() for b in batches]
        assert firsts != sorted(firsts)                                   # the batch order itself is shuffled


def test_pool_sorted_orders_sort_by_the_networks_source():
    split = PairSet.from_lists(POSTS * 10, RESPONSES * 10)
    for source in ("context", "response"):
        batches = training_batches(split, 5, torch.Generator().manual_seed(0), f"{source}-sorted")
        keys = split.sort_keys(source)
        assert sorted(torch.cat(batches).tolist()) == list(range(40))
        assert all(len(set(keys[b, 0].tolist())) == 1 for b in batches)     # 10 pairs per key, batches of 5


def test_a_pool_sorted_order_on_sentences_is_a_one_line_error(tiny_corpus):
    with pytest.raises(SuiteError, match="batch order 'context-sorted' sorts dialogue pairs"):
        training_batches(tiny_corpus.splits["train"], 4, torch.Generator().manual_seed(0), "context-sorted")


def test_consecutive_pairs_follow_the_released_preprocessing():
    utterances = [["a"], ["b"], ["c"], ["d"]]
    # process_switchboard.py: for t in range(1, len(txts) - 1), so the last utterance never is a response.
    assert consecutive_pairs(utterances, drop_last=True) == [(["a"], ["b"]), (["b"], ["c"])]
    assert consecutive_pairs(utterances) == [(["a"], ["b"]), (["b"], ["c"]), (["c"], ["d"])]
    assert consecutive_pairs([["a"], [], ["c"], ["d"]]) == [(["c"], ["d"])]


# --- Switchboard -----------------------------------------------------------------------------------


def test_switchboard_without_data_dir_or_file_says_where_to_get_it(tmp_path):
    for data_dir in (None, tmp_path):
        with pytest.raises(DataMissing) as error:
            load_switchboard(data_dir)
        message = str(error.value)
        assert "\n" not in message
        assert "full_swda_clean_42da_sentiment_dialog_corpus.p" in message
        assert "github.com/snakeztc/NeuralDialog-CVAE" in message
    assert str(tmp_path / "switchboard") in message


def zhao_pickle(path, data, protocol=2):
    path.mkdir(parents=True, exist_ok=True)
    raw = pickle.dumps(data, protocol=protocol)
    (path / "full_swda_clean_42da_sentiment_dialog_corpus.p").write_bytes(raw)
    return raw


def dialogue_of(*texts):
    return {"A": {"age": 40}, "B": {"age": 50}, "topic": "X",
            "utts": [("AB"[i % 2], text, ["statement", [0.0, 1.0, 0.0, 0.0]]) for i, text in enumerate(texts)]}


def test_switchboard_pickle_becomes_released_pairs_and_vocabulary(tmp_path):
    train = [dialogue_of("Uh-huh.", "I think so", "so do I", "Right")] * 5
    data = {"train": train, "valid": [dialogue_of("well", "yes", "no")], "test": [dialogue_of("so", "i", "think")]}
    raw = zhao_pickle(tmp_path / "switchboard", data)
    corpus = load_switchboard(tmp_path)
    assert corpus.name == "switchboard" and not corpus.stand_in
    assert corpus.checksum == hashlib.sha256(hashlib.sha256(raw).digest()).hexdigest()
    # Posts then responses, first occurrence order, kept when seen 5 times: "right" (last utterance) never is.
    assert corpus.vocab.words == SPECIALS + ("uh", "-", "huh", ".", "i", "think", "so", "do")
    train_split = corpus.splits["train"]
    assert len(train_split) == 10 and len(corpus.splits["valid"]) == 1 and len(corpus.splits["test"]) == 1
    post, response = train_split.pair(0)
    assert corpus.vocab.decode(post.tolist()) == ["uh", "-", "huh", "."]
    assert corpus.vocab.decode(response.tolist()) == ["i", "think", "so"]
    assert corpus.vocab.decode(train_split.pair(1)[1].tolist()) == ["so", "do", "i"]


def test_switchboard_pickle_with_foreign_objects_is_refused(tmp_path):
    data = {"train": [OrderedDict(utts=[("A", "hi", None)])], "valid": [], "test": []}
    zhao_pickle(tmp_path / "switchboard", data)
    with pytest.raises(SuiteError, match="OrderedDict"):
        load_switchboard(tmp_path)


@pytest.mark.parametrize("data", [{"train": []},
                                  {split: [dialogue_of("well", 7, "no")] for split in ("train", "valid", "test")}],
                         ids=["no splits", "a number for a text"])
def test_switchboard_pickle_of_another_shape_is_a_clear_error(tmp_path, data):
    zhao_pickle(tmp_path / "switchboard", data)
    with pytest.raises(SuiteError, match="not Zhao et al.'s Switchboard pickle"):
        load_switchboard(tmp_path)


def test_an_empty_dialogue_split_is_a_one_line_error(tmp_path):
    data = {"train": [dialogue_of("well", "yes", "no")] * 5, "valid": [dialogue_of("well", "yes", "no")],
            "test": [dialogue_of("only one")]}
    zhao_pickle(tmp_path / "switchboard", data)
    with pytest.raises(SuiteError, match="dataset 'switchboard': its test split has no \\(post, response\\) pairs"):
        load_switchboard(tmp_path)


# --- Chit Chat stand-in ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chitchat():
    return load_chitchat(None)


@pytest.fixture(scope="module")
def conversations():
    import json
    from importlib.resources import files
    return json.loads(files("chitchat_dataset").joinpath("dataset.json").read_bytes())


def test_chitchat_is_a_labelled_stand_in_with_usable_splits(chitchat):
    from importlib.resources import files
    raw = files("chitchat_dataset").joinpath("dataset.json").read_bytes()
    assert chitchat.name == "chitchat" and chitchat.stand_in
    assert chitchat.checksum == hashlib.sha256(hashlib.sha256(raw).digest()).hexdigest()
    assert chitchat.vocab.words[:4] == SPECIALS and len(chitchat.vocab) > 5000
    sizes = {split: len(pairs) for split, pairs in chitchat.splits.items()}
    assert 0.85 < sizes["train"] / sum(sizes.values()) < 0.95 and min(sizes.values()) > 1000
    for split in chitchat.splits.values():
        assert int(split.lengths.min()) >= 1 and int(split.posts.lengths.min()) >= 1


def test_chitchat_splits_by_conversation(chitchat, conversations):
    ids = split_conversations(list(conversations))
    train, valid, test = (set(ids[s]) for s in ("train", "valid", "test"))
    assert not (train & valid or train & test or valid & test)
    assert train | valid | test == set(conversations)
    assert len(valid) == round(0.05 * len(conversations))
    for split, members in ids.items():      # every pair of a split comes from that split's conversations
        expected = sum(len(consecutive_pairs(dialogue.chitchat_messages(conversations[c]))) for c in members)
        assert len(chitchat.splits[split]) == expected


def test_chitchat_does_not_depend_on_file_order(conversations):
    some = dict(list(conversations.items())[:300])
    shuffled = list(some.items())
    random.Random(0).shuffle(shuffled)
    first, second = dialogue.chitchat_corpus(some, b"x"), dialogue.chitchat_corpus(dict(shuffled), b"x")
    assert first.vocab == second.vocab
    for split in ("train", "valid", "test"):
        assert torch.equal(first.splits[split].responses.ids, second.splits[split].responses.ids)
        assert torch.equal(first.splits[split].posts.ids, second.splits[split].posts.ids)


def test_tokenizer_is_lowercased_word_punct():
    assert dialogue.tokenize("Don't DO that!!  ok :)") == ["don", "'", "t", "do", "that", "!!", "ok", ":)"]


def test_chitchat_without_its_package_says_how_to_install(monkeypatch):
    def missing(package):
        raise ModuleNotFoundError(package)
    monkeypatch.setattr(dialogue, "files", missing)
    with pytest.raises(DataMissing, match="pip install chitchat-dataset"):
        load_chitchat(None)
