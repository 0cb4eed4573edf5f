"""The released VMED code's optimiser: TensorFlow 1's RMSPropOptimizer after tf.clip_by_norm on each gradient.

Per parameter, with decay ρ, momentum μ and ε (TF's ApplyRMSProp; the mean square starts at 1, the momentum at 0):
    g  <- g · c / max(‖g‖, c)                   each parameter's gradient clipped alone to c = clip_norm
    ms <- ρ · ms + (1 − ρ) · g²
    mom <- μ · mom + lr · g / sqrt(ms + ε)
    θ  <- θ − mom
PyTorch's RMSprop differs in each of the starting mean square, where ε goes and the clipping, so it is not used.
The same interface as PaperAdam (suite/training/optim.py); nothing in a step waits for the device.
"""

from __future__ import annotations

import torch
from torch import nn

from suite.config import DialogueTrainConfig


class ReleasedRMSProp:
    def __init__(self, model: nn.Module, cfg: DialogueTrainConfig):
        self.params = list(model.parameters())
        self.settings, self.clip_norm, self.lr = cfg.rmsprop, cfg.clip_norm, cfg.lr
        self.mean_square = [torch.ones_like(p) for p in self.params]
        self.momentum = [torch.zeros_like(p) for p in self.params]

    def has_state(self) -> bool:
        return True

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def set_lr(self, lr: float):
        self.lr = lr

    def step(self) -> torch.Tensor:
        """Clip, update, and return the norm of all gradients before clipping (for the training curve)."""
        held = [i for i, p in enumerate(self.params) if p.grad is not None]     # TF skips variables without one
        if not held:
            return torch.zeros(())
        grads = [self.params[i].grad for i in held]
        norms = torch._foreach_norm(grads)
        if self.clip_norm is not None:
            # a true division (`number / tensor` would multiply by a rounded reciprocal)
            torch._foreach_mul_(grads, [torch.full_like(n, self.clip_norm) / n.clamp(min=self.clip_norm)
                                        for n in norms])
        rho, mu, eps = self.settings.decay, self.settings.momentum, self.settings.epsilon
        mean_square, momentum = [self.mean_square[i] for i in held], [self.momentum[i] for i in held]
        torch._foreach_mul_(mean_square, rho)
        torch._foreach_addcmul_(mean_square, grads, grads, value=1 - rho)
        denominators = torch._foreach_sqrt(torch._foreach_add(mean_square, eps))
        torch._foreach_mul_(momentum, mu)
        torch._foreach_addcdiv_(momentum, grads, denominators, value=self.lr)
        with torch.no_grad():
            torch._foreach_sub_([self.params[i] for i in held], momentum)
        return torch.linalg.vector_norm(torch.stack(norms))

    def state_dict(self) -> dict:
        return {"mean_square": self.mean_square, "momentum": self.momentum}

    def load_state_dict(self, state: dict):
        for mine, saved in zip(self.mean_square + self.momentum, state["mean_square"] + state["momentum"], strict=True):
            mine.copy_(saved)
