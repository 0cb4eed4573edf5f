"""Build a model from its ModelConfig."""

from __future__ import annotations

from torch import nn

from suite.config import ModelConfig
from suite.models.autoencoder import LatentPath, TextAutoencoder, kl_regulariser, signal_mlp
from suite.models.coupling import Coupled
from suite.models.decoder import SignalGRUDecoder
from suite.models.encoder import BiGRUEncoder
from suite.models.lm import GRULanguageModel
from suite.models.posteriors import GaussianPosterior, PointPosterior

POSTERIORS = {"gaussian": GaussianPosterior, "point": PointPosterior}
REGULARISERS = {"kl": kl_regulariser, "none": None}


def latent_path(cfg: ModelConfig, embedding: nn.Embedding, in_dim: int, vocab_size: int) -> LatentPath:
    return LatentPath(POSTERIORS[cfg.posterior](in_dim, cfg.latent_dim),
                      signal_mlp(cfg.latent_dim, cfg.emb_dim),
                      SignalGRUDecoder(embedding, cfg.dec_hidden, vocab_size, cfg.dropout))


def build_model(cfg: ModelConfig, vocab_size: int) -> nn.Module:
    if cfg.family == "lm":
        return GRULanguageModel(vocab_size, cfg.emb_dim, cfg.dec_hidden, cfg.dropout)
    embedding = nn.Embedding(vocab_size, cfg.emb_dim)
    encoder = BiGRUEncoder(embedding, cfg.enc_hidden, cfg.dropout)
    path = latent_path(cfg, embedding, encoder.output_dim, vocab_size)
    model = TextAutoencoder(encoder, path, cfg.latent_dim, REGULARISERS[cfg.regulariser])
    if cfg.coupling is None:
        return model
    twin = latent_path(cfg, embedding, encoder.output_dim, vocab_size)
    return Coupled(model, twin, cfg.coupling, cfg.latent_dim)

