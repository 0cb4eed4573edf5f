"""PaperAdam against an independent transcription of the released code's optimiser semantics:
a parameter list in which the shared embedding appears once per holding module, clipped and updated by
PyTorch-1.x-style loops (every listed entry counted in the norm, rescaled, and stepped)."""

import copy
import math

import pytest
import torch

from suite.config import Coupling, ModelConfig, TrainConfig
from suite.models.build import build_model
from suite.training.optim import PaperAdam, embedding_holders

SMALL = dict(emb_dim=8, enc_hidden=6, dec_hidden=12, latent_dim=4, dropout=0.0)


def listed_parameters(model):
    """state_dict(keep_vars=True) order and multiplicity, as the released code builds Adam's list."""
    return [v for v in model.state_dict(keep_vars=True).values() if v.requires_grad]


def reference_step(entries, state, lr, betas, clip, eps=1e-8):
    entries = [p for p in entries if p.grad is not None]
    total = math.sqrt(sum(float(p.grad.norm()) ** 2 for p in entries))
    coefficient = clip / (total + 1e-6)
    if coefficient < 1:
        for p in entries:
            p.grad.mul_(coefficient)
    with torch.no_grad():
        for p in entries:
            s = state.setdefault(id(p), {"step": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
            s["step"] += 1
            s["m"].mul_(betas[0]).add_(p.grad, alpha=1 - betas[0])
            s["v"].mul_(betas[1]).addcmul_(p.grad, p.grad, value=1 - betas[1])
            denom = (s["v"].sqrt() / math.sqrt(1 - betas[1] ** s["step"])).add_(eps)
            p.addcdiv_(s["m"], denom, value=-lr / (1 - betas[0] ** s["step"]))


def backward_both(models, batch, step: int):
    """The same gradients into each model: the same seed before each loss."""
    for model in models:
        torch.manual_seed(step)
        model.zero_grad()
        model.training_terms(batch, 0.5)["loss"].backward()


@pytest.mark.parametrize("fused", [False, True])     # PyTorch's per-tensor loops / the fused kernels
@pytest.mark.parametrize("coupling,copies", [(None, 2), (Coupling(), 3)])
@pytest.mark.parametrize("clip", [0.5, 1e6])       # clipping active / inactive
def test_reproduces_the_duplicated_embedding_semantics(tiny_batch, coupling, copies, clip, fused):
    torch.manual_seed(0)
    ours = build_model(ModelConfig(coupling=coupling, **SMALL), vocab_size=len(tiny_batch.words.unique()) + 20)
    reference = copy.deepcopy(ours)
    assert embedding_holders(ours) == copies
    assert len(listed_parameters(reference)) == len(list(reference.parameters())) + copies - 1
    cfg = TrainConfig(lr=0.01, clip_norm=clip)
    optimizer, state = PaperAdam(ours, cfg, fused=fused), {}
    for step in range(4):
        backward_both((ours, reference), tiny_batch, step)
        optimizer.step()
        reference_step(listed_parameters(reference), state, cfg.lr, cfg.betas, clip)
    for a, b in zip(ours.parameters(), reference.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_without_duplication_it_is_plain_adam_with_norm_clipping(tiny_batch):
    torch.manual_seed(0)
    ours = build_model(ModelConfig(**SMALL), vocab_size=40)
    reference = copy.deepcopy(ours)
    cfg = TrainConfig(lr=0.01, clip_norm=0.5, duplicate_embedding_updates=False)
    optimizer = PaperAdam(ours, cfg)
    torch_adam = torch.optim.Adam(reference.parameters(), lr=cfg.lr, betas=cfg.betas)
    for step in range(4):
        backward_both((ours, reference), tiny_batch, step)
        optimizer.step()
        torch.nn.utils.clip_grad_norm_(reference.parameters(), cfg.clip_norm)
        torch_adam.step()
    for a, b in zip(ours.parameters(), reference.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)
