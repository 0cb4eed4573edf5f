"""VMED's evaluation: one greedy response per test context (latents from the prior), scored against the gold
response by sentence BLEU-1..4 (NLTK smoothing 7) and A-glove, each averaged over the test pairs."""

from __future__ import annotations

import torch

from suite.data.dialogue import PairSet
from suite.data.vocab import Vocab
from suite.evaluation.dialogue import EXAMPLES, RESPONSE_BATCH, example
from suite.metrics.glove import a_glove
from suite.metrics.sentence_bleu import mean_sentence_bleu
from suite.models import device_of
from suite.progress import bar


@torch.no_grad()
def greedy_responses(model, pairs: PairSet, vocab: Vocab, decode_max_len: int, mask_unk: bool, max_len: int,
                     desc: str = "responses") -> tuple[list[list[str]], list[list[str]]]:
    """One greedy response per context (latents from the prior) and the gold responses, as words."""
    model.eval()
    responses = []
    for index in bar(torch.arange(len(pairs)).split(RESPONSE_BATCH), desc=desc):
        generated = model.respond(pairs.batch(index, max_len).to(device_of(model)), decode_max_len, mask_unk)
        responses += [vocab.decode(ids) for ids in generated]
    return responses, [vocab.decode(pairs.pair(i)[1].tolist()) for i in range(len(pairs))]


def validation_bleu(model, pairs: PairSet, vocab: Vocab, decode_max_len: int, max_len: int) -> float:
    """The released model-selection score: the mean sentence BLEU-4 (NLTK's default weights, smoothing 7) of
    greedy responses to the validation contexts, no <unk> masking."""
    responses, golds = greedy_responses(model, pairs, vocab, decode_max_len, False, max_len, "validation BLEU")
    return mean_sentence_bleu(responses, golds)[3]


def evaluate_bleu_and_glove(model, pairs: PairSet, vocab: Vocab, decode_max_len: int, mask_unk: bool,
                            max_len: int) -> dict:
    responses, golds = greedy_responses(model, pairs, vocab, decode_max_len, mask_unk, max_len)
    bleu = mean_sentence_bleu(responses, golds)
    return {**{f"bleu{n}": value for n, value in enumerate(bleu, 1)}, "a_glove": a_glove(responses, golds),
            "examples": [example(pairs, vocab, i, responses[i]) for i in range(min(EXAMPLES, len(pairs)))]}
