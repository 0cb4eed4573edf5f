"""Diversity of generated text: Distinct-n (Li et al. 2016) and n-gram entropy, corpus level."""

from __future__ import annotations

import math
from collections import Counter


def distinct_n(texts: list[list[str]], n: int) -> float:
    ngrams = [tuple(text[i:i + n]) for text in texts for i in range(len(text) - n + 1)]
    return len(set(ngrams)) / len(ngrams) if ngrams else 0.0


def ngram_entropy(texts: list[list[str]], n: int) -> float:
    """Entropy (nats) of the empirical distribution of the n-grams of all texts together: AMI's Ent-n (Zhang et al.
    2018); 0 without n-grams."""
    return counts_entropy(Counter(tuple(text[i:i + n]) for text in texts for i in range(len(text) - n + 1)))


def counts_entropy(counts: Counter) -> float:
    """Entropy (nats) of the empirical distribution given by `counts`; 0 when empty."""
    total = sum(counts.values())
    return 0.0 - sum(c / total * math.log(c / total) for c in counts.values()) if total else 0.0


def unigram_entropy(texts: list[list[str]]) -> float:
    """Entropy (nats) of the unigram distribution of all tokens of `texts` (Stochastic WAE's Entropy)."""
    return ngram_entropy(texts, 1)


def distinct_per_token(texts: list[list[str]], n: int) -> float:
    """Distinct n-grams of the texts' concatenated token stream over the number of tokens: the released Stochastic
    WAE code's Dist-n formula (NLTK's BigramCollocationFinder over the flattened stream, divided by its word
    count; suite/evaluation/response_generation.py says over which texts the suite applies it), so
    n-grams may span two texts. Equals `distinct_n` for n = 1; for n = 2 the denominator is the token count, not
    the bigram count (Li et al.)."""
    stream = [token for text in texts for token in text]
    ngrams = {tuple(stream[i:i + n]) for i in range(len(stream) - n + 1)}
    return len(ngrams) / len(stream) if stream else 0.0
