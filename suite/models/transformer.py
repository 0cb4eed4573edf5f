"""A Transformer encoder-decoder over word ids, from torch's own nn.Transformer layers, with beam search.

The shape follows OpenNMT-py's Transformer, on which the AMI authors built: pre-norm layers with a final layer norm
(`norm_first=True`), sinusoidal positions added to embeddings scaled by sqrt(d_model), separate source and target
embeddings and a separate output layer (OpenNMT shares none of them unless asked), Glorot-uniform initialisation.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from suite.config import Transformer
from suite.data.batching import Batch
from suite.data.vocab import EOS, GO, PAD, UNK


def join(first: torch.Tensor, first_lengths: torch.Tensor, second: torch.Tensor,
         second_lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Row-wise concatenation of two padded (B, T) id batches into one left-aligned padded batch (B, T1 + T2),
    without reading anything back from the device."""
    size, width = first.size(0), first.size(1) + second.size(1)
    device = first.device
    positions = torch.cat([torch.arange(first.size(1), device=device).expand(size, -1),
                           first_lengths.unsqueeze(1) + torch.arange(second.size(1), device=device)], dim=1)
    real = torch.cat([torch.arange(first.size(1), device=device) < first_lengths.unsqueeze(1),
                      torch.arange(second.size(1), device=device) < second_lengths.unsqueeze(1)], dim=1)
    joined = torch.full((size, width + 1), PAD, dtype=first.dtype, device=device)
    # padding goes to a spare last column, dropped afterwards
    joined.scatter_(1, torch.where(real, positions, width), torch.cat([first, second], dim=1))
    return joined[:, :width], first_lengths + second_lengths


def sinusoids(length: int, dim: int, device) -> torch.Tensor:
    """(length, dim) sinusoidal position encodings (Vaswani et al. 2017)."""
    position = torch.arange(length, device=device, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim, device=device)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)
    return table


def per_sentence(tokens: torch.Tensor, target: Batch) -> torch.Tensor:
    """Sum of flat per-token values for each sentence of `target` (B,)."""
    return torch.zeros(len(target), device=tokens.device, dtype=tokens.dtype).index_add_(0, target.rows, tokens)


