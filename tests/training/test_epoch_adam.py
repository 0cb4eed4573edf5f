"""Epoch-based Adam training of the Stochastic WAE rows: schedules by hand, compression, clipping, resume."""

import math
from dataclasses import replace

import pytest
import torch

from suite.config import (
    EpochAdamConfig,
    Posterior,
    Regulariser,
    SentenceModelConfig,
    SigmoidAnneal,
    WordDropout,
)
from suite.errors import SuiteError
from suite.models.build import build_model
from suite.training.epoch_adam import EpochAdamTrainer
from suite.training.trainer import TrainingDiverged

SMALL = SentenceModelConfig(family="lstm-ae", posterior=Posterior("gaussian"), regulariser=Regulariser("kl"),
                            emb_dim=8, enc_hidden=6, dec_hidden=10, latent_dim=4, dropout=0.2)


def test_sigmoid_schedule_is_the_released_tanh_frozen_at_its_stop():
    anneal = SigmoidAnneal()
    assert anneal.weight(0) == 0.0
    assert anneal.weight(1000) == pytest.approx((math.tanh(-3.5) + 1) / 2, abs=1e-6)
    assert anneal.weight(3000) == pytest.approx((math.tanh(-1.5) + 1) / 2, abs=1e-6)
    assert anneal.weight(10_000) == anneal.weight(3000)          # peaking annealing: frozen, not 1


def test_word_dropout_rises_by_a_twentieth_per_epoch_to_one_half():
    rates = [WordDropout().rate(epoch) for epoch in range(15)]
    assert rates[:3] == [0.0, 0.05, 0.1] and rates[10:] == [0.5] * 5


def train(corpus, cfg, seed=0, checkpoint=None, key=None):
    torch.manual_seed(seed)
    model = build_model(SMALL, len(corpus.vocab))
    return model, EpochAdamTrainer(model, corpus, cfg, seed, checkpoint, key)


def test_a_reduced_budget_compresses_epochs_and_schedules(tiny_corpus):
    cfg = EpochAdamConfig(batch_size=16, epochs=4, lr_decay=0.5, iterations=8, kl_anneal=SigmoidAnneal(
        centre=12, width=4, stop=12), word_dropout=WordDropout(step=0.25, max_rate=0.5))
    model, trainer = train(tiny_corpus, cfg)
    result = trainer.run()
    assert trainer.batches_per_epoch == 6 and trainer.total == 8 and trainer.epoch_steps == 2
    curves = result.curves.to_dict()
    assert curves["iteration"] == list(range(1, 9))
    assert curves["word_dropout"] == [0.0, 0.0, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5]
    assert curves["lr"] == [1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 2.5e-4, 1.25e-4, 1.25e-4]
    scale = 8 / 24                                   # the KL schedule runs on steps / scale
    expected = [SigmoidAnneal(12, 4, 12).weight(t / scale) for t in range(8)]
    assert curves["kl_weight"] == pytest.approx(expected)
    assert [it for it, _ in curves["valid_nll"]] == [6, 8]     # a real epoch's end, and the last step


def test_a_compressed_run_validates_and_checkpoints_at_each_real_epoch_end(tiny_corpus, tmp_path):
    """6 batches a real epoch, 13 steps in 3 compressed epochs of 4: validation (and a checkpoint to resume from)
    at steps 6 and 12 and at the end, whether or not a compressed epoch ends there."""
    cfg = EpochAdamConfig(batch_size=16, epochs=3, iterations=13, lr_decay=0.5)
    saved = []
    _, trainer = train(tiny_corpus, cfg, checkpoint=tmp_path / "checkpoint.pt", key={"run": 1})
    real_validate = trainer.validate
    trainer.validate = lambda optimizer: (real_validate(optimizer), saved.append(trainer.iteration))
    result = trainer.run()
    assert (trainer.batches_per_epoch, trainer.epoch_steps) == (6, 4)
    assert [it for it, _ in result.curves.to_dict()["valid_nll"]] == [6, 12, 13] and saved == [6, 12, 13]
    assert result.curves.to_dict()["lr"] == [1e-3] * 4 + [5e-4] * 4 + [2.5e-4] * 4 + [1.25e-4]  # compressed epochs


