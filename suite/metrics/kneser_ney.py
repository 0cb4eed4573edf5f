"""An interpolated Kneser-Ney n-gram language model for the fluency PPL of sampled sentences (Stochastic WAE's
PPL came from a third-party n-gram LM trained on Wikipedia; this one is trained on a corpus the user picks).

The estimator is NLTK's `KneserNeyInterpolated` (same padding, discount, unknown-word cutoff and recursion; a
bigram model equals NLTK's probability for probability, tests/metrics/test_kneser_ney.py) with two changes:
the continuation counts are computed once (NLTK rescans every n-gram context at each query, far too slow for a
corpus of a million tokens), and a middle order's back-off weight counts the words the context continues to
(NLTK counts the words that follow it, so its trigram distributions do not sum to one).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

BOS, EOS, UNK = "<s>", "</s>", "<UNK>"


def padded(sentence: list[str], order: int) -> list[str]:
    return [BOS] * (order - 1) + sentence + [EOS] * (order - 1)


class KneserNeyLM:
    def __init__(self, sentences: list[list[str]], order: int = 3, discount: float = 0.75, unk_cutoff: int = 2):
        self.order, self.discount = order, discount
        word_counts = Counter(w for s in sentences for w in padded(s, order))
        self.vocab = {w for w, c in word_counts.items() if c >= unk_cutoff}
        # followers[context][word] = c(context word) for contexts of length 1 .. order - 1
        self.followers: dict[tuple, Counter] = defaultdict(Counter)
        for sentence in sentences:
            tokens = self.lookup(padded(sentence, order))
            for k in range(2, order + 1):
                for i in range(len(tokens) - k + 1):
                    self.followers[tuple(tokens[i:i + k - 1])][tokens[i + k - 1]] += 1
        # continuation[context][word] = #{u : c(u context word) > 0}; its total over words is continuation_total
        self.continuation: dict[tuple, Counter] = defaultdict(Counter)
        for context, words in list(self.followers.items()):
            for word in words:
                self.continuation[context[1:]][word] += 1
        self.continuation_total = {context: sum(c.values()) for context, c in self.continuation.items()}

    def lookup(self, tokens: list[str]) -> list[str]:
        return [t if t in self.vocab else UNK for t in tokens]

    def score(self, word: str, context: tuple[str, ...] = ()) -> float:
        """p(word | context), unknown words (and context words) mapped to <UNK>."""
        [word] = self.lookup([word])
        context = tuple(self.lookup(list(context[-(self.order - 1):]))) if self.order > 1 else ()
        return self._score(word, context)

    def _score(self, word: str, context: tuple[str, ...]) -> float:
        d = self.discount
        if not context:
            total = self.continuation_total.get((), 0)
            return self.continuation[()][word] / total if total else 0.0
        followers = self.followers.get(context)
        if not followers:
            return self._score(word, context[1:])
        if len(context) + 1 == self.order:
            count, total = followers[word], sum(followers.values())
        else:
            count, total = self.continuation[context][word], self.continuation_total.get(context, 0)
            if not total:
                return self._score(word, context[1:])
        alpha = max(count - d, 0.0) / total
        gamma = d * (len(followers) if len(context) + 1 == self.order else len(self.continuation[context])) / total
        return alpha + gamma * self._score(word, context[1:])

    def sentence_log_prob(self, sentence: list[str]) -> tuple[float, int]:
        """ln p of the sentence's words and one </s>, each given its (order - 1) predecessors (<s>-padded),
        and the number of predictions."""
        tokens = [BOS] * (self.order - 1) + sentence + [EOS]
        n = self.order - 1
        total = sum(math.log(self.score(tokens[i], tuple(tokens[i - n:i]))) for i in range(n, len(tokens)))
        return total, len(tokens) - n

    def perplexity(self, sentences: list[list[str]]) -> float:
        log_prob, count = 0.0, 0
        for sentence in sentences:
            lp, n = self.sentence_log_prob(sentence)
            log_prob, count = log_prob + lp, count + n
        return math.exp(-log_prob / count)
