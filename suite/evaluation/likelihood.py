"""NLL, KL and PPL over a split: importance-weighted for latent-variable models, exact for the GRU-LM."""

from __future__ import annotations

import torch

from suite.data.batching import evaluation_batches, same_length_batches
from suite.data.corpus import SentenceSet
from suite.metrics.likelihood import kl_monte_carlo, log_marginal_iw, perplexity
from suite.models import device_of, has_latent
from suite.progress import bar

BATCH_TOKENS = 2048       # padded positions per evaluation batch
DECODE_TOKENS = 16384     # positions per decoder call: samples are processed in chunks of this size


@torch.no_grad()
def sentence_scores(model, sentences: SentenceSet, n_samples: int, max_len: int, desc: str = "nll",
                    kl_estimator: str = "monte-carlo") -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """Per-sentence NLL, Monte Carlo KL and lengths, in the split's order. Models without a latent
    variable give their `deterministic_nll` (exact for the GRU-LM) and no KL."""
    model.eval()
    device = device_of(model)
    latent = has_latent(model)
    nll = torch.zeros(len(sentences), dtype=torch.float64)
    kl = torch.zeros(len(sentences), dtype=torch.float64) if latent else None
    lengths = torch.zeros(len(sentences), dtype=torch.long)
    # a posterior refined per batch (SA-VAE) depends on the batch: such a model is evaluated in its own batches
    batches = (same_length_batches(sentences, model.refinement_batch) if hasattr(model, "refinement_batch")
               else evaluation_batches(sentences, BATCH_TOKENS))
    for index in bar(batches, desc=desc):
        batch = sentences.batch(index, max_len).to(device)
        lengths[index] = batch.lengths.cpu()
        if not latent:
            nll[index] = model.deterministic_nll(batch).double().cpu()
            continue
        posterior, prior = model.posterior(batch), model.prior_for(batch)
        chunk = max(1, min(n_samples, DECODE_TOKENS // batch.mask.numel()))
        log_q, log_p, log_px = [], [], []
        for start in range(0, n_samples, chunk):
            k = min(chunk, n_samples - start)
            draw = posterior.rsample(k)                               # z: (k, B, d)
            log_q.append(draw.log_q)
            log_p.append(prior.log_prob(draw.z))
            flat = draw.z.reshape(k * len(batch), -1)
            log_px.append(-model.sentence_nll(batch.repeat(k), flat).view(k, len(batch)))
        log_q, log_p, log_px = (torch.cat(t).double().cpu() for t in (log_q, log_p, log_px))
        nll[index] = -log_marginal_iw(log_px, log_p, log_q)
        kl[index] = (kl_monte_carlo(log_q, log_p) if kl_estimator == "monte-carlo"
                     else posterior.kl().double().cpu())
    return nll, kl, lengths


def evaluate_likelihood(model, sentences: SentenceSet, n_samples: int, max_len: int,
                        kl_estimator: str = "monte-carlo") -> dict[str, float | None]:
    """NLL (KL) and PPL; for a DAE, which has no likelihood, its reconstruction loss `rec` instead."""
    nll, kl, lengths = sentence_scores(model, sentences, n_samples, max_len, f"nll (N={n_samples})", kl_estimator)
    if model.likelihood == "reconstruction":
        return {"rec": float(nll.mean())}
    return {"nll": float(nll.mean()), "kl": float(kl.mean()) if kl is not None else None,
            "ppl": perplexity(nll, lengths)}
