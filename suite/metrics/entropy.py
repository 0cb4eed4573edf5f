"""Response entropy: Ent-n of Zhang et al. (2018), the entropy (nats) of the empirical distribution of the n-grams
of all generated responses together. Higher means the n-grams are spread more evenly: less repetitive output."""

from __future__ import annotations

import math
from collections import Counter


def ngram_entropy(texts: list[list[str]], n: int) -> float:
    """-Σ_g p(g) log p(g) over the n-grams g of all texts, p(g) = count(g) / total count; 0 without n-grams."""
    counts = Counter(tuple(text[i:i + n]) for text in texts for i in range(len(text) - n + 1))
    total = sum(counts.values())
    return 0.0 - sum(c / total * math.log(c / total) for c in counts.values()) if total else 0.0
