"""Memory-augmented encoder-decoders: the DNC baseline and VMED (Le et al. 2018).

Both encode the context with an LSTM controller that writes to and reads from an external memory
(`dnc_memory`) at every word (one read head); the decoder, a second controller, continues on the same memory
with its own read heads, and its output layer reads the controller's top state and the vectors just read.
  DNC:  the decoder controller reads [word; read vectors of the previous step].
  VMED: K read heads; before each step the K vectors read at the previous step parameterise the mixture prior
        p(z_t | x, y_<t) (`MemoryMixturePrior`), the posterior q(z_t | x, y_<t) reads their mixture-weighted sum
        and the encoding of the gold response before the current word, and the controller reads [word; W z_t].
        The KL term is D_var(q || p) at every step; responding draws z_t from the prior (a mode as the released
        sampler draws it, then a draw from that mode).
"""

from __future__ import annotations

import torch
from torch import nn

from suite.data.dialogue import PairBatch
from suite.models.dnc_memory import MemoryAccess
from suite.models.mixture_prior import GaussianHead, MemoryMixturePrior
from suite.models.stepwise import (
    ResponseEncoder,
    StackedLSTM,
    StepwiseResponder,
    initialise_as_released,
    released_context,
)


class MemoryEncoder(nn.Module):
    """An L-layer LSTM controller over `released_context` (the batch's left padding, the words, <eos>), reading
    [word; last read vector] and writing the memory after each step, as released."""

    def __init__(self, embedding: nn.Embedding, hidden: int, layers: int, slots: int, width: int):
        super().__init__()
        self.embedding, self.layers, self.hidden = embedding, layers, hidden
        self.controller = StackedLSTM(embedding.embedding_dim + width, hidden, layers)
        self.access = MemoryAccess(hidden, slots, width, heads=1)

    def forward(self, batch: PairBatch) -> dict:
        words = self.embedding(released_context(batch))
        size, device = len(batch), words.device
        zeros = torch.zeros(size, self.layers, self.hidden, device=device)
        state = {"h": zeros, "c": zeros, "memory": self.access.empty(size, device)}
        for t in range(words.size(1)):
            memory = state["memory"]
            top, h, c = self.controller(torch.cat([words[:, t], memory.read_vectors.flatten(1)], -1),
                                  state["h"], state["c"])
            state = {"h": h, "c": c, "memory": self.access(top, memory)}
        return state


class MemoryEncoderDecoder(StepwiseResponder):
    """The part DNC and VMED share: encoding, and one controller step with its memory access and output."""

    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, layers: int, slots: int, width: int,
                 heads: int, input_dim: int):
        super().__init__(vocab_size, emb_dim)
        self.encoder = MemoryEncoder(self.embedding, hidden, layers, slots, width)
        self.heads = heads
        self.controller = StackedLSTM(emb_dim + input_dim, hidden, layers)
        self.access = MemoryAccess(hidden, slots, width, heads)
        self.out = nn.Linear(hidden, vocab_size, bias=False)
        self.read_out = nn.Linear(heads * width, vocab_size, bias=False)

    def start(self, batch: PairBatch, posterior: bool):
        state = self.encoder(batch)
        return {**state, "memory": state["memory"].with_heads(self.heads)}, None

    def advance(self, inputs: torch.Tensor, state: dict):
        top, h, c = self.controller(inputs, state["h"], state["c"])
        memory = self.access(top, state["memory"])
        logits = self.out(top) + self.read_out(memory.read_vectors.flatten(1))
        return logits, {"h": h, "c": c, "memory": memory}


class DNCEncoderDecoder(MemoryEncoderDecoder):
    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, layers: int, slots: int, width: int):
        super().__init__(vocab_size, emb_dim, hidden, layers, slots, width, heads=1, input_dim=width)
        initialise_as_released(self)

    def step(self, words, state, guide=None):
        logits, state = self.advance(torch.cat([words, state["memory"].read_vectors.flatten(1)], -1), state)
        return logits, state, None


class VMED(MemoryEncoderDecoder):
    likelihood = "elbo"
    per_step_posterior = True

    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, layers: int, slots: int, width: int,
                 modes: int, latent_dim: int):
        super().__init__(vocab_size, emb_dim, hidden, layers, slots, width, heads=modes, input_dim=width)
        self.response_encoder = ResponseEncoder(self.embedding, hidden)
        self.prior = MemoryMixturePrior(width, latent_dim)
        self.posterior = GaussianHead(width + self.response_encoder.output_dim, width, latent_dim)
        self.from_z = nn.Linear(latent_dim, width, bias=False)
        initialise_as_released(self)

    def step(self, words, state, guide=None):
        memory = state["memory"]
        prior = self.prior(memory.read_vectors, memory.read_weights)
        kl = None
        if guide is None:
            z = prior.sample_as_released()
        else:
            summary = (prior.weights.unsqueeze(-1) * memory.read_vectors).sum(1)
            q = self.posterior(torch.cat([summary, guide], -1))
            z = q.rsample().z
            kl = prior.d_var(q)
        logits, state = self.advance(torch.cat([words, self.from_z(z)], -1), state)
        return logits, state, kl