@pytest.mark.parametrize("order,batches", [("shuffled-once", 9), ("shuffled", 10)])
def test_an_epoch_is_as_many_steps_as_its_order_has_batches(tiny_corpus, order, batches):
    """96 sentences in batches of 10: the released WAE loops' 9 full batches, or a loader's 10 with a last of 6."""
    _, trainer = train(tiny_corpus, EpochAdamConfig(batch_size=10, epochs=2, batches=order))
    assert (trainer.batches_per_epoch, trainer.total) == (batches, 2 * batches)


def test_a_split_smaller_than_one_full_batch_fails_in_one_line_before_training(tiny_corpus):
    with pytest.raises(SuiteError, match="the training split has 96 examples, fewer than one batch of 128"):
        train(tiny_corpus, EpochAdamConfig(batch_size=128, epochs=2, batches="shuffled-once"))


def test_gradients_are_clipped_elementwise(tiny_corpus):
    cfg = EpochAdamConfig(batch_size=16, epochs=1, iterations=1, clip_value=1e-3)
    model, trainer = train(tiny_corpus, cfg)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    trainer.started = 0.0
    trainer.step(optimizer)
    moves = torch.cat([(p.detach() - before[n]).abs().flatten() for n, p in model.named_parameters()])
    assert moves.max() == pytest.approx(1e-3, rel=1e-3)           # one SGD step of lr 1 moves by the clipped grad


def test_a_killed_run_resumes_to_the_same_weights(tiny_corpus, tmp_path):
    cfg = EpochAdamConfig(batch_size=16, epochs=3)
    _, full = train(tiny_corpus, cfg)
    expected = full.run().best_state
    checkpoint, key = tmp_path / "checkpoint.pt", {"k": 1}
    _, first = train(tiny_corpus, replace(cfg, iterations=6), checkpoint=checkpoint, key=key)   # one epoch
    first.run()
    model, resumed = train(tiny_corpus, cfg, seed=0, checkpoint=checkpoint, key=key)
    torch.manual_seed(123)                  # the checkpoint restores the generators, so this must not matter
    state = resumed.run().best_state
    assert resumed.iteration == 18
    for name, value in expected.items():
        assert torch.allclose(value, state[name]), name


def diverging_at(trainer, iteration: int):
    """Make the loss of the step after `iteration` non-finite, as a diverging run's would be."""
    terms = trainer.model.training_terms

    def nan_loss(batch, weight):
        values = terms(batch, weight)
        if trainer.iteration == iteration:
            values["loss"] = values["loss"] * float("nan")
        return values
    trainer.model.training_terms = nan_loss


@pytest.mark.parametrize("resumed", [False, True])
def test_a_diverged_run_keeps_its_last_validated_weights(tiny_corpus, tmp_path, resumed):
    """Validated at the end of each 6-batch epoch; the loss turns NaN at step 10: the run's last good weights are
    those of step 6, whether it validated them itself or resumed from their checkpoint."""
    cfg = EpochAdamConfig(batch_size=16, epochs=3)
    checkpoint, key = tmp_path / "checkpoint.pt", {"k": 1}
    _, first = train(tiny_corpus, replace(cfg, iterations=6), checkpoint=checkpoint, key=key)
    validated = first.run().best_state
    _, trainer = train(tiny_corpus, cfg, checkpoint=checkpoint if resumed else None, key=key)
    diverging_at(trainer, 9)
    with pytest.raises(TrainingDiverged) as diverged:
        trainer.run()
    partial = diverged.value.partial
    assert diverged.value.iteration == 10 and partial.best_iteration == 6
    assert partial.best_valid_nll == partial.curves.to_dict()["valid_nll"][0][1]
    for name, value in validated.items():
        assert torch.equal(value, partial.best_state[name]), name


def test_a_fixed_kl_weight_holds_from_the_first_step(tiny_corpus):
    from suite.config import ConstantKL
    cfg = EpochAdamConfig(batch_size=16, epochs=1, iterations=3, kl_anneal=ConstantKL(0.1))
    _, trainer = train(tiny_corpus, cfg)
    curves = trainer.run().curves.to_dict()
    assert curves["kl_weight"] == [0.1, 0.1, 0.1]
    assert curves["weighted_kl"] == pytest.approx([0.1 * kl for kl in curves["kl"]])
