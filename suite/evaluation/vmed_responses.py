"""VMED's evaluation: one greedy response per test context (latents from the prior), scored against the gold
response by sentence BLEU-1..4 (NLTK smoothing 7, as before NLTK 3.5) and A-glove, each a mean of per-batch means
over the test pairs, as the released qa_task.py averages them (`decoding_batches` says which pairs it scores)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from suite.data.dialogue import PairSet
from suite.data.vocab import Vocab
from suite.evaluation.dialogue import EXAMPLES, example
from suite.metrics.glove import a_glove
from suite.metrics.sentence_bleu import mean_sentence_bleu
from suite.models import device_of
from suite.progress import bar


@dataclass(frozen=True)
class DecodingBatch:
    decoded: torch.Tensor     # the pairs decoded together
    scored: int               # how many of them, from the first, are scored
    steps: int                # decoding steps: their longest gold response + past_gold


@dataclass(frozen=True)
class ScoredBatch:
    index: torch.Tensor       # the scored pairs
    responses: list[list[str]]
    golds: list[list[str]]


def decoding_batches(pairs: PairSet, batch_size: int, past_gold: int) -> list[DecodingBatch]:
    """Consecutive batches of `batch_size` pairs as the released loop (qa_task.py) cuts them, each decoded for
    its longest gold response + `past_gold` steps (the released decode_length: the longest + 2, the first step
    predicting <go>). A short last batch of r pairs is, as released, the final `batch_size` pairs, of which the
    first r are scored: pairs an earlier batch scored already, while the last r pairs are never scored."""
    n, lengths = len(pairs), pairs.lengths
    batches = []
    for start in range(0, n, batch_size):
        scored = min(batch_size, n - start)
        first = start if scored == batch_size else max(0, n - batch_size)
        decoded = torch.arange(first, min(first + batch_size, n))
        batches.append(DecodingBatch(decoded, scored, int(lengths[decoded].max()) + past_gold))
    return batches


@torch.no_grad()
def greedy_responses(model, pairs: PairSet, vocab: Vocab, batch_size: int, past_gold: int, mask_unk: bool,
                     max_len: int, desc: str = "responses") -> list[ScoredBatch]:
    """Per decoding batch, its scored pairs' greedy responses (latents from the prior) and gold responses."""
    model.eval()
    scored = []
    for batch in bar(decoding_batches(pairs, batch_size, past_gold), desc=desc):
        generated = model.respond(pairs.batch(batch.decoded, max_len).to(device_of(model)), batch.steps, mask_unk)
        index = batch.decoded[:batch.scored]
        scored.append(ScoredBatch(index, [vocab.decode(ids) for ids in generated[:batch.scored]],
                                  [vocab.decode(pairs.pair(int(i))[1].tolist()) for i in index]))
    return scored


def mean_over_batches(batches: list[ScoredBatch], score) -> list[float]:
    """The released aggregate: each batch's mean score (`score` gives a list of values), averaged over batches,
    so a short last batch weighs as much as a full one."""
    per_batch = [score(b.responses, b.golds) for b in batches]
    return [sum(column) / len(per_batch) for column in zip(*per_batch, strict=True)]


def validation_bleu(model, pairs: PairSet, vocab: Vocab, batch_size: int, past_gold: int, max_len: int) -> float:
    """The released model-selection score: the mean sentence BLEU-4 (NLTK's default weights, smoothing 7) of
    greedy responses to the validation contexts, no <unk> masking, averaged per batch as released."""
    batches = greedy_responses(model, pairs, vocab, batch_size, past_gold, False, max_len, "validation BLEU")
    return mean_over_batches(batches, mean_sentence_bleu)[3]


def evaluate_bleu_and_glove(model, pairs: PairSet, vocab: Vocab, batch_size: int, past_gold: int, mask_unk: bool,
                            max_len: int) -> dict:
    batches = greedy_responses(model, pairs, vocab, batch_size, past_gold, mask_unk, max_len)
    bleu = mean_over_batches(batches, mean_sentence_bleu)
    [glove] = mean_over_batches(batches, lambda responses, golds: [a_glove(responses, golds)])
    first = [(int(i), r) for b in batches for i, r in zip(b.index, b.responses, strict=True)][:EXAMPLES]
    return {**{f"bleu{n}": value for n, value in enumerate(bleu, 1)}, "a_glove": glove,
            "examples": [example(pairs, vocab, i, response) for i, response in first]}
