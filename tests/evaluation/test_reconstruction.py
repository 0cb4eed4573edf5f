"""Reconstruction BLEU pairs each greedy decode with its own input: a model that parrots every input scores
BLEU-1 = BLEU-2 = 1 over several batches and several samples per sentence; one that answers with the next
sentence of the split does not."""

import pytest
import torch
from torch import nn

from suite.config import EvalConfig
from suite.data.vocab import Vocab
from suite.evaluation.generation import GENERATION_BATCH, evaluate_reconstruction
from suite.models.posteriors import DiagGaussian


class Parrot(nn.Module):
    """Its posterior puts (almost) all mass on the sentence's position in the split; greedy decoding returns the
    sentence at position z + shift."""

    def __init__(self, sentences, shift: int = 0):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))       # evaluation reads the device from a parameter
        self.sentences, self.shift = sentences, shift

    def posterior(self, batch) -> DiagGaussian:
        loc = batch.index.float().unsqueeze(-1)
        return DiagGaussian(loc, torch.full_like(loc, 1e-4))

    def greedy(self, z: torch.Tensor, max_len: int, mask_unk: bool) -> list[list[int]]:
        positions = (z[:, 0].round().long() + self.shift) % len(self.sentences)
        return [self.sentences.sentence(int(p)).tolist()[:max_len] for p in positions]


@pytest.mark.parametrize("shift,perfect", [(0, True), (1, False)])
def test_each_decode_is_scored_against_its_own_input(tiny_corpus, shift, perfect):
    sentences = tiny_corpus.splits["train"]
    cfg = EvalConfig(bleu_samples=3, bleu_sentences=GENERATION_BATCH + 8, decode_max_len=50)
    result = evaluate_reconstruction(Parrot(sentences, shift), sentences, tiny_corpus.vocab, cfg, max_len=50)
    assert (result["bleu1"] == pytest.approx(1.0) and result["bleu2"] == pytest.approx(1.0)) is perfect
    if perfect:
        assert all(example["input"] == example["reconstruction"] for example in result["examples"])


def test_wae1_bleu_decodes_each_posterior_mean_in_the_released_whole_batches():
    """Stochastic WAE's reconstruction BLEU: the posterior mean of each sentence, greedy, NLTK corpus BLEU-4 against
    the sentence cut to max_len; of 130 sentences the released loop scores 128 (len // 128 batches)."""
    from nltk.translate.bleu_score import corpus_bleu

    from suite.data.corpus import SentenceSet
    from suite.evaluation.sentence_generation import evaluate_mean_reconstruction

    words = [[4 + (i + j) % 7 for j in range(6)] for i in range(128)] + [[4, 4, 4, 4, 4]] * 2
    sentences = SentenceSet.from_lists(words)
    vocab = Vocab(("<pad>", "<unk>", "<go>", "<eos>", *"abcdefg"))
    cfg = EvalConfig(decode_max_len=20)
    result = evaluate_mean_reconstruction(Parrot(sentences, shift=1), sentences, vocab, cfg, max_len=5)
    decoded = [vocab.decode(words[(i + 1) % 130][:20]) for i in range(128)]
    references = [[vocab.decode(words[i][:5])] for i in range(128)]
    assert result["bleu"] == pytest.approx(corpus_bleu(references, decoded))
    assert result["sigma_mean"] == pytest.approx(1e-4) and result["sigma_collapsed"] == 1.0
    assert sum(result["examples"]["sigma_histogram"]["counts"]) == 128


def test_dist_reads_dist_samples_greedy_decodes_of_prior_draws_in_batches_of_32():
    """coupled-9's Dist-1/2: `dist_samples` draws from p(z) in batches of 32 (the last one short), one greedy
    decode each, distinct n-grams within sentences over all of them."""
    from suite.evaluation.generation import evaluate_prior_samples
    from suite.models.posteriors import StandardNormal

    class Cycler(nn.Module):
        """Decodes the k-th sentence it is asked for as [4 + k % 3, 5 + k % 3]."""

        def __init__(self):
            super().__init__()
            self.anchor, self.prior, self.calls, self.k = nn.Parameter(torch.zeros(1)), StandardNormal(2), [], 0

        def greedy(self, z, max_len, mask_unk):
            self.calls.append((len(z), max_len, mask_unk))
            self.k += len(z)
            return [[4 + k % 3, 5 + k % 3] for k in range(self.k - len(z), self.k)]

    model = Cycler()
    vocab = Vocab(("<pad>", "<unk>", "<go>", "<eos>", *"abcd"))
    result = evaluate_prior_samples(model, vocab, EvalConfig(dist_samples=70, decode_max_len=9, mask_unk=True))
    assert model.calls == [(32, 9, True), (32, 9, True), (6, 9, True)]
    assert (result["dist1"], result["dist2"]) == (4 / 140, 3 / 70)      # words a..d; bigrams ab, bc, cd
