"""Sentence-level BLEU-1..4 as VMED's released evaluation computes it (data_util.bleu_score4): NLTK's
`sentence_bleu` against the one reference with smoothing method 7, averaged over test pairs.

The released weights are (1, 0, 0, 0), (0.5, 0.5, 0, 0), (0.33, 0.33, 0.33, 0) and (0.25, 0.25, 0.25, 0.25):
BLEU-3 is weighted 0.33, not 1/3, and every tuple has four orders. The orders weighted 0 still count: smoothing 7
(method 5) averages each order's precision with the next order's, so BLEU-1..3 scored with shorter tuples come out
lower (BLEU-1 of "a b c x y z" against "a b c d e": 0.800 as released, 0.667 with (1,)). A pair NLTK cannot score
scores 0, as in the released code.

Unit: fractions in [0, 1]; the VMED tables print them x100 (`unit: percent`).
"""

from __future__ import annotations

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

WEIGHTS = ((1, 0, 0, 0), (0.5, 0.5, 0, 0), (0.33, 0.33, 0.33, 0), (0.25, 0.25, 0.25, 0.25))
_SMOOTHING = SmoothingFunction().method7


def pair_bleu(hypothesis: list[str], reference: list[str]) -> list[float]:
    """[BLEU-1, BLEU-2, BLEU-3, BLEU-4] of one hypothesis against its one reference, from one NLTK call that
    counts the n-grams once for all four weight tuples (4x faster than a call per tuple, the same numbers)."""
    try:
        return [float(score) for score in sentence_bleu([reference], hypothesis, list(WEIGHTS), _SMOOTHING)]
    except (ZeroDivisionError, ValueError):
        return [0.0] * len(WEIGHTS)


def mean_sentence_bleu(hypotheses: list[list[str]], references: list[list[str]]) -> list[float]:
    """Per-pair BLEU-1..4 averaged over the pairs."""
    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError(f"need as many hypotheses as references, at least one ({len(hypotheses)} vs "
                         f"{len(references)})")
    per_pair = [pair_bleu(h, r) for h, r in zip(hypotheses, references, strict=True)]
    return [sum(column) / len(per_pair) for column in zip(*per_pair, strict=True)]
