"""Encoder-decoder response models decoded one step at a time: the frame VMED and its baselines share.

A model defines `start` (encode the context into a decoding state, batch-first tensors) and `step` (one
decoding step: logits for the next word, the new state and, for per-step latent models, that step's KL).
This module unrolls them as the released decoder runs: a first step reads a zero vector and is trained to predict
<go>, each later step reads the gold previous word, or, as VMED's released training does by default, the word the
model predicted the step before; for training and greedily for responding. It holds the common pieces: the
context as the released encoders read it, the multi-layer LSTM context encoder, the response encoder the
posteriors read, and the training objective of VMED's released code (mean cross-entropy over the <go> and target
predictions + KL weight x the KL averaged over every step, padding included). The released maps are bare
matrices (tf.matmul with no bias): only the LSTM cells of these models carry biases.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from suite.data.dialogue import PairBatch
from suite.data.vocab import EOS, GO, PAD
from suite.models.dnc_memory import MemoryState
from suite.models.greedy import greedy_decode

INIT_STD = 0.1     # "All the initial weights are sampled from a normal distribution with mean 0, std 0.1"
FORGET_BIAS = 1.0  # TensorFlow's LayerNormBasicLSTMCell default, the released controllers' cell ("nlstm")

State = dict[str, "torch.Tensor | MemoryState"]


def initialise_as_released(model: nn.Module):
    """Every weight from N(0, INIT_STD), as the paper says; then each LSTM's forget gate starts FORGET_BIAS
    higher. The released cell (LayerNormBasicLSTMCell, layer norm off) adds that constant to the gate: a
    learned bias that starts 1 higher computes the same function and gets the same gradients."""
    for parameter in model.parameters():
        nn.init.normal_(parameter, 0.0, INIT_STD)
    for module in model.modules():
        if isinstance(module, (nn.LSTM, nn.LSTMCell)):
            with torch.no_grad():
                for name, bias in module.named_parameters():
                    if name.startswith("bias_ih"):           # PyTorch's gate order: input, forget, cell, output
                        bias[module.hidden_size:2 * module.hidden_size] += FORGET_BIAS


def select(state: State, rows: torch.Tensor) -> State:
    """The state of the rows still decoding (a MemoryState's tensors one by one)."""
    def pick(value):
        if isinstance(value, MemoryState):
            return MemoryState(**{n: t[rows] for n, t in value.tensors().items()})
        return value[rows]
    return {k: pick(v) for k, v in state.items()}


class StackedLSTM(nn.Module):
    """L stacked LSTM cells advanced one step at a time, states batch-first (B, L, H). (A one-step call of
    nn.LSTM costs far more on a CPU: its fused kernel is built for whole sequences.)"""

    def __init__(self, input_dim: int, hidden: int, layers: int):
        super().__init__()
        self.cells = nn.ModuleList(nn.LSTMCell(input_dim if i == 0 else hidden, hidden) for i in range(layers))

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
        """Top output (B, H), new h and c."""
        hs, cs = [], []
        for i, cell in enumerate(self.cells):
            x, c_i = cell(x, (h[:, i], c[:, i]))
            hs.append(x)
            cs.append(c_i)
        return x, torch.stack(hs, 1), torch.stack(cs, 1)


def released_context(batch: PairBatch) -> torch.Tensor:
    """(B, W + 1): the contexts as the released batches feed every encoder (data_util.prepare_sample_batch): each
    left-padded to the batch's longest (W words) and closed by <eos>. The encoders read the padding too, so a
    context's encoding depends on its batch, as it did in the released code."""
    words, lengths = batch.post_words, batch.post_lengths
    width = words.size(1)
    source = torch.arange(width, device=words.device) - (width - lengths).unsqueeze(1)    # index into the row's words
    padded = words.gather(1, source.clamp(min=0)).masked_fill(source < 0, PAD)
    return torch.cat([padded, torch.full_like(words[:, :1], EOS)], 1)


class ContextEncoder(nn.Module):
    """L-layer LSTM over `released_context`: outputs (B, W + 1, H), final h and c (B, L, H)."""

    def __init__(self, embedding: nn.Embedding, hidden: int, layers: int):
        super().__init__()
        self.embedding = embedding
        self.lstm = nn.LSTM(embedding.embedding_dim, hidden, layers, batch_first=True)

    def forward(self, batch: PairBatch):
        outputs, (h, c) = self.lstm(self.embedding(released_context(batch)))
        return outputs, h.transpose(0, 1), c.transpose(0, 1)


class ResponseEncoder(nn.Module):
    """A one-layer LSTM over what the decoder's steps predict, <go> y_1 .. y_n <eos>, read by the posteriors:
    output t is its state [c; h] after the targets of steps 0 .. t-1 (a zero state at step 0), both halves, as
    the released `encode_gt_rnn(time)` runs over `target_output[:, :time]` and hands them to the posterior: the
    posterior of a step never sees the word that step predicts. As in the released code, no gradient reaches the
    shared word embedding through it."""

    def __init__(self, embedding: nn.Embedding, hidden: int):
        super().__init__()
        self.embedding = embedding
        self.cell = nn.LSTMCell(embedding.embedding_dim, hidden)
        self.output_dim = 2 * hidden

    def forward(self, batch: PairBatch) -> torch.Tensor:
        """(B, T + 2, 2H): the state before each position of <go> y_1 .. y_n <eos>, then of the padding: as the
        released RNN, it runs over every decoding step, where the posteriors of padded steps (whose KL the loss
        averages) read it."""
        words = self.embedding(decoded_targets(batch)).detach()
        h = c = words.new_zeros(len(batch), self.cell.hidden_size)
        states = [torch.cat([c, h], -1)]
        for t in range(words.size(1) - 1):
            h, c = self.cell(words[:, t], (h, c))
            states.append(torch.cat([c, h], -1))
        return torch.stack(states, 1)


def decoded_targets(batch: PairBatch) -> torch.Tensor:
    """(B, T + 2): what the released decoder's steps predict, <go> y_1 .. y_n <eos> (then padding)."""
    return torch.cat([batch.inputs[:, :1], batch.targets], 1)


def decoded_mask(batch: PairBatch) -> torch.Tensor:
    """(B, T + 2): the released loss mask over `decoded_targets`, <go> through <eos>."""
    return torch.cat([torch.ones_like(batch.mask[:, :1]), batch.mask], 1)


class StepwiseResponder(nn.Module):
    """Base of VMED's models. Subclasses set `likelihood` ("exact": no latent; "elbo": validation scores the
    negative ELBO), `per_step_posterior` (whether `step` reads the response encoding) and implement
    `start(batch, posterior) -> (state, response-level KL or None)` and
    `step(words (B, E), state, posterior_input (B, G) or None) -> (logits, state, step KL or None)`."""

    likelihood = "exact"
    per_step_posterior = False
    teacher_forcing = True      # training reads the gold previous word; False: the model's own argmax

    def __init__(self, vocab_size: int, emb_dim: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)

    def unroll(self, batch: PairBatch, teacher_forcing: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """z from the posterior; as the released decoder, a first step reads a zero vector and predicts <go>, each
        later step reads the gold previous word (teacher forcing) or the model's own prediction at the step before
        (its argmax; the released VMED's `use_teacher=False`): per-position NLL (B, T+2) of `decoded_targets` and
        KL (B, T+2) for per-step latents, (B,) for one latent per response, None without latent."""
        state, kl = self.start(batch, posterior=True)
        guide = self.response_encoder(batch) if self.per_step_posterior else None
        targets = decoded_targets(batch)
        words = self.embedding(batch.inputs)                 # <go> y_1 .. y_n
        inputs = torch.zeros_like(words[:, 0])
        nll, step_kl = [], []
        for t in range(targets.size(1)):
            logits, state, kl_t = self.step(inputs, state, None if guide is None else guide[:, t])
            nll.append(F.cross_entropy(logits, targets[:, t], reduction="none"))
            step_kl.append(kl_t)
            if t + 1 < targets.size(1):
                inputs = words[:, t] if teacher_forcing else self.embedding(logits.argmax(-1))
        nll = torch.stack(nll, 1)
        if self.per_step_posterior:
            kl = torch.stack(step_kl, 1)
        return nll, kl

    def training_terms(self, batch: PairBatch, kl_weight: float) -> dict[str, torch.Tensor]:
        """The released objective: cross-entropy averaged over the masked predictions (every <go> and each
        response's words and <eos>) + KL weight x the KL averaged over all of it, padded steps included (per step
        for per-step latents, per response for one latent)."""
        nll, kl = self.unroll(batch, self.teacher_forcing)
        real = batch.positions          # real target positions, planned on the host (no device sync)
        rec = (nll[:, 0].sum() + nll[:, 1:].reshape(-1).index_select(0, real).sum()) / (len(batch) + len(real))
        if kl is None:
            return {"loss": rec, "rec": rec}
        kl = kl.mean()
        return {"loss": rec + kl_weight * kl, "rec": rec, "kl": kl}

    def deterministic_nll(self, batch: PairBatch) -> torch.Tensor:
        """Per response: the exact NLL of <go> y_1 .. y_n <eos> without latent, else the negative ELBO (one
        posterior sample); logged at each validation (the VMED rows select their weights by BLEU)."""
        nll, kl = self.unroll(batch)
        mask = decoded_mask(batch)
        score = (nll * mask).sum(1)
        if kl is not None:
            score = score + ((kl * mask).sum(1) if kl.dim() == 2 else kl)
        return score

    @torch.no_grad()
    def respond(self, batch: PairBatch, max_len: int, mask_unk: bool) -> list[list[int]]:
        """One greedy response per context, latents drawn from the prior, decoded as released: `max_len` steps,
        the first reading a zero vector (it predicts <go> once trained), each later one the argmax before; a
        response ends at its first <eos>, and <pad> and <go> are dropped from it."""
        state, _ = self.start(batch, posterior=False)
        first_input = [torch.zeros(len(batch), self.embedding.embedding_dim, device=batch.post_words.device)]

        def step(token, _, state):
            inputs = first_input.pop() if first_input else self.embedding(token)
            logits, state, _ = self.step(inputs, state, None)
            return logits, state

        rows = torch.zeros(len(batch), 1, device=batch.post_words.device)
        return [[t for t in response if t not in (PAD, GO)]
                for response in greedy_decode(step, state, rows, max_len, mask_unk, keep=select)]
