"""PreFB (Li et al. 2019): start a VAE from a trained deterministic autoencoder."""

from __future__ import annotations

from torch import nn

from suite.models.coupling import Coupled


def initialise_from_autoencoder(model: nn.Module, autoencoder: nn.Module):
    """Copy the DAE's encoder (which holds the shared word embedding) into the model's encoder and the DAE's
    code layer into the posterior mean, as the released code does; the log-std layer stays at its init."""
    target = model.base if isinstance(model, Coupled) else model
    target.encoder.load_state_dict(autoencoder.encoder.state_dict())
    target.path.posterior.mean.load_state_dict(autoencoder.path.posterior.to_code.state_dict())
