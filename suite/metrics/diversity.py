"""Distinct-n (Li et al. 2016): distinct n-grams over all generated n-grams, corpus level."""

from __future__ import annotations


def distinct_n(texts: list[list[str]], n: int) -> float:
    ngrams = [tuple(text[i:i + n]) for text in texts for i in range(len(text) - n + 1)]
    return len(set(ngrams)) / len(ngrams) if ngrams else 0.0
