"""He et al. (2019)'s released training procedure (vae-lagging-encoder), used for the Lagging-VAE and SA-VAE
rows (the Coupled-VAE paper modified that open-source implementation for them).

Per iteration: the KL weight rises by kl_rise / (warm_up_epochs · batches per epoch) from kl_start (capped at
1); in aggressive mode the encoder first takes up to `aggressive_steps` SGD steps, on this batch and then on
random training batches, until the loss per word of a window of `aggressive_window` steps rises; then the
decoder (and, once aggressive mode is off, the encoder) takes one step. After each epoch: aggressive mode ends
for good when the validation MI (He et al.'s minibatch estimator) falls; the validation loss (one-sample ELBO,
KL weight 1) keeps the best weights and, after `decay_patience` epochs without improvement (from epoch
`decay_from_epoch`), halves the learning rate, reloads the best weights and restarts SGD; `max_decays` decays
end training.
"""

from __future__ import annotations

import copy
import math
import time

import torch
from torch import nn

from suite.config import EpochTrainConfig
from suite.data.batching import same_length_batches
from suite.data.corpus import Corpus
from suite.evaluation.mutual_info import evaluate_mi_minibatch
from suite.progress import bar
from suite.training.trainer import Curves, TrainingDiverged, TrainResult

ENCODER_SIDE = ("encoder", "posterior")     # parameter-name parts the encoder optimiser owns


def split_parameters(model: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """Encoder side (encoder and posterior networks, as the released encoder module holds its mean/log-variance
    layer) and decoder side (everything else)."""
    encoder, decoder = [], []
    for name, parameter in model.named_parameters():
        (encoder if any(part in name.split(".") for part in ENCODER_SIDE) else decoder).append(parameter)
    return encoder, decoder


@torch.no_grad()
def elbo_loss(model: nn.Module, sentences, max_len: int | None) -> float:
    """Validation loss of the released code: one-sample reconstruction plus closed-form KL, per sentence."""
    model.eval()
    total = 0.0
    for index in same_length_batches(sentences, 32):
        batch = sentences.batch(index, max_len)
        posterior = model.posterior(batch)
        total += float((model.sentence_nll(batch, posterior.rsample().z) + posterior.kl()).sum())
    return total / len(sentences)


class EpochTrainer:
    def __init__(self, model: nn.Module, corpus: Corpus, cfg: EpochTrainConfig, seed: int):
        self.model, self.corpus, self.cfg, self.seed = model, corpus, cfg, seed
        self.train = corpus.splits["train"]
        self.valid = corpus.splits["valid"].subset(cfg.valid_sentences)
        self.batches = same_length_batches(self.train, cfg.batch_size)
        self.random = torch.Generator().manual_seed(seed)
        self.lr = cfg.lr
        self.kl_weight = cfg.kl_start
        warm_up = cfg.warm_up_iterations or cfg.warm_up_epochs * len(self.train) / cfg.batch_size
        self.kl_step = cfg.kl_rise / warm_up
        self.aggressive = cfg.aggressive
        self.curves = Curves()
        self.make_optimizers()

    def make_optimizers(self):
        if self.cfg.separate_optimizers:
            encoder, decoder = split_parameters(self.model)
            self.encoder_sgd = torch.optim.SGD(encoder, lr=self.lr)
            self.decoder_sgd = torch.optim.SGD(decoder, lr=self.lr)
        else:
            self.encoder_sgd = None
            self.decoder_sgd = torch.optim.SGD(self.model.parameters(), lr=self.lr)

    def loss(self, batch) -> dict[str, torch.Tensor]:
        self.model.train()
        terms = self.model.training_terms(batch, self.kl_weight)
        if not math.isfinite(terms["loss"].item()):
            raise TrainingDiverged(self.iteration, {k: v.item() for k, v in terms.items()})
        for optimizer in (self.encoder_sgd, self.decoder_sgd):
            if optimizer is not None:
                optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip_norm)
        return terms

    def aggressive_encoder_steps(self, batch) -> int:
        """The inner loop of aggressive training; returns how many encoder steps it took."""
        cfg = self.cfg
        previous, loss_sum, words = 1e4, 0.0, 0
        for step in range(1, cfg.aggressive_steps + 1):
            loss_sum += self.loss(batch)["loss"].item() * len(batch)
            words += batch.n_predictions
            self.encoder_sgd.step()
            batch = self.train.batch(self.batches[int(torch.randint(len(self.batches), (1,), generator=self.random))],
                                     cfg.max_len)
            if step % cfg.aggressive_window == 0:
                current = loss_sum / words
                if current > previous:
                    return step
                previous, loss_sum, words = current, 0.0, 0
        return cfg.aggressive_steps

    def run(self) -> TrainResult:
        cfg = self.cfg
        started = time.perf_counter()
        best_state, best_loss, best_iteration = copy.deepcopy(self.model.state_dict()), math.inf, None
        last_loss, not_improved, decays, previous_mi = 1e4, 0, 0, 0.0
        self.iteration, epoch = 0, 0
        total = cfg.max_iterations or cfg.epochs * len(self.batches)
        progress = bar(total=total, desc="train")
        for epoch in range(1, cfg.epochs + 1):
            order = torch.randperm(len(self.batches), generator=torch.Generator().manual_seed(self.seed * 7919 + epoch))
            window: dict[str, list[float]] = {}
            for position in order.tolist():
                if cfg.max_iterations is not None and self.iteration >= cfg.max_iterations:
                    break
                self.iteration += 1
                self.kl_weight = min(1.0, self.kl_weight + self.kl_step)
                batch = self.train.batch(self.batches[position], cfg.max_len)
                inner = self.aggressive_encoder_steps(batch) if self.aggressive else 0
                terms = self.loss(batch)
                self.decoder_sgd.step()
                if self.encoder_sgd is not None and not self.aggressive:
                    self.encoder_sgd.step()
                values = {k: v.item() for k, v in terms.items()}
                values.update(kl_weight=self.kl_weight, lr=self.lr, encoder_steps=inner)
                for name, value in values.items():
                    window.setdefault(name, []).append(value)
                progress.update()
                progress.set_postfix(loss=f"{values['loss']:.2f}", kl=f"{values.get('kl', 0.0):.2f}",
                                     aggressive=self.aggressive)
            self.curves.log(self.iteration, window)
            if self.aggressive:
                mi = evaluate_mi_minibatch(self.model, self.valid, cfg.max_len)["mi"]
                self.aggressive = mi >= previous_mi
                previous_mi = mi
            loss = elbo_loss(self.model, self.valid, cfg.max_len)
            self.curves.valid.append((self.iteration, loss))
            if loss < best_loss:
                best_state, best_loss, best_iteration = copy.deepcopy(self.model.state_dict()), loss, self.iteration
            if loss > last_loss:
                not_improved += 1
                if not_improved >= cfg.decay_patience and epoch >= cfg.decay_from_epoch:
                    last_loss, not_improved, decays = loss, 0, decays + 1
                    self.lr *= cfg.lr_decay
                    self.model.load_state_dict(best_state)
                    self.make_optimizers()
            else:
                not_improved, last_loss = 0, loss
            if decays == cfg.max_decays or (cfg.max_iterations is not None and self.iteration >= cfg.max_iterations):
                break
        progress.close()
        return TrainResult(best_state, best_iteration, best_loss if best_iteration is not None else None,
                           self.iteration, epoch, self.curves, time.perf_counter() - started)
