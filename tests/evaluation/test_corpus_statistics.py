"""The Corpus row and UniKL's reference: the corpus's own whole sentences where the loader keeps them (SNLI, as the
released evaluate_latent_space.py reads snli_sentences_all.txt), else the training split as the models see it;
checked against scipy's entropy."""

from dataclasses import replace

import pytest
from scipy.stats import entropy

from suite.evaluation.sentence_generation import corpus_sentences, evaluate_sentence_corpus


def test_the_corpus_row_reads_the_whole_sentences_where_the_corpus_keeps_them(tiny_corpus):
    whole = [["a", "b", "c"], ["a"] * 25]
    stats = evaluate_sentence_corpus(replace(tiny_corpus, reference_sentences=whole), max_len=19)
    assert stats["avglen"] == 14.0                            # the 25-word sentence is not cut at 19
    assert stats["entropy"] == pytest.approx(entropy([26, 1, 1]))


def test_otherwise_it_reads_the_training_sentences_cut_as_the_models_see_them(tiny_corpus):
    train = tiny_corpus.splits["train"]
    cut = [tiny_corpus.vocab.decode(train.sentence(i).tolist()[:3]) for i in range(len(train))]
    assert corpus_sentences(tiny_corpus, 3) == cut
    assert evaluate_sentence_corpus(tiny_corpus, 3)["avglen"] == pytest.approx(sum(map(len, cut)) / len(cut))
