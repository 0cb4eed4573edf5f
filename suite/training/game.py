"""The training loop of AMI's game (ZJULearning/AMI, trainer_conv.py), on top of the usual loop (`Trainer`:
batches, validation, checkpoints, progress, divergence).

The run starts from pretrained forward and backward networks (`init_from`). Its first `noise_iterations` batches
pretrain the noise alone; then the batches go in cycles of `block` to the forward network (an MLE step, plus an
adversarial step on every other batch), `block` to the backward network (likewise) and `block` / 2 to the noise.
Every player has its own plain SGD with gradient-norm clipping and OpenNMT-py's default learning-rate decay (the
optimiser and schedule train.sh runs the game with). Each step reports every term, 0 for those it does not compute,
so the curves keep one set of names.
"""

from __future__ import annotations

import torch

from suite.config import Game
from suite.training.trainer import Trainer

TERMS = ("forward_mle", "forward_adv", "backward_mle", "backward_adv", "noise")


def phase(game: Game, iteration: int) -> tuple[str, bool]:
    """The player of a (1-based) iteration and whether it also takes an adversarial step."""
    if iteration <= game.noise_iterations:
        return "noise", False
    position = (iteration - game.noise_iterations - 1) % game.cycle
    if position < 2 * game.block:
        return ("forward" if position < game.block else "backward"), position % 2 == 1
    return "noise", False


class GameOptimizers:
    """One SGD per player; `step` clips that player's gradient and returns its norm. Each player counts its own
    game steps for the learning-rate decay: the released game starts new optimisers, so noise pretraining's steps
    do not count."""

    def __init__(self, model, game: Game):
        self.game = game
        self.players = {"forward": model.forward_model, "backward": model.backward_model, "noise": model.noise}
        self.sgd = {name: torch.optim.SGD(player.parameters(), lr=game.noise_lr if name == "noise" else game.lr)
                    for name, player in self.players.items()}
        self.steps = dict.fromkeys(self.players, 0)

    def step(self, player: str, loss: torch.Tensor, pretraining: bool = False) -> torch.Tensor:
        for optimizer in self.sgd.values():
            optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = self.game.noise_pretrain_clip if pretraining else self.game.clip_norm
        norm = torch.nn.utils.clip_grad_norm_(self.players[player].parameters(), clip)
        if not pretraining:
            self.steps[player] += 1
        optimizer = self.sgd[player]
        for group in optimizer.param_groups:
            group["lr"] = self.game.noise_pretrain_lr if pretraining else self.lr(player)
        optimizer.step()
        return norm

    def lr(self, player: str) -> float:
        """The player's learning rate at its latest game step."""
        base = self.game.noise_lr if player == "noise" else self.game.lr
        return base * self.game.lr_scale(self.steps[player])

    def set_lr(self, lr: float):
        """The game keeps its own schedule (`Game.lr_scale`), not the trainer's."""

    def state_dict(self) -> dict:
        return {"sgd": {name: optimizer.state_dict() for name, optimizer in self.sgd.items()},
                "steps": dict(self.steps)}

    def load_state_dict(self, state: dict):
        for name, optimizer in self.sgd.items():
            optimizer.load_state_dict(state["sgd"][name])
        self.steps = dict(state["steps"])


class GameTrainer(Trainer):
    CAPTURABLE = False

    def __init__(self, model, corpus, cfg, *args, **kwargs):
        super().__init__(model, corpus, cfg, *args, **kwargs)
        self.game = cfg.game
        self.optimizer = GameOptimizers(model, cfg.game)

    def train_step(self, batch) -> dict[str, torch.Tensor]:
        self.model.train()
        player, adversarial = phase(self.game, self.iteration)
        pretraining = self.iteration <= self.game.noise_iterations
        model, game = self.model, self.game
        zero = torch.zeros((), device=self.device)
        values = dict.fromkeys(TERMS, zero)
        if player == "noise":
            loss = model.noise_loss(batch, game)
            norm = self.optimizer.step("noise", loss, pretraining)
            values["noise"] = loss.detach()
        else:
            mle = model.forward_mle(batch, game) if player == "forward" else model.backward_mle(batch, game)
            norm = self.optimizer.step(player, mle)
            values[f"{player}_mle"] = mle.detach()
            loss = mle
            if adversarial:
                adv = (model.forward_adversarial if player == "forward" else model.backward_adversarial)(batch, game)
                norm = self.optimizer.step(player, adv)
                values[f"{player}_adv"] = adv.detach()
                loss = mle + adv
        values["loss"] = loss.detach()
        values["grad_norm"] = norm
        return values
