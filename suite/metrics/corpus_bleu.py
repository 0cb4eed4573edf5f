"""Corpus BLEU-4 as Moses multi-bleu.perl computes it (the script the AMI authors' OpenNMT-py fork ships in tools/):
whitespace tokens, corpus-level clipped n-gram counts for n = 1..4, geometric mean, closest-reference brevity
penalty, no smoothing (0 when some order has no match). Computed with sacrebleu; a fraction in [0, 1].
"""

from __future__ import annotations

from sacrebleu.metrics import BLEU

_MULTI_BLEU = BLEU(tokenize="none", smooth_method="none", force=True, effective_order=False)


def corpus_bleu4(hypotheses: list[list[str]], references: list[list[str]]) -> float:
    """BLEU-4 of the hypotheses against one reference each, as a fraction."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    score = _MULTI_BLEU.corpus_score([" ".join(h) for h in hypotheses], [[" ".join(r) for r in references]])
    return score.score / 100.0
