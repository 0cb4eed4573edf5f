"""Latent-space interpolation between two sentences (Coupled-VAE Table 7, appendix H).

As the released code: both sentences are encoded to their posterior means z_A and z_B, the path
z_k = (1 - k/(n+1)) z_A + k/(n+1) z_B for k = 0..n+1 is decoded greedily (never emitting <unk>).
"""

from __future__ import annotations

import torch

from suite.data.batching import Batch
from suite.data.corpus import Corpus
from suite.data.vocab import Vocab
from suite.models import device_of

STEPS = 5    # interpolated points between the two endpoints, as in the released code

# The pair shown in Table 7 (both sampled from PTB by the authors); the paper prints <unk> as _unk_.
TABLE_7 = ("now those routes are n't expected to begin until jan", "it also has a <unk> facility in california")


@torch.no_grad()
def interpolate(model, corpus: Corpus, text_a: str, text_b: str, max_len: int, mask_unk: bool = True) -> list[str]:
    """Decoded texts along the path from text_a to text_b, endpoints included (STEPS + 2 texts)."""
    model.eval()
    vocab: Vocab = corpus.vocab
    sentences = [torch.tensor(vocab.encode(text.split())) for text in (text_a, text_b)]
    batch = Batch.from_sentences(sentences, torch.arange(2)).to(device_of(model))
    codes = model.posterior(batch).code
    weights = torch.arange(STEPS + 2, dtype=codes.dtype, device=codes.device) / (STEPS + 1)
    path = (1 - weights).unsqueeze(1) * codes[0] + weights.unsqueeze(1) * codes[1]
    return [" ".join(vocab.decode(ids)) for ids in model.greedy(path, max_len, mask_unk)]


def random_pairs(corpus: Corpus, n: int, seed: int) -> list[tuple[str, str]]:
    """n pairs of test sentences, drawn reproducibly."""
    test = corpus.splits["test"]
    generator = torch.Generator().manual_seed(seed)
    picks = torch.randperm(len(test), generator=generator)[:2 * n].view(-1, 2)
    return [tuple(" ".join(corpus.vocab.decode(test.sentence(int(i)).tolist())) for i in pair) for pair in picks]

