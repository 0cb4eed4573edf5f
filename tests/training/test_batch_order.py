"""The trainer cuts each epoch into batches in its config's order (TrainConfig.batches)."""

import pytest
import torch

from suite.config import ModelConfig, TrainConfig
from suite.data.batching import training_batches
from suite.models.build import build_model
from suite.training.trainer import Trainer


@pytest.mark.parametrize("order", ["length-grouped", "shuffled"])
def test_each_epoch_comes_in_the_configured_order(tiny_corpus, order):
    model = build_model(ModelConfig(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3), len(tiny_corpus.vocab))
    trainer = Trainer(model, tiny_corpus, TrainConfig(batch_size=8, batches=order), seed=3)
    trainer.epoch = 2
    train = tiny_corpus.splits["train"]
    for candidate in ("length-grouped", "shuffled"):
        expected = training_batches(train, 8, torch.Generator().manual_seed(3 * 100003 + 2), candidate)
        same = all(torch.equal(a, b) for a, b in zip(trainer.epoch_batches(), expected, strict=True))
        assert same == (candidate == order)
