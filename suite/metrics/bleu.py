"""Corpus BLEU with the Moses multi-bleu.perl conventions (whitespace tokens, corpus-level counts,
closest-reference brevity penalty), computed with sacrebleu.

The Coupled-VAE code reports "BLEU-n" as multi-bleu's n-gram precision times its brevity penalty, not the
cumulative n-gram BLEU; `precision_times_bp` gives exactly that.

Unit: a fraction in [0, 1] like every ratio metric of the suite (sacrebleu works in percent); tables whose
paper prints BLEU x100 say `unit: percent`, and only the display multiplies by 100.
"""

from __future__ import annotations

from sacrebleu.metrics import BLEU

_MOSES = BLEU(tokenize="none", smooth_method="none", force=True, effective_order=False)


def precision_times_bp(hypotheses: list[list[str]], references: list[list[str]]) -> list[float]:
    """[BP·p1, BP·p2, BP·p3, BP·p4] as fractions in [0, 1], one reference per hypothesis."""
    score = _MOSES.corpus_score([" ".join(h) for h in hypotheses], [[" ".join(r) for r in references]])
    return [p / 100.0 * score.bp for p in score.precisions]     # sacrebleu's precisions are in percent


def corpus_bleu4(hypotheses: list[list[str]], references: list[list[str]]) -> float:
    """Cumulative corpus BLEU-4 as multi-bleu.perl prints it (geometric mean of n = 1..4, no smoothing: 0 when some
    order has no match), one reference per hypothesis, as a fraction: the AMI rows' BLEU."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references")
    return _MOSES.corpus_score([" ".join(h) for h in hypotheses], [[" ".join(r) for r in references]]).score / 100.0
