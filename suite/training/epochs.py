"""He et al. (2019)'s released training procedure (vae-lagging-encoder), used for the Lagging-VAE and SA-VAE
rows (the Coupled-VAE paper modified that open-source implementation for them).

Per iteration: the KL weight rises by kl_rise / (warm_up_epochs · N / batch_size), He et al.'s count (or
· the epoch's batches, harvardnlp's SA-VAE count, with `warm_up_over_batches`) from kl_start (capped at 1); in
aggressive mode the encoder first takes up to `aggressive_steps` SGD steps, on this batch and then on random
training batches, until the loss per word of a window of `aggressive_window` steps rises; then the
decoder (and, once aggressive mode is off, the encoder) takes one step. After each epoch: aggressive mode ends
for good when the validation MI (He et al.'s minibatch estimator) falls; the validation loss (one-sample ELBO,
KL weight 1) keeps the best weights and, after `decay_patience` epochs without improvement (from epoch
`decay_from_epoch`), halves the learning rate, reloads the best weights and restarts SGD; `max_decays` decays
end training.
"""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path

import torch
from torch import nn

from suite.config import EpochTrainConfig
from suite.data.batching import same_length_batches
from suite.data.corpus import Corpus
from suite.evaluation.mutual_info import evaluate_mi_minibatch
from suite.models import device_of
from suite.progress import TrainingProgress
from suite.training.checkpoints import restore_checkpoint, save_checkpoint
from suite.training.trainer import Curves, TrainingDiverged, TrainResult

ENCODER_SIDE = ("encoder", "posterior")     # parameter-name parts the encoder optimiser owns


