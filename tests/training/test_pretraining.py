"""PreFB starts the VAE from the DAE's encoder (with the shared embedding) and code layer."""

import torch

from suite.config import Coupling, ModelConfig, Posterior, Regulariser
from suite.models.build import build_model
from suite.training.pretraining import initialise_from_autoencoder

SMALL = dict(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3, dropout=0.0)


def test_prefb_copies_encoder_embedding_and_posterior_mean():
    torch.manual_seed(0)
    dae = build_model(ModelConfig(posterior=Posterior("point"), regulariser=Regulariser("none"), **SMALL), 30)
    model = build_model(ModelConfig(regulariser=Regulariser("free-bits", free_bits=6.0), coupling=Coupling(),
                                    **SMALL), 30)
    log_scale_before = model.base.path.posterior.log_scale.weight.clone()
    initialise_from_autoencoder(model, dae)
    base = model.base
    assert torch.equal(base.encoder.gru.weight_hh_l0, dae.encoder.gru.weight_hh_l0)
    assert torch.equal(base.path.posterior.mean.weight, dae.path.posterior.to_code.weight)
    assert torch.equal(base.path.decoder.embedding.weight, dae.encoder.embedding.weight)   # shared embedding
    assert torch.equal(base.path.posterior.log_scale.weight, log_scale_before)
    assert not torch.equal(model.twin.posterior.mean.weight, dae.path.posterior.to_code.weight)
