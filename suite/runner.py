"""Train one registered model on one dataset at one budget and seed, evaluate the requested metrics,
and keep everything in one result record (results/runs/<dataset>/<model>/<budget>-seed<k>/record.json).

A finished training is reused for later metrics (coupled-1 then coupled-2 train each model once); each
metric group is evaluated once and appended to the record, which is rewritten atomically every time.
"""

from __future__ import annotations

import sys
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import torch

from suite import progress, registry
from suite.budgets import Budget
from suite.config import DialogueTrainConfig, EpochAdamConfig, EpochTrainConfig, RunConfig
from suite.data.corpus import Corpus
from suite.data.datasets import load_corpus
from suite.data.windows import windowed_corpus
from suite.data.word2vec import CACHE_DIR, pretrained_embeddings
from suite.data.word_vectors import embedding_matrix, vectors_path
from suite.errors import SuiteError, unknown
from suite.evaluation.dialogue import evaluate_responses
from suite.evaluation.fluency import fluency_lm, lm_corpus
from suite.evaluation.generation import evaluate_prior_samples, evaluate_reconstruction
from suite.evaluation.gradients import ANALYSIS_BATCH, NAMES, evaluate_gradient_norms
from suite.evaluation.likelihood import evaluate_likelihood, sentence_scores
from suite.evaluation.mutual_info import HE_MI_BATCH, evaluate_mi, evaluate_mi_minibatch
from suite.evaluation.replies import evaluate_replies
from suite.evaluation.response_generation import (
    DIST_DEFINITION,
    evaluate_generated_responses,
    evaluate_reference_responses,
)
from suite.evaluation.sentence_generation import (
    corpus_text,
    evaluate_mean_reconstruction,
    evaluate_prior_statistics,
    evaluate_sentence_corpus,
    released_scored,
)
from suite.evaluation.vmed_responses import evaluate_bleu_and_glove
from suite.models import has_latent
from suite.models.build import build_model
from suite.models.build_vmed import VMED_FAMILIES
from suite.models.cvae import DIALOGUE_KINDS
from suite.models.transformer_dialogue import TRANSFORMER_KINDS
from suite.provenance import code_digest, provenance
from suite.records import (
    CHECKPOINT,
    RECORD,
    SCHEMA,
    WEIGHTS,
    atomic_torch_save,
    atomic_write_json,
    read_record,
    read_torch,
    run_dir,
    run_lock,
    set_aside,
)
from suite.tables import all_tables
from suite.training.epoch_adam import EpochAdamTrainer
from suite.training.epochs import EpochTrainer
from suite.training.game import GameTrainer
from suite.training.pretraining import initialise_from_autoencoder
from suite.training.trainer import Trainer, TrainingDiverged