def split_parameters(model: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """Encoder side (encoder and posterior networks, as the released encoder module holds its mean/log-variance
    layer) and decoder side (everything else)."""
    encoder, decoder = [], []
    for name, parameter in model.named_parameters():
        (encoder if any(part in name.split(".") for part in ENCODER_SIDE) else decoder).append(parameter)
    return encoder, decoder


@torch.no_grad()
def elbo_loss(model: nn.Module, sentences, max_len: int | None, kl_weight: float = 1.0) -> float:
    """Validation loss of the released code: one-sample reconstruction plus closed-form KL, per sentence; SA-VAE
    refines its posteriors with the training's current KL weight first."""
    model.eval()
    total = 0.0
    device = device_of(model)
    for index in same_length_batches(sentences, 32):
        batch = sentences.batch(index, max_len).to(device)
        posterior = (model.refined_posterior(batch, kl_weight) if hasattr(model, "refined_posterior")
                     else model.posterior(batch))
        total += float((model.sentence_nll(batch, posterior.rsample().z) + posterior.kl()).sum())
    return total / len(sentences)


class EpochTrainer:
    RESUMED = ("epoch", "iteration", "lr", "kl_weight", "aggressive", "previous_mi", "best_state", "best_loss",
               "best_iteration", "last_loss", "not_improved", "decays", "curves", "seconds")

    def __init__(self, model: nn.Module, corpus: Corpus, cfg: EpochTrainConfig, seed: int,
                 checkpoint: Path | None = None, key: dict | None = None, label: str = "train"):
        self.model, self.corpus, self.cfg, self.seed, self.label = model, corpus, cfg, seed, label
        self.checkpoint, self.key = checkpoint, key
        self.device = device_of(model)
        self.train = corpus.splits["train"]
        self.valid = corpus.splits["valid"].subset(cfg.valid_sentences)
        self.batches = same_length_batches(self.train, cfg.batch_size)
        self.random = torch.Generator().manual_seed(seed)
        self.lr = cfg.lr
        self.kl_weight = cfg.kl_start
        per_epoch = len(self.batches) if cfg.warm_up_over_batches else len(self.train) / cfg.batch_size
        warm_up = cfg.warm_up_iterations or cfg.warm_up_epochs * per_epoch
        self.kl_step = cfg.kl_rise / warm_up
        self.aggressive, self.previous_mi = cfg.aggressive, 0.0
        self.epoch, self.iteration, self.seconds = 0, 0, 0.0
        self.resumed_at: list[int] = []
        self.best_state, self.best_loss, self.best_iteration = None, math.inf, None
        self.last_loss, self.not_improved, self.decays = 1e4, 0, 0
        self.curves = Curves()
        self.make_optimizers()

    def make_optimizers(self):
        if self.cfg.separate_optimizers:
            encoder, decoder = split_parameters(self.model)
            self.encoder_sgd = torch.optim.SGD(encoder, lr=self.lr)
            self.decoder_sgd = torch.optim.SGD(decoder, lr=self.lr)
        else:
            self.encoder_sgd = None
            self.decoder_sgd = torch.optim.SGD(self.model.parameters(), lr=self.lr)

    def batch(self, index: torch.Tensor):
        return self.train.batch(index, self.cfg.max_len).to(self.device)

    def loss_and_gradients(self, batch) -> dict[str, torch.Tensor]:
        """The batch's loss terms, with the loss's clipped gradients left in the parameters for a step."""
        self.model.train()
        terms = self.model.training_terms(batch, self.kl_weight)
        if not math.isfinite(terms["loss"].item()):
            raise TrainingDiverged(self.iteration, {k: v.item() for k, v in terms.items()})
        for optimizer in (self.encoder_sgd, self.decoder_sgd):
            if optimizer is not None:
                optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip_norm)
        return terms

    def aggressive_encoder_steps(self, batch) -> int:
        """The inner loop of aggressive training; returns how many encoder steps it took."""
        cfg = self.cfg
        previous, loss_sum, words = 1e4, 0.0, 0
        for step in range(1, cfg.aggressive_steps + 1):
            loss_sum += self.loss_and_gradients(batch)["loss"].item() * len(batch)
            words += batch.n_predictions
            self.encoder_sgd.step()
            batch = self.batch(self.batches[int(torch.randint(len(self.batches), (1,), generator=self.random))])
            if step % cfg.aggressive_window == 0:
                current = loss_sum / words
                if current > previous:
                    return step
                previous, loss_sum, words = current, 0.0, 0
        return cfg.aggressive_steps

    def train_epoch(self, progress):
        cfg = self.cfg
        shuffle = torch.Generator().manual_seed(self.seed * 7919 + self.epoch)
        order = torch.randperm(len(self.batches), generator=shuffle)
        window: dict[str, list[float]] = {}
        for position in order.tolist():
            if cfg.max_iterations is not None and self.iteration >= cfg.max_iterations:
                break
            self.iteration += 1
            self.kl_weight = min(1.0, self.kl_weight + self.kl_step)
            batch = self.batch(self.batches[position])
            inner = self.aggressive_encoder_steps(batch) if self.aggressive else 0
            terms = self.loss_and_gradients(batch)
            self.decoder_sgd.step()
            if self.encoder_sgd is not None and not self.aggressive:
                self.encoder_sgd.step()
            values = {k: v.item() for k, v in terms.items()}
            values.update(kl_weight=self.kl_weight, lr=self.lr, encoder_steps=inner)
            for name, value in values.items():
                window.setdefault(name, []).append(value)
            progress.report(values)
            progress.step()
        self.curves.log(self.iteration, window)

    def end_of_epoch(self):
        """Aggressive switch-off, model selection and plateau decay, as after each epoch of the released code."""
        cfg = self.cfg
        if self.aggressive:
            mi = evaluate_mi_minibatch(self.model, self.valid, cfg.max_len)["mi"]
            self.aggressive = mi >= self.previous_mi
            self.previous_mi = mi
        loss = elbo_loss(self.model, self.valid, cfg.max_len, self.kl_weight)
        self.curves.valid.append((self.iteration, loss))
        if loss < self.best_loss:
            self.best_loss, self.best_iteration = loss, self.iteration
            self.best_state = copy.deepcopy(self.model.state_dict())
        if loss > self.last_loss:
            self.not_improved += 1
            # self.epoch counts the epochs trained; the released loop's `epoch >= 15` counts them from 0
            if self.not_improved >= cfg.decay_patience and self.epoch - 1 >= cfg.decay_from_epoch:
                self.last_loss, self.not_improved, self.decays = loss, 0, self.decays + 1
                self.lr *= cfg.lr_decay
                self.model.load_state_dict(self.best_state)
                self.make_optimizers()
        else:
            self.not_improved, self.last_loss = 0, loss

    def finished(self) -> bool:
        cfg = self.cfg
        return (self.epoch >= cfg.epochs or self.decays == cfg.max_decays
                or (cfg.max_iterations is not None and self.iteration >= cfg.max_iterations))

    def elapsed(self) -> float:
        return self.seconds + time.perf_counter() - self.started

    def result(self) -> TrainResult:
        return TrainResult(self.best_state, self.best_iteration,
                           self.best_loss if self.best_iteration is not None else None,
                           self.iteration, self.epoch, self.curves, self.elapsed(), resumed_at=self.resumed_at)

    def run(self) -> TrainResult:
        self.resume()
        self.started = time.perf_counter()
        total = self.cfg.max_iterations or self.cfg.epochs * len(self.batches)
        progress = TrainingProgress(self.label, total, self.iteration, validation="valid loss",
                                    valid_score=self.curves.last_valid)
        try:
            while not self.finished():
                self.epoch += 1
                self.train_epoch(progress)
                self.end_of_epoch()
                progress.validated(self.curves.last_valid)
                self.save()
        except TrainingDiverged as diverged:
            diverged.partial = self.result()
            raise
        finally:
            progress.close()
        return self.result()

    # --- checkpoints: taken after every epoch ------------------------------------------------------
    def save(self):
        save_checkpoint(self, random=self.random.get_state())

    def resume(self):
        state = restore_checkpoint(self)
        if state is not None:
            self.random.set_state(state["random"])
            self.make_optimizers()     # plain SGD keeps no state between steps
