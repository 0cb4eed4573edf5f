"""Dialogue history (the turns before each post) and the PersonaChat loader on small files in ParlAI's format."""

import pytest
import torch

from suite.data.datasets import get_dataset, load_corpus
from suite.data.dialogue import consecutive_pairs, earlier_turns, pair_corpus
from suite.data.personachat import FILES, load_personachat, read_episodes
from suite.data.vocab import EOS
from suite.errors import DataMissing, SuiteError


def test_earlier_turns_align_with_the_pairs():
    utterances = [[1], [2], [], [3], [4], [5]]
    assert consecutive_pairs(utterances) == [([1], [2]), ([3], [4]), ([4], [5])]     # none across the empty turn
    assert earlier_turns(utterances, 3) == [[], [2, EOS], [3, EOS]]      # the empty turn is not history
    assert earlier_turns(utterances, 1) == [[], [], []]
    assert earlier_turns([[1], [2], [3], [4]], 3, drop_last=True) == [[], [1, EOS]]


def test_pair_corpus_carries_history_through_batches():
    dialogues = {s: [[["a"], ["b"], ["c"], ["d"]]] for s in ("train", "valid", "test")}
    corpus = pair_corpus("toy", dialogues, [b"toy"], stand_in=True, min_count=1, history=3)
    test = corpus.splits["test"]
    assert len(test) == 3 and test.earlier is not None
    batch = test.batch(torch.arange(3))
    decode = corpus.vocab.decode
    assert [decode(test.earlier.sentence(i).tolist()) for i in range(3)] == [[], ["a", "<eos>"],
                                                                                 ["a", "<eos>", "b", "<eos>"]]
    assert batch.earlier.words.shape[0] == 3 and test.subset(2).earlier.lengths.tolist() == [0, 2]
    assert test.select(torch.tensor([2, 0])).earlier.lengths.tolist() == [4, 0]
    assert pair_corpus("toy", dialogues, [b"toy"], stand_in=True, min_count=1).splits["test"].earlier is None


EPISODE = """1 your persona: i like to ski.
2 your persona: i have two dogs.
3 hi , how are you doing today ?\tgood , just walked my dogs !\t\tyes|no|maybe
4 i love dogs . what kind ?\ttwo poodles .\t\ta|b
1 your persona: i teach kindergarten.
2 __SILENCE__\tI teach a kindergarten class in Seattle.\t\tx|y
3 That must be fun , but also a lot .\tit is difficult but it is my passion .\t\tz
"""


def write(tmp_path, text=EPISODE):
    for name in FILES.values():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_read_episodes_skips_personas_and_silence():
    episodes = read_episodes(EPISODE, "x")
    assert episodes == [["hi , how are you doing today ?", "good , just walked my dogs !", "i love dogs . what kind ?",
                         "two poodles ."],
                        ["I teach a kindergarten class in Seattle.", "That must be fun , but also a lot .",
                         "it is difficult but it is my passion ."]]


def test_loader_builds_pairs_with_history(tmp_path):
    corpus = load_personachat(write(tmp_path))
    test = corpus.splits["test"]
    assert len(test) == 3 + 2 and not corpus.stand_in
    decode = corpus.vocab.decode
    assert decode(test.posts.sentence(4).tolist()) == "that must be fun , but also a lot .".split()
    assert decode(test.earlier.sentence(4).tolist()) == "i teach a kindergarten class in seattle . <eos>".split()
    assert decode(test.responses.sentence(4).tolist())[:3] == ["it", "is", "difficult"]


def test_missing_files_give_one_line_naming_them(tmp_path):
    with pytest.raises(DataMissing, match="personachat/train_self_original.txt") as error:
        load_personachat(tmp_path)
    assert "\n" not in str(error.value)
    with pytest.raises(DataMissing, match="no --data-dir"):
        load_personachat(None)
    assert not get_dataset("personachat").is_present(tmp_path)
    assert get_dataset("personachat").is_present(write(tmp_path))


def test_malformed_file_is_a_clear_error(tmp_path):
    with pytest.raises(SuiteError, match="line 1"):
        load_personachat(write(tmp_path, "hello there\n"))
    root = write(tmp_path)
    (root / "personachat" / "valid_self_original.txt").write_bytes(b"1 caf\xe9\tyes\t\t\n")
    with pytest.raises(SuiteError, match="^personachat/valid_self_original.txt: not UTF-8 text"):
        load_personachat(root)


def test_registered_loader_reads_the_data_dir(tmp_path):
    assert len(load_corpus("personachat", write(tmp_path)).splits["train"]) == 5
