"""Greedy decoding, the loop shared by the autoregressive decoders (GRU, LSTM, dilated CNN, VMED's stepwise)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from suite.data.vocab import EOS, GO, UNK


def greedy_decode(step: Callable, state, signal: torch.Tensor, max_len: int, mask_unk: bool,
                  keep: Callable) -> list[list[int]]:
    """From <go>, feed each sentence its own argmax token (never <unk> when `mask_unk`, as the released decoders)
    until <eos> (excluded) or `max_len` tokens. `step(token, signal_rows, state) -> (logits, state)` advances the
    decoder one position; `keep(state, running)` keeps the state of the sentences still running, so finished ones
    leave the batch and the cost follows the real output lengths."""
    token = torch.full((len(signal),), GO, dtype=torch.long, device=signal.device)
    active = torch.arange(len(signal), device=signal.device)
    outputs: list[list[int]] = [[] for _ in range(len(signal))]
    for _ in range(max_len):
        logits, state = step(token, signal[active], state)
        if mask_unk:
            logits[:, UNK] = float("-inf")
        token = logits.argmax(-1)
        for i, t in zip(active.tolist(), token.tolist(), strict=True):
            if t != EOS:
                outputs[i].append(t)
        running = token != EOS
        if not running.all():
            active, token, state = active[running], token[running], keep(state, running)
            if len(active) == 0:
                break
    return outputs
