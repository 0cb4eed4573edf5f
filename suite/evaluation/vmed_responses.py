"""VMED's evaluation: one greedy response per test context (latents from the prior), scored against the gold
response by sentence BLEU-1..4 (NLTK smoothing 7) and A-glove, each averaged over the test pairs."""

from __future__ import annotations

import torch

from suite.data.dialogue import PairSet
from suite.data.vocab import Vocab
from suite.evaluation.dialogue import EXAMPLES, example
from suite.metrics.glove import a_glove
from suite.metrics.sentence_bleu import mean_sentence_bleu
from suite.models import device_of
from suite.progress import bar


def decoding_batches(pairs: PairSet, batch_size: int, past_gold: int) -> list[tuple[torch.Tensor, int]]:
    """Consecutive batches of `batch_size` pairs, each with the decoding steps its responses get: its longest
    gold response + `past_gold` (the released VMED's decode_length: the longest + 2, the first step predicting
    <go>). The released last batch is the final `batch_size` pairs, so a short last batch takes their longest."""
    lengths = pairs.lengths
    batches = []
    for index in torch.arange(len(pairs)).split(batch_size):
        window = lengths[max(0, int(index[-1]) + 1 - batch_size):int(index[-1]) + 1]
        batches.append((index, int(window.max()) + past_gold))
    return batches


@torch.no_grad()
def greedy_responses(model, pairs: PairSet, vocab: Vocab, batch_size: int, past_gold: int, mask_unk: bool,
                     max_len: int, desc: str = "responses") -> tuple[list[list[str]], list[list[str]]]:
    """One greedy response per context (latents from the prior) and the gold responses, as words."""
    model.eval()
    responses = []
    for index, decode_len in bar(decoding_batches(pairs, batch_size, past_gold), desc=desc):
        generated = model.respond(pairs.batch(index, max_len).to(device_of(model)), decode_len, mask_unk)
        responses += [vocab.decode(ids) for ids in generated]
    return responses, [vocab.decode(pairs.pair(i)[1].tolist()) for i in range(len(pairs))]


def validation_bleu(model, pairs: PairSet, vocab: Vocab, batch_size: int, past_gold: int, max_len: int) -> float:
    """The released model-selection score: the mean sentence BLEU-4 (NLTK's default weights, smoothing 7) of
    greedy responses to the validation contexts, no <unk> masking."""
    responses, golds = greedy_responses(model, pairs, vocab, batch_size, past_gold, False, max_len,
                                        "validation BLEU")
    return mean_sentence_bleu(responses, golds)[3]


def evaluate_bleu_and_glove(model, pairs: PairSet, vocab: Vocab, batch_size: int, past_gold: int, mask_unk: bool,
                            max_len: int) -> dict:
    responses, golds = greedy_responses(model, pairs, vocab, batch_size, past_gold, mask_unk, max_len)
    bleu = mean_sentence_bleu(responses, golds)
    return {**{f"bleu{n}": value for n, value in enumerate(bleu, 1)}, "a_glove": a_glove(responses, golds),
            "examples": [example(pairs, vocab, i, responses[i]) for i in range(min(EXAMPLES, len(pairs)))]}
