"""Build a model from its ModelConfig: each component family maps to the module implementing it."""

from __future__ import annotations

from torch import nn

from suite.config import ModelConfig
from suite.models.autoencoder import LatentPath, TextAutoencoder, signal_mlp
from suite.models.coupling import Coupled
from suite.models.decoder import SignalGRUDecoder
from suite.models.encoder import BiGRUEncoder
from suite.models.lm import GRULanguageModel
from suite.models.posteriors import GaussianPosterior, PointPosterior, StandardNormal
from suite.models.regularisers import build_regulariser


def posterior_network(cfg: ModelConfig, in_dim: int) -> nn.Module:
    family = cfg.posterior.family
    if family == "gaussian":
        return GaussianPosterior(in_dim, cfg.latent_dim)
    if family == "point":
        return PointPosterior(in_dim, cfg.latent_dim)
    raise ValueError(f"unknown posterior family {family!r}")


def prior(cfg: ModelConfig):
    return StandardNormal(cfg.latent_dim)


def decoder(cfg: ModelConfig, embedding: nn.Embedding, vocab_size: int) -> nn.Module:
    family = cfg.decoder.family
    if family == "gru":
        return SignalGRUDecoder(embedding, cfg.dec_hidden, vocab_size, cfg.dropout)
    raise ValueError(f"unknown decoder family {family!r}")


def latent_path(cfg: ModelConfig, embedding: nn.Embedding, in_dim: int, vocab_size: int) -> LatentPath:
    return LatentPath(posterior_network(cfg, in_dim), signal_mlp(cfg.latent_dim, cfg.emb_dim),
                      decoder(cfg, embedding, vocab_size))


def build_model(cfg: ModelConfig, vocab_size: int) -> nn.Module:
    if cfg.family == "lm":
        return GRULanguageModel(vocab_size, cfg.emb_dim, cfg.dec_hidden, cfg.dropout)
    embedding = nn.Embedding(vocab_size, cfg.emb_dim)
    encoder = BiGRUEncoder(embedding, cfg.enc_hidden, cfg.dropout)
    path = latent_path(cfg, embedding, encoder.output_dim, vocab_size)
    model = TextAutoencoder(encoder, path, prior(cfg), build_regulariser(cfg.regulariser))
    if cfg.coupling is None:
        return model
    twin = latent_path(cfg, embedding, encoder.output_dim, vocab_size)
    return Coupled(model, twin, cfg.coupling, cfg.latent_dim)
