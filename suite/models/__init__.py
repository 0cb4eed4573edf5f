"""Model building blocks; one family per module, assembled by composition in `build.py`."""

import torch
from torch import nn


def device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def has_latent(model: nn.Module) -> bool:
    """Whether the model scores a sentence by importance sampling over a latent code; one without (the GRU-LM, a
    DAE, the exact-likelihood dialogue rows) scores it in one pass, whatever the sample count."""
    return model.likelihood == "importance"
