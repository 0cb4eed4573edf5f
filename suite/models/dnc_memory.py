"""The external memory of a differentiable neural computer (Graves et al. 2016), as VMED uses it: N slots of
width W, written with content-based and usage-based (allocation) addressing and read by content or along the
temporal links between successive writes.

The memory itself has no parameters; `MemoryAccess` turns a controller's output into the interface vector
(keys, strengths, gates, read modes) for its R read heads and applies one write then one read.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
from torch import nn
from torch.nn import functional as F

EPSILON = 1e-6


@dataclass
class MemoryState:
    """Batch-first: memory (B, N, W), usage (B, N), links (B, N, N), precedence (B, N), write_weights (B, N),
    read_weights (B, R, N), read_vectors (B, R, W)."""

    memory: torch.Tensor
    usage: torch.Tensor
    links: torch.Tensor
    precedence: torch.Tensor
    write_weights: torch.Tensor
    read_weights: torch.Tensor
    read_vectors: torch.Tensor

    @classmethod
    def empty(cls, batch: int, slots: int, width: int, heads: int, device=None) -> MemoryState:
        zeros = lambda *shape: torch.zeros(*shape, device=device)       # noqa: E731
        return cls(zeros(batch, slots, width) + EPSILON, zeros(batch, slots), zeros(batch, slots, slots),
                   zeros(batch, slots), zeros(batch, slots), zeros(batch, heads, slots), zeros(batch, heads, width))

    def tensors(self) -> dict[str, torch.Tensor]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_heads(self, heads: int) -> MemoryState:
        """The same memory with `heads` fresh read heads (the released decoder reads with K heads, the
        encoder with one: the read weights and vectors restart from zero)."""
        batch, slots, width = self.memory.shape
        fresh = MemoryState.empty(batch, slots, width, heads, self.memory.device)
        return MemoryState(self.memory, self.usage, self.links, self.precedence, self.write_weights,
                           fresh.read_weights, fresh.read_vectors)


def content_weights(memory: torch.Tensor, keys: torch.Tensor, strengths: torch.Tensor) -> torch.Tensor:
    """softmax over slots of strength x cosine(key, slot): memory (B, N, W), keys (B, H, W), strengths (B, H)
    -> (B, H, N), each row summing to one."""
    similarity = F.normalize(keys, dim=-1, eps=EPSILON) @ F.normalize(memory, dim=-1, eps=EPSILON).transpose(1, 2)
    return (strengths.unsqueeze(-1) * similarity).softmax(-1)


def allocation_weights(usage: torch.Tensor) -> torch.Tensor:
    """a[φ_j] = (1 - u[φ_j]) Π_{i<j} u[φ_i] with φ the slots sorted by increasing usage: most weight on the
    least-used slot. usage (B, N) -> (B, N)."""
    usage = EPSILON + (1 - EPSILON) * usage
    sorted_usage, order = usage.sort(-1)
    before = torch.cumprod(torch.cat([torch.ones_like(sorted_usage[:, :1]), sorted_usage[:, :-1]], -1), -1)
    return torch.zeros_like(usage).scatter(-1, order, (1 - sorted_usage) * before)


def updated_usage(state: MemoryState, free_gates: torch.Tensor) -> torch.Tensor:
    """Usage after the last write, less what the read heads freed: free_gates (B, R)."""
    retention = (1 - free_gates.unsqueeze(-1) * state.read_weights).prod(1)
    written = state.write_weights
    return (state.usage + written - state.usage * written) * retention


def updated_links(state: MemoryState, write: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Temporal link matrix L[i, j] (slot i written right after slot j) and the precedence weighting."""
    links = ((1 - write.unsqueeze(2) - write.unsqueeze(1)) * state.links
             + write.unsqueeze(2) * state.precedence.unsqueeze(1))
    links = links * (1 - torch.eye(links.size(-1), device=links.device))
    precedence = (1 - write.sum(-1, keepdim=True)) * state.precedence + write
    return links, precedence


class MemoryAccess(nn.Module):
    """Controller output -> interface vector -> one write, then one read by R heads."""

    def __init__(self, controller_dim: int, slots: int, width: int, heads: int):
        super().__init__()
        self.slots, self.width, self.heads = slots, width, heads
        self.sizes = {"read_keys": heads * width, "read_strengths": heads, "write_key": width, "write_strength": 1,
                      "erase": width, "write_vector": width, "free_gates": heads, "allocation_gate": 1,
                      "write_gate": 1, "read_modes": 3 * heads}
        self.interface = nn.Linear(controller_dim, sum(self.sizes.values()), bias=False)   # as released

    def empty(self, batch: int, device=None) -> MemoryState:
        return MemoryState.empty(batch, self.slots, self.width, self.heads, device)

    def parse(self, controller_output: torch.Tensor) -> dict[str, torch.Tensor]:
        parts = dict(zip(self.sizes, self.interface(controller_output).split(list(self.sizes.values()), -1),
                         strict=True))
        batch = controller_output.size(0)
        return {"read_keys": parts["read_keys"].view(batch, self.heads, self.width),
                "read_strengths": 1 + F.softplus(parts["read_strengths"]),
                "write_key": parts["write_key"].unsqueeze(1),
                "write_strength": 1 + F.softplus(parts["write_strength"]),
                "erase": torch.sigmoid(parts["erase"]), "write_vector": parts["write_vector"],
                "free_gates": torch.sigmoid(parts["free_gates"]),
                "allocation_gate": torch.sigmoid(parts["allocation_gate"]),
                "write_gate": torch.sigmoid(parts["write_gate"]),
                "read_modes": parts["read_modes"].view(batch, self.heads, 3).softmax(-1)}

    def forward(self, controller_output: torch.Tensor, state: MemoryState) -> MemoryState:
        i = self.parse(controller_output)
        # write: allocation and content addressing mixed by the gates
        usage = updated_usage(state, i["free_gates"])
        by_content = content_weights(state.memory, i["write_key"], i["write_strength"])[:, 0]
        write = i["write_gate"] * (i["allocation_gate"] * allocation_weights(usage)
                                   + (1 - i["allocation_gate"]) * by_content)
        memory = (state.memory * (1 - write.unsqueeze(-1) * i["erase"].unsqueeze(1))
                  + write.unsqueeze(-1) * i["write_vector"].unsqueeze(1))
        links, precedence = updated_links(state, write)
        # read: backward along the links, by content, or forward along the links
        backward = state.read_weights @ links
        forward = state.read_weights @ links.transpose(1, 2)
        by_content = content_weights(memory, i["read_keys"], i["read_strengths"])
        modes = i["read_modes"]
        read = modes[..., 0:1] * backward + modes[..., 1:2] * by_content + modes[..., 2:3] * forward
        return MemoryState(memory, usage, links, precedence, write, read, read @ memory)
