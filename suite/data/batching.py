"""Padded batches of sentences, and the orders a training epoch draws them in (`BATCH_ORDERS`): shuffled as a
released loader draws them, shuffled once for the whole run (the Stochastic WAE code), sampled with replacement
(the VMED code), grouped by length so that little compute is spent on padding, or sorted in pools as OpenNMT-py does.

The batch planners take any split with `lengths` (a tensor) and `len()`; the split builds the batch itself. The
pool-sorted orders also need each pair's source and target lengths (`PairSet.sort_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from suite.data.vocab import EOS, GO, PAD
from suite.errors import SuiteError, unknown

LENGTH_POOL_BATCHES = 100      # batches per length-sorted pool: little padding, yet batches still vary


def _to_device(tensor: torch.Tensor, device) -> torch.Tensor:
    """Copy to `device` without making the host wait: from pinned memory, asynchronously, when it is a GPU."""
    device = torch.device(device)
    if device.type == "cuda" and tensor.device.type == "cpu":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


@dataclass(frozen=True)
class Packing:
    """How a batch packs for an RNN, decided on the host when the batch is made. Packing from lengths on a GPU
    would read them back to the host, one synchronisation per batch; this holds what `pack_padded_sequence`
    (enforce_sorted=False) would compute: the same sort, so the same order and the same numbers."""

    lengths: torch.Tensor          # (B,) on the host, always
    sorted_lengths: torch.Tensor   # (B,) on the host, descending
    sorted_indices: torch.Tensor   # (B,) on the batch's device

    @classmethod
    def of(cls, lengths: torch.Tensor) -> Packing:
        sorted_lengths, sorted_indices = torch.sort(lengths, descending=True)
        return cls(lengths, sorted_lengths, sorted_indices)

    def pack(self, inputs: torch.Tensor, extra: int = 0) -> PackedSequence:
        """Batch-first (B, T, F) inputs as a PackedSequence in the original batch order, each row `extra` steps
        longer than its sentence (a decoder's inputs hold delimiters as well as words)."""
        packed = pack_padded_sequence(inputs.index_select(0, self.sorted_indices), self.sorted_lengths + extra,
                                      batch_first=True)
        return PackedSequence(packed.data, packed.batch_sizes, self.sorted_indices, None)

    def bidirectional_final(self, gru: nn.GRU, inputs: torch.Tensor) -> torch.Tensor:
        """The final states (2, B, hidden) of a one-layer bidirectional `gru` over each sentence of (B, T, F)."""
        _, final = gru(self.pack(inputs))
        return final

    def unidirectional(self, rnn: nn.RNNBase, inputs: torch.Tensor, extra: int) -> torch.Tensor:
        """A left-to-right `rnn`'s outputs (B, T, hidden) over (B, T, F) inputs whose row i holds length_i + `extra`
        steps: no step is computed past a row's end (its outputs there are 0), which saves most of a shuffled
        batch's decoder work; the real steps' outputs are those of running the padded batch."""
        outputs, _ = rnn(self.pack(inputs, extra))
        return pad_packed_sequence(outputs, batch_first=True, total_length=inputs.size(1))[0]

    def to(self, device) -> Packing:
        return Packing(self.lengths, self.sorted_lengths, _to_device(self.sorted_indices, device))

    def repeat(self, n: int, device) -> Packing:
        return Packing.of(self.lengths.repeat(n)).to(device)


@dataclass(frozen=True)
class StaticPacking:
    """How a batch runs through RNNs when no shape may depend on its lengths (a training step captured as a
    CUDA graph): padded, with each sentence's first and last positions gathered by host-made indices.

    A bidirectional GRU's forward half reads each sentence left-aligned and ends at its last word; its backward
    half reads a right-aligned copy, so that it meets the padding only after the sentence, and ends at the
    sentence's first word. One call does both: the two copies are stacked along the batch."""

    lengths: torch.Tensor   # (B,) on the host, always
    last: torch.Tensor      # (B,) position of each sentence's last word
    first: torch.Tensor     # (B,) position of its first word in the right-aligned copy
    aligned: torch.Tensor   # (B, T) right-aligned position -> left-aligned position (0 where padding)

    @classmethod
    def of(cls, lengths: torch.Tensor, width: int) -> StaticPacking:
        first = width - lengths
        aligned = (torch.arange(width).unsqueeze(0) - first.unsqueeze(1)).clamp(min=0)
        return cls(lengths, lengths - 1, first, aligned)

    def bidirectional_final(self, gru: nn.GRU, inputs: torch.Tensor) -> torch.Tensor:
        """What `Packing.bidirectional_final` computes, from fixed-shape tensors only."""
        if gru.num_layers != 1 or not gru.bidirectional:
            raise ValueError("StaticPacking runs one-layer bidirectional GRUs only")
        size, _, features = inputs.shape
        right_aligned = inputs.gather(1, self.aligned.unsqueeze(-1).expand(-1, -1, features))
        outputs, _ = gru(torch.cat([inputs, right_aligned]))             # (2B, T, 2 * hidden)
        hidden = gru.hidden_size

        def at(states: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
            return states.gather(1, position.view(-1, 1, 1).expand(-1, 1, hidden))[:, 0]

        return torch.stack([at(outputs[:size, :, :hidden], self.last), at(outputs[size:, :, hidden:], self.first)])

    def unidirectional(self, rnn: nn.RNNBase, inputs: torch.Tensor, extra: int) -> torch.Tensor:
        """What `Packing.unidirectional` computes at real steps, with every padded step computed too."""
        return rnn(inputs)[0]

    def to(self, device) -> StaticPacking:
        return StaticPacking(self.lengths, *(_to_device(t, device) for t in (self.last, self.first, self.aligned)))


@dataclass(frozen=True)
class Batch:
    """B sentences. `words` feeds the encoder; the decoder reads `inputs` (<go> w1..wn) and predicts
    `targets` (w1..wn <eos>) where `mask` is true, so every sentence has length + 1 predictions.

    `packing`, `positions` and `rows` are worked out on the host when the batch is made, so that training on a
    GPU never waits to learn a size: the output layer gathers the real targets by their flat `positions` in
    (B * (T + 1)) (the same elements, in the same order, as `states[mask]`) and sums them per sentence by
    `rows`."""

    words: torch.Tensor      # (B, T) word ids, PAD after each sentence
    lengths: torch.Tensor    # (B,)
    inputs: torch.Tensor     # (B, T + 1)
    targets: torch.Tensor    # (B, T + 1)
    mask: torch.Tensor       # (B, T + 1) bool
    index: torch.Tensor      # (B,) position of each sentence in its split
    packing: Packing | StaticPacking
    positions: torch.Tensor  # (N,) flat positions of the real targets, N = Σ (length + 1)
    rows: torch.Tensor       # (N,) the sentence each real target belongs to

    @classmethod
    def from_sentences(cls, sentences: list[torch.Tensor], index: torch.Tensor,
                       max_len: int | None = None) -> Batch:
        if max_len is not None:
            sentences = [s[:max_len] for s in sentences]
        lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
        size, width = len(sentences), int(lengths.max())
        words = torch.full((size, width), PAD, dtype=torch.long)
        for row, sentence in enumerate(sentences):
            words[row, :len(sentence)] = sentence
        inputs = torch.cat([torch.full((size, 1), GO, dtype=torch.long), words], dim=1)
        targets = torch.cat([words, torch.full((size, 1), PAD, dtype=torch.long)], dim=1)
        targets[torch.arange(size), lengths] = EOS
        mask = torch.arange(width + 1).unsqueeze(0) <= lengths.unsqueeze(1)
        positions = mask.reshape(-1).nonzero()[:, 0]
        return cls(words, lengths, inputs, targets, mask, index, Packing.of(lengths), positions,
                   torch.div(positions, width + 1, rounding_mode="floor"))

    def __len__(self) -> int:
        return len(self.lengths)

    def static_shape(self, width: int) -> Batch:
        """The same sentences padded to `width` words, with every real or padded target position kept (padded
        targets are PAD, which the output layer scores 0) and a `StaticPacking`: every tensor's shape then
        depends on (B, width) only, as a captured CUDA graph needs. Built on the host."""
        if width < self.words.size(1):
            raise ValueError(f"width {width} is narrower than the batch ({self.words.size(1)} words)")
        size, extra = len(self), width - self.words.size(1)

        def pad(tensor: torch.Tensor, value=PAD) -> torch.Tensor:
            return nn.functional.pad(tensor, (0, extra), value=value)

        positions = torch.arange(size * (width + 1))
        return Batch(pad(self.words), self.lengths, pad(self.inputs), pad(self.targets), pad(self.mask, False),
                     self.index, StaticPacking.of(self.lengths, width), positions,
                     torch.div(positions, width + 1, rounding_mode="floor"))

    @property
    def n_predictions(self) -> int:
        """Real (unpadded) target tokens, end-of-sentence included."""
        return len(self.positions)

    def to(self, device) -> Batch:
        tensors = (self.words, self.lengths, self.inputs, self.targets, self.mask, self.index)
        return Batch(*(_to_device(t, device) for t in tensors), self.packing.to(device),
                     _to_device(self.positions, device), _to_device(self.rows, device))

    def repeat(self, n: int) -> Batch:
        """n stacked copies (copy-major), for evaluating n latent samples per sentence in one pass."""
        tensors = (self.words, self.lengths, self.inputs, self.targets, self.mask, self.index)
        copies = torch.arange(n, device=self.positions.device).unsqueeze(1)
        return Batch(*(t.repeat(n, *[1] * (t.dim() - 1)) for t in tensors),
                     self.packing.repeat(n, self.words.device),
                     (self.positions + copies * self.mask.numel()).reshape(-1),
                     (self.rows + copies * len(self)).reshape(-1))


def length_grouped_batches(sentences, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """One epoch of shuffled batch indices. Sentences are shuffled, then sorted by length within pools of
    `LENGTH_POOL_BATCHES` batches, so batches hold sentences of similar length (little padding); the batch order
    is shuffled again."""
    order = torch.randperm(len(sentences), generator=generator)
    pool = batch_size * LENGTH_POOL_BATCHES
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        chunk = chunk[torch.argsort(sentences.lengths[chunk], stable=True)]
        batches.extend(chunk.split(batch_size))
    shuffle = torch.randperm(len(batches), generator=generator)
    return [batches[i] for i in shuffle]


def shuffled_batches(sentences, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """One epoch as a shuffling loader draws it (the released Coupled-VAE code's `DataLoader(shuffle=True)`):
    consecutive slices of a fresh permutation, the last one smaller. Lengths mix within a batch."""
    return list(torch.randperm(len(sentences), generator=generator).split(batch_size))


def once_shuffled_full_batches(sentences, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """An epoch as the released Stochastic WAE loops slice their once-shuffled corpora: consecutive full batches
    of a permutation, the remainder left out (their placeholders hold exactly `batch_size` rows, and
    `get_batches` yields len(x) // batch_size batches). Drawn once for the run (`SAME_EVERY_EPOCH`), the same
    sentences sit out every epoch."""
    batches = torch.randperm(len(sentences), generator=generator).split(batch_size)
    return list(batches[:batches_per_epoch(len(sentences), batch_size, "shuffled-once")])


def sampled_batches(pairs, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """An epoch's worth of batches as the released VMED code draws each one: `batch_size` examples uniformly at
    random with replacement (`np.random.choice(n, batch_size, replace=True)`), every batch on its own, as many
    batches as a loader would cut from the split."""
    return [torch.randint(len(pairs), (batch_size,), generator=generator)
            for _ in range(batches_per_epoch(len(pairs), batch_size, "sampled"))]


def pool_sorted_batches(keys: torch.Tensor, batch_size: int, generator: torch.Generator,
                        pool_batches: int = 8192) -> list[torch.Tensor]:
    """One epoch as OpenNMT-py's training iterator draws it (the AMI authors' fork; its `pool_factor` is 8192): a
    fresh permutation is cut into pools of `pool_batches` batches, each pool is sorted by `keys` (one row per
    example, compared column by column; ties stay in shuffled order), sliced into batches in that order (the
    pool's last one smaller), and the pool's batches are shuffled. 8192 batches of 64 hold all of PersonaChat,
    so the whole epoch is one sorted pool."""
    order = torch.randperm(len(keys), generator=generator)
    pool = batch_size * pool_batches
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start:start + pool]
        for column in reversed(range(keys.shape[1])):       # stable sorts, least significant column first
            chunk = chunk[torch.argsort(keys[chunk, column], stable=True)]
        sliced = chunk.split(batch_size)
        batches.extend(sliced[i] for i in torch.randperm(len(sliced), generator=generator))
    return batches


def sorted_by(source: str):
    """The pool-sorted order of a network that reads `source` (`PairSet.sort_keys`)."""
    def order(pairs, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
        if not hasattr(pairs, "sort_keys"):
            raise SuiteError(f"batch order '{source}-sorted' sorts dialogue pairs; this split holds sentences")
        return pool_sorted_batches(pairs.sort_keys(source), batch_size, generator)
    return order


BATCH_ORDERS = {"length-grouped": length_grouped_batches, "shuffled": shuffled_batches,
                "context-sorted": sorted_by("context"), "response-sorted": sorted_by("response"),
                "shuffled-once": once_shuffled_full_batches, "sampled": sampled_batches}
# Orders drawn once for the whole run: the released Stochastic WAE loops slice a corpus shuffled once in the same
# order every epoch.
SAME_EVERY_EPOCH = {"shuffled-once"}
# Orders that leave out an epoch's last, smaller batch.
FULL_BATCHES_ONLY = {"shuffled-once"}


def batches_per_epoch(examples: int, batch_size: int, order: str) -> int:
    """How many batches an epoch of `order` cuts `examples` into (one at least: an order of full batches only
    refuses a split smaller than one)."""
    if order not in FULL_BATCHES_ONLY:
        return -(-examples // batch_size)
    if examples < batch_size:
        raise SuiteError(f"the training split has {examples} examples, fewer than one batch of {batch_size}")
    return examples // batch_size


def epoch_generator(seed: int, epoch: int, order: str) -> torch.Generator:
    """What an epoch's batches are drawn with: a fresh generator each epoch, or the first epoch's again for an
    order that stays the same every epoch."""
    return torch.Generator().manual_seed(seed * 100003 + (0 if order in SAME_EVERY_EPOCH else epoch))


def training_batches(sentences, batch_size: int, generator: torch.Generator,
                     order: str = "length-grouped") -> list[torch.Tensor]:
    """One epoch of batch indices in `order` (TrainConfig.batches)."""
    if order not in BATCH_ORDERS:
        raise unknown("batch order", order, BATCH_ORDERS)
    return BATCH_ORDERS[order](sentences, batch_size, generator)


def evaluation_batches(sentences, max_tokens: int) -> list[torch.Tensor]:
    """Deterministic batches over a whole split, sorted by length, each holding at most `max_tokens`
    padded positions."""
    order = torch.argsort(sentences.lengths, stable=True)
    batches, current, width = [], [], 0
    for i in order.tolist():
        length = int(sentences.lengths[i]) + 1
        grown = max(width, length)
        if current and grown * (len(current) + 1) > max_tokens:
            batches.append(torch.tensor(current))
            current, grown = [], length
        current.append(i)
        width = grown
    if current:
        batches.append(torch.tensor(current))
    return batches


def same_length_batches(sentences, batch_size: int) -> list[torch.Tensor]:
    """Batches of sentences that all have the same length (at most `batch_size` each), shortest first: how
    He et al.'s released code batches text, building the list once and shuffling only its order per epoch.
    Sentences of one length keep their corpus order here; the released np.argsort is not stable, so its order
    among them depends on numpy's sort (and, with SIMD sorts, on the CPU)."""
    order = torch.argsort(sentences.lengths, stable=True)
    batches = []
    for length in torch.unique(sentences.lengths[order]):
        same = order[sentences.lengths[order] == length]
        batches.extend(same.split(batch_size))
    return batches
