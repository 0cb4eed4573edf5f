"""Greedy generation: reconstructions from posterior samples (BLEU) and samples from the prior (Dist)."""

from __future__ import annotations

import torch

from suite.config import EvalConfig
from suite.data.corpus import SentenceSet
from suite.data.vocab import Vocab
from suite.metrics.bleu import precision_times_bp
from suite.metrics.diversity import distinct_n
from suite.models import device_of
from suite.progress import bar

GENERATION_BATCH = 32     # sentences per batch, as the released code


@torch.no_grad()
def evaluate_reconstruction(model, sentences: SentenceSet, vocab: Vocab, cfg: EvalConfig, max_len: int) -> dict:
    """BLEU-1/2 (multi-bleu precision x brevity penalty, fractions) of greedy decodes of `bleu_samples` posterior
    samples per sentence against the sentence itself."""
    model.eval()
    sentences = sentences.subset(cfg.bleu_sentences)
    hypotheses, references = [], []
    for index in bar(torch.arange(len(sentences)).split(GENERATION_BATCH), desc="reconstruction"):
        batch = sentences.batch(index, max_len).to(device_of(model))
        z = model.posterior(batch).rsample(cfg.bleu_samples).z.transpose(0, 1)   # (B, samples, d)
        decoded = model.greedy(z.reshape(-1, z.size(-1)), cfg.decode_max_len, cfg.mask_unk)
        hypotheses += [vocab.decode(ids) for ids in decoded]
        references += [vocab.decode(sentences.sentence(int(i)).tolist()) for i in index
                       for _ in range(cfg.bleu_samples)]
    precisions = precision_times_bp(hypotheses, references)
    return {"bleu1": precisions[0], "bleu2": precisions[1],
            "examples": [{"input": " ".join(references[i]), "reconstruction": " ".join(hypotheses[i])}
                         for i in range(0, min(len(hypotheses), 3 * cfg.bleu_samples), cfg.bleu_samples)]}


@torch.no_grad()
def evaluate_prior_samples(model, vocab: Vocab, cfg: EvalConfig) -> dict:
    """Dist-1/2 over `dist_samples` greedy decodes of z ~ p(z), drawn in batches of 32."""
    model.eval()
    texts = []
    for start in bar(range(0, cfg.dist_samples, GENERATION_BATCH), desc="prior samples"):
        z = model.prior.sample(min(GENERATION_BATCH, cfg.dist_samples - start)).to(device_of(model))
        texts += [vocab.decode(ids) for ids in model.greedy(z, cfg.decode_max_len, cfg.mask_unk)]
    return {"dist1": distinct_n(texts, 1), "dist2": distinct_n(texts, 2),
            "examples": [" ".join(t) for t in texts[:5]]}
