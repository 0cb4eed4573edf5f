"""VMED's released text preprocessing, step by step, against results worked out by hand from textdata.py.

Sentences are split by a Punkt model without learned parameters (NLTK's English model is a download, absent here);
it breaks after '.', '?' and '!' as the English model does after words it holds no abbreviation for."""

import pytest
from nltk.tokenize.punkt import PunktSentenceTokenizer

from suite.data import deepqa
from suite.data.deepqa import clean, pack, released_pairs, sentences
from suite.errors import DataMissing

SPLIT = PunktSentenceTokenizer().tokenize


def test_clean_expands_contractions_in_the_released_order_and_keeps_only_the_whitelist():
    assert clean("I'm sure he's here, isn't it? What's up... Won't! Café 'bout $5") == \
        "i am sure he is here  is not it? that is up... will not! caf  about  5"


def test_sentences_are_punkt_sentences_of_treebank_words():
    assert sentences("Hello there. How are you? Fine... you know, gonna go!", SPLIT) == [
        ["hello", "there", "."], ["how", "are", "you", "?"], ["fine", "...", "you", "know", "gon", "na", "go", "!"]]
    assert sentences("can't", SPLIT) == [["can", "not"]]
    assert sentences("  ,,, ", SPLIT) == []


def test_pack_takes_whole_sentences_that_fit_and_passes_over_the_rest():
    a, long, b = ["a"] * 5, ["x"] * 16, ["b"] * 4
    assert pack([a, long, b], 20) == (a + b, [long])               # the long one is passed over, b still fits
    assert pack([a, long, b], 20, from_end=True) == (long + b, [a])
    assert pack([["w"] * 21], 20) == ([], [["w"] * 21])


def test_a_line_between_two_others_counts_once_for_each_pair():
    conversations = [["x", "y y", "x"], ["z z z", "w"]]          # y: 2 + 2 = 4 > z: 3 > x: 2
    vocab, _ = released_pairs(conversations, vocab_size=2, split=SPLIT)
    assert vocab.words[4:] == ("y", "z")


def test_ties_go_to_the_word_seen_first():
    conversations = [["d b", "c d"], ["a", "a"]]                   # d and a twice each, d first
    assert released_pairs(conversations, vocab_size=1, split=SPLIT)[0].words[4:] == ("d",)
    # the specials, counted once each and first, rank ahead of the words seen once (b, c)
    assert released_pairs(conversations, vocab_size=4, split=SPLIT)[0].words[4:] == ("d", "a")


def test_words_of_passed_over_sentences_are_not_counted():
    long_line = " ".join(["qq"] * 21) + ". ok."
    vocab, pairs = released_pairs([["hi there", long_line]], vocab_size=100, split=SPLIT)
    assert "qq" not in vocab.index and "ok" in vocab.index
    assert pairs == [(["hi", "there"], ["ok", "."])]


def test_contexts_keep_their_last_sentences_and_responses_their_first_cut_to_ten():
    context = "one two. " + " ".join(["cc"] * 17) + ". three."
    response = " ".join(["rr"] * 11) + ". " + " ".join(["ss"] * 7) + ". tt."
    _, pairs = released_pairs([[context, response]], vocab_size=100, split=SPLIT)
    assert pairs == [(["cc"] * 17 + [".", "three", "."], ["rr"] * 10)]


def test_pairs_with_no_known_word_or_two_unknown_response_words_are_dropped():
    common = "a b c d e"
    conversations = [[common, common] for _ in range(3)] + [
        ["a b", "a rare"],            # one unknown response word: kept
        ["a b", "rare odd a"],        # two: dropped
        ["rare", "a b"],              # a context of unknown words only: dropped
    ]
    vocab, pairs = released_pairs(conversations, vocab_size=5, split=SPLIT)   # a-e outnumber "rare" (3)
    assert vocab.words[4:] == ("a", "b", "c", "d", "e")
    assert pairs[3:] == [(["a", "b"], ["a", "rare"])]


def test_missing_punkt_model_is_a_one_line_instruction(monkeypatch):
    def absent(lang):
        raise LookupError("Resource 'punkt_tab' not found.")
    monkeypatch.setattr(deepqa, "PunktTokenizer", absent)
    with pytest.raises(DataMissing, match=r"nltk.downloader punkt_tab"):
        released_pairs([["a", "b"]], vocab_size=10)
