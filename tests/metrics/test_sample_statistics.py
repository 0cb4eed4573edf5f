"""Stochastic WAE's sample metrics against independent references: unigram entropy and UniKL against
scipy.stats.entropy, per-token Dist-n against NLTK's collocation finder (the released code's), BLEU by hand."""

import math
import random
from collections import Counter

import pytest
from nltk.collocations import BigramCollocationFinder
from scipy.stats import entropy

from suite.metrics.diversity import distinct_n, distinct_per_token, unigram_entropy
from suite.metrics.nltk_bleu import nltk_corpus_bleu
from suite.metrics.unigram_kl import average_length, unigram_kl


def random_texts(seed: int, n: int = 40) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice("abcdefghij") for _ in range(rng.randint(1, 9))] for _ in range(n)]


@pytest.mark.parametrize("seed", range(5))
def test_unigram_entropy_equals_scipy_in_nats(seed):
    texts = random_texts(seed)
    counts = Counter(t for text in texts for t in text)
    assert unigram_entropy(texts) == pytest.approx(entropy(list(counts.values())))


def test_unigram_entropy_of_a_uniform_vocabulary_is_log_its_size():
    assert unigram_entropy([["a", "b"], ["c", "d"]]) == pytest.approx(math.log(4))
    assert unigram_entropy([]) == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_per_token_dist_equals_the_released_nltk_computation(seed):
    texts = random_texts(seed)
    stream = [t for text in texts for t in text]
    finder = BigramCollocationFinder.from_words(stream)
    assert distinct_per_token(texts, 2) == pytest.approx(len(finder.ngram_fd) / finder.N)
    assert distinct_per_token(texts, 1) == pytest.approx(distinct_n(texts, 1))


def test_per_token_dist_counts_bigrams_across_texts_and_divides_by_tokens():
    texts = [["a", "b"], ["a", "b"]]          # stream a b a b: bigrams ab, ba, ab -> 2 distinct, 4 tokens
    assert distinct_per_token(texts, 2) == pytest.approx(2 / 4)
    assert distinct_n(texts, 2) == pytest.approx(1 / 2)         # Li et al.: 1 distinct of 2 within-text bigrams


@pytest.mark.parametrize("seed", range(5))
def test_unigram_kl_equals_scipy_when_every_generated_token_is_in_the_corpus(seed):
    generated, corpus = random_texts(seed), random_texts(seed + 100, 400)
    reference = Counter(t for text in corpus for t in text)
    counts = Counter(t for text in generated for t in text)
    assert counts.keys() <= reference.keys()           # the premise: nothing is skipped
    vocab = sorted(reference)
    p = [counts[t] for t in vocab]
    q = [reference[t] for t in vocab]
    assert unigram_kl(generated, reference) == pytest.approx(entropy(p, q))


def test_unigram_kl_skips_unseen_tokens_without_renormalising():
    reference = Counter({"a": 1, "b": 1})
    # p_gen: a 1/2, z 1/2 (z unseen, skipped); p_ref(a) = 1/2 -> (1/2) ln(1) = 0 ... with a 2/4:
    assert unigram_kl([["a", "z"]], reference) == pytest.approx(0.5 * math.log(0.5 / 0.5))
    assert unigram_kl([["a", "a", "a", "z"]], reference) == pytest.approx(0.75 * math.log(0.75 / 0.5))


def test_average_length():
    assert average_length([["a"], ["a", "b", "c"]]) == 2.0


def test_bleu_hand_computed_with_a_brevity_penalty():
    hypotheses = [["the", "cat", "sat"], ["a", "dog", "ran"]]
    references = [["the", "cat", "sat", "down"], ["a", "dog", "ran", "off"]]
    # p1 = 6/6, p2 = 4/4; hypothesis length 6, reference 8: BP = exp(1 - 8/6)
    assert nltk_corpus_bleu(hypotheses, references, 2) == pytest.approx(math.exp(1 - 8 / 6))
    # no 4-gram in any hypothesis: NLTK without smoothing gives (practically) 0
    assert nltk_corpus_bleu(hypotheses, references, 4) == pytest.approx(0.0, abs=1e-12)
    assert nltk_corpus_bleu([["x", "y"]], [["x", "z"]], 1) == pytest.approx(0.5)
