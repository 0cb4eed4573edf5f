"""Stochastic WAE Table 2 (wae-2): one response per test context, decoded greedily from a code of the context
(z ~ q(z | context) for a Gaussian encoder, its code for a deterministic one, as the released `predict`), scored by
BLEU-2/4 against the reference, unigram Entropy and Dist-1/2 (the test pairs in whole batches of 128, as the
released `predict` decodes them); the Test Set row's statistics of the references.

Entropy and Dist pool every test response: `dist1`/`dist2` are the released formula (utils.py
calculate_ngram_diversity: distinct n-grams of the responses' token stream over its token count,
`distinct_per_token`) applied to all of them at once; `dist2_within` is Li et al.'s (distinct within-response
bigrams over all bigrams), for comparison with other tables. The released get_diversity_metrics instead applies
these formulas to each input's 10 sampled responses and averages over inputs; that cannot give the published
numbers (DED's Entropy 5.55 exceeds ln 200 = 5.30, the most 10 responses of at most 20 words can reach), so the
paper's table was not made that way and the pooled statistics are the ones compared.
"""

from __future__ import annotations

import torch

from suite.config import EvalConfig
from suite.data.corpus import Corpus
from suite.data.dialogue import PairSet
from suite.data.vocab import Vocab
from suite.evaluation.sentence_generation import BATCH, released_scored
from suite.metrics.diversity import distinct_n, distinct_per_token, unigram_entropy
from suite.metrics.nltk_bleu import nltk_corpus_bleu
from suite.models import device_of
from suite.progress import bar

DIST_DEFINITION = "dist1/dist2: distinct n-grams of the responses' token stream / tokens (released code); " \
                  "dist2_within: Li et al. (distinct within-response bigrams / bigrams)"


def diversity(responses: list[list[str]]) -> dict:
    return {"entropy": unigram_entropy(responses), "dist1": distinct_per_token(responses, 1),
            "dist2": distinct_per_token(responses, 2), "dist2_within": distinct_n(responses, 2)}


def reference_responses(pairs: PairSet, vocab: Vocab, max_len: int | None = None) -> list[list[str]]:
    """Each pair's reference response: the whole reply where the corpus keeps it (wae-2, as the released `predict`
    scores against it), else its decoded ids, the first `max_len` of them."""
    if pairs.reference_texts is not None:
        return pairs.reference_texts
    return [vocab.decode(pairs.responses.sentence(i).tolist()[:max_len]) for i in range(len(pairs))]


@torch.no_grad()
def evaluate_generated_responses(model, pairs: PairSet, vocab: Vocab, cfg: EvalConfig, max_len: int) -> dict:
    model.eval()
    pairs = pairs.subset(cfg.test_sentences)
    pairs = pairs.subset(released_scored(len(pairs)))
    responses, references = [], reference_responses(pairs, vocab, max_len)
    for index in bar(torch.arange(len(pairs)).split(BATCH), desc="responses"):
        batch = pairs.batch(index, max_len).to(device_of(model))
        z = model.posterior(batch).rsample().z
        responses += [vocab.decode(ids) for ids in model.greedy(z, cfg.decode_max_len, cfg.mask_unk)]
    examples = [{"context": " ".join(vocab.decode(pairs.posts.sentence(i).tolist())), "gold": " ".join(references[i]),
                 "response": " ".join(responses[i])} for i in range(min(5, len(pairs)))]
    return {"bleu2": nltk_corpus_bleu(responses, references, 2), "bleu4": nltk_corpus_bleu(responses, references, 4),
            **diversity(responses), "empty_responses": sum(not r for r in responses), "examples": examples}


def evaluate_reference_responses(corpus: Corpus, cfg: EvalConfig) -> dict:
    """The Test Set row: the same statistics over the reference responses of the test split, whole where the
    corpus keeps them (as BLEU reads them), else as decoded."""
    return diversity(reference_responses(corpus.splits["test"].subset(cfg.test_sentences), corpus.vocab))
