"""Diversity of generated responses (Coupled-VAE Table 8's D-1/D-2): one greedy response per test post.

A latent model decodes from one z ~ p(z | y); the GRU encoder-decoder decodes from the post alone. The AMI rows'
replies (`suite.evaluation.replies`) come from the same loop. NLL, KL and PPL of the gold responses need nothing
here: `suite.evaluation.likelihood` reads pair splits as they are.
"""

from __future__ import annotations

import torch

from suite.data.dialogue import PairSet
from suite.data.vocab import Vocab
from suite.metrics.diversity import distinct_n
from suite.models import device_of
from suite.progress import bar

RESPONSE_BATCH = 32       # posts per batch, as the released code
EXAMPLES = 5


def example(pairs: PairSet, vocab: Vocab, i: int, response: list[str]) -> dict[str, str]:
    post, gold = pairs.pair(i)
    return {"post": " ".join(vocab.decode(post.tolist())), "gold": " ".join(vocab.decode(gold.tolist())),
            "response": " ".join(response)}


@torch.no_grad()
def respond_to_all(model, pairs: PairSet, vocab: Vocab, max_len_decode: int, mask_unk: bool, max_len: int,
                   desc: str = "responses") -> list[list[str]]:
    """The words of the model's response (its `respond`) to each post, truncated to `max_len` words; a response
    is at most `max_len_decode` words."""
    model.eval()
    responses = []
    for index in bar(torch.arange(len(pairs)).split(RESPONSE_BATCH), desc=desc):
        generated = model.respond(pairs.batch(index, max_len).to(device_of(model)), max_len_decode, mask_unk)
        responses += [vocab.decode(ids) for ids in generated]
    return responses


def evaluate_responses(model, pairs: PairSet, vocab: Vocab, max_len_decode: int, mask_unk: bool,
                       max_len: int) -> dict:
    """Dist-1/2 over all responses (posts truncated to `max_len` words, responses decoded for at most
    `max_len_decode`), how many came out empty, and a few (post, gold, generated) examples."""
    responses = respond_to_all(model, pairs, vocab, max_len_decode, mask_unk, max_len)
    examples = [example(pairs, vocab, i, responses[i]) for i in range(min(EXAMPLES, len(pairs)))]
    return {"dist1": distinct_n(responses, 1), "dist2": distinct_n(responses, 2),
            "empty_responses": sum(not r for r in responses), "examples": examples}
