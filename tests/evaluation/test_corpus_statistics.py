"""The Corpus row and UniKL's reference: the corpus's own whole sentences where the loader keeps them (SNLI, as the
released evaluate_latent_space.py reads snli_sentences_all.txt), else the training split as the models see it;
checked against scipy's entropy."""

from collections import Counter
from dataclasses import replace

import pytest
from scipy.stats import entropy

from suite.evaluation.sentence_generation import corpus_unigrams, evaluate_sentence_corpus


def test_the_corpus_row_reads_the_whole_text_where_the_corpus_keeps_it(tiny_corpus):
    whole = Counter(["a", "b", "c"] + ["a"] * 25)           # two sentences: "a b c" and 25 a's, not cut at 19
    stats = evaluate_sentence_corpus(replace(tiny_corpus, reference_unigrams=whole, reference_sentences=2), 19)
    assert stats["avglen"] == 14.0
    assert stats["entropy"] == pytest.approx(entropy([26, 1, 1]))


def test_otherwise_it_reads_the_training_sentences_cut_as_the_models_see_them(tiny_corpus):
    train = tiny_corpus.splits["train"]
    cut = [tiny_corpus.vocab.decode(train.sentence(i).tolist()[:3]) for i in range(len(train))]
    assert corpus_unigrams(tiny_corpus, 3) == (Counter(w for text in cut for w in text), len(cut))
    stats = evaluate_sentence_corpus(tiny_corpus, 3)
    assert stats["avglen"] == pytest.approx(sum(map(len, cut)) / len(cut))
    assert stats["entropy"] == pytest.approx(entropy(list(Counter(w for text in cut for w in text).values())))
