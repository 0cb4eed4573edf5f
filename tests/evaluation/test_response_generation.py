"""wae-2's response scoring: BLEU against the whole raw replies where the corpus keeps them (the released `predict`
scores against word_tokenize(reply), neither cut nor mapped to UNK), else against the decoded, cut references;
checked against NLTK's corpus_bleu."""

import torch
from nltk.translate.bleu_score import corpus_bleu
from torch import nn

from suite.config import EvalConfig
from suite.data.dialogue import PairSet
from suite.data.vocab import Vocab
from suite.evaluation.response_generation import evaluate_generated_responses
from suite.models.posteriors import DiagGaussian

VOCAB = Vocab(("<pad>", "<unk>", "<go>", "<eos>", "the", "cat", "sat", "on", "mat", "a"))


class Answers(nn.Module):
    """Answers every post with the same fixed words, whatever the code."""

    def __init__(self, words: list[str]):
        super().__init__()
        self.ids, self.anchor = VOCAB.encode(words), nn.Parameter(torch.zeros(1))

    def posterior(self, batch):
        return DiagGaussian(torch.zeros(len(batch), 2), torch.ones(len(batch), 2))

    def greedy(self, z, max_len, mask_unk):
        return [list(self.ids) for _ in range(len(z))]


def pairs(references=None) -> PairSet:
    posts = [VOCAB.encode("the cat".split())] * 2
    responses = [VOCAB.encode("the cat sat on the mat".split()), VOCAB.encode("a cat sat".split())]
    return PairSet.from_lists(posts, responses, reference_texts=references)


def test_bleu_reads_the_raw_replies_when_the_corpus_keeps_them():
    raw = [["the", "cat", "sat", "on", "the", "mat", "today", "!"], ["a", "cat", "sat", "down"]]
    answer = ["the", "cat", "sat", "on", "the", "mat"]
    scores = evaluate_generated_responses(Answers(answer), pairs(raw), VOCAB, EvalConfig(), max_len=20)
    assert scores["bleu2"] == corpus_bleu([[r] for r in raw], [answer] * 2, weights=(0.5, 0.5))
    assert scores["bleu4"] == corpus_bleu([[r] for r in raw], [answer] * 2)
    assert scores["examples"][0]["gold"] == "the cat sat on the mat today !"


def test_without_raw_replies_bleu_reads_the_decoded_references_cut_to_max_len():
    answer = ["the", "cat", "sat", "on", "the", "mat"]
    scores = evaluate_generated_responses(Answers(answer), pairs(), VOCAB, EvalConfig(), max_len=4)
    cut = [["the", "cat", "sat", "on"], ["a", "cat", "sat"]]
    assert scores["bleu2"] == corpus_bleu([[r] for r in cut], [answer] * 2, weights=(0.5, 0.5))


def test_test_pairs_are_scored_in_whole_batches_as_the_released_predict_loops():
    """len(x) // 128 batches: of 130 pairs the last 2 go unscored (with fewer than 128, every pair is scored)."""
    raw = [["the", "cat", "sat"]] * 128 + [["a", "mat"]] * 2
    posts = [VOCAB.encode(["the"])] * 130
    many = PairSet.from_lists(posts, [VOCAB.encode(r) for r in raw], reference_texts=raw)
    scores = evaluate_generated_responses(Answers(["the", "cat", "sat"]), many, VOCAB, EvalConfig(), max_len=20)
    assert scores["bleu2"] == 1.0 and scores["dist1"] == 3 / (3 * 128)
    few = evaluate_generated_responses(Answers(["the", "cat", "sat"]), many.select(torch.tensor([0, 128])), VOCAB,
                                       EvalConfig(), max_len=20)
    assert 0 < few["bleu2"] == corpus_bleu([[raw[0]], [raw[128]]], [["the", "cat", "sat"]] * 2, weights=(0.5, 0.5))
