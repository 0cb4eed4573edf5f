"""Adam with global gradient-norm clipping, as the released Coupled-VAE code configures it.

That code builds Adam's parameter list from `state_dict(keep_vars=True)`, in which the shared word embedding
appears once per module holding it (encoder, decoder, and the coupled decoder). PyTorch then updates it once
per listing, and `clip_grad_norm_` counts its gradient in the norm, and rescales it, once per listing. With
`copies` = that multiplicity this class reproduces all three effects; with copies = 1 it is plain Adam.

Adam runs as one fused kernel and the norm as one reduction over all gradients (`fused`, the default): on an
H200 the fused Adam took a VAE step from 12.2 to 10.7 ms, on 2 CPU cores from 98.8 to 83.6 ms
(tests/benchmarks/NOTES.md). `fused=False` keeps PyTorch's per-tensor loops, for comparison. `capturable`
keeps the step count and the learning rate on the device, so that the step can be captured in a CUDA graph.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from suite.config import TrainConfig


def shared_embedding(model: nn.Module) -> nn.Parameter | None:
    embeddings = {id(m.weight): m.weight for m in model.modules() if isinstance(m, nn.Embedding)}
    if len(embeddings) > 1:
        raise ValueError("expected one shared word embedding")
    return next(iter(embeddings.values()), None)


def embedding_holders(model: nn.Module) -> int:
    """How many modules hold the shared embedding (= its multiplicity in the released code's Adam list)."""
    weight = shared_embedding(model)
    return sum(1 for m in model.modules()
               if any(isinstance(c, nn.Embedding) and c.weight is weight for c in m.children()))


class PaperAdam:
    def __init__(self, model: nn.Module, cfg: TrainConfig, fused: bool = True, capturable: bool = False):
        self.embedding = shared_embedding(model) if cfg.duplicate_embedding_updates else None
        self.copies = embedding_holders(model) if cfg.duplicate_embedding_updates and self.embedding is not None else 1
        self.others = [p for p in model.parameters() if p is not self.embedding]
        self.clip_norm = cfg.clip_norm
        self.device = next(model.parameters()).device
        self.fused, self.capturable = fused, capturable
        adam = {"betas": cfg.betas, "eps": cfg.adam_eps, "fused": fused or None, "capturable": capturable}
        self.main = torch.optim.Adam(self.others, lr=self.lr_value(cfg.lr), **adam)
        self.embed = (torch.optim.Adam([self.embedding], lr=self.lr_value(cfg.lr), **adam)
                      if self.embedding is not None else None)

    def lr_value(self, lr: float) -> float | torch.Tensor:
        """A captured step reads the learning rate from the device (a number would be fixed in the graph)."""
        return torch.tensor(lr, device=self.device) if self.capturable else lr

    def has_state(self) -> bool:
        return bool(self.main.state)

    @property
    def optimizers(self) -> list[torch.optim.Optimizer]:
        return [self.main] + ([self.embed] if self.embed is not None else [])

    def zero_grad(self):
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)

    def set_lr(self, lr: float):
        for optimizer in self.optimizers:
            for group in optimizer.param_groups:
                current = group["lr"]
                if self.capturable and isinstance(current, torch.Tensor) and current.device == self.device:
                    current.fill_(lr)      # in place: captured steps read this tensor
                else:
                    group["lr"] = self.lr_value(lr)

    def gradients(self) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        """The gradients of the other parameters, and the shared embedding's (None if it has none)."""
        return ([p.grad for p in self.others if p.grad is not None],
                self.embedding.grad if self.embedding is not None else None)

    def gradient_norm(self, grads: list[torch.Tensor], embed_grad: torch.Tensor | None) -> torch.Tensor:
        """The norm that clipping compares with `clip_norm` (the embedding's gradient counted once per listing),
        as a tensor on the device."""
        if not grads:
            squared = torch.zeros((), device=self.device)
        elif self.fused:
            squared = torch.nn.utils.get_total_norm(grads).pow(2)
        else:
            squared = sum(g.pow(2).sum() for g in grads)
        if embed_grad is not None:
            squared = squared + self.copies * embed_grad.pow(2).sum()
        return squared.sqrt()

    def step(self) -> torch.Tensor:
        """Clip, update, and return the gradient norm (as the released code computes it) as a tensor on the
        device: nothing here waits for the device. The clipping factor is worked out in float64, as the
        released code does it in Python, so CPU numbers are exactly those of a host-side `if scale < 1`."""
        grads, embed_grad = self.gradients()
        norm = self.gradient_norm(grads, embed_grad)
        if self.clip_norm is not None:
            denominator = norm.double() + 1e-6
            # A true division (`number / tensor` would multiply by a rounded reciprocal); 1 means no clipping.
            scale = (torch.full_like(denominator, self.clip_norm) / denominator).clamp(max=1.0)
            if grads:
                torch._foreach_mul_(grads, scale.float())
            if embed_grad is not None:
                embed_grad.mul_((scale ** self.copies).float())
        with warnings.catch_warnings():
            # A capturable optimiser's eager steps (the first one, before any capture) are expected.
            warnings.filterwarnings("ignore", "This instance was constructed with capturable=True")
            self.main.step()
            if embed_grad is not None:
                for _ in range(self.copies):
                    self.embed.step()
        return norm

    def state_dict(self) -> dict:
        return {"main": self.main.state_dict(), "embed": self.embed.state_dict() if self.embed else None}

    def load_state_dict(self, state: dict):
        """The saved moments and step counts; the learning rate comes from `set_lr`, and whether steps are
        captured stays this optimiser's (PyTorch would take both from the run that saved the state)."""
        self.main.load_state_dict(state["main"])
        if self.embed is not None:
            self.embed.load_state_dict(state["embed"])
        for optimizer in self.optimizers:
            for group in optimizer.param_groups:
                group["capturable"] = self.capturable
