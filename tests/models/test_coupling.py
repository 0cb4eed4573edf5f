"""Coupled-VAE's coupling: shared encoder, deterministic twin, signal matching with detached target."""

import pytest
import torch

from suite.config import Coupling, ModelConfig
from suite.models.build import build_model
from suite.models.coupling import Coupled, euclidean_distance, rational_quadratic_distance

SMALL = dict(emb_dim=8, enc_hidden=6, dec_hidden=12, latent_dim=4, dropout=0.0)


def coupled_model(**coupling):
    torch.manual_seed(0)
    return build_model(ModelConfig(coupling=Coupling(**coupling), **SMALL), vocab_size=40)


def test_rational_quadratic_distance_formula():
    h, target = torch.tensor([[1.0, 2.0]]), torch.tensor([[0.0, 0.0]])
    expected = -sum(s * 8 / (s * 8 + 5.0) for s in (0.1, 0.2, 0.5, 1, 2, 5, 10))
    assert float(rational_quadratic_distance(h, target, c=8.0)) == pytest.approx(expected)
    assert float(euclidean_distance(h, target)) == pytest.approx(5.0)


def test_twin_shares_the_encoder_and_embedding_but_nothing_else():
    model = coupled_model()
    assert isinstance(model, Coupled)
    twin_params = {id(p) for p in model.twin.parameters()}
    base_path_params = {id(p) for p in model.base.path.parameters()}
    embedding = model.base.encoder.embedding.weight
    assert model.twin.decoder.embedding.weight is embedding
    assert twin_params & base_path_params == {id(embedding)}
    assert not twin_params & {id(p) for p in model.base.encoder.gru.parameters()}


def test_matching_gradient_never_reaches_the_coupled_signal(tiny_batch):
    model = coupled_model(lambda_rec=0.0, lambda_match=1.0)
    forward = model.base.forward_pass(tiny_batch)
    coupled_signal = model.twin.to_signal(model.twin.posterior(forward.encoded).code)
    model.match(forward.signal, coupled_signal).mean().backward()
    assert all(p.grad is None or p.grad.abs().sum() == 0 for p in model.twin.to_signal.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.base.path.to_signal.parameters())


def test_objective_adds_weighted_coupled_terms(tiny_batch):
    model = coupled_model(lambda_rec=0.5, lambda_match=2.0)
    torch.manual_seed(1)
    terms = model.training_terms(tiny_batch, kl_weight=0.3)
    expected = terms["rec"] + 0.3 * terms["kl"] + 0.5 * terms["rec_c"] + 2.0 * terms["match"]
    assert torch.allclose(terms["loss"], expected)


def test_twin_decodes_from_the_posterior_mean(tiny_batch):
    model = coupled_model()
    model.eval()
    torch.manual_seed(2)
    first = model.training_terms(tiny_batch, 1.0)["rec_c"]
    torch.manual_seed(3)
    second = model.training_terms(tiny_batch, 1.0)["rec_c"]
    assert torch.allclose(first, second)          # deterministic path: no sampling noise
