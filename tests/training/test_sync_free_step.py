"""The GPU-ready training step (packing and target positions planned on the host, no boolean indexing) computes
exactly the loss and gradients of the plain step that asks the data for them (`pack_padded_sequence` from the
lengths, `states[mask]`), on the CPU; on a GPU it never makes the host wait."""

from dataclasses import replace

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from suite import registry
from suite.data.batching import Packing, training_batches
from suite.data.dialogue import PairBatch
from suite.models import cnn_decoder, decoder, lstm_vae
from suite.models.build import build_model
from suite.training.optim import PaperAdam

MODELS = [("vae", "ptb"), ("coupled-vae", "ptb"), ("cnn-vae", "ptb"), ("vae-nf", "ptb"), ("vmf-vae", "ptb"),
          ("lagging-vae", "ptb"), ("coupled-cvae-lm0.1", "chitchat")]


def plain_pack(self, inputs, extra=0):
    return pack_padded_sequence(inputs, (self.lengths + extra).to(inputs.device), batch_first=True,
                                enforce_sorted=False)


def plain_real_targets(states, batch):
    return states[batch.mask], batch.targets[batch.mask]


@pytest.fixture
def plain_step(monkeypatch):
    """Switch the model code to the plain (synchronising) way of packing and selecting targets."""
    def switch():
        monkeypatch.setattr(Packing, "pack", plain_pack)
        for module in (decoder, cnn_decoder, lstm_vae):
            monkeypatch.setattr(module, "real_targets", plain_real_targets)
    return switch


def batch_for(ptb, dialogue: bool, device="cpu"):
    train = ptb.splits["train"]
    first, second = training_batches(train, 32, torch.Generator().manual_seed(0), "shuffled")[:2]
    if dialogue:      # PTB sentences paired up: the step's mechanics do not care what the text says
        return PairBatch(train.batch(first), train.batch(second)).to(device)
    return train.batch(first).to(device)


@pytest.mark.parametrize("model_id,dataset", MODELS)
def test_gpu_ready_step_equals_the_plain_step(ptb, plain_step, loss_and_gradients, model_id, dataset):
    cfg = registry.get_model(model_id).config(dataset)
    torch.manual_seed(0)
    model = build_model(cfg.model, len(ptb.vocab))
    batch = batch_for(ptb, dataset == "chitchat")
    ready_terms, ready_grads = loss_and_gradients(model, batch)
    plain_step()
    plain_terms, plain_grads = loss_and_gradients(model, batch)
    assert ready_terms.keys() == plain_terms.keys() and ready_grads.keys() == plain_grads.keys()
    for name in ready_terms:
        assert torch.equal(ready_terms[name], plain_terms[name]), name
    for name in ready_grads:
        assert torch.equal(ready_grads[name], plain_grads[name]), name


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda
@pytest.mark.parametrize("model_id", ["vae", "coupled-vae"])
def test_training_step_on_cuda_never_synchronises_and_matches_the_cpu(ptb, model_id, monkeypatch):
    """The two devices' random streams differ, so the comparison takes them out: no dropout, and the posterior's
    noise all zeros (z = its mean); TF32 off, so that cuDNN's recurrences compute in full float32."""
    cfg = registry.get_model(model_id).config("ptb")
    monkeypatch.setattr(torch, "randn", lambda *size, **kw: torch.zeros(*size, **kw))
    results = {}
    for device in ("cpu", "cuda"):
        torch.manual_seed(0)
        model = build_model(replace(cfg.model, dropout=0.0), len(ptb.vocab)).to(device)
        optimizer = PaperAdam(model, cfg.train)
        batch = batch_for(ptb, False, device)
        model.train()
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error" if device == "cuda" else "default")
        try:
            with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
                terms = model.training_terms(batch, 0.5)
                optimizer.zero_grad()
                terms["loss"].backward()
                norm = optimizer.step()
        finally:
            torch.cuda.set_sync_debug_mode("default")
        results[device] = (float(terms["loss"].detach()), float(norm))
    assert results["cuda"] == pytest.approx(results["cpu"], rel=1e-4)
