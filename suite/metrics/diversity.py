"""Distinct-n (Li et al. 2016): distinct n-grams over all generated n-grams, corpus level."""

from __future__ import annotations

import math
from collections import Counter


def distinct_n(texts: list[list[str]], n: int) -> float:
    ngrams = [tuple(text[i:i + n]) for text in texts for i in range(len(text) - n + 1)]
    return len(set(ngrams)) / len(ngrams) if ngrams else 0.0


def unigram_entropy(texts: list[list[str]]) -> float:
    """Entropy (nats) of the unigram distribution of all tokens of `texts` (Stochastic WAE's Entropy)."""
    counts = Counter(token for text in texts for token in text)
    total = sum(counts.values())
    return -sum(c / total * math.log(c / total) for c in counts.values()) if total else 0.0


def distinct_per_token(texts: list[list[str]], n: int) -> float:
    """Distinct n-grams of the texts' concatenated token stream over the number of tokens: the released Stochastic
    WAE code's Dist-n (NLTK's BigramCollocationFinder over the flattened stream, divided by its word count), so
    n-grams may span two texts. Equals `distinct_n` for n = 1; for n = 2 the denominator is the token count, not
    the bigram count (Li et al.)."""
    stream = [token for text in texts for token in text]
    ngrams = {tuple(stream[i:i + n]) for i in range(len(stream) - n + 1)}
    return len(ngrams) / len(stream) if stream else 0.0
