"""Build VMED's models and baselines from a MemoryDialogueConfig (each family's module holds the model)."""

from __future__ import annotations

from torch import nn

from suite.config import MemoryDialogueConfig
from suite.models.lstm_cvae import LSTMCVAE
from suite.models.lstm_seq2seq import LSTMSeq2Seq
from suite.models.vlstm import VLSTM
from suite.models.vmed import VMED, DNCEncoderDecoder

VMED_FAMILIES = ("lstm-seq2seq", "lstm-cvae", "vlstm", "dnc", "vmed")


def build_vmed_model(cfg: MemoryDialogueConfig, vocab_size: int) -> nn.Module:
    model = _family(cfg, vocab_size)
    model.teacher_forcing = cfg.teacher_forcing
    return model


def _family(cfg: MemoryDialogueConfig, vocab_size: int) -> nn.Module:
    if cfg.enc_hidden != cfg.dec_hidden:
        raise ValueError("VMED's encoders and decoders share one hidden size (the decoder starts from the encoder)")
    sizes = dict(vocab_size=vocab_size, emb_dim=cfg.emb_dim, hidden=cfg.dec_hidden, layers=cfg.layers)
    memory = dict(slots=cfg.memory_slots, width=cfg.memory_width)
    if cfg.family == "lstm-seq2seq":
        return LSTMSeq2Seq(**sizes, attention=cfg.attention)
    if cfg.family == "lstm-cvae":
        return LSTMCVAE(**sizes)     # z as wide as the LSTM, as released
    if cfg.family == "vlstm":
        return VLSTM(**sizes, latent_dim=cfg.latent_dim)
    if cfg.family == "dnc":
        return DNCEncoderDecoder(**sizes, **memory)
    if cfg.family == "vmed":
        return VMED(**sizes, **memory, modes=cfg.modes, latent_dim=cfg.latent_dim)
    raise ValueError(f"unknown VMED family {cfg.family!r} (choose from {', '.join(VMED_FAMILIES)})")
