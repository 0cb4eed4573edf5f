"""BLEU-4 (multi-bleu conventions) against NLTK's corpus_bleu and a hand-computed case; Ent-n against scipy."""

import math
import random

import pytest
from nltk.translate.bleu_score import corpus_bleu
from scipy.stats import entropy

from suite.metrics.bleu import corpus_bleu4
from suite.metrics.diversity import ngram_entropy


def test_bleu4_hand_computed():
    hypotheses = [["a", "b", "c", "d", "e"]]
    references = [["a", "b", "c", "d", "e", "f"]]
    precisions = [5 / 5, 4 / 4, 3 / 3, 2 / 2]
    expected = math.exp(1 - 6 / 5) * math.exp(sum(math.log(p) for p in precisions) / 4)
    assert corpus_bleu4(hypotheses, references) == pytest.approx(expected)
    assert corpus_bleu4([["x", "y"]], [["a", "b"]]) == 0.0        # no smoothing


def test_bleu4_agrees_with_nltk_corpus_bleu():
    rng = random.Random(1)
    words = "a b c d e".split()
    for _ in range(20):
        references = [[rng.choice(words) for _ in range(rng.randint(4, 14))] for _ in range(40)]
        hypotheses = [[w if rng.random() < 0.8 else rng.choice(words) for w in r][:rng.randint(4, 16)]
                      for r in references]
        expected = corpus_bleu([[r] for r in references], hypotheses)      # uniform weights up to 4-grams
        assert corpus_bleu4(hypotheses, references) == pytest.approx(expected, rel=1e-9)


def test_bleu4_needs_one_reference_per_hypothesis():
    with pytest.raises(ValueError):
        corpus_bleu4([["a"]], [])


@pytest.mark.parametrize("n", [1, 2, 4])
def test_ngram_entropy_agrees_with_scipy(n):
    rng = random.Random(n)
    texts = [[rng.choice("abcdef") for _ in range(rng.randint(0, 9))] for _ in range(50)]
    grams = [tuple(t[i:i + n]) for t in texts for i in range(len(t) - n + 1)]
    counts = [grams.count(g) for g in set(grams)]
    assert ngram_entropy(texts, n) == pytest.approx(entropy(counts))


def test_ngram_entropy_closed_forms():
    assert ngram_entropy([["a", "a", "a"]], 1) == 0.0
    assert ngram_entropy([["a", "b", "c", "d"]], 1) == pytest.approx(math.log(4))
    assert ngram_entropy([["a"]], 2) == 0.0
