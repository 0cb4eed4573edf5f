"""Conditional response models of Coupled-VAE's dialogue experiment (appendix I), as the released code builds them.

All three encode the post y with a bi-GRU (final states e_y) and project e_y into word-embedding space (c_y, the
released code's PostRepr). The decoder is the unconditional one (`SignalGRUDecoder`) driven by the signal
  GRU encoder-decoder:  h = c_y
  CVAE:                 h = MLP(z) + c_y,  z ~ q(z | x, y) in training, z ~ p(z | y) when responding.
The prior network reads e_y, the posterior network [e_x; e_y] (response encoder first); both are Gaussians with
mean = W e + b and std = exp(W' e + b'). The encoders and the decoders share one word embedding. The released
configuration trains the CVAE with the closed-form KL(q || p) under linear annealing and no bag-of-words loss
(lambda_BoW = 0; its BoW layer never enters the loss, so it is left out here).

Coupled-CVAE adds a deterministic twin that shares the encoders, the embedding and c_y, with its own posterior
network, MLP and decoder, decoding from h^c = MLP^c(mean of q^c) + c_y; h is matched against detach(h^c).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from suite.config import Coupling
from suite.data.dialogue import PairBatch
from suite.models.autoencoder import ForwardPass, LatentPath, signal_mlp
from suite.models.coupling import Coupled
from suite.models.decoder import SignalGRUDecoder
from suite.models.encoder import BiGRUEncoder
from suite.models.posteriors import DiagGaussian, GaussianPosterior, gaussian_kl


class PostEncoder(nn.Module):
    """The post's encoding e_y (for the prior and posterior networks) and its projection c_y into
    embedding space (added to the decoding signal)."""

    def __init__(self, embedding: nn.Embedding, hidden: int, dropout: float):
        super().__init__()
        self.encoder = BiGRUEncoder(embedding, hidden, dropout)
        self.to_context = nn.Linear(self.encoder.output_dim, embedding.embedding_dim)
        self.output_dim = self.encoder.output_dim

    def forward(self, batch: PairBatch) -> tuple[torch.Tensor, torch.Tensor]:
        states = self.encoder(batch.post)
        return states, self.to_context(states)


class GRUEncoderDecoder(nn.Module):
    """The GRU encoder-decoder row: no latent variable, so its NLL is exact."""

    likelihood = "exact"

    def __init__(self, post: PostEncoder, decoder: SignalGRUDecoder):
        super().__init__()
        self.post, self.decoder = post, decoder

    def deterministic_nll(self, batch: PairBatch) -> torch.Tensor:
        """Exact -log p(x | y) per pair."""
        _, context = self.post(batch)
        return self.decoder.sentence_nll(context, batch)

    def training_terms(self, batch: PairBatch, kl_weight: float) -> dict[str, torch.Tensor]:
        rec = self.deterministic_nll(batch).mean()
        return {"loss": rec, "rec": rec}

    @torch.no_grad()
    def respond(self, batch: PairBatch, max_len: int, mask_unk: bool) -> list[list[int]]:
        """One greedy response per post."""
        _, context = self.post(batch)
        return self.decoder.greedy(context, max_len, mask_unk)


@dataclass
class ConditionalForwardPass(ForwardPass):
    prior: DiagGaussian          # p(z | y)
    context: torch.Tensor        # c_y, part of every decoding signal


class CVAE(nn.Module):
    """Zhao et al. (2017)'s CVAE in the released code's form (no bag-of-words loss, no dialogue acts)."""

    likelihood = "importance"

    def __init__(self, post: PostEncoder, response_encoder: BiGRUEncoder, prior_network: GaussianPosterior,
                 path: LatentPath):
        super().__init__()
        self.post, self.response_encoder = post, response_encoder
        self.prior_network, self.path = prior_network, path

    def joint_encoding(self, batch: PairBatch, post_states: torch.Tensor) -> torch.Tensor:
        """[e_x; e_y], the posterior network's input (the released code's order)."""
        return torch.cat([self.response_encoder(batch.response), post_states], dim=-1)

    def signal(self, z: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.path.to_signal(z) + context

    def posterior(self, batch: PairBatch) -> DiagGaussian:
        """q(z | x, y)."""
        states, _ = self.post(batch)
        return self.path.posterior(self.joint_encoding(batch, states))

    def prior_for(self, batch: PairBatch) -> DiagGaussian:
        """p(z | y)."""
        states, _ = self.post(batch)
        return self.prior_network(states)

    def sentence_nll(self, batch: PairBatch, z: torch.Tensor) -> torch.Tensor:
        """-log p(x | z, y) per pair; z (B, d) aligned with the (possibly repeated) batch."""
        _, context = self.post(batch)
        return self.path.decoder.sentence_nll(self.signal(z, context), batch)

    def forward_pass(self, batch: PairBatch) -> ConditionalForwardPass:
        states, context = self.post(batch)
        encoded = self.joint_encoding(batch, states)
        posterior = self.path.posterior(encoded)
        draw = posterior.rsample()
        signal = self.signal(draw.z, context)
        rec = self.path.decoder.sentence_nll(signal, batch)
        return ConditionalForwardPass(encoded, posterior, draw, signal, rec, self.prior_network(states), context)

    def terms(self, forward: ConditionalForwardPass, kl_weight: float) -> dict[str, torch.Tensor]:
        rec = forward.rec.mean()
        kl = gaussian_kl(forward.posterior, forward.prior).mean()
        return {"loss": rec + kl_weight * kl, "rec": rec, "kl": kl}

    def training_terms(self, batch: PairBatch, kl_weight: float) -> dict[str, torch.Tensor]:
        return self.terms(self.forward_pass(batch), kl_weight)

    @torch.no_grad()
    def respond(self, batch: PairBatch, max_len: int, mask_unk: bool) -> list[list[int]]:
        """One greedy response per post from one z ~ p(z | y)."""
        states, context = self.post(batch)
        z = self.prior_network(states).rsample().z
        return self.path.decoder.greedy(self.signal(z, context), max_len, mask_unk)


class CoupledCVAE(Coupled):
    """Coupled-VAE's coupling on a CVAE. Everything is `Coupled`'s except the coupled signal, because a
    conditional signal is MLP(z) + c_y rather than a function of z alone. The released code matches the full
    signals, so the matching loss also reaches c_y (and the post encoder) through h, never through h^c."""

    def coupled_signal(self, forward: ConditionalForwardPass) -> torch.Tensor:
        return super().coupled_signal(forward) + forward.context

    def respond(self, batch: PairBatch, max_len: int, mask_unk: bool) -> list[list[int]]:
        return self.base.respond(batch, max_len, mask_unk)


DIALOGUE_KINDS = ("seq2seq", "cvae")


def build_dialogue_model(kind: str, vocab_size: int, coupling: Coupling | None = None, *, emb_dim: int = 200,
                         enc_hidden: int = 128, dec_hidden: int = 256, latent_dim: int = 32,
                         dropout: float = 0.2) -> nn.Module:
    """'seq2seq' (GRU encoder-decoder) or 'cvae', coupled when `coupling` is given. The defaults are the released
    Switchboard configuration: hidden 128 per encoder direction, decoder hidden 256, embeddings 200, latent 32."""
    if kind not in DIALOGUE_KINDS:
        raise ValueError(f"unknown dialogue model {kind!r} (choose from {', '.join(DIALOGUE_KINDS)})")
    if kind == "seq2seq" and coupling is not None:
        raise ValueError("the GRU encoder-decoder has no latent code to couple")
    embedding = nn.Embedding(vocab_size, emb_dim)
    post = PostEncoder(embedding, enc_hidden, dropout)

    def decoder() -> SignalGRUDecoder:
        return SignalGRUDecoder(embedding, dec_hidden, vocab_size, dropout)

    if kind == "seq2seq":
        return GRUEncoderDecoder(post, decoder())

    def latent_path() -> LatentPath:
        return LatentPath(GaussianPosterior(2 * post.output_dim, latent_dim), signal_mlp(latent_dim, emb_dim),
                          decoder())

    model = CVAE(post, BiGRUEncoder(embedding, enc_hidden, dropout), GaussianPosterior(post.output_dim, latent_dim),
                 latent_path())
    if coupling is None:
        return model
    return CoupledCVAE(model, latent_path(), coupling, latent_dim)
