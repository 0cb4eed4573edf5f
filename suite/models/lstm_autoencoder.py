"""LSTM sentence autoencoders and encoder-decoders of the Stochastic WAE paper (Bahuleyan et al. 2019), as the
released code builds them:

  encoder   a single-layer bi-LSTM over the source text; e = both final hidden states;
  code      z = W e + b (deterministic: DAE, WAE-D, DED, WED-D) or z ~ N(μ(e), diag σ(e)²) (VAE, WAE-S, VED,
            WED-S), μ and log σ linear in e;
  decoder   a single-layer LSTM from a zero state that reads [word; z] at every step (dropout on that input),
            and a linear output layer.
Every LSTM is the released layer-normalised one (suite/models/layer_norm_lstm.py).

Family "lstm-ae" reconstructs the sentence it encodes (wae-1); "lstm-ed" encodes the post and decodes the
response (wae-2: the same network, the encoder reads the context). The reconstruction term is a token-mean
cross-entropy, as the released `sequence_loss`, so the paper's λ values weigh against it as they did there; each
row reduces it over the batch as its released model does (`BatchObjective`).
"""

from __future__ import annotations

import torch
from torch import nn

from suite.config import BatchObjective, ModelConfig, SentenceModelConfig
from suite.data.batching import Batch
from suite.data.vocab import PAD
from suite.models.decoder import real_targets, summed_nll
from suite.models.greedy import greedy_decode
from suite.models.layer_norm_lstm import LayerNormLSTM, at_last_step, reverse_each
from suite.models.posteriors import GaussianPosterior, PointPosterior, StandardNormal
from suite.models.regularisers import kl_penalty, stochastic_wae_penalty

SENTENCE_FAMILIES = ("lstm-ae", "lstm-ed")


class BiLSTMEncoder(nn.Module):
    def __init__(self, embedding: nn.Embedding, hidden: int, dropout: float):
        super().__init__()
        self.embedding = embedding
        self.dropout = nn.Dropout(dropout)
        self.forward_lstm = LayerNormLSTM(embedding.embedding_dim, hidden)
        self.backward_lstm = LayerNormLSTM(embedding.embedding_dim, hidden)
        self.output_dim = 2 * hidden

    def forward(self, batch: Batch) -> torch.Tensor:
        """Both directions' final h (B, 2 * hidden) over each text's words and its <eos>: the released tokenizer
        appends <eos> to every encoder input and its length counts it (`np.count_nonzero`). The forward state is
        taken at <eos>, the backward one at the first word. As with the decoder's targets, a text of the full 20
        slots keeps its <eos> here, where the released slots have no room for it. Each direction drops its own
        inputs, as the released DropoutWrapper on each cell does."""
        lengths = batch.lengths + 1
        tokens = self.embedding(batch.targets)        # the words, then <eos>, then padding
        forward = at_last_step(self.forward_lstm(self.dropout(tokens)), lengths)
        backward = at_last_step(self.backward_lstm(reverse_each(self.dropout(tokens), lengths)), lengths)
        return torch.cat([forward, backward], dim=-1)


class LatentLSTMDecoder(nn.Module):
    """p(x | z): an LSTM reading [word; z] at each step from a zero state."""

    def __init__(self, embedding: nn.Embedding, hidden: int, latent_dim: int, vocab_size: int, dropout: float):
        super().__init__()
        self.embedding = embedding
        self.dropout = nn.Dropout(dropout)
        self.lstm = LayerNormLSTM(embedding.embedding_dim + latent_dim, hidden)
        self.out = nn.Linear(hidden, vocab_size)

    def sentence_nll(self, z: torch.Tensor, batch: Batch, inputs: torch.Tensor | None = None) -> torch.Tensor:
        """-log p(x | z) per sentence, <eos> included, teacher-forced on `inputs` (default: the batch's)."""
        words = self.embedding(batch.inputs if inputs is None else inputs)
        steps = torch.cat([words, z.unsqueeze(1).expand(-1, words.size(1), -1)], dim=-1)
        return summed_nll(self.out, *real_targets(self.lstm(self.dropout(steps)), batch), batch)

    @torch.no_grad()
    def greedy(self, z: torch.Tensor, max_len: int, mask_unk: bool = True) -> list[list[int]]:
        def step(token, rows, state):
            state = self.lstm.step(torch.cat([self.embedding(token), rows], dim=-1), state)
            return self.out(state[0]), state

        return greedy_decode(step, self.lstm.zero_state(len(z), z), z, max_len, mask_unk,
                             keep=lambda state, running: (state[0][running], state[1][running]))


