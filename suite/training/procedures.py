"""Training procedures, one per kind of train config: which trainer runs it, which corpus it reads, how a
reduced budget shrinks it, and how long it trains (for `reproduce plan`). The runner, the budgets and the plan
ask the procedure of a row's train config instead of testing config types, so a new paper's training loop plugs in
here with one `@procedure(ItsConfig)` class. The plan's cost methods live here with the rest of the procedure, so,
as for any edit under suite/training/, editing them changes the code digest and cached runs train again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import torch

from suite.config import DialogueTrainConfig, EpochAdamConfig, EpochTrainConfig, TrainConfig
from suite.data.batching import batches_per_epoch
from suite.data.corpus import Corpus
from suite.data.datasets import load_corpus
from suite.data.windows import windowed_corpus
from suite.errors import SuiteError
from suite.training.epoch_adam import EpochAdamTrainer
from suite.training.epochs import EpochTrainer
from suite.training.game import GameTrainer
from suite.training.trainer import Trainer

if TYPE_CHECKING:
    from suite.budgets import Budget

PROCEDURES: dict[type, Procedure] = {}


class Validation(NamedTuple):
    """What a whole run's validations cost, in sentences."""
    scored: float = 0.0       # teacher-forced passes (importance samples count one each)
    decoded: float = 0.0      # greedily decoded responses
    tracked: float = 0.0      # test sentences whose gradient norms are tracked


def procedure(config_type: type):
    """Registers the decorated procedure for train configs of exactly `config_type`."""
    def register(cls):
        PROCEDURES[config_type] = cls()
        return cls
    return register


def procedure_for(train) -> Procedure:
    try:
        return PROCEDURES[type(train)]
    except KeyError:
        raise SuiteError(f"no training procedure is registered for {type(train).__name__} "
                         "(suite/training/procedures.py)") from None


class Procedure:
    """What every procedure answers."""

    def trainer(self, cfg) -> type:
        """The trainer class: `trainer(model, corpus, cfg, seed, checkpoint, key, label=).run()` trains and returns a
        TrainResult (raising TrainingDiverged with the partial result on a NaN)."""
        raise NotImplementedError

    def corpus(self, cfg, dataset: str, data_dir: Path | None) -> Corpus:
        """The dataset as a run of this procedure reads it."""
        return load_corpus(dataset, data_dir)

    def reduced(self, cfg, budget: Budget):
        """`cfg` at a reduced budget (one that sets `iterations`)."""
        raise NotImplementedError

    def steps(self, cfg, train_size: int) -> tuple[float, bool]:
        """Decoder-and-encoder passes a run trains for, and whether that is an upper bound."""
        raise NotImplementedError

    def validation(self, cfg, corpus: Corpus, steps: float, latent: bool) -> Validation:
        """What validating costs over a run of `steps` steps (`latent`: sentences are importance-sampled)."""
        return Validation()

    def probe(self, model, corpus: Corpus, cfg) -> tuple[str, Callable, Callable | None]:
        """(batch order the probe draws, one training step on a batch, the trainer's own batch maker or None)
        for timing the run's step as it trains."""
        raise NotImplementedError


def validated(cfg, corpus: Corpus) -> int:
    """Validation sentences a validation of `cfg` scores."""
    return min(len(corpus.splits["valid"]), cfg.valid_sentences or len(corpus.splits["valid"]))


@procedure(TrainConfig)
class Iterations(Procedure):
    """The Coupled-VAE code's loop (and AMI's, with its game): Adam for a fixed number of iterations,
    validated every `valid_every`, the best validated weights kept."""

    def trainer(self, cfg):
        return GameTrainer if cfg.game else Trainer

    def reduced(self, cfg, budget):
        scale = budget.iterations / cfg.iterations
        return replace(cfg, iterations=budget.iterations, finish_epoch=False,
                       kl_anneal=cfg.kl_anneal and cfg.kl_anneal.scaled(scale),
                       noam=cfg.noam and replace(cfg.noam, compress=scale), game=cfg.game and cfg.game.scaled(scale),
                       lr_decay_start=round(cfg.lr_decay_start * scale),
                       lr_decay_every=max(1, round(cfg.lr_decay_every * scale)),
                       valid_every=budget.valid_every, valid_sentences=budget.valid_sentences,
                       valid_samples=budget.valid_samples, track_sentences=budget.track_sentences)

    def steps(self, cfg, train_size):
        return cfg.final_iteration(train_size), False

    def validation(self, cfg, corpus, steps, latent):
        if not cfg.valid_every:
            return Validation()
        validations = cfg.iterations // cfg.valid_every
        test = len(corpus.splits["test"])
        tracked = min(test, cfg.track_sentences or test) if cfg.track_gradients else 0
        return Validation(scored=validations * validated(cfg, corpus) * (cfg.valid_samples if latent else 1),
                          tracked=validations * tracked)

    def probe(self, model, corpus, cfg):
        if cfg.game:
            trainer = GameTrainer(model, corpus, cfg, seed=0)
            trainer.iteration = cfg.game.noise_iterations       # time the game's cycle, not noise pretraining

            def step(batch):
                trainer.iteration += 1
                trainer.train_step(batch)
            return cfg.batches, step, None
        trainer = Trainer(model, corpus, cfg, seed=0)      # its own step and batches (CUDA graphs where it uses them)
        return cfg.batches, trainer.train_step, trainer.training_batch


