"""Compute budgets. `full` is the paper's setup exactly; reduced budgets shrink the run for CPUs and CI,
and every output they produce says so. Only full-budget results are judged against the paper."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from suite.config import EpochAdamConfig, EpochTrainConfig, EvalConfig, RunConfig, TrainConfig
from suite.errors import unknown


@dataclass(frozen=True)
class Budget:
    name: str
    description: str
    judged: bool
    iterations: int | None = None          # None: the paper's; otherwise all schedules are scaled to fit
    valid_every: int | None = None
    valid_sentences: int | None = None
    valid_samples: int | None = None
    track_sentences: int | None = None     # test sentences for gradient tracking (rows that track them)
    eval: dict = field(default_factory=dict)   # EvalConfig overrides
    # He et al.'s procedure (Lagging-VAE, SA-VAE) costs tens of decoder passes per step: separate caps
    epoch_iterations: int | None = None
    aggressive_steps: int | None = None
    aggressive_window: int | None = None
    svi_steps: int | None = None
    epoch_adam_batch: int | None = None    # batch-size cap for epoch-based Adam training (Stochastic WAE rows)
    epoch_adam_width: int | None = None    # their encoder/latent width cap (decoder: twice it), so the dialogue
                                           # models (500/1000/300) run in seconds; the SNLI ones (100) are unchanged
    transformer: dict = field(default_factory=dict)   # Transformer overrides (its full size is hours per step on CPUs)

    def train_config(self, paper: TrainConfig | EpochTrainConfig) -> TrainConfig | EpochTrainConfig:
        if self.iterations is None:
            return paper
        if isinstance(paper, EpochAdamConfig):     # its trainer compresses the epoch schedules to fit
            return replace(paper, iterations=self.iterations, valid_sentences=self.valid_sentences,
                           batch_size=min(paper.batch_size, self.epoch_adam_batch or paper.batch_size))
        if isinstance(paper, EpochTrainConfig):
            return self.epoch_train_config(paper)
        scale = self.iterations / paper.iterations
        anneal = paper.kl_anneal and replace(paper.kl_anneal, start=round(paper.kl_anneal.start * scale),
                                             steps=max(1, round(paper.kl_anneal.steps * scale)))
        noam = paper.noam and replace(paper.noam, compress=scale)
        game = paper.game and paper.game.scaled(scale)
        return replace(paper, iterations=self.iterations, finish_epoch=False, kl_anneal=anneal, noam=noam, game=game,
                       lr_decay_start=round(paper.lr_decay_start * scale),
                       lr_decay_every=max(1, round(paper.lr_decay_every * scale)),
                       valid_every=self.valid_every, valid_sentences=self.valid_sentences,
                       valid_samples=self.valid_samples, track_sentences=self.track_sentences)

    def epoch_train_config(self, paper: EpochTrainConfig) -> EpochTrainConfig:
        """One truncated epoch, the KL warm-up over its first two thirds, a shorter encoder inner loop."""
        return replace(paper, epochs=1, max_iterations=self.epoch_iterations,
                       warm_up_iterations=max(1, round(2 * self.epoch_iterations / 3)),
                       aggressive_steps=self.aggressive_steps, aggressive_window=self.aggressive_window,
                       valid_sentences=self.valid_sentences)

    def eval_config(self, paper: EvalConfig) -> EvalConfig:
        return replace(paper, **self.eval)

    def apply(self, config: RunConfig) -> RunConfig:
        model = config.model
        if self.svi_steps is not None and model.posterior.svi_steps:
            model = replace(model, posterior=replace(model.posterior, svi_steps=self.svi_steps))
        if self.epoch_adam_width is not None and isinstance(config.train, EpochAdamConfig):
            width = self.epoch_adam_width
            model = replace(model, enc_hidden=min(model.enc_hidden, width), dec_hidden=min(model.dec_hidden, 2 * width),
                            latent_dim=min(model.latent_dim, width))
        if model.transformer is not None and self.transformer:
            model = replace(model, transformer=replace(model.transformer, **self.transformer))
        train = self.train_config(config.train)
        # configs that name their own CPU-sized form (VMED's 3 x 768 LSTMs, batch 256) take it at reduced budgets
        if hasattr(model, "at_budget"):
            model = model.at_budget(self.name)
        if hasattr(train, "at_budget"):
            train = train.at_budget(self.name)
        return replace(config, model=model, train=train, eval=self.eval_config(config.eval))

    @property
    def label(self) -> str:
        return f"{self.name} (paper setup)" if self.judged else f"{self.name} (REDUCED: not judged)"


BUDGETS = {b.name: b for b in [
    Budget("full", "the paper's setup exactly: 60k iterations, N = 100 importance samples, full test set",
           judged=True),
    Budget("quick", "CPU-sized: 1,500 iterations (about one PTB epoch) with the schedules compressed to fit; "
           "N = 10 importance samples on the full test set", judged=False,
           iterations=1500, valid_every=500, valid_sentences=500, valid_samples=5, track_sentences=256,
           eval=dict(nll_samples=10, mi_samples=20, bleu_sentences=1000),
           epoch_iterations=60, aggressive_steps=15, aggressive_window=5, svi_steps=3,
           transformer=dict(d_model=256, inner=1024, layers=2)),
    Budget("smoke", "seconds, for CI: 30 iterations, small evaluation subsets (Stochastic WAE rows: batch 32, "
           "LSTMs at most 100/200 wide)", judged=False,
           iterations=30, valid_every=15, valid_sentences=64, valid_samples=2, track_sentences=32,
           eval=dict(test_sentences=200, nll_samples=5, mi_samples=10, mi_batch=65, bleu_sentences=32,
                     bleu_samples=2, dist_samples=64, decode_max_len=40),
           epoch_iterations=2, aggressive_steps=2, aggressive_window=1, svi_steps=1, epoch_adam_batch=32,
           epoch_adam_width=100, transformer=dict(d_model=32, inner=64, heads=2, layers=1, beam=2)),
]}


def get_budget(name: str) -> Budget:
    if name not in BUDGETS:
        raise unknown("budget", name, BUDGETS)
    return BUDGETS[name]
