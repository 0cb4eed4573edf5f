"""AMI's game end to end on a tiny corpus: the trainer runs the schedule, logs every player's terms, and moves
the forward and backward networks (the noise keeps its weights under the released strength limit)."""

import copy
import random

import torch

from suite.config import Game, ModelConfig, TrainConfig, Transformer
from suite.data.dialogue import pair_corpus
from suite.models.build import build_model
from suite.training.game import TERMS, GameTrainer


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
