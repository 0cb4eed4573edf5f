"""AMI's game: the schedule of players, and that one step of each player moves its own loss the way the game says
(and leaves the other players untouched)."""

import copy

import pytest
import torch

from suite.config import Game, Transformer
from suite.data.dialogue import PairSet
from suite.models.ami import AMIResponder, LatentNoise, first_words, strength
from suite.models.transformer_dialogue import Backward, Forward
from suite.training.game import GameOptimizers, phase

SHAPE = Transformer(d_model=16, inner=32, heads=2, layers=1, beam=2)
# ‖δ‖ is at least about 0.65·√d (see suite/models/ami.py), so the noise's norm term is on only with a higher limit
GAME = Game(noise_iterations=2, block=4, samples=2, lr=0.05, clip_norm=100.0, noise_lr=0.05, noise_pretrain_lr=0.05,
            strength_limit=100.0)


def test_schedule_follows_the_released_trainer():
    game = Game(noise_iterations=2, block=8)
    players = [phase(game, i) for i in range(1, 2 + 20 + 3)]
    assert players[:2] == [("noise", False)] * 2                       # noise pretraining
    cycle = players[2:22]
    assert cycle[:8] == [("forward", k % 2 == 1) for k in range(8)]     # adversarial on every other batch
    assert cycle[8:16] == [("backward", k % 2 == 1) for k in range(8)]
    assert cycle[16:20] == [("noise", False)] * 4                       # block / 2 noise batches
    assert players[22] == ("forward", False)                            # and the next cycle


def test_first_words_cut_at_eos_and_at_the_limit():
    predicted = torch.tensor([[5, 6, 2, 7], [5, 6, 7, 8], [2, 5, 5, 5]])
    assert first_words(predicted, torch.tensor([3, 2, 3])) == [[5, 6], [5, 6], []]


def test_strength_averages_norms_over_real_positions():
    noise = torch.tensor([[[3.0, 4.0], [6.0, 8.0]], [[0.0, 1.0], [9.0, 9.0]]])
    padding = torch.tensor([[False, False], [False, True]])
    assert float(strength(noise, padding)) == pytest.approx((5 + 10 + 1) / 3)


def model_and_batch(seed: int = 0):
    torch.manual_seed(seed)
    model = AMIResponder(Forward(14, SHAPE, 0.0), Backward(14, SHAPE, 0.0), LatentNoise(16))
    pairs = PairSet.from_lists([[4, 5, 6], [7, 8], [9]], [[10, 11], [12, 4, 5], [6]],
                               earlier=[[13, 2], [], [4, 2, 5, 2]])
    return model, pairs.batch(torch.arange(3))


@torch.no_grad()
def encoded_and_noise(model, batch):
    """The forward encoding of the batch and one noise draw, the same draw every call."""
    torch.manual_seed(7)
    encoded = model.forward_model.encode(batch)
    return encoded, model.noise(encoded.memory, 1)[0]


@torch.no_grad()
def measure(model, loss, batch, seed: int = 7) -> float:
    torch.manual_seed(seed)             # the same noise draws before and after the step
    return float(loss(model, batch))


LOSSES = {
    "forward": [lambda m, b: m.forward_mle(b, GAME), lambda m, b: m.forward_adversarial(b, GAME)],
    "backward": [lambda m, b: m.backward_mle(b, GAME), lambda m, b: m.backward_adversarial(b, GAME)],
    "noise": [lambda m, b: m.noise_loss(b, GAME)],
}


@pytest.mark.parametrize("player,loss", [(p, f) for p, fs in LOSSES.items() for f in fs])
def test_one_step_lowers_the_players_loss_and_moves_no_one_else(player, loss):
    model, batch = model_and_batch()
    optimizers = GameOptimizers(model, GAME)
    before = measure(model, loss, batch)
    others = {name: copy.deepcopy(p.state_dict()) for name, p in optimizers.players.items() if name != player}
    torch.manual_seed(7)
    optimizers.step(player, loss(model, batch))
    assert measure(model, loss, batch) < before
    for name, state in others.items():
        for key, value in optimizers.players[name].state_dict().items():
            assert torch.equal(value, state[key]), f"{player}'s step moved {name}.{key}"


def test_backward_adversarial_step_makes_synthetic_responses_less_likely():
    model, batch = model_and_batch(1)
    optimizers = GameOptimizers(model, GAME)

    @torch.no_grad()
    def synthetic_nll():
        encoded, noise = encoded_and_noise(model, batch)
        _, fakes = model.synthetic(batch, encoded, noise, GAME)
        return float(model.backward_nll_of(batch, fakes).mean())

    before = synthetic_nll()
    torch.manual_seed(7)
    optimizers.step("backward", model.backward_adversarial(batch, GAME))
    assert synthetic_nll() > before


def test_noise_step_grows_the_noise_below_its_limit():
    model, batch = model_and_batch(2)
    optimizers = GameOptimizers(model, GAME)

    def size():
        encoded, noise = encoded_and_noise(model, batch)
        return float(strength(noise, encoded.padding))

    before = size()
    assert before < GAME.strength_limit
    torch.manual_seed(7)
    optimizers.step("noise", model.noise_loss(batch, GAME))
    assert size() > before


def test_noise_above_its_limit_gets_no_gradient_as_released():
    model, batch = model_and_batch(2)
    released = Game(noise_lr=0.05)          # strength limit 1.0
    optimizers = GameOptimizers(model, released)
    before = copy.deepcopy(model.noise.state_dict())
    torch.manual_seed(7)
    optimizers.step("noise", model.noise_loss(batch, released))
    assert all(torch.equal(v, before[k]) for k, v in model.noise.state_dict().items())