def drop_words(inputs: torch.Tensor, rate: float) -> torch.Tensor:
    """Word dropout on the decoder inputs: each word after <go> becomes PAD with probability `rate` (the
    released code multiplies the ids by a keep mask, and PAD is id 0 there)."""
    if rate <= 0:
        return inputs
    drop = torch.rand(inputs.shape, device=inputs.device) < rate
    drop[:, 0] = False
    return inputs.masked_fill(drop, PAD)


class SentenceAutoencoder(nn.Module):
    """source text -> code z -> decoded text, with an optional regulariser of the codes. It is evaluated by
    generation (BLEU, samples), never by likelihood; `deterministic_nll` serves `reproduce plan`'s timing."""

    likelihood = "reconstruction"

    def __init__(self, encoder: BiLSTMEncoder, code: nn.Module, decoder: LatentLSTMDecoder, regulariser,
                 latent_dim: int, conditional: bool, objective: BatchObjective = BatchObjective()):
        super().__init__()
        self.encoder, self.code, self.decoder = encoder, code, decoder
        self.regulariser = regulariser
        self.objective = objective
        self.prior = StandardNormal(latent_dim)
        self.conditional = conditional
        self.word_dropout = 0.0          # set by the trainer each epoch (VAE, VED)

    @property
    def embedding(self) -> nn.Embedding:
        return self.encoder.embedding

    def deterministic_nll(self, batch) -> torch.Tensor:
        """-log p(x | code) per sentence, from the posterior mean (or the deterministic code)."""
        return self.decoder.sentence_nll(self.posterior(batch).code, batch)

    def source(self, batch):
        return batch.post if self.conditional else batch

    def posterior(self, batch):
        """q(z | source): a DiagGaussian, or a PointCode for a deterministic encoder."""
        return self.code(self.encoder(self.source(batch)))

    def greedy(self, z: torch.Tensor, max_len: int, mask_unk: bool) -> list[list[int]]:
        return self.decoder.greedy(z, max_len, mask_unk)

    def training_terms(self, batch, kl_weight: float) -> dict[str, torch.Tensor]:
        posterior = self.posterior(batch)
        draw = posterior.rsample()
        inputs = drop_words(batch.inputs, self.word_dropout if self.training else 0.0)
        nll = self.decoder.sentence_nll(draw.z, batch, inputs)
        if self.objective.token_mean == "sentence":
            rec = (nll / (batch.lengths.to(nll.device) + 1)).mean()       # + 1: each sentence's <eos>
        else:
            rec = nll.sum() / batch.n_predictions
        terms = {"loss": rec, "rec": rec}
        if self.regulariser is not None:
            penalty, logged = self.regulariser(posterior, draw, self.prior, kl_weight)
            terms.update(logged)
            terms["loss"] = rec + penalty
        if self.objective.summed:
            terms["loss"] = terms["loss"] * len(batch)
        return terms


def regulariser(cfg: ModelConfig):
    family = cfg.regulariser.family
    if family == "none":
        return None
    if family == "kl":
        return kl_penalty
    if family == "mmd":
        return stochastic_wae_penalty(cfg.regulariser)
    raise ValueError(f"unknown regulariser {family!r} for an LSTM autoencoder")


def build_sentence_model(cfg: SentenceModelConfig, vocab_size: int) -> SentenceAutoencoder:
    """One word embedding shared by the encoder and the decoder, frozen: the runner fills it with word2vec vectors
    (`SentenceAutoencoder.embedding`) before training, as the released code starts from fixed ones."""
    if not isinstance(cfg, SentenceModelConfig):
        raise TypeError(f"family {cfg.family!r} is built from a SentenceModelConfig, not a {type(cfg).__name__}")
    embedding = nn.Embedding(vocab_size, cfg.emb_dim).requires_grad_(False)
    encoder = BiLSTMEncoder(embedding, cfg.enc_hidden, cfg.dropout)
    if cfg.objective.token_mean not in ("batch", "sentence"):
        raise ValueError(f"unknown token mean {cfg.objective.token_mean!r} (batch or sentence)")
    posteriors = {"gaussian": GaussianPosterior, "point": PointPosterior}
    if cfg.posterior.family not in posteriors:
        raise ValueError(f"unknown posterior {cfg.posterior.family!r} for an LSTM autoencoder")
    code = posteriors[cfg.posterior.family](encoder.output_dim, cfg.latent_dim)
    decoder = LatentLSTMDecoder(embedding, cfg.dec_hidden, cfg.latent_dim, vocab_size, cfg.dropout)
    model = SentenceAutoencoder(encoder, code, decoder, regulariser(cfg), cfg.latent_dim, cfg.family == "lstm-ed",
                                cfg.objective)
    initialise_as_tensorflow(model)
    return model


def initialise_as_tensorflow(model: nn.Module):
    """The released layers' starting weights, TensorFlow's defaults: Glorot-uniform kernels and zero biases for
    every dense layer (the code's μ and log σ, the deterministic code, the output layer, the LSTM projections)."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
