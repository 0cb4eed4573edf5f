"""Reconstruction BLEU (multi-bleu precision x brevity penalty, as a fraction) against NLTK; Distinct-n by hand."""

import math
import random

import pytest
from nltk.translate.bleu_score import corpus_bleu

from suite.metrics.bleu import precision_times_bp
from suite.metrics.diversity import distinct_n


def test_hand_computed_example():
    hypotheses = [["the", "cat", "sat"], ["a", "dog"]]
    references = [["the", "cat", "sat", "down"], ["a", "dog", "ran"]]
    bp = math.exp(1 - 7 / 5)                                 # hypothesis 5 tokens, reference 7
    p1, p2, p3, p4 = precision_times_bp(hypotheses, references)
    assert p1 == pytest.approx(bp)                     # 5/5 unigrams match
    assert p2 == pytest.approx(bp)                     # 3/3 bigrams
    assert p3 == pytest.approx(bp)                     # 1/1 trigram ("the cat sat")
    assert p4 == 0.0


def test_agrees_with_nltk_corpus_bleu_on_random_corpora():
    rng = random.Random(0)
    words = "a b c d e f g h".split()
    for _ in range(20):
        references = [[rng.choice(words) for _ in range(rng.randint(3, 12))] for _ in range(30)]
        hypotheses = [[w if rng.random() < 0.6 else rng.choice(words) for w in r][:rng.randint(2, 14)]
                      for r in references]
        p1, p2, *_ = precision_times_bp(hypotheses, references)
        refs = [[r] for r in references]
        assert p1 == pytest.approx(corpus_bleu(refs, hypotheses, weights=(1,)), rel=1e-9)
        assert p2 == pytest.approx(corpus_bleu(refs, hypotheses, weights=(0, 1)), rel=1e-9)


def test_distinct_n():
    texts = [["a", "b", "a"], ["a", "b"]]
    assert distinct_n(texts, 1) == pytest.approx(2 / 5)
    assert distinct_n(texts, 2) == pytest.approx(2 / 3)       # (a b), (b a), (a b)
    assert distinct_n([["x"]], 2) == 0.0
