"""Epoch-based Adam training, as the released Stochastic WAE code trains every model of the paper.

Per step: the KL weight from the sigmoid schedule (VAE/VED; frozen at its stop), the decoder-input word-dropout
rate of the epoch (VAE/VED), one Adam step on the loss with every gradient element clipped to ±clip_value.
After each epoch: the learning rate decays (never below min_lr), the validation reconstruction loss is logged,
and a checkpoint is taken so a killed run resumes there. The final weights are the result, as the released
code evaluates its last-epoch checkpoint.

A reduced budget (`iterations`) trains that many steps and compresses every schedule by the same factor:
its 'epochs' are equal slices of the steps, and the KL schedule runs on the scaled step count.
"""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path

import torch
from torch import nn

from suite.config import EpochAdamConfig
from suite.data.batching import batches_per_epoch, epoch_generator, evaluation_batches, training_batches
from suite.data.corpus import Corpus
from suite.models import device_of
from suite.progress import TrainingProgress
from suite.training.checkpoints import restore_checkpoint, save_checkpoint
from suite.training.trainer import Curves, TrainingDiverged, TrainResult

VALID_TOKENS = 4096       # padded positions per validation batch


@torch.no_grad()
def validation_rec(model: nn.Module, sentences, max_len: int) -> float:
    """Token-mean reconstruction loss on a split (one code per sentence, dropout off)."""
    model.eval()
    device = device_of(model)
    total, tokens = 0.0, 0
    for index in evaluation_batches(sentences, VALID_TOKENS):
        batch = sentences.batch(index, max_len).to(device)
        terms = model.training_terms(batch, 0.0)
        total += float(terms["rec"]) * batch.n_predictions
        tokens += batch.n_predictions
    return total / tokens


CURVE_POINTS = 600      # about this many logged points per training curve


