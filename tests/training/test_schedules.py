"""Schedules against hand-computed values of the released code's rules."""

from dataclasses import replace

import pytest

from suite.budgets import BUDGETS
from suite.config import Anneal, Cyclical, EpochStepAnneal, ModelConfig, TrainConfig
from suite.models.build import build_model
from suite.training.trainer import Trainer


@pytest.mark.parametrize("iteration,weight", [(0, 0.0), (2000, 0.0), (2001, 0.000025), (22000, 0.5),
                                              (42000, 1.0), (60000, 1.0)])
def test_linear_kl_annealing(iteration, weight):
    assert Anneal(start=2000, steps=40000).weight(iteration) == pytest.approx(weight)


def test_beta_annealing_keeps_the_slope_and_caps_at_beta():
    beta = Anneal(start=2000, steps=40000, max_weight=1.2)
    assert beta.weight(42000) == pytest.approx(1.0)
    assert beta.weight(50000) == pytest.approx(1.2)
    assert beta.weight(55000) == pytest.approx(1.2)


def halvings(cfg: TrainConfig) -> list[int]:
    return [i for i in range(1, cfg.iterations + 1) if i > cfg.lr_decay_start and i % cfg.lr_decay_every == 0]


def test_learning_rate_halves_every_2k_after_30k():
    assert halvings(TrainConfig()) == list(range(32000, 60001, 2000))


def test_the_trainer_halves_its_optimisers_learning_rate_after_the_decay_start(tiny_corpus):
    """Halvings at iterations 4, 6 and 8 (after 2, every 2): the run ends at a learning rate of lr / 8 in every
    optimiser it steps (the shared embedding's included)."""
    train = TrainConfig(batch_size=32, iterations=8, finish_epoch=False, valid_every=100, kl_anneal=None,
                        lr=0.004, lr_decay_start=2, lr_decay_every=2)
    model = build_model(ModelConfig(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3, dropout=0.0),
                        len(tiny_corpus.vocab))
    trainer = Trainer(model, tiny_corpus, train, seed=0)
    assert trainer.run().iterations == 8
    lrs = [float(group["lr"]) for optimizer in trainer.optimizer.optimizers for group in optimizer.param_groups]
    assert len(lrs) == 2 and lrs == pytest.approx([0.0005, 0.0005])


def test_reduced_budgets_compress_every_schedule_proportionally():
    quick = BUDGETS["quick"].train_config(TrainConfig())
    assert quick.iterations == 1500 and not quick.finish_epoch
    assert (quick.kl_anneal.start, quick.kl_anneal.steps) == (50, 1000)
    assert halvings(quick) == list(range(800, 1501, 50))
    assert BUDGETS["full"].train_config(TrainConfig()) == TrainConfig()


@pytest.mark.parametrize("iteration,weight", [(1999, 0.0), (2000, 0.0), (4500, 0.5), (7000, 1.0), (7001, 1.0),
                                              (12000, 0.0), (14500, 0.5), (42000, 0.0), (42001, 1.0)])
def test_cyclical_annealing(iteration, weight):
    """Four cycles of 10k iterations over [2k, 42k]: linear 0 -> 1 in the first half of each, then 1
    (at exactly 42k the released code's modulo starts a fifth cycle at 0)."""
    assert Cyclical(start=2000, steps=40000, cycles=4, ratio=0.5).weight(iteration) == pytest.approx(weight)


@pytest.mark.parametrize("iteration,weight", [(1, 0.0), (3, 0.0), (4, 0.01), (7, 0.01), (8, 0.02), (390, 0.99),
                                              (391, 1.0), (10_000, 1.0)])
def test_epoch_step_annealing(iteration, weight):
    """The released VMED's alpha = min(floor(i x 256 / pairs) / 100, 1) for 1,000 training pairs: an epoch is
    3.90625 iterations, so 0.01 more from iterations 4, 8, ... and 1 from 391 (100,096 pairs seen) on."""
    assert EpochStepAnneal(batch=256, epochs=100).over(1000).weight(iteration) == pytest.approx(weight)


def test_reduced_budgets_compress_epoch_steps_in_proportion():
    paper = replace(TrainConfig(), kl_anneal=EpochStepAnneal(batch=256), iterations=1_000_000)
    quick = BUDGETS["quick"].train_config(paper).kl_anneal.over(200_000)
    assert quick.pairs == 300
    full_weight = [paper.kl_anneal.over(200_000).weight(round(i * 1_000_000 / 1500)) for i in (1, 100, 117, 118, 500)]
    assert [quick.weight(i) for i in (1, 100, 117, 118, 500)] == pytest.approx(full_weight, abs=0.01)