@procedure(DialogueTrainConfig)
class DialogueIterations(Iterations):
    """VMED's rows: the same loop on a context/response window of the corpus, weights selected after
    `select_after` (by the validation NLL or by greedy responses' BLEU)."""

    def corpus(self, cfg, dataset, data_dir):
        return windowed_corpus(dataset, data_dir, cfg.context_len, cfg.response_len)

    def reduced(self, cfg, budget):
        return super().reduced(replace(cfg, select_after=round(cfg.select_after * budget.iterations / cfg.iterations)),
                               budget)

    def validation(self, cfg, corpus, steps, latent):
        cost = super().validation(cfg, corpus, steps, latent)
        if cfg.select_by != "bleu" or not cfg.valid_every:
            return cost
        return cost._replace(decoded=cfg.iterations // cfg.valid_every * validated(cfg, corpus))   # greedy replies


@procedure(EpochTrainConfig)
class HeEpochs(Procedure):
    """He et al. (2019)'s released procedure (Lagging-VAE, SA-VAE): SGD over epochs of same-length batches."""

    def trainer(self, cfg):
        return EpochTrainer

    def reduced(self, cfg, budget):
        """One truncated epoch, the KL warm-up over its first two thirds, a shorter encoder inner loop."""
        return replace(cfg, epochs=1, max_iterations=budget.epoch_iterations,
                       warm_up_iterations=max(1, round(2 * budget.epoch_iterations / 3)),
                       aggressive_steps=budget.aggressive_steps, aggressive_window=budget.aggressive_window,
                       valid_sentences=budget.valid_sentences)

    def steps(self, cfg, train_size):
        iterations = cfg.max_iterations or cfg.epochs * -(-train_size // cfg.batch_size)
        passes = 1 + (cfg.aggressive_steps if cfg.aggressive else 0)
        return iterations * passes, True      # plateau decay and the inner loop usually stop earlier

    def probe(self, model, corpus, cfg):
        trainer = EpochTrainer(model, corpus, cfg, seed=0)

        def step(batch):
            trainer.loss_and_gradients(batch)
            trainer.decoder_sgd.step()
        return "length-grouped", step, None      # it trains on same-length batches: length-grouped ones stand in


@procedure(EpochAdamConfig)
class EpochAdam(Procedure):
    """The Stochastic WAE code's loop: epochs of Adam with per-element clipping and a per-epoch decay."""

    def trainer(self, cfg):
        return EpochAdamTrainer

    def reduced(self, cfg, budget):
        # its trainer compresses the epoch schedules to fit
        return replace(cfg, iterations=budget.iterations, valid_sentences=budget.valid_sentences)

    def steps(self, cfg, train_size):
        full = cfg.epochs * batches_per_epoch(train_size, cfg.batch_size, cfg.batches)
        return min(cfg.iterations or full, full), False

    def validation(self, cfg, corpus, steps, latent):
        if not steps:
            return Validation()
        # one teacher-forced pass over the validation sentences at each real epoch's end and at the last step
        epoch = batches_per_epoch(len(corpus.splits["train"]), cfg.batch_size, cfg.batches)
        validations = steps // epoch + (steps % epoch > 0)
        return Validation(scored=validations * validated(cfg, corpus))

    def probe(self, model, corpus, cfg):
        optimizer = torch.optim.Adam(model.parameters(), cfg.lr)

        def step(batch):
            optimizer.zero_grad()
            model.train()
            model.training_terms(batch, 0.5)["loss"].backward()
            torch.nn.utils.clip_grad_value_(model.parameters(), cfg.clip_value)
            optimizer.step()
        return cfg.batches, step, None
