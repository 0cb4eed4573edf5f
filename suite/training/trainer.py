"""The iteration-counted training loop: the Coupled-VAE setup (../shared/METRICS.md, 'Details of the released code
worth matching'), which VMED's rows (RMSProp, validation BLEU) and AMI's Transformers (Noam schedule) also run.

Per iteration: KL weight from the annealing schedule, one optimiser step (PaperAdam, or VMED's ReleasedRMSProp)
with its clipping; every
`valid_every` iterations the validation NLL (N = 10 importance samples), or the dialogue rows' validation BLEU
(`select_by`), selects the best weights; after
`lr_decay_start`, the learning rate halves every `lr_decay_every` iterations (or follows the Transformer's Noam
schedule, `noam`); training stops at `TrainConfig.final_iteration`, the end of the epoch that reaches `iterations`.
The state is checkpointed at each validation so a killed run resumes.

A step never waits for the device: its loss terms stay there and are read back together every `log_every`
iterations and before each validation (one synchronisation then), which is also when a non-finite loss is
caught, at the exact iteration it occurred; the row is then marked diverged with its best validated weights.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch import nn

from suite.config import DialogueTrainConfig, EpochStepAnneal, TrainConfig
from suite.data.batching import epoch_generator, training_batches
from suite.data.corpus import Corpus
from suite.evaluation.gradients import evaluate_gradient_norms
from suite.evaluation.likelihood import sentence_scores
from suite.evaluation.vmed_responses import validation_bleu
from suite.models import device_of
from suite.progress import TrainingProgress
from suite.training import cuda_graphs
from suite.training.checkpoints import restore_checkpoint, save_checkpoint
from suite.training.optim import PaperAdam
from suite.training.tf_rmsprop import ReleasedRMSProp


class TrainingDiverged(Exception):
    """The loss became NaN or infinite. `partial` holds the training so far (its best validated weights, if
    any, are the last good ones)."""

    def __init__(self, iteration: int, terms: dict[str, float]):
        super().__init__(f"loss became non-finite at iteration {iteration}")
        self.iteration, self.terms = iteration, terms
        self.partial: TrainResult | None = None


@dataclass
class Curves:
    """Training curves: window means of each loss term, plus the validation score at each validation (`valid_nll`:
    the NLL, or for the Lagging/SA-VAE procedure its loss and for the Stochastic WAE rows their reconstruction
    loss, which is what those validate on)."""

    iteration: list[int] = field(default_factory=list)
    terms: dict[str, list[float]] = field(default_factory=dict)
    valid: list[tuple[int, float]] = field(default_factory=list)
    valid_bleu: list[tuple[int, float]] = field(default_factory=list)    # rows that select by BLEU
    gradients: list[tuple[int, dict[str, float | None]]] = field(default_factory=list)

    @property
    def last_valid(self) -> float | None:
        return self.valid[-1][1] if self.valid else None

    def log(self, iteration: int, window: dict[str, list[float]]):
        self.iteration.append(iteration)
        for name, values in window.items():
            self.terms.setdefault(name, []).append(sum(values) / len(values))

    def to_dict(self) -> dict:
        curves = {"iteration": self.iteration, **self.terms, "valid_nll": self.valid}
        if self.valid_bleu:
            curves["valid_bleu"] = self.valid_bleu
        if self.gradients:
            curves["gradient_norms"] = self.gradients
        return curves


@dataclass
class TrainResult:
    best_state: dict | None
    best_iteration: int | None
    best_valid_nll: float | None
    iterations: int
    epochs: int
    curves: Curves
    seconds: float
    cuda_graphs: bool = False      # whether the training steps were replayed CUDA graphs
    resumed_at: list[int] = field(default_factory=list)     # the iterations a killed run restarted from


def validation_nll(model: nn.Module, corpus: Corpus, cfg: TrainConfig) -> float:
    """Model-selection score of the released code: mean IW NLL on the validation split (the GRU-LM's exact
    NLL; the DAE's reconstruction loss)."""
    valid = corpus.splits["valid"].subset(cfg.valid_sentences)
    nll, _, _ = sentence_scores(model, valid, cfg.valid_samples, cfg.max_len, "validation")
    return float(nll.mean())


class Trainer:
    CAPTURABLE = True      # whether REPRODUCE_CUDA_GRAPHS may capture `train_step` (suite/training/cuda_graphs.py)

    def __init__(self, model: nn.Module, corpus: Corpus, cfg: TrainConfig, seed: int,
                 checkpoint: Path | None = None, key: dict | None = None, log_points: int = 600,
                 label: str = "train"):
        if isinstance(cfg.kl_anneal, EpochStepAnneal):     # its epochs are passes over this run's training pairs
            cfg = replace(cfg, kl_anneal=cfg.kl_anneal.over(len(corpus.splits["train"])))
        self.model, self.corpus, self.cfg, self.seed, self.label = model, corpus, cfg, seed, label
        self.checkpoint, self.key = checkpoint, key
        self.device = device_of(model)
        rmsprop = isinstance(cfg, DialogueTrainConfig) and cfg.rmsprop is not None
        captures = (cuda_graphs.requested() and self.device.type == "cuda" and self.CAPTURABLE and not rmsprop
                    and cuda_graphs.why_not_capturable(model) is None)
        self.optimizer = ReleasedRMSProp(model, cfg) if rmsprop else PaperAdam(model, cfg, capturable=captures)
        self.captured = (cuda_graphs.CapturedSteps(self.forward_backward, self.optimizer.step, self.device,
                                                   list(model.buffers()))
                         if captures else None)
        self.log_every = max(1, cfg.iterations // log_points)
        self.iteration, self.epoch, self.position = 0, 0, 0
        self.lr = cfg.noam.lr(cfg.lr, 1) if cfg.noam else cfg.lr
        self.optimizer.set_lr(self.lr)
        self.best_state, self.best_iteration, self.best_valid, self.best_bleu = None, None, math.inf, -math.inf
        self.curves = Curves()
        self.window: dict[str, list[float]] = {}
        self.pending: list[tuple[int, dict[str, torch.Tensor], float, float]] = []   # steps not read back yet
        self.seconds = 0.0
        self.resumed_at: list[int] = []

    def kl_weight(self) -> float:
        return self.cfg.kl_anneal.weight(self.iteration) if self.cfg.kl_anneal else 1.0

    def epoch_batches(self) -> list[torch.Tensor]:
        generator = epoch_generator(self.seed, self.epoch, self.cfg.batches)
        return training_batches(self.corpus.splits["train"], self.cfg.batch_size, generator, self.cfg.batches)

    @property
    def cuda_graphs(self) -> bool:
        """Whether the training steps are replayed CUDA graphs."""
        return self.captured is not None

    def forward_backward(self, batch, kl_weight: float | torch.Tensor) -> dict[str, torch.Tensor]:
        terms = self.model.training_terms(batch, kl_weight)
        self.optimizer.zero_grad()
        terms["loss"].backward()
        return {name: value.detach() for name, value in terms.items()}

    def train_step(self, batch) -> dict[str, torch.Tensor]:
        """One update. The loss terms and the gradient norm come back as tensors on the device."""
        self.model.train()
        if self.captured is not None and self.optimizer.has_state():
            return self.captured(batch, self.kl_weight())
        values = self.forward_backward(batch, self.kl_weight())
        values["grad_norm"] = self.optimizer.step()
        return values

    def training_batch(self, indices: torch.Tensor):
        batch = self.corpus.splits["train"].batch(indices, self.cfg.max_len)
        if self.captured is not None:
            batch = batch.static_shape(cuda_graphs.static_width(batch.words.size(1)))
        return batch.to(self.device)

    def read_back(self):
        """Read the pending steps' values from the device in one go, in step order, into the logging window
        and the curves; raise TrainingDiverged at the first step whose loss terms are not finite."""
        if not self.pending:
            return
        names = list(self.pending[0][1])
        rows = torch.stack([torch.stack([values[n].double() for n in names]) for _, values, _, _ in self.pending])
        steps, self.pending = self.pending, []
        read = []
        for (iteration, _, weight, lr), row in zip(steps, rows.tolist(), strict=True):
            values = dict(zip(names, row, strict=True))
            if not all(math.isfinite(v) for n, v in values.items() if n != "grad_norm"):
                self.iteration = iteration
                raise TrainingDiverged(iteration, {n: v for n, v in values.items() if n != "grad_norm"})
            values["kl_weight"], values["lr"] = weight, lr
            read.append(values)
            for name, value in values.items():
                self.window.setdefault(name, []).append(value)
            if iteration % self.log_every == 0:
                self.curves.log(iteration, self.window)
                self.window = {}
        self.progress.report(*read)

    def validates(self) -> bool:
        return bool(self.cfg.valid_every) and self.iteration % self.cfg.valid_every == 0

    def after_step(self) -> bool:
        """Validation, model selection and learning-rate decay; returns whether it validated."""
        cfg = self.cfg
        validated = self.validates()
        if validated and cfg.track_gradients:
            test = self.corpus.splits["test"].subset(cfg.track_sentences)
            self.curves.gradients.append((self.iteration, evaluate_gradient_norms(self.model, test, cfg.max_len)))
        if validated:
            score = validation_nll(self.model, self.corpus, cfg)
            self.curves.valid.append((self.iteration, score))
            self.progress.validated(score)
            if self.improved(score) or cfg.keep_last:
                self.best_valid, self.best_iteration = score, self.iteration
                self.best_state = copy.deepcopy(self.model.state_dict())
        if cfg.noam:
            self.lr = cfg.noam.lr(cfg.lr, self.iteration + 1)
            self.optimizer.set_lr(self.lr)
        elif self.iteration > cfg.lr_decay_start and self.iteration % cfg.lr_decay_every == 0:
            self.lr /= 2
            self.optimizer.set_lr(self.lr)
        return validated

    def improved(self, nll: float) -> bool:
        """Whether this validation's weights are the best so far: by a lower validation NLL, or, for rows that
        select as VMED's released code does, by a higher BLEU-4 of greedy validation responses after
        `select_after` iterations (the first one after it always counts, so that a run keeps weights)."""
        cfg = self.cfg
        if getattr(cfg, "select_by", "nll") == "nll":
            return nll < self.best_valid
        valid = self.corpus.splits["valid"].subset(cfg.valid_sentences)
        bleu = validation_bleu(self.model, valid, self.corpus.vocab, cfg.batch_size, cfg.decode_past_gold, cfg.max_len)
        self.curves.valid_bleu.append((self.iteration, bleu))
        if self.iteration <= cfg.select_after or bleu <= self.best_bleu:
            return False
        self.best_bleu = bleu
        return True

    def elapsed(self) -> float:
        return self.seconds + time.perf_counter() - self.started

    def result(self) -> TrainResult:
        return TrainResult(self.best_state, self.best_iteration,
                           self.best_valid if self.best_iteration is not None else None,
                           self.iteration, self.epoch, self.curves, self.elapsed(), self.cuda_graphs, self.resumed_at)

    def run(self) -> TrainResult:
        self.resume()
        self.started = time.perf_counter()
        try:
            self.loop()
        except TrainingDiverged as diverged:
            diverged.partial = self.result()
            raise
        if self.best_state is None or (self.cfg.keep_last and self.best_iteration != self.iteration):
            # budgets too small to validate, or a setup that keeps the last weights
            self.best_state = copy.deepcopy(self.model.state_dict())
        return self.result()

    def loop(self):
        final = self.cfg.final_iteration(len(self.corpus.splits["train"]))
        self.progress = TrainingProgress(self.label, final, self.iteration, valid_score=self.curves.last_valid)
        try:
            while self.iteration < final:
                batches = self.epoch_batches()
                while self.position < len(batches) and self.iteration < final:
                    batch = self.training_batch(batches[self.position])
                    self.iteration += 1
                    self.position += 1
                    weight, lr = self.kl_weight(), self.lr
                    self.pending.append((self.iteration, self.train_step(batch), weight, lr))
                    if self.iteration % self.log_every == 0 or self.validates():
                        self.read_back()
                    if self.after_step():
                        self.save()
                    self.progress.step()        # after the read-back and validation, so its line shows them
                if self.position == len(batches):
                    self.epoch += 1
                    self.position = 0
            self.read_back()
        finally:
            self.progress.close()

    # --- checkpoints: taken at every validation -----------------------------------------------------
    RESUMED = ("iteration", "epoch", "position", "lr", "best_state", "best_iteration", "best_valid", "best_bleu",
               "curves", "window", "seconds")

    def save(self):
        save_checkpoint(self, optimizer=self.optimizer.state_dict())

    def resume(self):
        state = restore_checkpoint(self)
        if state is not None:
            self.optimizer.load_state_dict(state["optimizer"])
            self.optimizer.set_lr(self.lr)
