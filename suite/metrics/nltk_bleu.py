"""Corpus BLEU as the Stochastic WAE code computes it: NLTK's `corpus_bleu`, one reference per hypothesis,
uniform weights over 1..n-grams, no smoothing. A fraction in [0, 1] (the paper prints ×100)."""

from __future__ import annotations

import warnings

from nltk.translate.bleu_score import corpus_bleu


def nltk_corpus_bleu(hypotheses: list[list[str]], references: list[list[str]], max_n: int = 4) -> float:
    weights = tuple(1.0 / max_n for _ in range(max_n))
    with warnings.catch_warnings():        # NLTK warns when an order has no match; the score (≈ 0) says so
        warnings.simplefilter("ignore", UserWarning)
        return float(corpus_bleu([[r] for r in references], hypotheses, weights=weights))
