"""Build a model from its ModelConfig: each component family maps to the module implementing it."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from suite.config import ModelConfig
from suite.errors import unknown
from suite.models.ami import AMIResponder, LatentNoise
from suite.models.autoencoder import LatentPath, TextAutoencoder, signal_mlp
from suite.models.build_vmed import VMED_FAMILIES, build_vmed_model
from suite.models.cnn_decoder import DilatedCNNDecoder
from suite.models.coupling import Coupled
from suite.models.cvae import DIALOGUE_KINDS, build_dialogue_model
from suite.models.decoder import SignalGRUDecoder
from suite.models.encoder import BiGRUEncoder
from suite.models.flows import PlanarFlowPosterior
from suite.models.lm import GRULanguageModel
from suite.models.lstm_autoencoder import SENTENCE_FAMILIES, build_sentence_model
from suite.models.lstm_vae import LogVarianceGaussianPosterior, LSTMDecoder, LSTMEncoder, initialise_uniformly
from suite.models.mmi import MMIResponder
from suite.models.posteriors import GaussianPosterior, PointPosterior, StandardNormal
from suite.models.reference import ReferenceStatistics
from suite.models.regularisers import build_regulariser, kl_penalty
from suite.models.sa_vae import SemiAmortized
from suite.models.transformer_dialogue import TRANSFORMER_KINDS, Backward, Forward, TransformerResponder
from suite.models.vmf import HypersphericalUniform, VMFPosterior

VMF_FAMILIES = ("vmf", "vmf-released")      # exact sampling; the released Coupled-VAE code's sampler


def posterior_network(cfg: ModelConfig, in_dim: int) -> nn.Module:
    family = cfg.posterior.family
    if family == "gaussian":
        return GaussianPosterior(in_dim, cfg.latent_dim)
    if family == "point":
        return PointPosterior(in_dim, cfg.latent_dim)
    if family == "planar-flow":
        return PlanarFlowPosterior(in_dim, cfg.latent_dim, cfg.posterior.flows)
    if family in VMF_FAMILIES:
        return VMFPosterior(in_dim, cfg.latent_dim, released_sampler=family == "vmf-released")
    raise ValueError(f"unknown posterior family {family!r}")


def prior(cfg: ModelConfig):
    """Uniform on the sphere for a vMF posterior (Xu & Durrett 2018), N(0, I) otherwise."""
    if cfg.posterior.family in VMF_FAMILIES:
        return HypersphericalUniform(cfg.latent_dim)
    return StandardNormal(cfg.latent_dim)


def decoder(cfg: ModelConfig, embedding: nn.Embedding, vocab_size: int) -> nn.Module:
    family = cfg.decoder.family
    if family == "gru":
        return SignalGRUDecoder(embedding, cfg.dec_hidden, vocab_size, cfg.dropout)
    if family == "dilated-cnn":
        return DilatedCNNDecoder(embedding, vocab_size, cfg.dropout, cfg.decoder.dilations, cfg.decoder.filters)
    raise ValueError(f"unknown decoder family {family!r}")


def latent_path(cfg: ModelConfig, embedding: nn.Embedding, in_dim: int, vocab_size: int) -> LatentPath:
    return LatentPath(posterior_network(cfg, in_dim), signal_mlp(cfg.latent_dim, cfg.emb_dim),
                      decoder(cfg, embedding, vocab_size))


def build_lstm_vae(cfg: ModelConfig, vocab_size: int) -> nn.Module:
    """He et al.'s LSTM VAE (family "lstm-vae"), optionally coupled (the twin has its own posterior layer and
    decoder, sharing the encoder and the decoder's word embedding) and/or semi-amortised (SA-VAE)."""
    encoder = LSTMEncoder(vocab_size, cfg.emb_dim, cfg.enc_hidden)
    # as released: its padding_idx=-1, meant as "no padding", makes the last word's row (the last new training
    # word's) a padding row that never trains
    decoder_embedding = nn.Embedding(vocab_size, cfg.emb_dim, padding_idx=vocab_size - 1)

    def path() -> LatentPath:
        return LatentPath(LogVarianceGaussianPosterior(cfg.enc_hidden, cfg.latent_dim), nn.Identity(),
                          LSTMDecoder(decoder_embedding, vocab_size, cfg.dec_hidden, cfg.latent_dim, cfg.dropout))

    model = TextAutoencoder(encoder, path(), StandardNormal(cfg.latent_dim), kl_penalty)
    if cfg.coupling is not None:
        model = Coupled(model, path(), cfg.coupling, cfg.latent_dim)
    if cfg.posterior.svi_steps:
        model = SemiAmortized(model, cfg.posterior)
    initialise_uniformly(model)
    return model


def build_transformer_model(cfg: ModelConfig, vocab_size: int) -> nn.Module:
    """AMI's rows: the forward network alone ("transformer"), with a backward network reranking its n-best list
    ("transformer-mmi"), or with a backward network and latent noise, trained by the game ("transformer-ami")."""
    forward = Forward(vocab_size, cfg.transformer, cfg.dropout)
    if cfg.family == "transformer":
        return TransformerResponder(forward, cfg.transformer.label_smoothing)
    backward = Backward(vocab_size, cfg.transformer, cfg.dropout)
    if cfg.family == "transformer-mmi":
        return MMIResponder(forward, backward, cfg.transformer)
    return AMIResponder(forward, backward, LatentNoise(cfg.transformer.d_model))


def build_autoencoder(cfg: ModelConfig, vocab_size: int) -> nn.Module:
    """The Coupled-VAE paper's text autoencoders (DAE, VAE and their variants), coupled when `cfg.coupling`."""
    embedding = nn.Embedding(vocab_size, cfg.emb_dim)
    encoder = BiGRUEncoder(embedding, cfg.enc_hidden, cfg.dropout)
    path = latent_path(cfg, embedding, encoder.output_dim, vocab_size)
    model = TextAutoencoder(encoder, path, prior(cfg), build_regulariser(cfg.regulariser))
    if cfg.coupling is None:
        return model
    twin = latent_path(cfg, embedding, encoder.output_dim, vocab_size)
    return Coupled(model, twin, cfg.coupling, cfg.latent_dim)


def build_dialogue(cfg: ModelConfig, vocab_size: int) -> nn.Module:
    return build_dialogue_model(cfg.family, vocab_size, cfg.coupling, emb_dim=cfg.emb_dim, enc_hidden=cfg.enc_hidden,
                                dec_hidden=cfg.dec_hidden, latent_dim=cfg.latent_dim, dropout=cfg.dropout)


# Each model family (`ModelConfig.family`) and the function that builds it; a new family registers here.
BUILDERS: dict[str, Callable[[ModelConfig, int], nn.Module]] = {
    "autoencoder": build_autoencoder,
    "lm": lambda cfg, vocab_size: GRULanguageModel(vocab_size, cfg.emb_dim, cfg.dec_hidden, cfg.dropout),
    "lstm-vae": build_lstm_vae,
    "corpus-statistics": lambda cfg, vocab_size: ReferenceStatistics(),
    **dict.fromkeys(SENTENCE_FAMILIES, build_sentence_model),
    **dict.fromkeys(TRANSFORMER_KINDS, build_transformer_model),
    **dict.fromkeys(VMED_FAMILIES, build_vmed_model),
    **dict.fromkeys(DIALOGUE_KINDS, build_dialogue),
}


def build_model(cfg: ModelConfig, vocab_size: int) -> nn.Module:
    if cfg.family not in BUILDERS:
        raise unknown("model family", cfg.family, BUILDERS)
    return BUILDERS[cfg.family](cfg, vocab_size)
