"""MI between x and z over a split, in consecutive batches of M + 1 sentences (file order, as the
released code's unshuffled loader)."""

from __future__ import annotations

import torch

from suite.data.batching import same_length_batches
from suite.data.corpus import SentenceSet
from suite.metrics.mutual_info import mutual_information, mutual_information_minibatch
from suite.models import device_of
from suite.progress import bar


def consecutive_batches(n: int, size: int) -> list[torch.Tensor]:
    """0..n-1 in batches of `size`; a last batch of one sentence joins the previous one (MI needs j ≠ i)."""
    batches = list(torch.arange(n).split(size))
    if len(batches) > 1 and len(batches[-1]) < 2:
        batches[-2:] = [torch.cat(batches[-2:])]
    return batches


@torch.no_grad()
def evaluate_mi(model, sentences: SentenceSet, n_samples: int, batch_size: int, max_len: int) -> dict[str, float]:
    model.eval()
    per_sentence = []
    for index in bar(consecutive_batches(len(sentences), batch_size), desc=f"mi (N={n_samples})"):
        posterior = model.posterior(sentences.batch(index, max_len).to(device_of(model)))
        draw = posterior.rsample(n_samples)
        per_sentence.append(mutual_information(draw.log_q, posterior.cross_log_prob(draw)).cpu())
    return {"mi": float(torch.cat(per_sentence).double().mean())}


HE_MI_BATCH = 32     # He et al.'s evaluation batch size


@torch.no_grad()
def evaluate_mi_minibatch(model, sentences: SentenceSet, max_len: int | None) -> dict[str, float]:
    """He et al.'s estimator, on their same-length batches of HE_MI_BATCH, weighted by batch size."""
    model.eval()
    total = 0.0
    for index in same_length_batches(sentences, HE_MI_BATCH):
        posterior = model.posterior(sentences.batch(index, max_len).to(device_of(model)))
        draw = posterior.rsample(1)
        total += len(index) * mutual_information_minibatch(posterior.negative_entropy(),
                                                            posterior.cross_log_prob(draw)[0])
    return {"mi": total / len(sentences)}
