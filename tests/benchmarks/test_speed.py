"""Speed at the paper's PTB dimensions (run with `pytest tests/benchmarks --benchmark-only`).

Reference points, the authors' released code on a 2-core CPU (../shared/METRICS.md): VAE 338 ms and Coupled-VAE
643 ms per batch of 32, about 2,030 and 1,050 real tokens/s (half of each batch is padding); importance-
sampled NLL with N = 100 about 2.1 s per test sentence. Targets: at least 2x their training tokens/s and
10x their evaluation speed. Real tokens = words + end-of-sentence, padding excluded.
"""

import pytest
import torch

from suite import registry
from suite.cpu import keep_large_allocations
from suite.data.batching import training_batches
from suite.evaluation.likelihood import sentence_scores
from suite.models.build import build_model
from suite.training import cuda_graphs
from suite.training.optim import PaperAdam
from suite.training.trainer import Trainer

AUTHORS_TOKENS_PER_SECOND = {"vae": 2030, "coupled-vae": 1050}
AUTHORS_SECONDS_PER_SENTENCE = 2.1
TRAIN_STEPS, EVAL_SENTENCES = 20, 200


@pytest.fixture(scope="module", autouse=True)
def allocator():
    keep_large_allocations()


@pytest.mark.parametrize("model_id", ["vae", "coupled-vae"])
def test_training_throughput(benchmark, ptb, model_id):
    cfg = registry.get_model(model_id).config("ptb")
    torch.manual_seed(0)
    model = build_model(cfg.model, len(ptb.vocab)).train()
    optimizer = PaperAdam(model, cfg.train)
    train = ptb.splits["train"]
    indices = training_batches(train, 32, torch.Generator().manual_seed(0), cfg.train.batches)[:TRAIN_STEPS]
    batches = [train.batch(i) for i in indices]
    tokens = sum(b.n_predictions for b in batches)

    def steps():
        for batch in batches:
            optimizer.zero_grad()
            model.training_terms(batch, 0.5)["loss"].backward()
            optimizer.step()

    benchmark.pedantic(steps, rounds=3, warmup_rounds=1)
    tokens_per_second = tokens / benchmark.stats.stats.mean
    benchmark.extra_info.update(real_tokens_per_second=round(tokens_per_second),
                                ms_per_batch=round(1000 * benchmark.stats.stats.mean / TRAIN_STEPS, 1),
                                speedup_vs_authors=round(tokens_per_second / AUTHORS_TOKENS_PER_SECOND[model_id], 2))


def test_importance_weighted_nll_n100(benchmark, ptb):
    cfg = registry.get_model("vae").config("ptb")
    torch.manual_seed(0)
    model = build_model(cfg.model, len(ptb.vocab))
    test = ptb.splits["test"].subset(EVAL_SENTENCES)
    benchmark.pedantic(lambda: sentence_scores(model, test, 100, cfg.train.max_len), rounds=2, warmup_rounds=0)
    per_sentence = benchmark.stats.stats.mean / EVAL_SENTENCES
    benchmark.extra_info.update(seconds_per_sentence=round(per_sentence, 4),
                                projected_test_set_minutes=round(per_sentence * len(ptb.splits["test"]) / 60, 1),
                                speedup_vs_authors=round(AUTHORS_SECONDS_PER_SENTENCE / per_sentence, 1))


cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
CUDA_STEPS = 200


@pytest.fixture(params=[False, True], ids=["eager", "cuda-graphs"])
def graphs(request, monkeypatch) -> bool:
    """Each CUDA benchmark twice: eager steps, and steps replayed from CUDA graphs (REPRODUCE_CUDA_GRAPHS)."""
    monkeypatch.setenv(cuda_graphs.ENV, "1" if request.param else "0")
    return request.param


@cuda
@pytest.mark.parametrize("model_id", ["vae", "coupled-vae"])
def test_cuda_training_steps_per_second(benchmark, ptb, model_id, graphs):
    """One row alone on the GPU: the trainer's step (its batch made on the host and copied over, no host
    synchronisation), timed over CUDA_STEPS."""
    cfg = registry.get_model(model_id).config("ptb")
    torch.manual_seed(0)
    trainer = Trainer(build_model(cfg.model, len(ptb.vocab)).cuda(), ptb, cfg.train, seed=0)
    assert trainer.cuda_graphs == graphs
    indices = training_batches(ptb.splits["train"], 32, torch.Generator().manual_seed(0),
                               cfg.train.batches)[:CUDA_STEPS]

    def steps():
        for index in indices:
            trainer.train_step(trainer.training_batch(index))
        torch.cuda.synchronize()

    benchmark.pedantic(steps, rounds=3, warmup_rounds=1)
    benchmark.extra_info.update(steps_per_second=round(CUDA_STEPS / benchmark.stats.stats.mean, 1),
                                full_row_minutes=round(60500 / (CUDA_STEPS / benchmark.stats.stats.mean) / 60, 1))


@cuda
@pytest.mark.parametrize("jobs", [4, 8])
@pytest.mark.parametrize("model_id", ["vae", "coupled-vae"])
def test_cuda_packed_rows_steps_per_second(benchmark, model_id, jobs, graphs):
    """`jobs` runs packed on the one GPU as `--jobs` packs them: steps/s of each and of all together."""
    from suite.plan import measure_packed

    cfg = registry.get_model(model_id).config("ptb")
    step_seconds = benchmark.pedantic(lambda: measure_packed(cfg, None, "cuda", jobs, threads=1).step, rounds=1)
    benchmark.extra_info.update(steps_per_second_each=round(1 / step_seconds, 1),
                                steps_per_second_all=round(jobs / step_seconds, 1))
