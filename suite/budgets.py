"""Compute budgets. `full` is the paper's setup exactly; reduced budgets shrink the run for CPUs and CI,
and every output they produce says so. Only full-budget results are judged against the paper.

A budget shortens what every row shares (iterations, schedules, evaluation counts). Model sizes too large for a
CPU are each row's own business: its paper module declares them with the row (`register_model(..., reduced=)`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from suite.config import EvalConfig, RunConfig
from suite.errors import unknown
from suite.training.procedures import procedure_for


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

    def train_config(self, paper):
        """The paper's train config at this budget, shrunk as its training procedure shrinks."""
        return paper if self.iterations is None else procedure_for(paper).reduced(paper, self)

    def eval_config(self, paper: EvalConfig) -> EvalConfig:
        return replace(paper, **self.eval)

    def apply(self, config: RunConfig, sizes: Mapping[str, object] | None = None) -> RunConfig:
        """The paper's config at this budget; `sizes`: the row's own reductions at it (dotted field paths)."""
        config = replace(config, train=self.train_config(config.train), eval=self.eval_config(config.eval))
        return config.with_changes(sizes or {})

    @property
    def label(self) -> str:
        return f"{self.name} (paper setup)" if self.judged else f"{self.name} (REDUCED: not judged)"


BUDGETS = {b.name: b for b in [
    Budget("full", "the paper's setup exactly: its iterations or epochs, sample counts and full test set "
           "(Coupled-VAE rows: 60k iterations, N = 100 importance samples)", judged=True),
    Budget("quick", "CPU-sized: 1,500 iterations (about one PTB epoch) with the schedules compressed to fit; "
           "N = 10 importance samples on the full test set", judged=False,
           iterations=1500, valid_every=500, valid_sentences=500, valid_samples=5, track_sentences=256,
           eval=dict(nll_samples=10, mi_samples=20, bleu_sentences=1000),
           epoch_iterations=60, aggressive_steps=15, aggressive_window=5),
    Budget("smoke", "seconds, for CI: 30 iterations, small evaluation subsets", judged=False,
           iterations=30, valid_every=15, valid_sentences=64, valid_samples=2, track_sentences=32,
           eval=dict(test_sentences=200, nll_samples=5, mi_samples=10, mi_batch=65, bleu_sentences=32,
                     bleu_samples=2, dist_samples=64, decode_max_len=40),
           epoch_iterations=2, aggressive_steps=2, aggressive_window=1),
]}


def get_budget(name: str) -> Budget:
    if name not in BUDGETS:
        raise unknown("budget", name, BUDGETS)
    return BUDGETS[name]
