"""Surface statistics of sampled sentences against a corpus (Stochastic WAE, Table 1): UniKL and AvgLen."""

from __future__ import annotations

import math
from collections import Counter


def unigram_kl(generated: list[list[str]], reference: Counter) -> float:
    """KL(p_gen ‖ p_ref) between unigram distributions, as the released evaluate_latent_space.py: p_gen over all
    generated tokens, p_ref over the reference counts; generated tokens the reference never saw are skipped
    (their terms left out, p_gen not renormalised)."""
    counts = Counter(token for text in generated for token in text)
    total, reference_total = sum(counts.values()), sum(reference.values())
    return sum(c / total * math.log((c / total) / (reference[t] / reference_total))
               for t, c in counts.items() if reference[t] > 0)


def average_length(texts: list[list[str]]) -> float:
    return sum(map(len, texts)) / len(texts) if texts else 0.0
