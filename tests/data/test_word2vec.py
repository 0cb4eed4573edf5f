"""Word2vec embeddings pretrained on a corpus (the Stochastic WAE rows): which text they learn from, that they are
gensim's vectors for the same text and settings, that they carry meaning, the cache, and determinism."""

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from gensim.models import Word2Vec as GensimWord2Vec

from suite import progress
from suite.config import Word2Vec
from suite.data import word2vec
from suite.data.corpus import Corpus
from suite.data.dialogue import PairSet, pair_corpus
from suite.data.vocab import SPECIALS


def animal_corpus() -> Corpus:
    """'cat' and 'dog' share every context, 'car' and 'bus' share others: word2vec should pair them up."""
    rng = random.Random(0)
    animal = ["the {} eats food", "a {} sleeps at home", "my {} plays in the garden", "the {} barks at night"]
    vehicle = ["the {} drives on the road", "a {} needs fuel", "my {} is parked outside", "the {} stops at lights"]
    lines = [rng.choice(animal).format(rng.choice(["cat", "dog"])) if rng.random() < 0.5 else
             rng.choice(vehicle).format(rng.choice(["car", "bus"])) for _ in range(600)]
    tokens = [line.split() for line in lines]
    return Corpus.from_tokens("animals", {"train": tokens[:500], "valid": tokens[500:550], "test": tokens[550:]},
                              [line.encode() for line in lines])


def test_every_split_is_training_text_and_a_pair_is_post_then_response():
    corpus = animal_corpus()
    sentences = word2vec.training_sentences(corpus)
    assert len(sentences) == 600 and sentences[-1] == corpus.vocab.decode(corpus.splits["test"].sentence(49).tolist())
    dialogues = {split: [[["hi", "there"], ["hello", split], ["bye"]]] for split in ("train", "valid", "test")}
    pairs = pair_corpus("tiny", dialogues, [b"tiny"], stand_in=True, min_count=1)
    assert isinstance(pairs.splits["train"], PairSet)
    assert word2vec.training_sentences(pairs)[:2] == [["hi", "there", "hello", "train"], ["hello", "train", "bye"]]


def test_vectors_are_gensims_for_the_same_text_and_settings_and_specials_stay_small():
    corpus, settings = animal_corpus(), Word2Vec(epochs=5)
    matrix = word2vec.train_vectors(corpus, settings, 16)
    reference = GensimWord2Vec(word2vec.training_sentences(corpus), vector_size=16, window=5, min_count=1, epochs=5,
                               seed=1, workers=1).wv
    for word in ("cat", "road", "the"):
        assert torch.equal(matrix[corpus.vocab.index[word]], torch.from_numpy(reference[word].copy()))
    specials = matrix[[corpus.vocab.index[s] for s in SPECIALS]]
    assert specials.abs().max() <= 0.05 and specials.abs().min() > 0      # U(-0.05, 0.05), not gensim's


def test_words_that_share_contexts_get_close_vectors():
    corpus = animal_corpus()
    vectors = word2vec.train_vectors(corpus, Word2Vec(), 32)

    def cosine(a: str, b: str) -> float:
        index = corpus.vocab.index
        return float(torch.cosine_similarity(vectors[index[a]], vectors[index[b]], dim=0))

    assert cosine("cat", "dog") > cosine("cat", "car") + 0.2 and cosine("car", "bus") > cosine("bus", "dog") + 0.2


def test_trained_once_per_corpus_and_settings_then_read_from_the_cache(tmp_path, monkeypatch):
    corpus, settings = animal_corpus(), Word2Vec(epochs=2)
    first, path = word2vec.pretrained_embeddings(corpus, settings, 8, tmp_path)
    monkeypatch.setattr(word2vec, "train_vectors", lambda *args: pytest.fail("trained again"))
    again, same_path = word2vec.pretrained_embeddings(corpus, settings, 8, tmp_path)
    assert torch.equal(first, again) and path == same_path
    monkeypatch.undo()
    other, other_path = word2vec.pretrained_embeddings(corpus, Word2Vec(epochs=3), 8, tmp_path)
    assert other_path != path and not torch.equal(other, first)


def test_runs_that_start_together_train_the_vectors_once(tmp_path, monkeypatch):
    """Four workers ask at once: one trains while the others wait on the cache's lock, then read its file."""
    corpus, settings = animal_corpus(), Word2Vec(epochs=2)
    trained, real = [], word2vec.train_vectors

    def slow_training(*args):
        trained.append(1)
        time.sleep(0.2)                  # long enough for every other worker to be waiting
        return real(*args)

    monkeypatch.setattr(word2vec, "train_vectors", slow_training)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: word2vec.pretrained_embeddings(corpus, settings, 8, tmp_path), range(4)))
    assert len(trained) == 1
    assert all(torch.equal(vectors, results[0][0]) and path == results[0][1] for vectors, path in results)
    assert [p.name for p in tmp_path.iterdir()] == [results[0][1].name]        # no lock file left behind


@pytest.mark.parametrize("damage", ["truncated", "not a tensor", "another shape"])
def test_a_damaged_cache_is_trained_again_and_replaced_saying_so(tmp_path, capsys, damage):
    corpus, settings = animal_corpus(), Word2Vec(epochs=2)
    vectors, path = word2vec.pretrained_embeddings(corpus, settings, 8, tmp_path)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    else:
        torch.save({"vectors": vectors} if damage == "not a tensor" else vectors[:, :4], path)
    capsys.readouterr()
    again, same_path = word2vec.pretrained_embeddings(corpus, settings, 8, tmp_path)
    assert torch.equal(again, vectors) and same_path == path
    assert f"{path}: not a readable {len(corpus.vocab)} x 8 matrix" in capsys.readouterr().err
    assert torch.equal(word2vec.read_cache(path, (len(corpus.vocab), 8)), vectors)


def test_training_says_how_many_epochs_are_done_in_a_log(monkeypatch, capsys):
    monkeypatch.setattr(progress, "SHOW", None)
    monkeypatch.setattr(progress, "PLAIN", True)
    monkeypatch.setenv(progress.PLAIN_EVERY_ENV, "0")
    word2vec.train_vectors(animal_corpus(), Word2Vec(epochs=2), 8)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(", ")[:2] for line in lines] == [["word2vec on animals", "1/2 epochs"],
                                                        ["word2vec on animals", "2/2 epochs"]]


def test_same_corpus_and_settings_give_the_same_vectors():
    corpus = animal_corpus()
    assert torch.equal(word2vec.train_vectors(corpus, Word2Vec(epochs=2), 8),
                       word2vec.train_vectors(corpus, Word2Vec(epochs=2), 8))
