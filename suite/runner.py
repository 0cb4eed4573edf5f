"""Train one registered model on one dataset at one budget and seed, evaluate the requested metrics,
and keep everything in one result record (results/runs/<dataset>/<model>/<budget>-seed<k>/record.json).

A finished training is reused for later metrics (coupled-1 then coupled-2 train each model once); each
metric group is evaluated once and appended to the record, which is rewritten atomically every time.
"""

from __future__ import annotations

import sys
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import torch

from suite import progress, registry
from suite.budgets import Budget
from suite.config import RunConfig
from suite.data.corpus import Corpus
from suite.data.word2vec import CACHE_DIR, pretrained_embeddings
from suite.data.word_vectors import embedding_matrix, vectors_path
from suite.errors import SuiteError
from suite.evaluation.groups import GROUPS, groups_for
from suite.models.build import build_model
from suite.provenance import code_digest, provenance
from suite.records import (
    CHECKPOINT,
    RECORD,
    SCHEMA,
    WEIGHTS,
    atomic_torch_save,
    atomic_write_json,
    key_changes,
    read_record,
    read_torch,
    run_dir,
    run_lock,
    set_aside,
)
from suite.tables import all_tables
from suite.training.pretraining import initialise_from_autoencoder
from suite.training.procedures import procedure_for
from suite.training.trainer import TrainingDiverged


@dataclass(frozen=True)
class RunSpec:
    model_id: str
    dataset: str
    budget: Budget
    seed: int
    results_dir: Path
    data_dir: Path | None = None
    force: bool = False
    device: str = "cpu"

    @property
    def label(self) -> str:
        return f"{self.model_id} seed {self.seed}"

    @property
    def directory(self) -> Path:
        return run_dir(self.results_dir, self.dataset, self.model_id, self.budget.name, self.seed)


def run_key(cfg: RunConfig, corpus: Corpus) -> dict:
    """What a finished run is reused by: the same config, the same code and the same data (the seed and the
    budget are in its directory name)."""
    return {"config": cfg.digest(), "code": code_digest(), "data": corpus.checksum}


def _new_record(spec: RunSpec, cfg: RunConfig, corpus: Corpus, result, origin: dict) -> dict:
    return {
        "schema": SCHEMA, "model": spec.model_id, "paper": registry.get_model(spec.model_id).paper,
        "dataset": spec.dataset, "stand_in": is_stand_in(spec.model_id, spec.dataset, corpus), "seed": spec.seed,
        "budget": {"name": spec.budget.name, "judged": spec.budget.judged,
                   "description": spec.budget.description},
        "status": "trained", "key": run_key(cfg, corpus), "config": cfg.to_dict(), "config_digest": cfg.digest(),
        "data_checksum": corpus.checksum, "splits": {name: len(split) for name, split in corpus.splits.items()},
        "training": {"iterations": result.iterations, "epochs": result.epochs,
                     "best_iteration": result.best_iteration, "best_valid_nll": result.best_valid_nll,
                     "seconds": round(result.seconds, 1), "cuda_graphs": result.cuda_graphs,
                     "resumed_at": result.resumed_at, "curves": result.curves.to_dict()},
        "metrics": {}, "evaluations": {}, "provenance": origin,
    }


def is_stand_in(model_id: str, dataset: str, corpus: Corpus) -> bool:
    """A corpus that is itself a stand-in (chitchat; files under a paper's dataset name that are not its corpus),
    or a real one that none of the model's paper's tables has a column for (PTB in place of SNLI)."""
    paper = registry.get_model(model_id).paper
    return corpus.stand_in or all(dataset not in t.datasets for t in all_tables().values() if t.paper == paper)


def _reusable(record: dict | None, key: dict) -> bool:
    """A finished run of the same key: trained or diverged, with or without its weights (committed records keep
    none; a run that diverged before validating has none)."""
    return record is not None and record.get("key") == key


def _pending(record: dict, metrics: Iterable[str], family: str) -> list[str]:
    """The metric groups `metrics` need that `record` has not evaluated, or evaluated with stale settings."""
    return [name for name in groups_for(metrics, family)
            if name not in record["evaluations"] or GROUPS[name].stale(record["evaluations"][name]["settings"])]


def load_run_corpus(cfg: RunConfig, data_dir: Path | None) -> Corpus:
    """The dataset as the run of `cfg` reads it (VMED's rows: a context/response window of it)."""
    return procedure_for(cfg.train).corpus(cfg.train, cfg.dataset, data_dir)


