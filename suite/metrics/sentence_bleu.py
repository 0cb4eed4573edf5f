"""Sentence-level BLEU-1..4 as VMED's released evaluation computes it (data_util.bleu_score4): NLTK's
`sentence_bleu` against the one reference with smoothing method 7, averaged over test pairs, in the NLTK of the
paper's time.

The released weights are (1, 0, 0, 0), (0.5, 0.5, 0, 0), (0.33, 0.33, 0.33, 0) and (0.25, 0.25, 0.25, 0.25):
BLEU-3 is weighted 0.33, not 1/3, and every tuple has four orders. The orders weighted 0 still count: smoothing 7
(method 5) averages each order's precision with the next order's, so BLEU-1..3 scored with shorter tuples come out
lower (BLEU-1 of "a b c x y z" against "a b c d e": 0.800 as released, 0.667 with (1,)).

Which NLTK: the code was released in October 2018, for a paper written before; NLTK 3.5 (April 2020) changed
smoothing method 4, the first half of method 7. Every earlier release gives an order i (0-based) without a match
the precision 1 / (i + k / ln L), k = 5 and L the hypothesis length, where today's gives ln L / (2^j k) divided by
the order's n-gram count (j counting the unmatched orders). On ten-word responses without 3- or 4-gram matches
the two differ by several BLEU points, so the suite computes the earlier formula itself, from NLTK's own modified
precision and brevity penalty (unchanged since). With L = 1 the earlier formula divides by ln 1 = 0 and NLTK raised,
which the released code scores 0, as it does a pair without a matched word.

Unit: fractions in [0, 1]; the VMED tables print them x100 (`unit: percent`).
"""

from __future__ import annotations

import math

from nltk.translate.bleu_score import brevity_penalty, modified_precision

WEIGHTS = ((1, 0, 0, 0), (0.5, 0.5, 0, 0), (0.33, 0.33, 0.33, 0), (0.25, 0.25, 0.25, 0.25))
ORDERS = 4
K = 5                   # SmoothingFunction's default k


def method7_precisions(hypothesis: list[str], reference: list[str]) -> list[float] | None:
    """The four n-gram precisions after NLTK 3.4's smoothing method 7 (method 4, then method 5); None where that
    NLTK returned 0 (no unigram match) or raised (a one-word hypothesis)."""
    precisions = [modified_precision([reference], hypothesis, n) for n in range(1, ORDERS + 2)]
    if precisions[0].numerator == 0:
        return None
    length = len(hypothesis)
    if length == 1:
        return None
    # method 4 (NLTK <= 3.4.5): an order without a match gets 1 / (i + k / ln L)
    smoothed = [float(p) if p.numerator else 1 / (i + K / math.log(length)) for i, p in enumerate(precisions[:ORDERS])]
    # method 5: each order averaged with the one before (already averaged; before the first, p1 + 1) and the one
    # after (smoothed; after the fourth, the unsmoothed 5-gram precision)
    following = [*smoothed[1:], float(precisions[ORDERS])]
    averaged, previous = [], smoothed[0] + 1
    for current, after in zip(smoothed, following, strict=True):
        previous = (previous + current + after) / 3
        averaged.append(previous)
    return averaged


def pair_bleu(hypothesis: list[str], reference: list[str]) -> list[float]:
    """[BLEU-1, BLEU-2, BLEU-3, BLEU-4] of one hypothesis against its one reference."""
    precisions = method7_precisions(hypothesis, reference)
    if precisions is None:
        return [0.0] * len(WEIGHTS)
    penalty = brevity_penalty(len(reference), len(hypothesis))
    return [penalty * math.exp(math.fsum(w * math.log(p) for w, p in zip(weights, precisions, strict=True)))
            for weights in WEIGHTS]


def mean_sentence_bleu(hypotheses: list[list[str]], references: list[list[str]]) -> list[float]:
    """Per-pair BLEU-1..4 averaged over the pairs."""
    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError(f"need as many hypotheses as references, at least one ({len(hypotheses)} vs "
                         f"{len(references)})")
    per_pair = [pair_bleu(h, r) for h, r in zip(hypotheses, references, strict=True)]
    return [sum(column) / len(per_pair) for column in zip(*per_pair, strict=True)]
