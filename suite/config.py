"""Configuration of one run: the model's composition and the paper's training setup.

Rows declare full-budget (paper) configs; budgets (`budgets.py`) derive reduced ones from them.
Everything here is frozen and JSON-serialisable, so a config can be hashed and stored with its results.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace


@dataclass(frozen=True)
class Coupling:
    """The coupled deterministic network of Coupled-VAE: λr·L^c_rec + λm·L_match."""

    lambda_rec: float = 1.0
    lambda_match: float = 0.1
    distance: str = "rq"            # "rq" (rational quadratic, 7 scales) | "euclidean"


@dataclass(frozen=True)
class ModelConfig:
    family: str = "autoencoder"     # "autoencoder" (DAE, VAE and variants) | "lm" (no encoder, no latent)
    posterior: str = "gaussian"     # "gaussian" | "point" (DAE)
    regulariser: str = "kl"         # "kl" | "none"
    emb_dim: int = 200
    enc_hidden: int = 128           # per direction of the bi-GRU encoder
    dec_hidden: int = 256           # twice the encoder's, as in the released code
    latent_dim: int = 32
    dropout: float = 0.2
    coupling: Coupling | None = None


@dataclass(frozen=True)
class Anneal:
    """Linear KL-weight annealing: weight = clip((iteration - start) / steps, 0, max_weight)."""

    start: int = 2000
    steps: int = 40000
    max_weight: float = 1.0

    def weight(self, iteration: int) -> float:
        return min(max(round((iteration - self.start) / self.steps, 6), 0.0), self.max_weight)


@dataclass(frozen=True)
class TrainConfig:
    batch_size: int = 32
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    iterations: int = 60000
    finish_epoch: bool = True       # the released code stops at the end of the epoch that reaches `iterations`
    lr_decay_start: int = 30000     # halve the learning rate every `lr_decay_every` iterations after this
    lr_decay_every: int = 2000
    clip_norm: float = 30.0
    kl_anneal: Anneal | None = field(default_factory=Anneal)
    # The released code lists the shared word embedding once per module that holds it in Adam's parameter
    # list, so it gets that many Adam updates per iteration and counts that often in gradient clipping.
    duplicate_embedding_updates: bool = True
    valid_every: int = 1000
    valid_samples: int = 10         # importance samples for the validation NLL (model selection)
    valid_sentences: int | None = None
    max_len: int = 200              # longer texts are truncated


@dataclass(frozen=True)
class EvalConfig:
    """How the paper measured (METRICS.md); reduced budgets override some counts."""

    nll_samples: int = 100
    test_sentences: int | None = None
    mi_samples: int = 100
    mi_batch: int = 513             # M = 512 other sentences per estimate of q(z)
    bleu_samples: int = 10
    bleu_sentences: int | None = None
    dist_samples: int = 3200
    decode_max_len: int = 200
    mask_unk: bool = True           # the released decoder never emits <unk> when generating


@dataclass(frozen=True)
class RunConfig:
    model_id: str
    dataset: str
    model: ModelConfig
    train: TrainConfig
    eval: EvalConfig = field(default_factory=EvalConfig)

    def to_dict(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

    def with_train(self, **changes) -> RunConfig:
        return replace(self, train=replace(self.train, **changes))