@dataclass(frozen=True)
class Encoded:
    memory: torch.Tensor     # (B, S, d)
    padding: torch.Tensor    # (B, S) True at padding

    def repeat_interleave(self, n: int) -> Encoded:
        return Encoded(self.memory.repeat_interleave(n, 0), self.padding.repeat_interleave(n, 0))

    def perturbed(self, noise: torch.Tensor) -> Encoded:
        return Encoded(self.memory + noise, self.padding)


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab_size: int, shape: Transformer, dropout: float):
        super().__init__()
        d = shape.d_model
        self.d_model = d
        self.source_embedding = nn.Embedding(vocab_size, d, padding_idx=PAD)
        self.target_embedding = nn.Embedding(vocab_size, d, padding_idx=PAD)
        with warnings.catch_warnings():     # nested tensors are off with pre-norm layers; torch says so on every build
            warnings.filterwarnings("ignore", "enable_nested_tensor is True", UserWarning)
            self.layers = nn.Transformer(d, shape.heads, shape.layers, shape.layers, shape.inner, dropout,
                                         batch_first=True, norm_first=True)
        self.dropout = nn.Dropout(dropout)
        self.generator = nn.Linear(d, vocab_size)
        for parameter in self.parameters():
            if parameter.dim() > 1:
                nn.init.xavier_uniform_(parameter)

    def embed(self, embedding: nn.Embedding, words: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """Scaled embeddings plus the positions offset, offset + 1, ... (B, T, d)."""
        scaled = embedding(words) * math.sqrt(self.d_model)
        return self.dropout(scaled + sinusoids(offset + words.size(1), self.d_model, words.device)[offset:])

    def encode(self, words: torch.Tensor, lengths: torch.Tensor) -> Encoded:
        padding = torch.arange(words.size(1), device=words.device) >= lengths.unsqueeze(1)
        memory = self.layers.encoder(self.embed(self.source_embedding, words), src_key_padding_mask=padding)
        return Encoded(memory, padding)

    def decode(self, encoded: Encoded, inputs: torch.Tensor) -> torch.Tensor:
        """Decoder states (B, T, d) for decoder inputs (B, T), each position seeing only those before it.
        Padding after a target needs no mask: nothing before it is affected and its outputs are never read."""
        causal = nn.Transformer.generate_square_subsequent_mask(inputs.size(1), device=inputs.device)
        return self.layers.decoder(self.embed(self.target_embedding, inputs), encoded.memory, tgt_mask=causal,
                                   tgt_is_causal=True, memory_key_padding_mask=encoded.padding)

    def token_nll(self, states: torch.Tensor, target: Batch, smoothing: float = 0.0) -> torch.Tensor:
        """-log p of each real target token (flat, N = Σ (length + 1)), the output layer applied to those positions
        only; with label smoothing ε, the cross-entropy to OpenNMT-py's smoothed target (its LabelSmoothingLoss):
        1 - ε on the target word, ε / (V - 2) on every other word but padding. OpenNMT reports the KL divergence,
        which differs by the target's constant entropy: the same gradients."""
        real = states.reshape(-1, states.size(-1)).index_select(0, target.positions)
        log_p = F.log_softmax(self.generator(real).float(), -1)
        nll = -log_p.gather(1, target.targets.reshape(-1)[target.positions].unsqueeze(1)).squeeze(1)
        if not smoothing:
            return nll
        others = -(log_p.sum(-1) + nll - log_p[:, PAD]) / (log_p.size(-1) - 2)
        return (1 - smoothing) * nll + smoothing * others

    def sentence_nll(self, encoded: Encoded, target: Batch, smoothing: float = 0.0) -> torch.Tensor:
        """-log p(target | source) per sentence (B,), end-of-sentence included."""
        tokens = self.token_nll(self.decode(encoded, target.inputs), target, smoothing)
        return per_sentence(tokens, target)

    def decode_next(self, encoded: Encoded, words: torch.Tensor, step: int,
                    cache: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Decoder state for the word at position `step` (B,) given `cache`, each layer's normalised inputs at the
        earlier positions (B, step, d); returns it (B, d) and the caches extended by this position. The same
        computation as `decode` (pre-norm layers) in eval mode, one position at a time."""
        x = self.embed(self.target_embedding, words.unsqueeze(1), step)
        extended = []
        for layer, previous in zip(self.layers.decoder.layers, cache, strict=True):
            normed = layer.norm1(x)
            keys = torch.cat([previous, normed], dim=1)
            x = x + layer.self_attn(normed, keys, keys, need_weights=False)[0]
            x = x + layer.multihead_attn(layer.norm2(x), encoded.memory, encoded.memory,
                                         key_padding_mask=encoded.padding, need_weights=False)[0]
            x = x + layer.linear2(layer.activation(layer.linear1(layer.norm3(x))))
            extended.append(keys)
        return self.layers.decoder.norm(x)[:, 0], extended

    @torch.no_grad()
    def beam_search(self, encoded: Encoded, beam: int, n_best: int, max_len: int,
                    mask_unk: bool) -> list[list[tuple[float, list[int]]]]:
        """The `n_best` highest-scoring responses (sum of token log-probabilities, <eos> included, no length
        penalty: OpenNMT translate.py's defaults) per source, best first, each at most `max_len` words. As in
        OpenNMT, a finished hypothesis leaves the beam, and a source is done once `n_best` have finished, at or
        after the step where the top of its beam finished (OpenNMT's `top_beam_finished` stays set)."""
        size, device = encoded.memory.size(0), encoded.memory.device
        encoded = encoded.repeat_interleave(beam)
        sequences = torch.full((size * beam, 1), GO, dtype=torch.long, device=device)
        scores = torch.full((size, beam), -math.inf, device=device)
        scores[:, 0] = 0.0
        finished: list[list[tuple[float, list[int]]]] = [[] for _ in range(size)]
        live = torch.arange(size, device=device)         # sources still searching; the others are left alone
        top_finished = [False] * size
        cache = [encoded.memory.new_zeros(size * beam, 0, self.d_model) for _ in self.layers.decoder.layers]
        forbidden = [PAD, GO] + ([UNK] if mask_unk else [])
        for step in range(max_len + 1):
            rows = (live.unsqueeze(1) * beam + torch.arange(beam, device=device)).view(-1)
            searching = encoded if len(live) == size else Encoded(encoded.memory[rows], encoded.padding[rows])
            state, extended = self.decode_next(searching, sequences[rows, -1], step, [c[rows] for c in cache])
            log_p = F.log_softmax(self.generator(state).float(), dim=-1)
            log_p[:, forbidden] = -math.inf
            if step == max_len:                      # out of room: every live hypothesis ends here
                eos = log_p[:, EOS].clone()
                log_p.fill_(-math.inf)
                log_p[:, EOS] = eos
            vocab = log_p.size(1)
            top, flat = (scores[live].view(-1, 1) + log_p).view(len(live), beam * vocab).topk(beam, dim=1)
            chosen = (torch.arange(len(live), device=device).unsqueeze(1) * beam + flat // vocab).view(-1)
            origin = rows[chosen]
            for layer, keys in enumerate(extended):    # each slot continues the cache of the hypothesis it extends
                cache[layer] = torch.cat([cache[layer], cache[layer].new_zeros(size * beam, 1, self.d_model)], 1)
                cache[layer][rows] = keys[chosen]
            sequences = torch.cat([sequences, torch.full_like(sequences[:, :1], PAD)], dim=1)
            sequences[rows] = torch.cat([sequences[origin, :-1], (flat % vocab).view(-1, 1)], dim=1)
            ended = ((flat % vocab) == EOS) & torch.isfinite(top)
            scores[live] = top.masked_fill(ended, -math.inf)
            for i, k in ended.nonzero().tolist():
                b = int(live[i])
                finished[b].append((float(top[i, k]), sequences[b * beam + k, 1:-1].tolist()))
            for i, b in enumerate(live.tolist()):
                top_finished[b] |= bool(ended[i, 0])
            still = [i for i, b in enumerate(live.tolist()) if not (top_finished[b] and len(finished[b]) >= n_best)]
            if not still:
                break
            live = live[still]
        return [sorted(hypotheses, key=lambda h: -h[0])[:n_best] for hypotheses in finished]
