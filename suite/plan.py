"""`reproduce plan`: how many runs a table needs and how long they should take, before anything starts.

Throughput is measured here, on the chosen device: a few training steps of each distinct model on real
batches, and a short importance-sampled evaluation. The estimate extrapolates them to the budget's iterations,
validations and evaluation sample counts; decoding is counted as 1.5x a teacher-forced pass per text.
"""

from __future__ import annotations

import statistics
import time

import torch
from tabulate import tabulate

from suite import registry
from suite.config import EpochTrainConfig, RunConfig
from suite.data.batching import training_batches
from suite.evaluation.likelihood import sentence_scores
from suite.harness import implemented_rows, table_corpus
from suite.models.build import build_model
from suite.records import RECORD, read_record
from suite.runner import RunSpec, run_key
from suite.tables import get_table
from suite.training.epochs import EpochTrainer
from suite.training.optim import PaperAdam

STEPS, EVAL_SENTENCES, EVAL_SAMPLES = 5, 32, 4
DECODE_COST = 1.5


def measure(cfg: RunConfig, corpus, device: str) -> tuple[float, float]:
    """Seconds per training step and per (sentence x importance sample) of evaluation."""
    torch.manual_seed(0)
    model = build_model(cfg.model, len(corpus.vocab)).to(device)
    train = corpus.splits["train"]
    indices = training_batches(train, 32, torch.Generator().manual_seed(0))[:STEPS + 1]
    if isinstance(cfg.train, EpochTrainConfig):
        trainer = EpochTrainer(model, corpus, cfg.train, seed=0)

        def step(batch):
            trainer.loss(batch)
            trainer.decoder_sgd.step()
    else:
        optimizer = PaperAdam(model, cfg.train)

        def step(batch):
            optimizer.zero_grad()
            model.train()
            model.training_terms(batch, 0.5)["loss"].backward()
            optimizer.step()
    seconds = []
    for index in indices:
        start = time.perf_counter()
        step(train.batch(index, None).to(device))
        seconds.append(time.perf_counter() - start)
    test = corpus.splits["test"].subset(EVAL_SENTENCES)
    start = time.perf_counter()
    sentence_scores(model, test, EVAL_SAMPLES, None, "measuring")
    evaluation = (time.perf_counter() - start) / (len(test) * EVAL_SAMPLES)
    return statistics.median(seconds[1:]), evaluation   # the median resists a stray slow step


def training_steps(cfg: RunConfig, train_size: int) -> tuple[float, bool]:
    """Decoder-and-encoder passes a run trains for, and whether that is an upper bound."""
    train = cfg.train
    if isinstance(train, EpochTrainConfig):
        iterations = train.max_iterations or train.epochs * -(-train_size // train.batch_size)
        passes = 1 + (train.aggressive_steps if train.aggressive else 0)
        return iterations * passes, True      # plateau decay and the inner loop usually stop earlier
    return train.iterations, False


def estimate(cfg: RunConfig, corpus, step: float, per_sample: float) -> tuple[float, float, bool]:
    """(training seconds, evaluation seconds, upper bound?) for one run."""
    steps, bound = training_steps(cfg, len(corpus.splits["train"]))
    train_seconds = steps * step
    train = cfg.train
    if not isinstance(train, EpochTrainConfig) and train.valid_every:
        validations = train.iterations // train.valid_every
        valid = min(len(corpus.splits["valid"]), train.valid_sentences or len(corpus.splits["valid"]))
        train_seconds += validations * valid * train.valid_samples * per_sample
    test = len(corpus.splits["test"])
    ev = cfg.eval
    texts = (min(test, ev.test_sentences or test) * ev.nll_samples
             + DECODE_COST * (min(test, ev.bleu_sentences or test) * ev.bleu_samples + ev.dist_samples))
    return train_seconds, texts * per_sample, bound


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def plan_table(table_id: str, dataset: str, options, rows: list[str] | None, echo=print) -> str:
    table = get_table(table_id)
    entries = implemented_rows(table, rows, echo)
    corpus = table_corpus(table, dataset, options.data_dir)
    models = list(dict.fromkeys(e.model for e in entries if e.model is not None))
    cells, total, pending_total = [], 0.0, 0
    for model_id in models:
        cfg = options.budget.apply(registry.get_model(model_id).config(dataset))
        specs = [RunSpec(model_id, dataset, options.budget, seed, options.results_dir, options.data_dir,
                         options.force, options.device) for seed in options.seeds]
        key = run_key(cfg, corpus)
        pending = [s for s in specs if options.force or (read_record(s.directory / RECORD) or {}).get("key") != key]
        echo(f"measuring {model_id} on {options.device}")
        train_seconds, eval_seconds, bound = estimate(cfg, corpus, *measure(cfg, corpus, options.device))
        run_seconds = train_seconds + eval_seconds
        total += run_seconds * len(pending)
        pending_total += len(pending)
        training = ("≤ " if bound else "") + _hours(train_seconds)
        cells.append([model_id, len(pending), len(specs) - len(pending), training, _hours(eval_seconds),
                      _hours(run_seconds * len(pending))])
    header = [f"Plan for {table.id} on {dataset}: budget {options.budget.label}, seeds "
              f"{', '.join(map(str, options.seeds))}, device {options.device}",
              f"{pending_total} runs to do ({sum(c[2] for c in cells)} already finished and reused); "
              f"estimated {_hours(total)} of {options.device.upper() if options.device != 'cpu' else 'CPU'} time "
              f"in one worker, about {_hours(total / max(1, pending_total))} per run on a worker like this one"]
    body = tabulate(cells, ["model", "runs to do", "finished", "training / run", "evaluation / run", "total"],
                    tablefmt="simple", disable_numparse=True)
    return "\n".join(header) + "\n\n" + body + "\n"
