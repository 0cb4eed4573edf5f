"""AMI's game end to end on a tiny corpus: the trainer runs the schedule, logs every player's terms, and moves
the forward and backward networks (the noise keeps its weights under the released strength limit)."""

import copy
import random

import torch

from suite.config import Game, ModelConfig, TrainConfig, Transformer
from suite.data.dialogue import pair_corpus
from suite.models.build import build_model
from suite.training.game import TERMS, GameOptimizers, GameTrainer, phase


def tiny_corpus():
    rng = random.Random(0)
    words = "a b c d e f g h".split()

    def dialogue():
        return [[rng.choice(words) for _ in range(rng.randint(1, 5))] for _ in range(5)]

    dialogues = {split: [dialogue() for _ in range(n)] for split, n in (("train", 30), ("valid", 4), ("test", 4))}
    return pair_corpus("tiny", dialogues, [b"tiny"], stand_in=True, min_count=1, history=3)


def test_game_trainer_runs_the_schedule():
    corpus = tiny_corpus()
    cfg = ModelConfig(family="transformer-ami", dropout=0.0,
                      transformer=Transformer(d_model=16, inner=32, heads=2, layers=1, beam=2))
    torch.manual_seed(0)
    model = build_model(cfg, len(corpus.vocab))
    game = Game(noise_iterations=2, block=2, samples=2)
    train = TrainConfig(batch_size=8, iterations=2 + 5, finish_epoch=False, kl_anneal=None, clip_norm=None,
                        duplicate_embedding_updates=False, valid_every=7, keep_last=True, game=game)
    before = copy.deepcopy(model.state_dict())
    result = GameTrainer(model, corpus, train, seed=0).run()
    assert result.iterations == 7 and result.best_iteration == 7
    curves = result.curves.to_dict()
    assert all(name in curves for name in TERMS)
    assert [v > 0 for v in curves["noise"][:2]] == [True, True]                    # noise pretraining first
    assert curves["forward_adv"][3] != 0 and curves["backward_mle"][4] != 0       # then forward, backward
    changed = {name.split(".")[0] for name, value in model.state_dict().items() if not torch.equal(value, before[name])}
    assert changed == {"forward_model", "backward_model"}


def simulated_batches(game: Game, steps: int) -> int:
    """Game batches until forward and backward have each taken `steps` optimiser steps, by walking the schedule."""
    taken = {"forward": 0, "backward": 0, "noise": 0}
    iteration = game.noise_iterations
    while min(taken["forward"], taken["backward"]) < steps:
        iteration += 1
        player, adversarial = phase(game, iteration)
        taken[player] += 1 + adversarial
    return iteration - game.noise_iterations


def test_game_length_counts_each_networks_optimiser_steps():
    for block in (2, 4, 8):
        game = Game(noise_iterations=3, block=block)
        for steps in range(1, 60):
            assert game.batches_for(steps) == simulated_batches(game, steps), (block, steps)
    assert Game().batches_for(100_000) == simulated_batches(Game(), 100_000) == 166_671


def test_learning_rate_halves_as_opennmt_exponential_decay():
    # OpenNMT-py: rate ** (max(step - start + every, 0) // every), rate 0.5, start 50k, every 10k
    game = Game()
    assert [game.lr_scale(s) for s in (1, 49_999, 50_000, 59_999, 60_000, 100_000)] == [1, 1, .5, .5, .25, 1 / 64]


def test_each_player_counts_its_own_game_steps_and_resumes():
    torch.manual_seed(0)
    cfg = ModelConfig(family="transformer-ami", dropout=0.0,
                      transformer=Transformer(d_model=16, inner=32, heads=2, layers=1, beam=2))
    model = build_model(cfg, 12)
    game = Game(decay_start=3, decay_every=2)
    optimizers = GameOptimizers(model, game)
    noise = sum(p.sum() for p in model.noise.parameters())
    optimizers.step("noise", noise, pretraining=True)                # noise pretraining: not a game step
    for _ in range(5):
        loss = sum(p.sum() for p in model.forward_model.parameters())
        optimizers.step("forward", loss)
    assert optimizers.steps == {"forward": 5, "backward": 0, "noise": 0}
    assert optimizers.sgd["forward"].param_groups[0]["lr"] == game.lr * 0.25     # step 5: (5 - 3 + 2) // 2 halvings
    resumed = GameOptimizers(model, game)
    resumed.load_state_dict(optimizers.state_dict())
    assert resumed.steps == optimizers.steps and resumed.lr("forward") == optimizers.lr("forward")
