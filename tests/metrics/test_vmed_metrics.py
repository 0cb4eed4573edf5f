"""VMED's sentence BLEU (smoothing 7 as NLTK computed it before 3.5) and A-glove, against today's NLTK where the
two releases agree and hand-computed cases where they do not (tests/metrics/check_sentence_bleu_against_nltk.py
compares with the old release itself)."""

import math
import random

import numpy as np
import pytest
from nltk.translate.bleu_score import SmoothingFunction, modified_precision, sentence_bleu

from suite.metrics.glove import RandomForMissing, a_glove, embedding_cosine, glove_6b_50d
from suite.metrics.sentence_bleu import WEIGHTS, mean_sentence_bleu, pair_bleu


def test_bleu_hand_computed_with_method7():
    # p1 = 5/6, p2 = 3/5, p3 = 2/4, p4 = 1/3, 5-gram precision 0 (method 5 reads one order beyond the weights).
    # Method 7 = method 4 (no zero counts: unchanged) then method 5: m = p1 + 1;
    # p1' = (m + p1 + p2) / 3, p2' = (p1' + p2 + p3) / 3, ...; equal lengths, so BP = 1. The released BLEU-2
    # weighs (0.5, 0.5, 0, 0): p3 enters through p2' although its own weight is 0.
    p1, p2, p3 = 5 / 6, 3 / 5, 2 / 4
    p1s = (p1 + 1 + p1 + p2) / 3
    p2s = (p1s + p2 + p3) / 3
    bleu = pair_bleu("the cat sat on a mat".split(), "the cat sat on the mat".split())
    assert bleu[1] == pytest.approx(math.sqrt(p1s * p2s))


def test_bleu_1_to_3_keep_the_released_four_order_weights():
    """data_util.bleu_score4 passes (1, 0, 0, 0), (0.5, 0.5, 0, 0) and (0.33, 0.33, 0.33, 0)."""
    assert WEIGHTS == ((1, 0, 0, 0), (0.5, 0.5, 0, 0), (0.33, 0.33, 0.33, 0), (0.25, 0.25, 0.25, 0.25))
    assert pair_bleu("a b c x y z".split(), "a b c d e".split())[0] == pytest.approx(0.8)   # (1,) gives 2/3


def test_bleu_matches_todays_nltk_where_method_4_does_not_act():
    """Today's NLTK changed only method 4, which acts on an order without a match: on pairs where every order
    matches the two agree, and so do the averages."""
    rng = random.Random(0)
    words = "a b c d e f".split()
    smooth = SmoothingFunction().method7
    hyps, refs = [], []
    while len(hyps) < 40:
        ref = [rng.choice(words) for _ in range(rng.randint(4, 12))]
        hyp = [w if rng.random() < 0.8 else rng.choice(words) for w in ref][:rng.randint(4, 12)]
        if all(modified_precision([ref], hyp, n).numerator for n in range(1, 5)):
            hyps.append(hyp)
            refs.append(ref)
    expected = [np.mean([sentence_bleu([r], h, w, smooth) for h, r in zip(hyps, refs, strict=True)]) for w in WEIGHTS]
    assert mean_sentence_bleu(hyps, refs) == pytest.approx(expected)


def test_an_order_without_a_match_is_smoothed_as_nltk_did_before_3_5():
    """p4 = 0 becomes 1 / (i + k / ln L) = 1 / (3 + 5 / ln 6) (NLTK 3.3-3.4.5), not today's ln 6 / (2 k) / 3."""
    p1, p2, p3, p5 = 3 / 6, 2 / 5, 1 / 4, 0.0
    p4 = 1 / (3 + 5 / math.log(6))
    a1 = (p1 + 1 + p1 + p2) / 3
    a2 = (a1 + p2 + p3) / 3
    a3 = (a2 + p3 + p4) / 3
    a4 = (a3 + p4 + p5) / 3
    hypothesis, reference = "a b c x y z".split(), "a b c d e".split()     # longer than the reference: BP = 1
    bleu4 = pair_bleu(hypothesis, reference)[3]
    assert bleu4 == pytest.approx(math.exp((math.log(a1) + math.log(a2) + math.log(a3) + math.log(a4)) / 4))
    today = sentence_bleu([reference], hypothesis, smoothing_function=SmoothingFunction().method7)
    assert bleu4 - today > 0.04        # 0.369 against 0.324


def test_a_one_word_response_scores_zero_as_released():
    """ln 1 = 0: NLTK before 3.5 raised, and the released bleu_score4 scores the pair 0, even a matching word."""
    assert pair_bleu(["hello"], ["hello", "there"]) == [0.0, 0.0, 0.0, 0.0]
    assert pair_bleu(["hello", "there"], ["hello", "there"])[0] > 0.5


def test_embedding_cosine_hand_computed():
    vectors = {"cat": np.array([1.0, 0.0]), "dog": np.array([0.0, 1.0]), "the": np.array([5.0, 5.0])}
    lookup = vectors.get
    # "the" (a stop-word) and "." are dropped; "zebra" has no vector: [1, 0] against [1, 1].
    assert embedding_cosine(["the", "cat", ".", "zebra"], ["cat", "dog"], lookup) == pytest.approx(
        1 / math.sqrt(2))
    assert embedding_cosine(["the", "."], ["cat"], lookup) == 0.0      # nothing left: 0
    assert a_glove([["cat"], ["cat"]], [["cat"], ["dog"]], lookup) == pytest.approx(0.5)


def test_real_glove_vectors():
    glove = glove_6b_50d()
    assert glove("the")[:3] == pytest.approx([0.418, 0.24968, -0.41242])
    assert glove("notawordinglove123") is None
    assert a_glove([["movie"]], [["movie"]]) == pytest.approx(1.0)
    assert a_glove([["movie"]], [["film"]]) > a_glove([["movie"]], [["banana"]])


def test_a_word_glove_lacks_adds_a_fixed_uniform_vector_as_released():
    """Released loadGloVe: np.random.uniform(0, 1, 50) for each vocabulary word GloVe lacks (<unk> too)."""
    lookup = RandomForMissing({"cat": np.array([1.0, 0.0])}.get, dim=2)
    unk = lookup("<unk>")
    assert unk.shape == (2,) and ((0 <= unk) & (unk < 1)).all()
    assert lookup("<unk>") is unk and np.array_equal(RandomForMissing(lambda w: None, 2)("<unk>"), unk)
    assert lookup("cat").tolist() == [1.0, 0.0]
    expected = (unk[0] + 1.0) / (np.linalg.norm(unk + [1.0, 0.0]) * 1.0)
    assert embedding_cosine(["cat", "<unk>"], ["cat"], lookup) == pytest.approx(expected)
    assert a_glove([["<unk>"]], [["<unk>"]]) == pytest.approx(1.0)      # 0 if <unk> added nothing
