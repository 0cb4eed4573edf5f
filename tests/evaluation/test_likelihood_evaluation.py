"""The importance-weighted NLL over a split (suite/evaluation/likelihood.py) against a loop that scores each
sentence alone, from the same draws, with log p(z) and log q(z|x) from torch.distributions."""

import math

import pytest
import torch
from torch.distributions import Normal

from suite.config import ModelConfig
from suite.data.batching import evaluation_batches
from suite.evaluation import likelihood
from suite.models.build import build_model

SAMPLES, MAX_LEN = 4, 20


@pytest.mark.parametrize("chunk", [1, 2, SAMPLES])
def test_each_sentence_is_weighted_with_its_own_samples_in_any_chunking(tiny_corpus, monkeypatch, chunk):
    """Chunks of 1, 2 or all samples per decoder call (each draws a (chunk, B, d) block of noise)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3, dropout=0.0),
                        len(tiny_corpus.vocab)).eval()
    sentences = tiny_corpus.splits["test"].subset(3)
    [index] = evaluation_batches(sentences, likelihood.BATCH_TOKENS)
    batch = sentences.batch(index, MAX_LEN)
    monkeypatch.setattr(likelihood, "DECODE_TOKENS", chunk * batch.mask.numel())
    torch.manual_seed(1)
    nll, kl, _ = likelihood.sentence_scores(model, sentences, SAMPLES, MAX_LEN)

    torch.manual_seed(1)
    with torch.no_grad():
        posterior = model.posterior(batch)
        z = torch.cat([posterior.loc + posterior.scale * torch.randn(chunk, *posterior.loc.shape)
                       for _ in range(SAMPLES // chunk)])
        for position, sentence in enumerate(index.tolist()):
            alone = sentences.batch(torch.tensor([sentence]), MAX_LEN)
            q, prior = Normal(posterior.loc[position], posterior.scale[position]), Normal(0.0, 1.0)
            log_w = torch.stack([-model.sentence_nll(alone, z[s, position:position + 1])[0]
                                 + prior.log_prob(z[s, position]).sum()
                                 - q.log_prob(z[s, position]).sum() for s in range(SAMPLES)]).double()
            expected = -(torch.logsumexp(log_w, 0) - math.log(SAMPLES))
            expected_kl = torch.stack([q.log_prob(z[s, position]).sum() - prior.log_prob(z[s, position]).sum()
                                       for s in range(SAMPLES)]).mean()
            assert float(nll[sentence]) == pytest.approx(float(expected), abs=1e-4)
            assert float(kl[sentence]) == pytest.approx(float(expected_kl), abs=1e-5)
