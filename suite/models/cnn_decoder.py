"""Dilated convolutional decoder (Yang et al. 2017), as in the released Coupled-VAE CNN-VAE.

Like `SignalGRUDecoder`, it reads the decoding signal h as a first position [h; h] and concatenates h to every
word embedding. A 1x1 convolution maps the positions to `filters` channels, then residual blocks of
Conv1x1-BN-ReLU / causal dilated Conv(k=3)-BN-ReLU / Conv1x1-BN-ReLU are added on, one per dilation, and a
linear layer gives the logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from suite.data.batching import Batch
from suite.models.decoder import real_targets, summed_nll
from suite.models.greedy import greedy_decode

KERNEL = 3


def conv_bn_relu(filters: int) -> list[nn.Module]:
    return [nn.Conv1d(filters, filters, kernel_size=1), nn.BatchNorm1d(filters), nn.ReLU()]


class ResidualBlock(nn.Module):
    """x + [Conv1x1-BN-ReLU, dilated Conv(k=3)-BN-ReLU, Conv1x1-BN-ReLU](x), causal along time."""

    def __init__(self, filters: int, dilation: int):
        super().__init__()
        # How far back the dilated kernel reaches: the released effective_k(3, d) - 1.
        self.lookback = (KERNEL - 1) * dilation
        self.reduce = nn.Sequential(*conv_bn_relu(filters))
        self.dilated = nn.Conv1d(filters, filters, KERNEL, dilation=dilation, padding=self.lookback)
        self.expand = nn.Sequential(nn.BatchNorm1d(filters), nn.ReLU(), *conv_bn_relu(filters))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, filters, T). The dilated convolution is padded on both sides and its last `lookback` outputs
        are dropped, so each output sees only itself and the past. As released, the crop comes after the whole
        block: in training mode the BatchNorm statistics also cover the dropped tail."""
        residual = self.expand(self.dilated(self.reduce(x)))
        return x + residual[..., :x.size(-1)]

    def step(self, x: torch.Tensor, past: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One new position x (B, filters, 1), given the dilated convolution's last `lookback` inputs
        past (B, filters, lookback). Equals `forward` on the whole prefix only in eval mode, where BatchNorm
        acts on each position alone. Returns the output and the updated past."""
        window = torch.cat([past, self.reduce(x)], dim=-1)
        residual = self.expand(F.conv1d(window, self.dilated.weight, self.dilated.bias,
                                        dilation=self.dilated.dilation))
        return x + residual, window[..., 1:]


class DilatedCNNDecoder(nn.Module):
    def __init__(self, embedding: nn.Embedding, vocab_size: int, dropout: float, dilations: tuple[int, ...],
                 filters: int):
        super().__init__()
        self.embedding = embedding
        self.filters = filters
        self.dropout = nn.Dropout(dropout)
        self.init_conv = nn.Conv1d(2 * embedding.embedding_dim, filters, kernel_size=1)
        self.blocks = nn.ModuleList(ResidualBlock(filters, d) for d in dilations)
        self.to_vocab = nn.Linear(filters, vocab_size)

    def positions(self, signal: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """[h; h] then [embedding; h] per input token, as channels: (B, 2 * emb, T + 2). As released, dropout
        touches the word embeddings only, not h."""
        first = torch.cat([signal, signal], dim=-1).unsqueeze(1)
        words = self.dropout(self.embedding(inputs))
        steps = torch.cat([words, signal.unsqueeze(1).expand(-1, words.size(1), -1)], dim=-1)
        return torch.cat([first, steps], dim=1).transpose(1, 2)

    def states(self, signal: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
        """Output features after each input token: (B, T + 1, filters); the [h; h] position predicts nothing."""
        x = self.init_conv(self.positions(signal, inputs))
        for block in self.blocks:
            x = block(x)
        return x[..., 1:].transpose(1, 2)

    def sentence_nll(self, signal: torch.Tensor, batch: Batch) -> torch.Tensor:
        """-log p(x | h) per sentence (teacher forcing), end-of-sentence included. Logits are computed at real
        positions only. The convolutions run over the padded batch, so in training mode padding enters the
        BatchNorm statistics, as in the released code."""
        return summed_nll(self.to_vocab, *real_targets(self.states(signal, batch.inputs), batch), batch)

    def advance(self, position: torch.Tensor, pasts: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Runs one new position (B, 2 * emb) through the stack, given each block's past; returns its output
        features (B, filters) and the blocks' updated pasts."""
        x = self.init_conv(position.unsqueeze(-1))
        updated = []
        for block, past in zip(self.blocks, pasts, strict=True):
            x, past = block.step(x, past)
            updated.append(past)
        return x[..., 0], updated

    @torch.no_grad()
    def greedy(self, signal: torch.Tensor, max_len: int, mask_unk: bool = True) -> list[list[int]]:
        """Greedy decoding from each signal; stops at <eos> (excluded) or after max_len tokens.
        Each block keeps the inputs its dilated convolution still needs, so a step costs one position rather than
        the whole prefix."""
        if self.training:
            # Training-mode BatchNorm would mix positions and sentences and update the running statistics.
            raise RuntimeError("DilatedCNNDecoder.greedy needs eval mode")
        # Zeros stand for the convolutions' padding before the first position.
        pasts = [signal.new_zeros(len(signal), self.filters, block.lookback) for block in self.blocks]
        _, pasts = self.advance(torch.cat([signal, signal], dim=-1), pasts)

        def step(token, rows, pasts):
            state, pasts = self.advance(torch.cat([self.embedding(token), rows], dim=-1), pasts)
            return self.to_vocab(state), pasts

        return greedy_decode(step, pasts, signal, max_len, mask_unk,
                             keep=lambda pasts, running: [p[running] for p in pasts])
