"""Each row trains by the procedure of its paper's code at every budget, and a train config type without a
procedure of its own stops in one line (a new paper's config never runs another paper's loop)."""

from dataclasses import dataclass

import pytest

from suite import registry
from suite.budgets import BUDGETS
from suite.config import DialogueTrainConfig, TrainConfig
from suite.data.datasets import load_corpus
from suite.errors import SuiteError
from suite.training.epoch_adam import EpochAdamTrainer
from suite.training.epochs import EpochTrainer
from suite.training.game import GameTrainer
from suite.training.procedures import procedure_for
from suite.training.trainer import Trainer


@pytest.mark.parametrize("model_id, dataset, trainer", [
    ("coupled-vae", "ptb", Trainer),               # the Coupled-VAE code's fixed-iteration Adam loop
    ("transformer-ami", "chitchat", GameTrainer),  # AMI's adversarial game
    ("lagging-vae", "ptb", EpochTrainer),          # He et al.'s SGD epochs with the aggressive inner loop
    ("wae1-vae", "ptb", EpochAdamTrainer),         # the Stochastic WAE code's epochs of Adam
    ("vmed-k1", "chitchat", Trainer),              # VMED's loop, on a context/response window
])
def test_rows_train_with_their_papers_trainer(model_id, dataset, trainer):
    for budget in BUDGETS.values():
        cfg = registry.get_model(model_id).run_config(dataset, budget).train
        assert procedure_for(cfg).trainer(cfg) is trainer


def test_a_config_type_without_a_procedure_stops_in_one_line():
    @dataclass(frozen=True)
    class NewPaperTrainConfig(TrainConfig):     # a subclass does not inherit its parent's procedure
        pass

    with pytest.raises(SuiteError, match=r"^no training procedure is registered for NewPaperTrainConfig [^\n]*$"):
        procedure_for(NewPaperTrainConfig())


def test_vmed_reads_a_window_of_the_corpus_and_a_reduced_budget_scales_its_selection_start():
    cfg = registry.get_model("vmed-k1").run_config("chitchat", BUDGETS["full"]).train
    whole, window = load_corpus("chitchat", None), procedure_for(cfg).corpus(cfg, "chitchat", None)
    assert int(whole.splits["train"].posts.lengths.max()) > cfg.context_len     # the window does cut
    assert int(window.splits["train"].posts.lengths.max()) == cfg.context_len
    assert int(window.splits["train"].responses.lengths.max()) == cfg.response_len
    paper = DialogueTrainConfig(iterations=10_000, select_after=4_000)
    quick = BUDGETS["quick"].train_config(paper)
    assert (quick.iterations, quick.select_after) == (1_500, 600)