class EpochAdamTrainer:
    RESUMED = ("iteration", "lr", "curves", "window", "seconds")

    def __init__(self, model: nn.Module, corpus: Corpus, cfg: EpochAdamConfig, seed: int,
                 checkpoint: Path | None = None, key: dict | None = None, label: str = "train"):
        self.model, self.corpus, self.cfg, self.seed, self.label = model, corpus, cfg, seed, label
        self.checkpoint, self.key = checkpoint, key
        self.train = corpus.splits["train"]
        self.valid = corpus.splits["valid"].subset(cfg.valid_sentences)
        self.batches_per_epoch = batches_per_epoch(len(self.train), cfg.batch_size, cfg.batches)
        full = cfg.epochs * self.batches_per_epoch
        self.total = min(cfg.iterations, full) if cfg.iterations else full
        self.scale = self.total / full if full else 1.0
        self.epoch_steps = self.batches_per_epoch if self.scale == 1 else max(1, round(self.total / cfg.epochs))
        self.iteration, self.lr, self.seconds = 0, cfg.lr, 0.0
        self.resumed_at: list[int] = []
        self.curves = Curves()
        self.log_every = max(1, self.total // CURVE_POINTS)
        self.window: dict[str, list[float]] = {}
        self.stream: tuple[int, list[torch.Tensor]] | None = None     # (real epoch, its batches in cfg.batches order)
        self.validated: tuple[int, dict] | None = None      # the last validated weights: a diverged run's last good

    def schedule_epoch(self) -> int:
        """The (possibly compressed) epoch the next step belongs to, 0-based."""
        return self.iteration // self.epoch_steps

    def kl_weight(self) -> float:
        anneal = self.cfg.kl_anneal
        return anneal.weight(self.iteration / self.scale) if anneal else 1.0

    def epoch_batches(self, epoch: int) -> list[torch.Tensor]:
        """A real epoch's batches, drawn in `cfg.batches` order (kept until the next epoch asks)."""
        if self.stream is None or self.stream[0] != epoch:
            generator = epoch_generator(self.seed, epoch, self.cfg.batches)
            self.stream = (epoch, training_batches(self.train, self.cfg.batch_size, generator, self.cfg.batches))
        return self.stream[1]

    def next_batch(self):
        """Step t trains on batch t of the concatenated epochs (a resumed run finds the same one)."""
        epoch, position = divmod(self.iteration, self.batches_per_epoch)
        return self.train.batch(self.epoch_batches(epoch)[position], self.cfg.max_len).to(device_of(self.model))

    def step(self, optimizer) -> dict[str, float]:
        cfg = self.cfg
        self.model.train()
        self.model.word_dropout = cfg.word_dropout.rate(self.schedule_epoch()) if cfg.word_dropout else 0.0
        weight = self.kl_weight()
        terms = self.model.training_terms(self.next_batch(), weight)
        values = {name: float(value.detach()) for name, value in terms.items()}
        if not math.isfinite(values["loss"]):
            raise TrainingDiverged(self.iteration + 1, values)
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        nn.utils.clip_grad_value_(self.model.parameters(), cfg.clip_value)
        optimizer.step()
        self.iteration += 1
        values.update(lr=self.lr, word_dropout=self.model.word_dropout)
        if cfg.kl_anneal is not None:                          # only a VAE's KL term has a weight schedule
            values.update(kl_weight=weight, weighted_kl=weight * values["kl"])     # Figure 3's λ·KL
        return values

    def decay(self, optimizer):
        """The learning rate's decay after a (possibly compressed) epoch."""
        self.lr = max(self.cfg.min_lr, self.lr * self.cfg.lr_decay)
        for group in optimizer.param_groups:
            group["lr"] = self.lr

    def validate(self, optimizer):
        """Validation and a checkpoint, after every real epoch and at the end (a compressed run would otherwise
        spend its time writing checkpoints)."""
        self.curves.valid.append((self.iteration, validation_rec(self.model, self.valid, self.cfg.max_len)))
        self.validated = (self.iteration, copy.deepcopy(self.model.state_dict()))
        save_checkpoint(self, optimizer=optimizer.state_dict())

    def elapsed(self) -> float:
        return self.seconds + time.perf_counter() - self.started

    def result(self) -> TrainResult:
        return TrainResult(copy.deepcopy(self.model.state_dict()), self.iteration, self.curves.last_valid,
                           self.iteration, math.ceil(self.iteration / self.epoch_steps), self.curves, self.elapsed(),
                           resumed_at=self.resumed_at)

    def run(self) -> TrainResult:
        self.started = time.perf_counter()
        if not any(True for _ in self.model.parameters()):      # a corpus-statistics row: nothing to train
            return self.result()
        optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr)
        state = restore_checkpoint(self)
        if state is not None:         # checkpoints are taken at validations: the restored weights were validated
            optimizer.load_state_dict(state["optimizer"])
            self.validated = (self.iteration, copy.deepcopy(self.model.state_dict()))
        self.started = time.perf_counter()
        progress = TrainingProgress(self.label, self.total, self.iteration, validation="valid rec",
                                    valid_score=self.curves.last_valid)
        try:
            while self.iteration < self.total:
                values = self.step(optimizer)
                for name, value in values.items():
                    self.window.setdefault(name, []).append(value)
                if self.iteration % self.log_every == 0:
                    self.curves.log(self.iteration, self.window)
                    self.window = {}
                progress.report(values)
                progress.step()
                last = self.iteration == self.total
                if self.iteration % self.epoch_steps == 0 or last:
                    self.decay(optimizer)
                if self.iteration % self.batches_per_epoch == 0 or last:
                    self.validate(optimizer)
                    progress.validated(self.curves.last_valid)
        except TrainingDiverged as diverged:
            iteration, weights = self.validated or (None, None)
            diverged.partial = TrainResult(weights, iteration, self.curves.last_valid if weights else None,
                                           self.iteration, self.schedule_epoch(), self.curves, self.elapsed(),
                                           resumed_at=self.resumed_at)
            raise
        finally:
            progress.close()
        return self.result()