def finished(spec: RunSpec) -> bool:
    """Whether `spec` has a finished run that would be reused as is (no training needed)."""
    if spec.force:
        return False
    cfg = registry.get_model(spec.model_id).run_config(spec.dataset, spec.budget)
    key = run_key(cfg, load_run_corpus(cfg, spec.data_dir))
    return _reusable(read_record(spec.directory / RECORD), key)


def require_inputs(specs: Iterable[RunSpec]):
    """Fails in one line, before any work starts, when one of `specs` has to train and a file its row starts from
    is absent from the data directory (VMED's word vectors at the full budget)."""
    for spec in specs:
        name = registry.get_model(spec.model_id).run_config(spec.dataset, spec.budget).model.vectors_file
        if name is not None and not finished(spec):
            vectors_path(name, spec.data_dir)


def _pretrain(spec: RunSpec, cfg: RunConfig, model) -> dict:
    """Train (or reuse) the model named by `init_from` with the same dataset, budget and seed, and start
    `model` from its weights; returns where they came from."""
    source = RunSpec(cfg.train.init_from, spec.dataset, spec.budget, spec.seed, spec.results_dir, spec.data_dir,
                     device=spec.device)
    autoencoder, _, source_cfg = trained_model(source)
    if hasattr(model, "initialise_from"):       # models that know how to start from another (AMI's rows)
        model.initialise_from(autoencoder)
    else:
        initialise_from_autoencoder(model, autoencoder)
    torch.manual_seed(spec.seed)     # training starts alike whether the source was just trained or reused
    return {"model": source.model_id, "config_digest": source_cfg.digest(), "record": str(source.directory / RECORD)}


def run_model(spec: RunSpec, metrics: Iterable[str]) -> dict:
    """Train (or reuse) the model of `spec`, evaluate the metric groups `metrics` need, return the record."""
    return _run(spec, metrics)[0]


def trained_model(spec: RunSpec):
    """The trained model of `spec` (training it first if needed), in eval mode, with its corpus and config."""
    _, model, corpus, cfg = _run(spec, (), need_weights=True)
    if model is None:
        raise SuiteError(f"{spec.model_id} diverged before its first validation: it has no weights to use")
    return model.eval(), corpus, cfg


def _run(spec: RunSpec, metrics: Iterable[str], need_weights: bool = False):
    """Record, trained model (None when it has no weights), corpus and config of `spec`. The run directory is
    locked for the whole call, so concurrent callers never interleave on one run. A finished run whose weights
    are gone serves what its record holds, and fails in one line when more is asked of it."""
    origin = provenance(spec.device)       # taken before any work, so it names the code that did the work
    cfg = registry.get_model(spec.model_id).run_config(spec.dataset, spec.budget)
    corpus = load_run_corpus(cfg, spec.data_dir)
    key = run_key(cfg, corpus)
    with run_lock(spec.directory), progress.running(spec.label):
        record = None if spec.force else read_record(spec.directory / RECORD)
        torch.manual_seed(spec.seed)
        model = build_model(cfg.model, len(corpus.vocab)).to(spec.device)
        weights = spec.directory / WEIGHTS
        weightless = record is not None and _had_weights(record) and not weights.exists()
        if weightless and not _reusable(record, key):     # a committed record of earlier code: no silent retrain
            changed = key_changes(record.get("key"), key)
            raise SuiteError(f"{spec.directory}: a finished run of other {changed} without its weights ({WEIGHTS}; "
                             f"committed records keep none); to train it again for its full time: {_retrain(spec)}")
        if not _reusable(record, key):
            record = _train(spec, cfg, corpus, model, origin, key)
        if not weights.exists():
            pending = _pending(record, metrics, cfg.model.family)
            if weightless and (pending or need_weights):
                asked = f"its {', '.join(pending)} evaluation" if pending else "its trained model"
                raise SuiteError(f"{spec.directory}: a finished run without its weights ({WEIGHTS}; committed "
                                 f"records keep none) cannot give {asked}; to train it again: {_retrain(spec)}")
            return record, None, corpus, cfg       # all it was asked is in its record, or it diverged unvalidated
        model.load_state_dict(read_torch(weights, "weights", "rerun with --force to train the run again",
                                         weights_only=True, map_location=spec.device))
        _evaluate(spec, cfg, corpus, model, record, metrics, origin)
    return record, model, corpus, cfg


def _had_weights(record: dict) -> bool:
    """Whether the run kept weights (a run that diverged before validating has none)."""
    return record["status"] == "trained" or record["training"]["best_iteration"] is not None


