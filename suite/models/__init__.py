"""Model building blocks; one family per module, assembled by composition in `build.py`."""

import torch
from torch import nn


def device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device
