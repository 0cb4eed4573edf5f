"""The training step captured as CUDA graphs, one per batch shape, and replayed (REPRODUCE_CUDA_GRAPHS=1).

On a GPU the step of these small recurrent models is bound by the host: launching ~500 kernels and cuDNN's
per-call set-up take ~10 ms while the GPU is busy ~3 ms (tests/benchmarks/NOTES.md, section 4). A replayed graph
launches them all at once. A graph fixes every shape and address, so the batches are padded to a few widths
(`WIDTH_STEP`) and laid out by `Batch.static_shape`; the KL weight and the learning rate live on the device.

Numbers: the captured step computes what the eager step computes on the same static-shape batch; that batch
gives the loss and gradients of the packed one up to float rounding (tests/training/test_cuda_graphs.py). The
random streams differ from an eager run's (warm-up passes draw dropout masks too), as a GPU's differ from a CPU's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Callable

import torch
from torch import nn

from suite.data.batching import Batch

ENV = "REPRODUCE_CUDA_GRAPHS"
WIDTH_STEP = 8        # padded widths round up to a multiple of this: 11 widths cover PTB (82 words at most)

# Modules whose outputs at real positions do not depend on padding, and that draw their noise on the device.
# (A dilated CNN decoder's BatchNorm sees the padding; vMF samples by rejection, a loop the host steers.)
PADDING_INVARIANT = {"GRULanguageModel", "TextAutoencoder", "Coupled", "BiGRUEncoder", "SignalGRUDecoder",
                     "OutputHead", "LatentPath", "GaussianPosterior", "PointPosterior", "PlanarFlowPosterior",
                     "PlanarFlow", "BatchNorm1d", "ModuleList", "Sequential", "Linear", "ReLU", "Tanh", "Dropout",
                     "Embedding", "GRU"}
DEVICE_REGULARISERS = {"kl_penalty", "free_bits_penalty"}     # the MMD ones draw p(z) samples on the host


def requested() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


def why_not_capturable(model: nn.Module) -> str | None:
    """None when the model's training step can be captured on static-shape batches; otherwise the reason."""
    others = sorted({type(m).__name__ for m in model.modules()} - PADDING_INVARIANT)
    if others:
        return f"its modules {', '.join(others)} are not known to ignore padding"
    regularisers = {m.regulariser for m in model.modules() if getattr(m, "regulariser", None) is not None}
    if any(r.__qualname__.split(".")[0] not in DEVICE_REGULARISERS for r in regularisers):
        return "its regulariser draws prior samples on the host"
    return None


def static_width(width: int) -> int:
    return -(-width // WIDTH_STEP) * WIDTH_STEP


def _device_tensors(batch) -> list[torch.Tensor]:
    """The batch's tensors on the GPU, nested dataclasses included, in a fixed order."""
    tensors = []
    for field in fields(batch):
        value = getattr(batch, field.name)
        if is_dataclass(value):
            tensors += _device_tensors(value)
        elif isinstance(value, torch.Tensor) and value.is_cuda:
            tensors.append(value)
    return tensors


def _with_own_tensors(batch):
    """A copy of the batch whose GPU tensors are new buffers: the graph reads its inputs from there."""
    changes = {}
    for field in fields(batch):
        value = getattr(batch, field.name)
        if is_dataclass(value):
            changes[field.name] = _with_own_tensors(value)
        elif isinstance(value, torch.Tensor) and value.is_cuda:
            changes[field.name] = value.clone()
    return replace(batch, **changes)


@dataclass
class Captured:
    graph: torch.cuda.CUDAGraph
    inputs: Batch
    outputs: dict[str, torch.Tensor]


class CapturedSteps:
    """`forward_backward(batch, kl_weight)` then `update()` (which returns the gradient norm), captured once per
    batch shape and replayed for every later batch of that shape. The optimiser must already hold its state (a
    capture records the work but does not run it, so state made during a capture would be remade at each
    replay): the trainer takes its first step eagerly. `buffers` are the model's (BatchNorm's running statistics):
    the warm-up before each capture must leave them as they were."""

    def __init__(self, forward_backward: Callable[[Batch, torch.Tensor], dict[str, torch.Tensor]],
                 update: Callable[[], torch.Tensor], device, buffers: list[torch.Tensor] = ()):
        self.forward_backward, self.update, self.buffers = forward_backward, update, list(buffers)
        self.kl_weight = torch.zeros((), device=device)
        self.graphs: dict[tuple[int, ...], Captured] = {}
        # Warm-ups and captures share one side stream, so that libraries' per-stream handles and workspaces are
        # made by a warm-up rather than in the middle of a capture.
        self.stream = torch.cuda.Stream(device)

    def capture(self, batch: Batch) -> Captured:
        inputs = _with_own_tensors(batch)
        # A pass outside the graph first (as PyTorch's whole-network capture does), so that cuDNN and cuBLAS make
        # their plans and workspaces for this shape. It takes no optimiser step, and its update of BatchNorm's
        # running statistics (NF posteriors) is undone: the eager steps make no such extra update.
        saved = [buffer.clone() for buffer in self.buffers]
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            self.forward_backward(inputs, self.kl_weight)
        torch.cuda.current_stream().wait_stream(self.stream)
        for buffer, value in zip(self.buffers, saved, strict=True):
            buffer.copy_(value)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, stream=self.stream):
            outputs = self.forward_backward(inputs, self.kl_weight)
            outputs["grad_norm"] = self.update()
        return Captured(graph, inputs, outputs)

    def __call__(self, batch: Batch, kl_weight: float) -> dict[str, torch.Tensor]:
        shape = tuple(batch.words.shape)
        if shape not in self.graphs:
            self.graphs[shape] = self.capture(batch)
        captured = self.graphs[shape]
        torch._foreach_copy_(_device_tensors(captured.inputs), _device_tensors(batch))
        self.kl_weight.fill_(kl_weight)
        captured.graph.replay()
        # The next replay overwrites the graph's outputs; the trainer reads these back later.
        return {name: value.clone() for name, value in captured.outputs.items()}
