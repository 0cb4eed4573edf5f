"""Pan et al. (ICML 2020), "Adversarial Mutual Information for Text Generation" (AMI): the dialogue rows.
The main paper's tables are not available, so tables/ami-dialog.yaml lists rows without values; the rows still
train and evaluate as the paper did, and the output says "no published value".

Full-budget setup: supplement B.1 and, where it is silent, the authors' code (ZJULearning/AMI, an OpenNMT-py fork):
  - Transformer (B.1): d_model 512, inner 2048, 8 heads, dropout 0.1, batch 64, Adam β = (0.9, 0.998), ε = 1e-9,
    dialogue history of at most 3 turns. The fork's only Transformer configuration (config-transformer-base-1GPU.yml,
    a WMT setup that train.sh does not load: without it OpenNMT-py's defaults would build an RNN) gives the rest:
    6 layers per stack, Noam schedule (learning rate 2, 8,000 warm-up steps), label smoothing 0.1, no gradient
    clipping; its batches of 4,096 tokens (8 accumulated) are not taken, B.1's 64 pairs are, drawn as OpenNMT-py
    draws them (sorted pools, `pool_sorted_batches`).
    train.sh pretrains each network for 100k steps and fine-tunes from the last checkpoint, so every row keeps
    its final weights (validation NLL is only logged). Responses: beam search of size 5, no length penalty
    (OpenNMT translate.py's defaults).
  - + MMI (Li et al. 2016, MMI-bidi): the Transformer row's forward network (copied, frozen) proposes a 10-best
    list by beam search; a backward network trained like it (100k steps, same schedule) scores log p(x | y), and
    the candidate it scores highest is the response, as the authors' select_results.py picks it (λ = 1 in Li et
    al.'s (1 − λ)·log p(y | x) + λ·log p(x | y); no paper gives the list size).
  - + AMI: starts from both pretrained networks (the MMI row's), pretrains the noise for 10k steps (SGD 0.01, as
    train.sh), then plays the game (suite/models/ami.py, suite/training/game.py) with SGD 0.01 and clipping 0.1
    (train.sh), the noise at 1% of that (the code), 5 noise draws, λ = 0.1 (B.1; the code's opts.py default is 1.0,
    which train.sh leaves as is: tables/ami-dialog.yaml notes it). train.sh sets no length or
    schedule for the game, so OpenNMT-py's defaults hold: it ends once the forward and the backward network have
    each taken 100k optimiser steps (train_steps; 166,671 batches), and SGD halves each player's learning rate every
    10k of its steps from its 50k-th on. (test.sh leaves the checkpoint it decodes as `_step_XXXXX`; the row keeps
    the final weights.)
"""

from __future__ import annotations

from dataclasses import replace

from suite.config import EvalConfig, Game, ModelConfig, Noam, Regulariser, RunConfig, TrainConfig, Transformer
from suite.registry import register_model, register_rows

PAPER = "ami"
DATASETS = ("personachat", "chitchat")       # chitchat: the labelled stand-in, never compared

SHAPE = Transformer(d_model=512, inner=2048, heads=8, layers=6, label_smoothing=0.1, beam=5, n_best=1)
TRANSFORMER = ModelConfig(family="transformer", regulariser=Regulariser("none"), dropout=0.1, transformer=SHAPE)
MMI = replace(TRANSFORMER, family="transformer-mmi", transformer=replace(SHAPE, beam=10, n_best=10, mmi_lambda=1.0))
AMI = replace(TRANSFORMER, family="transformer-ami")

# OpenNMT-py sorts its training pools (pool_factor 8192: all of PersonaChat) by the network's source length,
# then its target's, and shuffles the batches: the forward network by context, the backward one by response.
PRETRAINING = TrainConfig(batch_size=64, batches="context-sorted", lr=2.0, betas=(0.9, 0.998), adam_eps=1e-9,
                          iterations=100_000, finish_epoch=False, noam=Noam(warmup=8000, scale=512), clip_norm=None,
                          kl_anneal=None, duplicate_embedding_updates=False, valid_every=10_000, keep_last=True)
GAME = Game(noise_iterations=10_000)
GAME_STEPS = 100_000        # each network's optimiser steps: OpenNMT-py's default train_steps
EVALUATION = EvalConfig(decode_max_len=100)     # translate.py's max_length
# The full Transformer takes seconds per step on a CPU: reduced budgets train smaller ones.
REDUCED = {"quick": {"model.transformer.d_model": 256, "model.transformer.inner": 1024, "model.transformer.layers": 2},
           "smoke": {"model.transformer.d_model": 32, "model.transformer.inner": 64, "model.transformer.heads": 2,
                     "model.transformer.layers": 1, "model.transformer.beam": 2}}


def row(model_id: str, model: ModelConfig, train: TrainConfig):
    register_model(model_id, paper=PAPER, datasets=DATASETS, reduced=REDUCED)(
        lambda dataset: RunConfig(model_id, dataset, model, train, EVALUATION))


row("transformer", TRANSFORMER, PRETRAINING)
row("transformer-mmi", MMI, replace(PRETRAINING, init_from="transformer", batches="response-sorted"))
row("transformer-ami", AMI, replace(PRETRAINING, init_from="transformer-mmi", game=GAME, noam=None, lr=GAME.lr,
                                    iterations=GAME.noise_iterations + GAME.batches_for(GAME_STEPS)))

register_rows("ami-dialog", {"transformer": "transformer", "mmi": "transformer-mmi", "ami": "transformer-ami"})