def _likelihood(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"].subset(cfg.eval.test_sentences)
    samples = cfg.eval.nll_samples if has_latent(model) else None
    return (evaluate_likelihood(model, test, cfg.eval.nll_samples, cfg.train.max_len, cfg.eval.kl_estimator),
            {"sentences": len(test), "samples": samples, "kl": cfg.eval.kl_estimator})


def _mi(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"].subset(cfg.eval.test_sentences)
    if cfg.eval.mi_estimator == "minibatch":
        return (evaluate_mi_minibatch(model, test, cfg.train.max_len),
                {"sentences": len(test),
                 "estimator": f"He et al. minibatch (one sample, j = i kept, batches of {HE_MI_BATCH})"})
    return (evaluate_mi(model, test, cfg.eval.mi_samples, cfg.eval.mi_batch, cfg.train.max_len),
            {"sentences": len(test), "samples": cfg.eval.mi_samples, "others": cfg.eval.mi_batch - 1})


def _reconstruction(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"]
    return (evaluate_reconstruction(model, test, corpus.vocab, cfg.eval, cfg.train.max_len),
            {"sentences": len(test.subset(cfg.eval.bleu_sentences)), "samples": cfg.eval.bleu_samples,
             "decode_max_len": cfg.eval.decode_max_len, "mask_unk": cfg.eval.mask_unk})


def _gradients(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"].subset(cfg.eval.test_sentences)
    return (evaluate_gradient_norms(model, test, cfg.train.max_len),
            {"sentences": len(test), "batch": ANALYSIS_BATCH, "quantity": "mean of squared per-sentence norms",
             "model_mode": "train (dropout on, z sampled), as the released analysis code"})


def _responses(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"].subset(cfg.eval.test_sentences)
    return (evaluate_responses(model, test, corpus.vocab, cfg.eval.decode_max_len, cfg.eval.mask_unk,
                               cfg.train.max_len),
            {"posts": len(test), "responses_per_post": 1, "decode_max_len": cfg.eval.decode_max_len,
             "mask_unk": cfg.eval.mask_unk})


def _replies(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    # beam search is the costly part: reduced budgets answer `bleu_sentences` contexts, as BLEU elsewhere
    test = corpus.splits["test"].subset(cfg.eval.test_sentences).subset(cfg.eval.bleu_sentences)
    shape = cfg.model.transformer
    return (evaluate_replies(model, test, corpus.vocab, cfg.eval.decode_max_len, cfg.eval.mask_unk, cfg.train.max_len),
            {"contexts": len(test), "responses_per_context": 1, "beam": shape.beam, "n_best": shape.n_best,
             "mmi_lambda": shape.mmi_lambda, "decode_max_len": cfg.eval.decode_max_len, "mask_unk": cfg.eval.mask_unk,
             "bleu": "corpus BLEU-4, multi-bleu.perl conventions", "entropy": "Ent-4 (Zhang et al. 2018), nats"})
def _bleu_and_glove(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"].subset(cfg.eval.test_sentences)
    batch_size, past_gold = cfg.train.batch_size, cfg.train.decode_past_gold
    return (evaluate_bleu_and_glove(model, test, corpus.vocab, batch_size, past_gold, cfg.eval.mask_unk,
                                    cfg.train.max_len),
            {"pairs": len(test), "responses_per_context": 1,
             "decoding": f"greedy, latents from the prior, in batches of {batch_size} consecutive pairs, each for "
                         f"its longest gold response + {past_gold} steps, the first from a zero input",
             "bleu": "sentence BLEU, NLTK smoothing 7 as before NLTK 3.5", "a_glove": "GloVe 6B 50-d",
             "mask_unk": cfg.eval.mask_unk,
             "aggregate": f"mean of per-batch means, as released; a short last batch of r pairs scores the first r of "
                          f"the final {batch_size} (already scored), so the last r pairs go unscored"})


def _response_bound(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"].subset(cfg.eval.test_sentences)
    scores, _, _ = sentence_scores(model, test, 1, cfg.train.max_len, "nll bound")
    return ({"nll_bound": float(scores.mean())},
            {"pairs": len(test), "quantity": "per response: the exact NLL without latent, else the negative ELBO "
                                             "with one posterior sample"})


def _prior_samples(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    return (evaluate_prior_samples(model, corpus.vocab, cfg.eval),
            {"samples": cfg.eval.dist_samples, "decode_max_len": cfg.eval.decode_max_len,
             "mask_unk": cfg.eval.mask_unk})


def _mean_reconstruction(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"]
    return (evaluate_mean_reconstruction(model, test, corpus.vocab, cfg.eval, cfg.train.max_len),
            {"sentences": released_scored(len(test.subset(cfg.eval.bleu_sentences))), "code": "posterior mean",
             "bleu": "NLTK corpus_bleu, 4-gram, no smoothing", "decode_max_len": cfg.eval.decode_max_len})


def _prior_statistics(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    _, lm = fluency_lm(lm_corpus())
    return (evaluate_prior_statistics(model, corpus, cfg.eval, cfg.train.max_len),
            {"samples": cfg.eval.dist_samples, "decode_max_len": cfg.eval.decode_max_len, "lm": lm,
             "unikl_reference": f"unigrams of {corpus_text(corpus, cfg.train.max_len)}",
             "note": lm["note"]})


def _generated_responses(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    test = corpus.splits["test"].subset(cfg.eval.test_sentences)
    return (evaluate_generated_responses(model, test, corpus.vocab, cfg.eval, cfg.train.max_len),
            {"contexts": released_scored(len(test)), "responses_per_context": 1, "dist": DIST_DEFINITION,
             "note": DIST_DEFINITION, "bleu": "NLTK corpus_bleu, no smoothing",
             "decode_max_len": cfg.eval.decode_max_len})


def _corpus_statistics(model, corpus: Corpus, cfg: RunConfig) -> tuple[dict, dict]:
    """A sentence corpus: its training sentences (wae-1's Corpus row); a dialogue corpus: its test responses
    (wae-2's Test Set row)."""
    if hasattr(corpus.splits["test"], "responses"):
        values = evaluate_reference_responses(corpus, cfg.eval)
        return values, {"texts": "test responses", "responses": len(corpus.splits["test"].subset(
            cfg.eval.test_sentences)), "dist": DIST_DEFINITION}
    return (evaluate_sentence_corpus(corpus, cfg.train.max_len),
            {"texts": corpus_text(corpus, cfg.train.max_len)})


def _lm_changed(settings: dict) -> bool:
    """Prior-sample statistics are re-evaluated when the fluency LM's corpus is not the recorded one."""
    return settings.get("lm", {}).get("corpus") != lm_corpus()


def _encoder(model) -> bool:
    return model.likelihood in ("importance", "reconstruction")


@dataclass(frozen=True)
class MetricGroup:
    metrics: tuple[str, ...]
    evaluate: Callable
    applies: Callable = lambda model: True
    stale: Callable = lambda settings: False     # a recorded evaluation that must be redone


GROUPS = {
    "likelihood": MetricGroup(("nll", "kl", "ppl", "rec"), _likelihood),
    "mi": MetricGroup(("mi",), _mi, has_latent),
    "reconstruction": MetricGroup(("bleu1", "bleu2"), _reconstruction, has_latent),
    "prior_samples": MetricGroup(("dist1", "dist2"), _prior_samples, has_latent),
    "gradients": MetricGroup(NAMES, _gradients, _encoder),
    "responses": MetricGroup(("dist1", "dist2", "empty_responses"), _responses),
    # Stochastic WAE (wae-1, wae-2)
    "mean_reconstruction": MetricGroup(("bleu", "sigma_mean", "sigma_collapsed"), _mean_reconstruction),
    "prior_statistics": MetricGroup(("ppl", "unikl", "entropy", "avglen", "empty_samples"), _prior_statistics,
                                    stale=_lm_changed),
    "generated_responses": MetricGroup(("bleu2", "bleu4", "entropy", "dist1", "dist2", "dist2_within",
                                        "empty_responses"), _generated_responses),
    "corpus_statistics": MetricGroup(("entropy", "avglen", "dist1", "dist2", "dist2_within"), _corpus_statistics),
    "replies": MetricGroup(("bleu4", "dist1", "dist2", "ent4", "empty_responses"), _replies),
    "bleu_and_glove": MetricGroup(("bleu1", "bleu2", "bleu3", "bleu4", "a_glove"), _bleu_and_glove),
    "response_bound": MetricGroup(("nll_bound",), _response_bound),
}
UNCONDITIONAL = ("likelihood", "mi", "reconstruction", "prior_samples", "gradients")
CONDITIONAL = ("likelihood", "responses")   # dialogue models: Dist is over responses to test posts
# The metric groups each model family is evaluated with; a family not listed is an unconditional text model.
FAMILY_GROUPS: dict[str, tuple[str, ...]] = {kind: CONDITIONAL for kind in DIALOGUE_KINDS}
FAMILY_GROUPS.update({"lstm-ae": ("mean_reconstruction", "prior_statistics"),
                      "lstm-ed": ("generated_responses",), "corpus-statistics": ("corpus_statistics",)})
FAMILY_GROUPS.update({kind: ("likelihood", "replies") for kind in TRANSFORMER_KINDS})   # AMI's rows
# VMED's response metrics, and a likelihood bound the CI gate also watches (the smoke BLEU is too noisy alone)
FAMILY_GROUPS.update({family: ("bleu_and_glove", "response_bound") for family in VMED_FAMILIES})


def known_metrics(metrics: list[str]) -> list[str]:
    """`metrics`, when each is a metric some evaluator produces: a misspelt one fails before any training."""
    known = {metric for group in GROUPS.values() for metric in group.metrics}
    for metric in metrics:
        if metric not in known:
            raise unknown("metric", metric, known)
    return metrics


def groups_for(metrics: Iterable[str], family: str) -> list[str]:
    """Metric groups needed for `metrics`; metrics no evaluator produces are simply not measured."""
    names = FAMILY_GROUPS.get(family, UNCONDITIONAL)
    wanted = set(metrics)
    return [name for name in names if wanted & set(GROUPS[name].metrics)]


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
    """A stand-in corpus (chitchat), or a real one that none of the model's paper's tables has a column for
    (PTB running the Stochastic WAE rows in place of SNLI)."""
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
    """The dataset as the run of `cfg` reads it: VMED's rows see a context/response window of it."""
    if isinstance(cfg.train, DialogueTrainConfig):
        return windowed_corpus(cfg.dataset, data_dir, cfg.train.context_len, cfg.train.response_len)
    return load_corpus(cfg.dataset, data_dir)


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
        if not _reusable(record, key):
            record = _train(spec, cfg, corpus, model, origin, key)
        weights = spec.directory / WEIGHTS
        if not weights.exists():
            pending = _pending(record, metrics, cfg.model.family)
            if record["status"] == "trained" and (pending or need_weights):
                asked = f"its {', '.join(pending)} evaluation" if pending else "its trained model"
                raise SuiteError(f"{spec.directory}: a finished run without its weights ({WEIGHTS}; committed "
                                 f"records keep none) cannot give {asked}: rerun with --force to train it again")
            return record, None, corpus, cfg       # all it was asked is in its record, or it diverged unvalidated
        model.load_state_dict(read_torch(weights, "weights", "rerun with --force to train the run again",
                                         weights_only=True, map_location=spec.device))
        _evaluate(spec, cfg, corpus, model, record, metrics, origin)
    return record, model, corpus, cfg


def _train(spec: RunSpec, cfg: RunConfig, corpus: Corpus, model, origin: dict, key: dict) -> dict:
    directory = spec.directory
    set_aside(directory / RECORD)                  # a forced or outdated run starts again from scratch
    (directory / WEIGHTS).unlink(missing_ok=True)
    if spec.force:
        (directory / CHECKPOINT).unlink(missing_ok=True)
    initialised_from = None
    embeddings = _word2vec(spec, cfg, corpus, model) or _word_vectors(spec, cfg, corpus, model)
    try:
        if isinstance(cfg.train, EpochAdamConfig):
            result = EpochAdamTrainer(model, corpus, cfg.train, spec.seed, directory / CHECKPOINT, key,
                                      label=spec.label).run()
        elif isinstance(cfg.train, EpochTrainConfig):
            result = EpochTrainer(model, corpus, cfg.train, spec.seed, directory / CHECKPOINT, key,
                                  label=spec.label).run()
        else:
            if cfg.train.init_from:
                initialised_from = _pretrain(spec, cfg, model)
            trainer = GameTrainer if cfg.train.game else Trainer
            result = trainer(model, corpus, cfg.train, spec.seed, directory / CHECKPOINT, key,
                             label=spec.label).run()
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

