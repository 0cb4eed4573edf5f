"""Each trainer cuts its epochs into batches in its config's order (`batches`); the orders themselves are tested
in tests/data/test_ptb_and_batching.py."""

from dataclasses import replace

import pytest
import torch

from suite.config import EpochAdamConfig, ModelConfig, TrainConfig
from suite.data import batching
from suite.models.build import build_model
from suite.training import epoch_adam, trainer
from suite.training.epoch_adam import EpochAdamTrainer
from suite.training.trainer import Trainer

SMALL = ModelConfig(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3)


@pytest.fixture()
def orders_drawn(monkeypatch):
    """The `order` of every epoch a trainer draws, recorded on the way to the real batch planner."""
    drawn = []

    def recording(sentences, batch_size, generator, order="length-grouped"):
        drawn.append(order)
        return batching.training_batches(sentences, batch_size, generator, order)

    monkeypatch.setattr(trainer, "training_batches", recording)
    monkeypatch.setattr(epoch_adam, "training_batches", recording)
    return drawn


@pytest.mark.parametrize("order", ["length-grouped", "shuffled"])
def test_the_step_trainer_draws_its_epochs_in_the_configured_order(tiny_corpus, orders_drawn, order):
    model = build_model(SMALL, len(tiny_corpus.vocab))
    batches = Trainer(model, tiny_corpus, TrainConfig(batch_size=8, batches=order), seed=3).epoch_batches()
    assert orders_drawn == [order]
    covered = torch.cat(batches).sort().values
    assert torch.equal(covered, torch.arange(len(tiny_corpus.splits["train"])))


@pytest.mark.parametrize("order", ["length-grouped", "shuffled"])
def test_the_epoch_trainer_draws_its_epochs_in_the_configured_order(tiny_corpus, orders_drawn, order):
    model = build_model(SMALL, len(tiny_corpus.vocab))
    cfg = EpochAdamConfig(batch_size=16, epochs=2, iterations=8, batches=order)
    EpochAdamTrainer(model, tiny_corpus, cfg, seed=3).next_batch()
    assert orders_drawn == [order]


@pytest.mark.parametrize("order,repeats", [("shuffled-once", True), ("shuffled", False)])
def test_an_order_drawn_once_is_every_epochs_order(tiny_corpus, order, repeats):
    model = build_model(SMALL, len(tiny_corpus.vocab))
    epochs = EpochAdamTrainer(model, tiny_corpus, EpochAdamConfig(batch_size=8, epochs=2, batches=order), seed=3)

    def epoch_adam(k: int) -> torch.Tensor:
        drawn = []
        for position in range(epochs.batches_per_epoch):
            epochs.iteration = k * epochs.batches_per_epoch + position
            drawn.append(epochs.next_batch().index)
        return torch.cat(drawn)

    steps = Trainer(model, tiny_corpus, TrainConfig(batch_size=8, batches=order), seed=3)

    def step_trainer(k: int) -> torch.Tensor:
        steps.epoch = k
        return torch.cat(steps.epoch_batches())

    sentences = len(tiny_corpus.splits["train"])
    covered = sentences // 8 * 8 if order == "shuffled-once" else sentences     # full batches only
    for draw in (epoch_adam, step_trainer):
        first, second = draw(0), draw(1)
        assert len(first) == covered and len(set(first.tolist())) == covered
        assert torch.equal(first, second) == repeats


def test_tracking_gradient_norms_leaves_the_training_run_as_it_was(tiny_corpus):
    """The VAE row tracks Figure 2's gradient norms at each validation and Coupled-VAE does not; the tracking
    (training mode, dropout, sampled z) draws from a forked generator and takes no optimiser step, so the two runs
    are the same run."""
    cfg = TrainConfig(batch_size=8, iterations=12, finish_epoch=False, valid_every=4, valid_sentences=8,
                      valid_samples=2, track_sentences=8)

    def train(track: bool):
        torch.manual_seed(0)
        model = build_model(SMALL, len(tiny_corpus.vocab))
        return Trainer(model, tiny_corpus, replace(cfg, track_gradients=track), seed=3).run()

    tracked, plain = train(True), train(False)
    assert len(tracked.curves.gradients) == 3 and not plain.curves.gradients
    assert tracked.curves.valid == plain.curves.valid
    assert tracked.curves.to_dict()["loss"] == plain.curves.to_dict()["loss"]
    for name, weights in plain.best_state.items():
        assert torch.equal(tracked.best_state[name], weights)
