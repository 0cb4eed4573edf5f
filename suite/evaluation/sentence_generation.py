"""Stochastic WAE Table 1 (wae-1): reconstruction BLEU from the posterior mean, and PPL, UniKL, Entropy and
AvgLen of sentences decoded from z ~ N(0, I); the Corpus row's statistics from the data itself."""

from __future__ import annotations

from collections import Counter

import torch

from suite.config import EvalConfig
from suite.data.corpus import Corpus, SentenceSet
from suite.data.vocab import Vocab
from suite.evaluation.fluency import fluency_lm, lm_corpus
from suite.metrics.diversity import counts_entropy, unigram_entropy
from suite.metrics.nltk_bleu import nltk_corpus_bleu
from suite.metrics.unigram_kl import average_length, unigram_kl
from suite.models import device_of
from suite.progress import bar

BATCH = 128                  # sentences per decoding batch, as the released code's batch size
SIGMA_BINS = 200             # Figure 2: 200 buckets in (0, 1)
COLLAPSED = 0.01             # a posterior σ below this counts as collapsed (Figure 2's spike at 0)


def released_scored(n: int) -> int:
    """How many of n test items the released `predict` scores: it loops over len(x) // batch_size batches, so a
    last partial batch goes unscored (127 of DailyDialog's 4,095 test pairs); all n when fewer than one batch."""
    return n // BATCH * BATCH or n


def texts(sentences: SentenceSet, vocab: Vocab, max_len: int | None = None) -> list[list[str]]:
    return [vocab.decode(sentences.sentence(i).tolist()[:max_len]) for i in range(len(sentences))]


@torch.no_grad()
def evaluate_mean_reconstruction(model, sentences: SentenceSet, vocab: Vocab, cfg: EvalConfig, max_len: int) -> dict:
    """BLEU (NLTK corpus BLEU-4, no smoothing) of greedy decodes of each test sentence's posterior mean (in whole
    batches, as released), and the posterior σ of a Gaussian encoder over the same sentences (mean, collapsed
    fraction, Figure 2's histogram)."""
    model.eval()
    sentences = sentences.subset(cfg.bleu_sentences)
    sentences = sentences.subset(released_scored(len(sentences)))
    hypotheses, references, sigmas = [], [], []
    for index in bar(torch.arange(len(sentences)).split(BATCH), desc="reconstruction"):
        batch = sentences.batch(index, max_len).to(device_of(model))
        posterior = model.posterior(batch)
        hypotheses += [vocab.decode(ids) for ids in model.greedy(posterior.code, cfg.decode_max_len, cfg.mask_unk)]
        references += [vocab.decode(sentences.sentence(int(i)).tolist()[:max_len]) for i in index]
        if hasattr(posterior, "scale"):
            sigmas.append(posterior.scale.flatten().cpu())
    values = {"bleu": nltk_corpus_bleu(hypotheses, references, 4), "sigma_mean": None, "sigma_collapsed": None}
    examples = {"reconstructions": [{"input": " ".join(r), "reconstruction": " ".join(h)}
                                    for r, h in zip(references[:5], hypotheses[:5], strict=True)]}
    if sigmas:
        sigma = torch.cat(sigmas).double()
        values.update(sigma_mean=float(sigma.mean()), sigma_collapsed=float((sigma < COLLAPSED).double().mean()))
        examples["sigma_histogram"] = {"range": [0.0, 1.0], "bins": SIGMA_BINS,
                                       "counts": torch.histc(sigma, SIGMA_BINS, 0.0, 1.0).long().tolist(),
                                       "above_range": int((sigma > 1.0).sum())}
    return {**values, "examples": examples}


@torch.no_grad()
def prior_samples(model, vocab: Vocab, n: int, max_len: int, mask_unk: bool) -> list[list[str]]:
    model.eval()
    out = []
    for start in bar(range(0, n, BATCH), desc="prior samples"):
        z = model.prior.sample(min(BATCH, n - start)).to(device_of(model))
        out += [vocab.decode(ids) for ids in model.greedy(z, max_len, mask_unk)]
    return out


def corpus_unigrams(corpus: Corpus, max_len: int) -> tuple[Counter, int]:
    """Unigram counts and sentence count of the text the samples are held to: the corpus's own where it keeps them
    (SNLI: every sentence, whole NLTK tokens, as the released evaluate_latent_space.py reads
    snli_sentences_all.txt), else the training sentences as the models see them (at most `max_len` words)."""
    if corpus.reference_unigrams is not None:
        return corpus.reference_unigrams, corpus.reference_sentences
    train = texts(corpus.splits["train"], corpus.vocab, max_len)
    return Counter(w for text in train for w in text), len(train)


def evaluate_prior_statistics(model, corpus: Corpus, cfg: EvalConfig, max_len: int) -> dict:
    """PPL under the fluency LM, UniKL against the corpus's unigrams (`corpus_unigrams`; tokens it lacks are
    skipped, as released), Entropy and AvgLen of `dist_samples` greedy decodes of z ~ N(0, I)."""
    samples = prior_samples(model, corpus.vocab, cfg.dist_samples, cfg.decode_max_len, cfg.mask_unk)
    lm, _ = fluency_lm(lm_corpus())
    reference, _ = corpus_unigrams(corpus, max_len)
    return {"ppl": lm.perplexity(samples), "unikl": unigram_kl(samples, reference),
            "entropy": unigram_entropy(samples), "avglen": average_length(samples),
            "empty_samples": sum(not s for s in samples), "examples": [" ".join(s) for s in samples[:10]]}


def corpus_text(corpus: Corpus, max_len: int) -> str:
    """What `corpus_unigrams` reads, in words, for the record."""
    if corpus.reference_unigrams is not None:
        return "every sentence of the corpus, whole"
    return f"training sentences, at most {max_len} words"


def evaluate_sentence_corpus(corpus: Corpus, max_len: int) -> dict:
    """The Corpus row: Entropy and AvgLen of the text the samples are held to (`corpus_unigrams`)."""
    unigrams, sentences = corpus_unigrams(corpus, max_len)
    return {"entropy": counts_entropy(unigrams), "avglen": sum(unigrams.values()) / sentences if sentences else 0.0}
