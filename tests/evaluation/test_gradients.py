"""Gradient norms w.r.t. e (Table 5) against per-sentence autograd computed one sentence at a time."""

import pytest
import torch

from suite.config import Coupling, ModelConfig, Posterior, Regulariser
from suite.data.batching import Batch
from suite.evaluation.gradients import batch_gradient_norms
from suite.models.build import build_model

SMALL = dict(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3, dropout=0.0)


def sentence_alone(batch, i) -> Batch:
    return Batch.from_sentences([batch.words[i, :int(batch.lengths[i])]], torch.tensor([0]))


def one_sentence_reference(model, batch, i):
    """Squared norms for sentence i alone, straight from the definitions."""
    alone = sentence_alone(batch, i)
    encoded = model.encoder(alone).detach().requires_grad_()
    code = model.path.posterior(encoded).code
    signal = model.path.to_signal(code)
    rec = model.path.decoder.sentence_nll(signal, alone).sum()
    (grad,) = torch.autograd.grad(rec, encoded)
    jacobian = torch.autograd.functional.jacobian(
        lambda e: model.path.to_signal(model.path.posterior(e).code), encoded)[0, :, 0, :]
    return grad.pow(2).sum().item(), (jacobian.pow(2).sum() / signal.pow(2).sum()).item()


def test_dae_norms_equal_per_sentence_autograd(tiny_batch):
    torch.manual_seed(0)
    model = build_model(ModelConfig(posterior=Posterior("point"), regulariser=Regulariser("none"), **SMALL), 40)
    model.train()
    norms = batch_gradient_norms(model, tiny_batch)
    assert norms["grad_reg"] is None and norms["grad_rec_c"] is None
    for i in range(len(tiny_batch)):
        rec, ratio = one_sentence_reference(model, tiny_batch, i)
        assert float(norms["grad_rec"][i]) == pytest.approx(rec, rel=1e-4)
        assert float(norms["grad_h"][i]) == pytest.approx(ratio, rel=1e-4)


def test_coupled_model_reports_every_column(tiny_batch):
    torch.manual_seed(0)
    model = build_model(ModelConfig(coupling=Coupling(), **SMALL), 40).train()
    norms = batch_gradient_norms(model, tiny_batch)
    assert all(norms[k] is not None and (norms[k] >= 0).all() for k in norms)
    # ‖a + b‖ ≤ ‖a‖ + ‖b‖ for the summed reconstruction losses, sentence by sentence
    assert (norms["grad_rec_sum"].sqrt() <= norms["grad_rec"].sqrt() + norms["grad_rec_c"].sqrt() + 1e-6).all()


def test_coupled_norms_equal_per_sentence_autograd_of_each_loss(tiny_batch, monkeypatch):
    """With z at the posterior mean (no noise), each sentence alone: ‖∂L_rec/∂e‖², ‖∂L^c_rec/∂e‖², the norm of
    their sum, and ‖∂KL/∂e‖² of the closed-form KL (summed per sentence, not a batch mean)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(coupling=Coupling(), **SMALL), 40).train()
    monkeypatch.setattr(torch, "randn", lambda *shape, **options: torch.zeros(*shape, **options))
    norms = batch_gradient_norms(model, tiny_batch)
    base, twin = model.base, model.twin
    for i in range(len(tiny_batch)):
        alone = sentence_alone(tiny_batch, i)
        encoded = base.encoder(alone).detach().requires_grad_()
        posterior = base.path.posterior(encoded)
        rec = base.path.decoder.sentence_nll(base.path.to_signal(posterior.loc), alone).sum()
        rec_c = twin.decoder.sentence_nll(twin.to_signal(twin.posterior(encoded).code), alone).sum()
        g_rec, g_rec_c, g_kl = (torch.autograd.grad(loss, encoded, retain_graph=True)[0]
                                for loss in (rec, rec_c, posterior.kl().sum()))
        expected = {"grad_rec": g_rec, "grad_rec_c": g_rec_c, "grad_rec_sum": g_rec + g_rec_c, "grad_reg": g_kl}
        for name, gradient in expected.items():
            assert float(norms[name][i]) == pytest.approx(gradient.pow(2).sum().item(), rel=1e-4), (name, i)
