"""The training step as CUDA graphs (suite/training/cuda_graphs.py): on the CPU, that the static-shape batch it
replays gives the loss and gradients of the packed batch; with a CUDA device, that the replayed graphs compute
what the eager step computes, learning-rate changes included, and that a run records its captured steps."""

from dataclasses import replace

import pytest
import torch

from suite import registry
from suite.data.batching import Packing, StaticPacking, training_batches
from suite.models.build import build_model
from suite.training import cuda_graphs
from suite.training.cuda_graphs import CapturedSteps, static_width, why_not_capturable
from suite.training.optim import PaperAdam
from suite.training.trainer import Trainer

CAPTURED_ROWS = ["gru-lm", "vae", "coupled-vae", "dae", "vae-nf", "prefb-vae"]


@pytest.fixture
def no_noise(monkeypatch):
    """The two batch layouts draw dropout masks of different shapes, so the comparisons take the noise out:
    no dropout (in the config), and the posterior's noise all zeros."""
    monkeypatch.setattr(torch, "randn", lambda *size, **kw: torch.zeros(*size, **kw))


def model_for(model_id: str, vocab_size: int, device="cpu", dtype=torch.float64):
    cfg = registry.get_model(model_id).config("ptb")
    torch.manual_seed(0)
    return build_model(replace(cfg.model, dropout=0.0), vocab_size).to(device, dtype), cfg


def ptb_batches(ptb, count: int) -> list:
    train = ptb.splits["train"]
    return [train.batch(index) for index in training_batches(train, 32, torch.Generator().manual_seed(0))[:count]]


@pytest.mark.parametrize("model_id", CAPTURED_ROWS)
def test_static_batch_gives_the_loss_and_gradients_of_the_packed_one(ptb, no_noise, loss_and_gradients, model_id):
    model, _ = model_for(model_id, len(ptb.vocab))
    batch = ptb_batches(ptb, 1)[0]
    width = batch.words.size(1)
    assert static_width(width) > width           # the padding the static layout adds is really there
    packed_terms, packed_grads = loss_and_gradients(model, batch)
    static_terms, static_grads = loss_and_gradients(model, batch.static_shape(static_width(width)))
    assert static_terms.keys() == packed_terms.keys() and static_grads.keys() == packed_grads.keys()
    for name, value in packed_terms.items():
        torch.testing.assert_close(static_terms[name], value, rtol=1e-10, atol=1e-10, msg=name)
    for name, value in packed_grads.items():
        torch.testing.assert_close(static_grads[name], value, rtol=1e-9, atol=1e-12, msg=name)


def test_static_packing_ends_each_direction_where_packing_does():
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 4, batch_first=True, bidirectional=True).double()
    lengths = torch.tensor([5, 1, 3, 5, 2])
    inputs = torch.randn(5, 8, 3, dtype=torch.float64)       # 3 columns wider than the longest sentence
    expected = Packing.of(lengths).bidirectional_final(gru, inputs[:, :5])
    torch.testing.assert_close(StaticPacking.of(lengths, 8).bidirectional_final(gru, inputs), expected)


def test_only_padding_invariant_models_are_captured(ptb):
    for model_id in CAPTURED_ROWS:
        assert why_not_capturable(model_for(model_id, 50)[0]) is None, model_id
    assert "DilatedCNNDecoder" in why_not_capturable(model_for("cnn-vae", 50)[0])
    assert why_not_capturable(model_for("wae", 50)[0]) == "its regulariser draws prior samples on the host"


def test_the_variable_asks_for_graphs_that_only_a_gpu_gets(ptb, monkeypatch):
    monkeypatch.setenv(cuda_graphs.ENV, "1")
    model, cfg = model_for("vae", len(ptb.vocab), dtype=torch.float32)
    trainer = Trainer(model, ptb, cfg.train, seed=0)
    assert cuda_graphs.requested() and not trainer.cuda_graphs and trainer.captured is None


def test_a_checkpoint_resumes_in_either_kind_of_run(ptb):
    """PyTorch restores an optimiser's settings from its saved state: a run resumed with CUDA graphs from an eager
    run's checkpoint would then refuse capture, and the other way round step as if captured."""
    model, cfg = model_for("vae", len(ptb.vocab), dtype=torch.float32)
    for saved_by, resumed_by in ((False, True), (True, False)):
        saved = PaperAdam(model, cfg.train, capturable=saved_by).state_dict()
        resumed = PaperAdam(model, cfg.train, capturable=resumed_by)
        resumed.load_state_dict(saved)
        resumed.set_lr(cfg.train.lr / 2)
        for optimizer in resumed.optimizers:
            for group in optimizer.param_groups:
                assert group["capturable"] is resumed_by
                assert isinstance(group["lr"], torch.Tensor) is resumed_by
                assert float(group["lr"]) == pytest.approx(cfg.train.lr / 2, rel=1e-7)


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda
@pytest.mark.parametrize("model_id", ["vae", "coupled-vae", "vae-nf"])
def test_replayed_graphs_compute_the_eager_steps(ptb, no_noise, model_id):
    """Six steps over batches of two padded widths (so two graphs, each replayed again), the learning rate halved
    before the last two: losses, gradient norms, weights and BatchNorm's running statistics (VAE-NF; each
    capture's warm-up pass must not move them) as the same steps run eagerly, within float32."""
    batches = [b.static_shape(static_width(b.words.size(1))) for b in ptb_batches(ptb, 6)]
    assert len({b.words.shape for b in batches}) >= 2
    results = {}
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        for captured in (False, True):
            model, cfg = model_for(model_id, len(ptb.vocab), "cuda", torch.float32)
            trainer = Trainer(model, ptb, cfg.train, seed=0)
            trainer.optimizer = PaperAdam(model, cfg.train, capturable=captured)
            steps = (CapturedSteps(trainer.forward_backward, trainer.optimizer.step, "cuda", list(model.buffers()))
                     if captured else None)
            values = []
            for i, batch in enumerate(b.to("cuda") for b in batches):
                if i == 4:
                    trainer.optimizer.set_lr(cfg.train.lr / 2)
                model.train()
                if steps is None or i == 0:         # the optimiser's state is made by an eager step
                    step = trainer.forward_backward(batch, 0.5)
                    step["grad_norm"] = trainer.optimizer.step()
                else:
                    step = steps(batch, 0.5)
                values.append({name: float(value) for name, value in step.items()})
            results[captured] = (values, {n: p.detach().cpu().double() for n, p in
                                          [*model.named_parameters(), *model.named_buffers()]})
            if captured:
                assert len(steps.graphs) == len({b.words.shape for b in batches[1:]})
    (eager_values, eager_weights), (graph_values, graph_weights) = results[False], results[True]
    for eager, graph in zip(eager_values, graph_values, strict=True):
        assert graph == pytest.approx(eager, rel=1e-4)
    for name, weight in eager_weights.items():
        torch.testing.assert_close(graph_weights[name], weight, rtol=1e-4, atol=1e-5, msg=name)


@cuda
def test_a_run_with_the_variable_trains_from_graphs_and_records_it(ptb, monkeypatch, tmp_path):
    from suite.budgets import BUDGETS
    from suite.runner import RunSpec, run_model
    monkeypatch.setenv(cuda_graphs.ENV, "1")
    record = run_model(RunSpec("vae", "ptb", BUDGETS["smoke"], 0, tmp_path, device="cuda"), ["nll"])
    assert record["training"]["cuda_graphs"] is True
    assert all(torch.isfinite(torch.tensor(v)) for v in record["training"]["curves"]["loss"])
