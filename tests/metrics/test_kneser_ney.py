"""The Kneser-Ney fluency LM against NLTK's KneserNeyInterpolated (same estimator, slow reference)."""

import math

import pytest
from nltk.lm import KneserNeyInterpolated, Vocabulary
from nltk.lm.preprocessing import padded_everygram_pipeline

from suite.metrics.kneser_ney import KneserNeyLM

TRAIN = [s.split() for s in [
    "the cat sat on the mat", "the dog sat on the log", "a cat saw the dog", "the dog saw a cat on the mat",
    "a bird sat on a log", "the bird saw the cat", "a dog ran", "the mat was red"]]
QUERIES = [s.split() for s in ["the cat sat on the log", "a dog saw the bird", "the zebra sat on a mat", "cat"]]


def nltk_model(order: int, discount: float, cutoff: int):
    ngrams, vocabulary = padded_everygram_pipeline(order, TRAIN)
    model = KneserNeyInterpolated(order, discount=discount, vocabulary=Vocabulary(unk_cutoff=cutoff))
    model.fit(ngrams, vocabulary)
    return model


@pytest.mark.parametrize("order,discount,cutoff", [(2, 0.75, 1), (2, 0.75, 2), (2, 0.1, 1)])
def test_every_bigram_probability_equals_nltk(order, discount, cutoff):
    ours, reference = KneserNeyLM(TRAIN, order, discount, cutoff), nltk_model(order, discount, cutoff)
    for sentence in QUERIES:
        tokens = ["<s>"] * (order - 1) + sentence + ["</s>"]
        for i in range(order - 1, len(tokens)):
            context = tuple(tokens[i - order + 1:i])
            assert ours.score(tokens[i], context) == pytest.approx(reference.score(tokens[i], context), abs=1e-12)


def test_highest_order_terms_equal_nltk_when_the_lower_orders_agree():
    """Where the trigram context was seen and its bigram back-off context has one continuation word per
    follower, NLTK's (unnormalised) middle order coincides with ours."""
    ours, reference = KneserNeyLM(TRAIN, 3, 0.75, 1), nltk_model(3, 0.75, 1)
    assert ours.score("sat", ("the", "cat")) == pytest.approx(reference.score("sat", ("the", "cat")))


def test_a_middle_order_counts_distinct_predecessors_not_occurrences():
    """"on the" occurs 3 times but after 2 distinct words (sat, cat), "on a" once: in a trigram model the
    bigram order is p(the | on) = (2 - d)/3 + d·2/3·p(the), not the raw-count (3 - d)/4 + d·2/4·p(the)."""
    lm = KneserNeyLM(TRAIN, 3, 0.75, 1)
    unigram = lm.score("the", ())
    assert lm.score("the", ("zebra", "on")) == pytest.approx((2 - 0.75) / 3 + 0.75 * 2 / 3 * unigram, abs=1e-12)


@pytest.mark.parametrize("order", [2, 3, 4])
def test_distribution_sums_to_one_over_the_vocabulary(order):
    lm = KneserNeyLM(TRAIN, order, 0.75, 1)
    words = sorted(lm.vocab)      # <s> too: padding makes (<s>, <s>) a training bigram
    for context in [("the", "cat", "sat"), ("<s>", "<s>", "<s>"), ("sat", "on", "the"), ("a", "zebra", "the")]:
        context = context[-(order - 1):]
        assert sum(lm.score(w, context) for w in words) == pytest.approx(1.0, abs=1e-9)


def test_perplexity_is_the_exponentiated_mean_negative_log_probability():
    lm = KneserNeyLM(TRAIN, 3, 0.75, 2)
    sentence = ["the", "cat", "sat"]
    tokens = ["<s>", "<s>", *sentence, "</s>"]
    logs = [math.log(lm.score(tokens[i], tuple(tokens[i - 2:i]))) for i in range(2, len(tokens))]
    assert lm.perplexity([sentence]) == pytest.approx(math.exp(-sum(logs) / 4))
