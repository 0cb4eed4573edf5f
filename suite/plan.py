"""`reproduce plan`: how many runs a table needs and how long they should take, before anything starts.

Throughput is measured here, on the chosen device: a few training steps of each distinct network on real
batches of the run's batch size, and an importance-sampled evaluation of a few of the test split's evaluation
batches, both chosen at quantiles of padded width to stand for all of them. The estimate extrapolates them to
the budget's iterations (rounded up to the epoch end where the run finishes its epoch), validations and
evaluation sample counts; decoding is counted as 1.5x a teacher-forced pass per text, except beam search (the
Transformer rows), which is timed on a few test contexts, decoding as long as their gold responses. Only models
with runs still to do are measured, rows that share a network and training procedure share one measurement, and
measurements are cached in <results-dir>/plan-throughput.json (per machine, device, thread count and code),
except those taken while other work keeps half the cores busy: the plan says so, since they overstate.

With `--jobs N` each network is measured packed, as the runs will train: N probe processes with the workers'
thread count step it at the same time (on a GPU they contend for the device as N runs do), and the runs are
laid out first come, first served on N workers, as the pool executor takes them, for the wall-clock time.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import json
import multiprocessing
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

import torch
from tabulate import tabulate

from suite import registry
from suite.config import RunConfig, TrainConfig
from suite.data import word2vec
from suite.data.batching import evaluation_batches, training_batches
from suite.evaluation.gradients import ANALYSIS_BATCH, evaluate_gradient_norms
from suite.evaluation.groups import groups_for
from suite.evaluation.likelihood import BATCH_TOKENS, sentence_scores
from suite.executors import start_worker
from suite.harness import implemented_rows, table_corpus
from suite.models import has_latent
from suite.models.build import build_model
from suite.provenance import code_digest
from suite.records import RECORD, atomic_write_json, read_record
from suite.runner import RunSpec, load_run_corpus, require_inputs, run_key
from suite.tables import get_table
from suite.training import cuda_graphs
from suite.training.procedures import procedure_for

STEPS, EVAL_BATCHES, EVAL_SAMPLES, REPLY_CONTEXTS, TRACK_BATCHES = 10, 4, 10, 8, 4
CACHE = "plan-throughput.json"
BUSY_SHARE = 0.5    # other work on this share of the cores would slow the probes
DECODE_COST = 1.5


class Throughput(NamedTuple):
    step: float          # seconds per training step
    per_sample: float    # seconds per (sentence x importance sample) of evaluation
    per_reply: float     # seconds per beam-searched reply (0 for models that do not answer by beam search)
    latent: bool         # scores a sentence by importance sampling (without a latent: exactly, in one pass)
    per_tracked: float   # seconds per sentence of the gradient-norm tracking done at each validation (0: none)


def measure(cfg: RunConfig, corpus, device: str) -> Throughput:
    """The run's network on `device`, timed on probes that stand for the whole run."""
    torch.manual_seed(0)
    model = build_model(cfg.model, len(corpus.vocab)).to(device)
    if not any(True for _ in model.parameters()):      # a corpus-statistics row: no training, no model
        return Throughput(0.0, 0.0, 0.0, False, 0.0)
    train = corpus.splits["train"]
    order, step, trainer_batch = procedure_for(cfg.train).probe(model, corpus, cfg.train)
    indices = probe_batches(train, cfg.train.batch_size, order)

    def cut(index):          # as the trainer cuts it: a long sentence costs its truncated length
        return train.batch(index, cfg.train.max_len).to(device)

    make_batch = trainer_batch or cut
    seconds = []
    for index in indices + indices:        # the first pass grows the allocators to every width; the second is timed
        start = time.perf_counter()
        step(make_batch(index))
        seconds.append(time.perf_counter() - start)
    test = corpus.splits["test"]
    batches = evaluation_batches(test, BATCH_TOKENS)
    latent = has_latent(model)
    # per-sample cost falls with more samples; without a latent one exact pass scores a sentence
    samples = max(2, min(EVAL_SAMPLES, cfg.eval.nll_samples)) if latent else 1
    sentence_scores(model, test.select(batches[len(batches) // 2]), samples, None, "warming up")
    start = time.perf_counter()
    sentence_scores(model, test.select(torch.cat(quantiles(batches, EVAL_BATCHES))), samples, None, "measuring")
    # the probe batches stand for all of the split's: their mean time, times their number, is the split's time
    evaluation = (time.perf_counter() - start) / EVAL_BATCHES * len(batches) / (len(test) * samples)
    reply = measure_replies(model, corpus, device) if hasattr(model, "respond") else 0.0
    tracked = measure_tracking(model, test, cfg.train) if getattr(cfg.train, "track_gradients", False) else 0.0
    return Throughput(statistics.fmean(seconds[STEPS:]), evaluation, reply, latent, tracked)  # steps add up


def measure_tracking(model, test, train: TrainConfig) -> float:
    """Seconds per sentence of the gradient-norm tracking that the VAE, DAE and Coupled-VAE (λm = 10) rows run
    over the test split at every validation, from TRACK_BATCHES of its batches spread over the split."""
    tracked = test.subset(train.track_sentences)
    probe = quantiles(torch.arange(len(tracked)).split(ANALYSIS_BATCH), TRACK_BATCHES)
    evaluate_gradient_norms(model, tracked.select(probe[0]), train.max_len)        # warming up
    start = time.perf_counter()
    evaluate_gradient_norms(model, tracked.select(torch.cat(probe)), train.max_len)
    return (time.perf_counter() - start) / sum(len(batch) for batch in probe)


def probe_batches(train, batch_size: int, order: str = "length-grouped") -> list[torch.Tensor]:
    """STEPS batches that stand for a whole training epoch in `order` (whose first ten length-grouped PTB batches
    are a fifth narrower than its average)."""
    batches = training_batches(train, batch_size, torch.Generator().manual_seed(0), order)
    return quantiles(sorted(batches, key=lambda index: int(train.lengths[index].max())), STEPS)


def quantiles(ranked: list, n: int) -> list:
    """n items at evenly spaced quantiles of `ranked`: the mean of a cost over them estimates its mean over all."""
    return [ranked[int((i + 0.5) * len(ranked) / n)] for i in range(n)]


@torch.no_grad()
def measure_replies(model, corpus, device: str) -> float:
    """Seconds per reply of beam search. An untrained model never ends a reply, so the search runs as long as the
    test split's mean gold response (+ <eos>), the length a trained model answers with."""
    model.eval()
    test = corpus.splits["test"]
    length = round(float(test.responses.lengths.float().mean())) + 1
    contexts = test.subset(REPLY_CONTEXTS)
    start = time.perf_counter()
    model.respond(contexts.batch(torch.arange(len(contexts)), None).to(device), length, True)
    return (time.perf_counter() - start) / len(contexts)


def _packed_probe(barrier, results, cfg: RunConfig, data_dir: Path | None, device: str, threads: int):
    start_worker(threads, False)
    corpus = load_run_corpus(cfg, data_dir)
    barrier.wait()                    # every probe steps at the same time, as packed runs do
    results.put(measure(cfg, corpus, device))


def measure_packed(cfg: RunConfig, data_dir: Path | None, device: str, jobs: int, threads: int) -> Throughput:
    """`measure` in `jobs` processes at once (each with `threads` CPU threads): the mean of their figures."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(jobs), context.Queue()
    probes = [context.Process(target=_packed_probe, args=(barrier, results, cfg, data_dir, device, threads))
              for _ in range(jobs)]
    for probe in probes:
        probe.start()
    figures = [results.get() for _ in probes]
    for probe in probes:
        probe.join()
    mean = {field: statistics.fmean(getattr(f, field) for f in figures)
            for field in ("step", "per_sample", "per_reply", "per_tracked")}
    return Throughput(**mean, latent=figures[0].latent)


def measurement_key(cfg: RunConfig, device: str, jobs: int = 1, threads: int | None = None) -> str:
    """What a throughput measurement depends on: the network, how it is trained, and where and beside how many
    other runs it runs."""
    train = cfg.train
    parts = {"model": asdict(cfg.model),
             "train": type(train).__name__, "batch": train.batch_size,
             "nll_samples": cfg.eval.nll_samples,
             "device": device, "threads": threads or torch.get_num_threads(), "host": platform.node(),
             "code": code_digest(), **({"jobs": jobs} if jobs > 1 else {}),
             **({"cuda_graphs": True} if cuda_graphs.requested() and device.startswith("cuda") else {})}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of every core since boot, in clock ticks (Linux's /proc/stat)."""
    ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]                # idle and iowait
    return sum(ticks) - idle, sum(ticks)


def busy_machine(window: float = 0.5) -> str | None:
    """What other work keeps this machine's cores busy over `window` seconds (this process idles meanwhile), or
    None. Probes timed beside other work overstate a free machine's time: on 2 cores beside one 2-thread
    training run, a full-budget VAE row was planned at 31.8 h against 3.7 h with the run paused."""
    try:
        busy, total = cpu_jiffies()
        time.sleep(window)
        busy_after, total_after = cpu_jiffies()
    except (OSError, ValueError, IndexError):      # no /proc/stat (not Linux): nothing to tell
        return None
    share = (busy_after - busy) / max(1, total_after - total)
    return f"{share:.0%} of its {os.cpu_count()} cores busy with other work" if share >= BUSY_SHARE else None


def cached_measure(cfg: RunConfig, corpus, device: str, cache_path: Path, echo=print, jobs: int = 1,
                   threads: int | None = None, data_dir: Path | None = None,
                   busy: Callable[[], str | None] = lambda: None) -> Throughput:
    """The run's throughput, measured unless cached; a measurement made while `busy()` tells of other work is used
    for this plan only, never cached."""
    try:
        cache = json.loads(cache_path.read_text())
    except (OSError, ValueError):
        cache = {}
    key = f"{corpus.checksum[:12]}:{measurement_key(cfg, device, jobs, threads)}"
    if len(cache.get(key, ())) != len(Throughput._fields):      # absent, or written by an older plan
        other_work = busy()
        echo(f"measuring {cfg.model_id} on {device}" + (f", {jobs} at once" if jobs > 1 else "")
             + (f" (busy machine, {other_work}: not cached)" if other_work else ""))
        cache[key] = list(measure(cfg, corpus, device) if jobs == 1
                          else measure_packed(cfg, data_dir, device, jobs, threads))
        if not other_work:
            try:
                atomic_write_json(cache_path, cache)
            except Exception:      # noqa: BLE001 - a cache that cannot be written only costs a re-measurement
                pass
    return Throughput(*cache[key])


def estimate(cfg: RunConfig, corpus, throughput: Throughput,
             groups: tuple[str, ...] = ("likelihood", "reconstruction", "prior_samples")) -> tuple[float, float, bool]:
    """(training seconds, evaluation seconds, upper bound?) for one run that evaluates the metric `groups`."""
    def passes(samples: int) -> int:        # decoder passes per scored sentence
        return samples if throughput.latent else 1
    per_sample = throughput.per_sample
    procedure = procedure_for(cfg.train)
    steps, bound = procedure.steps(cfg.train, len(corpus.splits["train"]))
    validation = procedure.validation(cfg.train, corpus, steps, throughput.latent)
    train_seconds = (steps * throughput.step + (validation.scored + DECODE_COST * validation.decoded) * per_sample
                     + validation.tracked * throughput.per_tracked)
    test = len(corpus.splits["test"])
    ev = cfg.eval
    nll_sentences = min(test, ev.test_sentences or test)
    texts = {"likelihood": nll_sentences * passes(ev.nll_samples),
             "mi": nll_sentences * ev.mi_samples,
             "reconstruction": DECODE_COST * min(test, ev.bleu_sentences or test) * ev.bleu_samples,
             "prior_samples": DECODE_COST * ev.dist_samples,
             "responses": DECODE_COST * nll_sentences,
             "mean_reconstruction": DECODE_COST * min(test, ev.bleu_sentences or test),
             "prior_statistics": DECODE_COST * ev.dist_samples,
             "generated_responses": DECODE_COST * nll_sentences,
             "bleu_and_glove": DECODE_COST * nll_sentences, "response_bound": nll_sentences}
    texts = sum(texts.get(group, 0.0) for group in groups)      # only what the table's metrics need
    replies = min(nll_sentences, ev.bleu_sentences or nll_sentences) if "replies" in groups else 0
    return train_seconds, texts * per_sample + replies * throughput.per_reply, bound


def uncached_word2vec(cfg: RunConfig, corpus, results_dir: Path) -> Path | None:
    """The cache file of the word2vec vectors the run of `cfg` starts from, when they are still to be trained."""
    settings = getattr(cfg.model, "word2vec", None)
    if settings is None:
        return None
    path = word2vec.cache_path(corpus, settings, cfg.model.emb_dim, results_dir / word2vec.CACHE_DIR)
    return None if path.exists() else path


def wall_time(durations: list[float], jobs: int) -> float:
    """When the last of the runs ends on `jobs` workers that take them first come, first served."""
    free = [0.0] * jobs
    for seconds in durations:
        heapq.heappush(free, heapq.heappop(free) + seconds)
    return max(free)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def plan_table(table_id: str, dataset: str, options, rows: list[str] | None, echo=print) -> str:
    table = get_table(table_id)
    entries = implemented_rows(table, rows, echo)
    table_corpus(table, dataset, options.data_dir)        # a missing or unfit dataset fails here, in one line
    models = list(dict.fromkeys(e.model for e in entries if e.model is not None))
    threads = getattr(options.executor, "threads", None)
    jobs = min(getattr(options.executor, "jobs", 1), len(models) * len(options.seeds))   # no more at once than runs
    runs = {model_id: [RunSpec(model_id, dataset, options.budget, seed, options.results_dir, options.data_dir,
                               options.force, options.device) for seed in options.seeds] for model_id in models}
    require_inputs(spec for specs in runs.values() for spec in specs)     # VMED's word vectors, likewise
    cells, total, durations, shared = [], 0.0, [], {}
    busy = functools.cache(busy_machine)   # sampled at the first measurement, before any probe loads the machine
    for position, (model_id, specs) in enumerate(runs.items(), 1):
        cfg = registry.get_model(model_id).run_config(dataset, options.budget)
        run_corpus = load_run_corpus(cfg, options.data_dir)       # VMED's rows read a window of the corpus
        key = run_key(cfg, run_corpus)
        pending = [s for s in specs if options.force or (read_record(s.directory / RECORD) or {}).get("key") != key]
        if not pending:                       # nothing to run: nothing to measure
            cells.append([model_id, 0, len(specs), "–", "–", _hours(0)])
            continue
        def counted(message: str, position=position):       # a CPU measures a 24-model table for minutes
            echo(f"[{position}/{len(models)}] {message}")
        throughput = cached_measure(cfg, run_corpus, options.device, options.results_dir / CACHE, counted, jobs,
                                    threads, options.data_dir, busy)
        vectors = uncached_word2vec(cfg, run_corpus, options.results_dir)
        if vectors is not None and vectors not in shared:
            counted(f"timing word2vec on {run_corpus.name}")
            shared[vectors] = word2vec.training_seconds(run_corpus, cfg.model.word2vec, cfg.model.emb_dim)
        groups = tuple(groups_for(table.metrics, cfg.model.family))
        train_seconds, eval_seconds, bound = estimate(cfg, run_corpus, throughput, groups)
        run_seconds = train_seconds + eval_seconds
        total += run_seconds * len(pending)
        durations += [run_seconds] * len(pending)
        training = ("≤ " if bound else "") + _hours(train_seconds)
        cells.append([model_id, len(pending), len(specs) - len(pending), training, _hours(eval_seconds),
                      _hours(run_seconds * len(pending))])
    shared_seconds = sum(shared.values())    # trained once, by the first run that needs it, while others wait
    if shared:
        total += shared_seconds
        cells.append(["word2vec vectors (shared)", len(shared), 0, _hours(shared_seconds), "–",
                      _hours(shared_seconds)])
    pending_total = len(durations)
    where = options.device.upper() if options.device != "cpu" else "CPU"
    header = [f"Plan for {table.id} on {dataset}: budget {options.budget.label}, seeds "
              f"{', '.join(map(str, options.seeds))}, device {options.device}",
              f"{pending_total} runs to do ({sum(c[2] for c in cells)} already finished and reused); "
              + (f"estimated {_hours(total)} of {where} time in one worker, about "
                 f"{_hours(total / max(1, pending_total))} per run on a worker like this one" if jobs == 1 else
                 f"{jobs} at a time ({threads} CPU thread(s) each): estimated "
                 f"{_hours(shared_seconds + wall_time(durations, jobs))} "
                 f"wall-clock, {_hours(total / max(1, pending_total))} per run while packed")]
    if busy.cache_info().currsize and (other_work := busy()):    # something was measured, on a busy machine
        header.append(f"this machine was busy as the plan began ({other_work}): throughput measured now (\"not "
                      f"cached\" above) overstates a free machine's time; plan again when it is free")
    body = tabulate(cells, ["model", "runs to do", "finished", "training / run", "evaluation / run", "total"],
                    tablefmt="simple", disable_numparse=True)
    return "\n".join(header) + "\n\n" + body + "\n"
