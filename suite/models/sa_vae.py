"""SA-VAE (Kim et al. 2018): semi-amortised inference, as He et al.'s released implementation runs it.

The amortised Gaussian's mean and log-variance are refined by `steps` SVI steps on the single-sample ELBO
(batch mean, fixed noise per step) with momentum: p <- momentum·p - g, x <- x + lr·p, each gradient clipped to
norm `clip` over the batch. Training backpropagates through the unrolled refinement into the encoder and
decoder (the released code approximates these second-order terms by finite differences and clips each to norm 5;
autograd computes them exactly, unclipped). Evaluation uses the refined posterior as the importance-sampling proposal.

Since the refinement minimises a batch mean under a batch-wide clip, a sentence's refined posterior depends on the
batch it is refined in (each sentence's gradient is divided by the batch size): evaluation refines in the released
test batches, sentences of one length, `REFINEMENT_BATCH` at a time.
"""

from __future__ import annotations

import torch
from torch import nn

from suite.config import Posterior
from suite.data.batching import Batch
from suite.models.posteriors import DiagGaussian
from suite.models.wrapping import WrapsBase


def clip_norm(gradient: torch.Tensor, limit: float) -> torch.Tensor:
    norm = gradient.norm()
    return gradient * torch.clamp(limit / (norm + 1e-6), max=1.0)


REFINEMENT_BATCH = 32        # He et al.'s test batches (create_data_batch(batch_size=32)), also used for training


class SemiAmortized(WrapsBase):
    refinement_batch = REFINEMENT_BATCH

    def __init__(self, base: nn.Module, cfg: Posterior):
        super().__init__()
        self.base, self.cfg = base, cfg

    def refine(self, batch: Batch, initial: DiagGaussian, kl_weight: float, create_graph: bool) -> DiagGaussian:
        # cuDNN's recurrent kernels have no double backward; the native ones (the only ones on CPU) do.
        with torch.backends.cudnn.flags(enabled=False):
            return self._refine(batch, initial, kl_weight, create_graph)

    def _refine(self, batch: Batch, initial: DiagGaussian, kl_weight: float, create_graph: bool) -> DiagGaussian:
        mean, log_variance = initial.loc, 2 * initial.scale.log()
        if not create_graph:      # evaluation: refine detached copies under a local graph
            mean, log_variance = mean.detach().requires_grad_(), log_variance.detach().requires_grad_()
        velocity_mean, velocity_log_variance = torch.zeros_like(mean), torch.zeros_like(log_variance)
        for _ in range(self.cfg.svi_steps):
            q = DiagGaussian(mean, (0.5 * log_variance).exp())
            loss = (self.base.sentence_nll(batch, q.rsample().z) + kl_weight * q.kl()).mean()
            grad_mean, grad_log_variance = torch.autograd.grad(loss, (mean, log_variance), create_graph=create_graph)
            velocity_mean = self.cfg.svi_momentum * velocity_mean - clip_norm(grad_mean, self.cfg.svi_clip)
            velocity_log_variance = (self.cfg.svi_momentum * velocity_log_variance
                                     - clip_norm(grad_log_variance, self.cfg.svi_clip))
            mean = mean + self.cfg.svi_lr * velocity_mean
            log_variance = log_variance + self.cfg.svi_lr * velocity_log_variance
        if not create_graph:
            mean, log_variance = mean.detach(), log_variance.detach()
        return DiagGaussian(mean, (0.5 * log_variance).exp())

    def posterior(self, batch: Batch) -> DiagGaussian:
        return self.refined_posterior(batch, kl_weight=1.0)

    def refined_posterior(self, batch: Batch, kl_weight: float) -> DiagGaussian:
        """The posterior refined on the ELBO with this KL weight: validation during warm-up refines with the
        training's annealed weight, as the released code's refinement reads it."""
        with torch.enable_grad():
            return self.refine(batch, self.base.posterior(batch), kl_weight, create_graph=False)

    def training_terms(self, batch: Batch, kl_weight: float) -> dict[str, torch.Tensor]:
        """The refined ELBO only: the encoder learns through the refinement, as in the released code."""
        refined = self.refine(batch, self.base.posterior(batch), kl_weight, create_graph=True)
        rec = self.base.sentence_nll(batch, refined.rsample().z).mean()
        kl = refined.kl().mean()
        return {"loss": rec + kl_weight * kl, "rec": rec, "kl": kl}
