"""He et al.'s procedure: the aggressive inner loop's stopping rule and the switch-off on falling MI."""

import pytest
import torch

from suite.config import EpochTrainConfig, ModelConfig
from suite.models.build import build_lstm_vae
from suite.training import epochs
from suite.training.epochs import EpochTrainer, split_parameters

TINY = ModelConfig(family="lstm-vae", emb_dim=8, enc_hidden=12, dec_hidden=12, latent_dim=3, dropout=0.0)


def trainer(tiny_corpus, **cfg):
    torch.manual_seed(0)
    model = build_lstm_vae(TINY, len(tiny_corpus.vocab))
    return EpochTrainer(model, tiny_corpus, EpochTrainConfig(**cfg), seed=0)


def scripted(trainer_, losses):
    """Replace the SGD step's loss with a script (per word: each batch counts as one word per sentence)."""
    sequence = iter(losses)

    def loss(batch):
        value = next(sequence)
        return {"loss": torch.tensor(value * batch.n_predictions / len(batch))}

    trainer_.loss_and_gradients = loss
    trainer_.encoder_sgd.step = lambda: None


@pytest.mark.parametrize("losses,steps", [
    ([1.0] * 15 + [0.9] * 15 + [0.95] * 15 + [0.1] * 60, 45),   # third window worse than the second
    ([1.0] * 15 + [1.1] * 15 + [0.0] * 75, 30),                   # second window worse than the first
    ([1.0 - 0.001 * i for i in range(120)], 99),                 # keeps improving: capped at 99 steps
])
def test_aggressive_inner_loop_stops_when_a_window_gets_worse(tiny_corpus, losses, steps):
    trainer_ = trainer(tiny_corpus, aggressive=True)
    scripted(trainer_, losses)
    batch = tiny_corpus.splits["train"].batch(trainer_.batches[0])
    assert trainer_.aggressive_encoder_steps(batch) == steps


def test_aggressive_mode_ends_once_validation_mi_falls(tiny_corpus, monkeypatch):
    values = iter([1.0, 1.5, 1.2, 2.0])
    monkeypatch.setattr(epochs, "evaluate_mi_minibatch", lambda *args: {"mi": next(values)})
    trainer_ = trainer(tiny_corpus, aggressive=True, aggressive_steps=2, aggressive_window=1, epochs=4,
                       max_iterations=None)
    seen = []
    original = trainer_.aggressive_encoder_steps

    def record(batch):
        seen.append(trainer_.iteration)
        return original(batch)

    trainer_.aggressive_encoder_steps = record
    trainer_.run()
    per_epoch = len(trainer_.batches)
    assert seen == list(range(1, 3 * per_epoch + 1))     # MI rose after epochs 1 and 2, fell after epoch 3


def test_encoder_optimiser_owns_encoder_and_posterior_networks(tiny_corpus):
    model = build_lstm_vae(TINY, len(tiny_corpus.vocab))
    encoder, decoder = split_parameters(model)
    expected = [*model.encoder.parameters(), *model.path.posterior.parameters()]
    assert {id(p) for p in encoder} == {id(p) for p in expected}
    assert len(encoder) + len(decoder) == len(list(model.parameters()))


def test_the_learning_rate_first_decays_after_the_16th_epoch_as_released(tiny_corpus, monkeypatch):
    """He et al.'s text.py decays when `epoch >= 15` in `for epoch in range(args.epochs)`: epochs counted from 0."""
    rising = iter(range(1, 100))
    monkeypatch.setattr(epochs, "elbo_loss", lambda *args: float(next(rising)))
    trainer_ = trainer(tiny_corpus, epochs=17, max_iterations=None)
    trainer_.train_epoch = lambda progress: None          # only the end-of-epoch rule is under test
    decayed = []
    trainer_.make_optimizers = lambda: decayed.append(trainer_.epoch)
    trainer_.run()
    assert decayed == [16]        # patience met from the 3rd epoch on; then again only after two more epochs
    assert trainer_.lr == 0.5 * EpochTrainConfig().lr


def test_validation_sees_the_annealed_kl_weight_for_sa_vaes_refinement(tiny_corpus, monkeypatch):
    weights = []
    monkeypatch.setattr(epochs, "elbo_loss", lambda model, valid, max_len, kl_weight: weights.append(kl_weight) or 1.0)
    trainer_ = trainer(tiny_corpus, epochs=1, max_iterations=None)
    trainer_.run()
    assert weights == [trainer_.kl_weight] and 0.1 < weights[0] < 1.0        # warm-up from 0.1 over 10 epochs


def test_the_warm_up_counts_iterations_as_he_et_al_or_batches_as_harvardnlps_sa_vae(tiny_corpus):
    """He et al.: 10 epochs of N / 32 iterations; harvardnlp's train_text.py: 10 epochs of the epoch's batches,
    which same-length batching makes more (its partial batches)."""
    he = trainer(tiny_corpus, batch_size=4)
    sa = trainer(tiny_corpus, batch_size=4, kl_rise=1.0, warm_up_over_batches=True)
    sentences = len(tiny_corpus.splits["train"])
    assert len(sa.batches) > sentences / 4
    assert he.kl_step == pytest.approx(0.9 / (10 * sentences / 4))
    assert sa.kl_step == pytest.approx(1.0 / (10 * len(sa.batches)))
