"""Responses to test contexts, scored as the AMI rows report them: BLEU-4 against the gold response (multi-bleu),
Dist-1/2 and Ent-4 over all responses, with a few (context, response, gold) examples for the qualitative table.
One response per context: each model's `respond` (beam search; for MMI, the reranked n-best list)."""

from __future__ import annotations

from suite.data.dialogue import PairSet
from suite.data.vocab import EOS, Vocab
from suite.evaluation.dialogue import respond_to_all
from suite.metrics.bleu import corpus_bleu4
from suite.metrics.diversity import distinct_n, ngram_entropy

EXAMPLES = 5


def turns(pairs: PairSet, vocab: Vocab, i: int) -> list[str]:
    """The context of pair i as text turns, oldest first (earlier turns are separated by <eos>)."""
    earlier = [] if pairs.earlier is None else pairs.earlier.sentence(i).tolist()
    texts, current = [], []
    for word in earlier:
        if word == EOS:
            texts.append(" ".join(vocab.decode(current)))
            current = []
        else:
            current.append(word)
    return texts + [" ".join(vocab.decode(pairs.posts.sentence(i).tolist()))]


def evaluate_replies(model, pairs: PairSet, vocab: Vocab, max_len_decode: int, mask_unk: bool, max_len: int) -> dict:
    responses = respond_to_all(model, pairs, vocab, max_len_decode, mask_unk, max_len, desc="replies")
    golds = [vocab.decode(pairs.responses.sentence(i).tolist()) for i in range(len(pairs))]
    examples = [{"context": turns(pairs, vocab, i), "response": " ".join(responses[i]), "gold": " ".join(golds[i])}
                for i in range(min(EXAMPLES, len(pairs)))]
    return {"bleu4": corpus_bleu4(responses, golds), "dist1": distinct_n(responses, 1),
            "dist2": distinct_n(responses, 2), "ent4": ngram_entropy(responses, 4),
            "empty_responses": sum(not r for r in responses), "examples": examples}
