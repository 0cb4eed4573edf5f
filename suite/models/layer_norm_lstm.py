"""The layer-normalised LSTM that the Stochastic WAE paper's released code runs everywhere (TF1's
`tf.contrib.rnn.LayerNormBasicLSTMCell` with its defaults; Ba et al. 2016).

One step, from [x; h] through a single bias-free projection to the four gate pre-activations:
    i, j, f, o = LN_i(W_i [x; h]), LN_j(W_j [x; h]), LN_f(W_f [x; h]), LN_o(W_o [x; h])
    c' = LN_c(c · σ(f + 1) + σ(i) · tanh(j))          (forget bias 1, the new cell state normalised too)
    h' = tanh(c') · σ(o)
Each LN has its own gain (starting at 1) and shift (starting at 0) and ε = 1e-12, as TF's `layer_norm`; the
projection starts Glorot-uniform, TF's default for the kernel. There is no fused kernel for it, so the time steps run
in a Python loop."""

from __future__ import annotations

import torch
from torch import nn

EPSILON = 1e-12          # tf.contrib.layers.layer_norm's variance epsilon
FORGET_BIAS = 1.0


class LayerNormLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.kernel = nn.Linear(input_size + hidden_size, 4 * hidden_size, bias=False)
        nn.init.xavier_uniform_(self.kernel.weight)
        self.gate_norms = nn.ModuleList(nn.LayerNorm(hidden_size, eps=EPSILON) for _ in range(4))   # i, j, f, o
        self.state_norm = nn.LayerNorm(hidden_size, eps=EPSILON)

    def zero_state(self, batch: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = like.new_zeros(batch, self.hidden_size)
        return zeros, zeros.clone()

    def step(self, inputs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        """(B, input_size) inputs and (h, c), each (B, hidden) -> the next (h, c)."""
        h, c = state
        gates = self.kernel(torch.cat([inputs, h], dim=-1)).chunk(4, dim=-1)
        i, j, f, o = (norm(gate) for norm, gate in zip(self.gate_norms, gates, strict=True))
        c = self.state_norm(c * torch.sigmoid(f + FORGET_BIAS) + torch.sigmoid(i) * torch.tanh(j))
        return torch.tanh(c) * torch.sigmoid(o), c

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """h at every step (B, T, hidden) over batch-first (B, T, input_size) inputs, from a zero state. A row
        padded after its end is unaffected up to its end: the steps only look back."""
        state = self.zero_state(inputs.size(0), inputs)
        outputs = []
        for t in range(inputs.size(1)):
            state = self.step(inputs[:, t], state)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1)


def reverse_each(inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row's first `length` steps in reverse order, its padding left where it is: the input of a backward
    direction that starts at the row's last word."""
    positions = torch.arange(inputs.size(1), device=inputs.device).unsqueeze(0)
    lengths = lengths.to(inputs.device).unsqueeze(1)
    index = torch.where(positions < lengths, lengths - 1 - positions, positions)
    return inputs.gather(1, index.unsqueeze(-1).expand_as(inputs))


def at_last_step(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, hidden): each row's output at its last real step."""
    last = (lengths.to(outputs.device) - 1).view(-1, 1, 1).expand(-1, 1, outputs.size(-1))
    return outputs.gather(1, last)[:, 0]