def _retrain(spec: RunSpec) -> str:
    """The command that trains this very run again (a row's pretraining source included)."""
    data = f" --data-dir {spec.data_dir}" if spec.data_dir is not None else ""
    return (f"reproduce run {spec.model_id} --dataset {spec.dataset} --budget {spec.budget.name} --seed {spec.seed} "
            f"--results-dir {spec.results_dir}{data} --force")


def _train(spec: RunSpec, cfg: RunConfig, corpus: Corpus, model, origin: dict, key: dict) -> dict:
    directory = spec.directory
    kept = set_aside(directory / RECORD)            # the run this one replaces (forced, or of another key)
    if kept is not None:
        print(f"{spec.label}: the record of the run this one replaces is kept as {kept}", file=sys.stderr, flush=True)
    (directory / WEIGHTS).unlink(missing_ok=True)   # the checkpoint survives unless forced: a killed run resumes
    if spec.force:
        (directory / CHECKPOINT).unlink(missing_ok=True)
    initialised_from = None
    embeddings = _word2vec(spec, cfg, corpus, model) or _word_vectors(spec, cfg, corpus, model)
    try:
        if getattr(cfg.train, "init_from", None):
            initialised_from = _pretrain(spec, cfg, model)
        trainer = procedure_for(cfg.train).trainer(cfg.train)
        result = trainer(model, corpus, cfg.train, spec.seed, directory / CHECKPOINT, key, label=spec.label).run()
        divergence = None
    except TrainingDiverged as diverged:
        result = diverged.partial
        divergence = {"iteration": diverged.iteration, "terms": diverged.terms}
    record = _new_record(spec, cfg, corpus, result, origin)
    record["status"] = "trained" if divergence is None else "diverged"
    record["training"]["initialised_from"] = initialised_from
    record["training"]["pretrained_embeddings"] = embeddings
    record["training"]["diverged"] = divergence
    if result.best_state is not None:          # the last good weights (a diverged run's best validated ones)
        atomic_torch_save(result.best_state, directory / WEIGHTS)
    atomic_write_json(directory / RECORD, record)
    (directory / CHECKPOINT).unlink(missing_ok=True)
    return record


def _word2vec(spec: RunSpec, cfg: RunConfig, corpus: Corpus, model) -> str | None:
    """Fill the frozen embedding of a row that starts from word2vec with vectors pretrained on its corpus (cached
    under the results directory); the cache file's path in the results directory, or None for every other row."""
    settings = getattr(cfg.model, "word2vec", None)
    if settings is None:
        return None
    vectors, path = pretrained_embeddings(corpus, settings, cfg.model.emb_dim, spec.results_dir / CACHE_DIR)
    model.embedding.weight.data.copy_(vectors)
    return str(path.relative_to(spec.results_dir))


def _word_vectors(spec: RunSpec, cfg: RunConfig, corpus: Corpus, model) -> str | None:
    """Start the embedding of a row whose paper starts it from pretrained vectors (VMED: Google's word2vec) from
    the file in the data directory; what was read, or None for every other row."""
    name = cfg.model.vectors_file
    if name is None:
        return None
    path = vectors_path(name, spec.data_dir)
    print(f"{spec.label}: reading the word vectors of its {len(corpus.vocab):,} words from {path}",
          file=sys.stderr, flush=True)
    matrix, found = embedding_matrix(corpus.vocab.words, path, cfg.model.emb_dim,
                                     torch.Generator().manual_seed(spec.seed))
    model.embedding.weight.data.copy_(matrix)
    return f"{name}: {found:,} of the {len(corpus.vocab):,} words found, reduced to {cfg.model.emb_dim} dimensions"


def _evaluate(spec: RunSpec, cfg: RunConfig, corpus: Corpus, model, record: dict, metrics: Iterable[str],
              origin: dict):
    for name in _pending(record, metrics, cfg.model.family):
        group = GROUPS[name]
        if not group.applies(model):
            values, settings = {m: None for m in group.metrics}, {"not_applicable": type(model).__name__}
            seconds = 0.0
        else:
            torch.manual_seed(spec.seed * 1000 + zlib.crc32(name.encode()) % 1000)
            start = time.perf_counter()
            values, settings = group.evaluate(model, corpus, cfg)
            seconds = time.perf_counter() - start
        examples = values.pop("examples", None)
        record["evaluations"][name] = {"settings": settings, "seconds": round(seconds, 1), "examples": examples,
                                       "provenance": origin}      # a reused run may be evaluated elsewhere
        record["metrics"].update(values)
        atomic_write_json(spec.directory / RECORD, record)

