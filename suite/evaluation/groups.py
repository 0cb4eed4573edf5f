"""Which evaluator measures which metrics, with which settings, for each model family: a metric group runs
one evaluation of the test set and returns its values with the settings a record keeps beside them (how many
sentences and samples, which BLEU), so a reader of the record knows exactly what was measured."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from suite.config import RunConfig
from suite.data.corpus import Corpus
from suite.errors import unknown
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
from suite.models.build_vmed import VMED_FAMILIES
from suite.models.cvae import DIALOGUE_KINDS
from suite.models.transformer_dialogue import TRANSFORMER_KINDS


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
    """A sentence corpus: the text the samples are held to (`corpus_unigrams`: every SNLI sentence whole, or a
    stand-in's training sentences; wae-1's Corpus row); a dialogue corpus: its test responses (wae-2's Test Set
    row)."""
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
# The metric groups each model family (`suite.models.build.BUILDERS`) is evaluated with.
FAMILY_GROUPS: dict[str, tuple[str, ...]] = {family: UNCONDITIONAL for family in ("autoencoder", "lm", "lstm-vae")}
FAMILY_GROUPS.update({kind: CONDITIONAL for kind in DIALOGUE_KINDS})
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
    """Metric groups needed for `metrics`; metrics no evaluator of the family produces are not measured."""
    if family not in FAMILY_GROUPS:
        raise unknown("model family (no metric groups declared in suite/evaluation/groups.py)", family,
                      FAMILY_GROUPS)
    names = FAMILY_GROUPS[family]
    wanted = set(metrics)
    return [name for name in names if wanted & set(GROUPS[name].metrics)]
