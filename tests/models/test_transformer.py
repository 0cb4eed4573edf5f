"""The Transformer encoder-decoder: joining padded batches, exact sentence NLLs, and beam search against
exhaustive enumeration (its scores are the model's own log-probabilities)."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from suite.config import Transformer
from suite.data.batching import Batch
from suite.data.vocab import EOS, GO, PAD, UNK
from suite.models.transformer import Seq2SeqTransformer, join

SHAPE = Transformer(d_model=16, inner=32, heads=2, layers=1)


def tiny(vocab: int = 7, seed: int = 0) -> Seq2SeqTransformer:
    torch.manual_seed(seed)
    return Seq2SeqTransformer(vocab, SHAPE, dropout=0.0).eval()


def batch(sentences: list[list[int]]) -> Batch:
    return Batch.from_sentences([torch.tensor(s, dtype=torch.long) for s in sentences], torch.arange(len(sentences)))


def test_join_concatenates_rows_left_aligned():
    first, second = batch([[4, 5], [], [6]]), batch([[7], [8, 9, 4], [5, 5]])
    words, lengths = join(first.words, first.lengths, second.words, second.lengths)
    expected = [[4, 5, 7], [8, 9, 4], [6, 5, 5]]
    assert lengths.tolist() == [3, 3, 3]
    for row, sentence in zip(words.tolist(), expected, strict=True):
        assert row[:len(sentence)] == sentence and all(w == PAD for w in row[len(sentence):])


@torch.no_grad()
def test_sentence_nll_is_the_sum_of_token_cross_entropies():
    model = tiny()
    source, target = batch([[4, 5, 6], [5]]), batch([[6, 4], [5, 5, 5]])
    encoded = model.encode(source.words, source.lengths)
    nll = model.sentence_nll(encoded, target)
    for i in range(2):
        single = model.encode(source.words[i:i + 1, :source.lengths[i]], source.lengths[i:i + 1])
        n = int(target.lengths[i]) + 1
        logits = model.generator(model.decode(single, target.inputs[i:i + 1, :n]))[0]
        assert nll[i] == pytest.approx(float(F.cross_entropy(logits, target.targets[i, :n], reduction="sum")),
                                       rel=1e-5)


def log_prob(model, encoded, words: list[int]) -> float:
    return -float(model.sentence_nll(encoded, batch([words]) if words else empty()))


def empty() -> Batch:
    return Batch.from_sentences([torch.zeros(0, dtype=torch.long)], torch.arange(1))


@pytest.mark.parametrize("seed", [0, 1, 2])
@torch.no_grad()
def test_a_wide_beam_finds_the_most_likely_response(seed):
    model, max_len = tiny(seed=seed), 2
    source = batch([[4, 5, 6]])
    encoded = model.encode(source.words, source.lengths)
    words = [w for w in range(7) if w not in (PAD, GO, EOS, UNK)]
    every = [list(s) for n in range(max_len + 1) for s in itertools.product(words, repeat=n)]
    scored = sorted(((log_prob(model, encoded, s), s) for s in every), reverse=True)
    # a beam as wide as the number of responses of <= 2 words: the best one is found exactly; the other n-best
    # hypotheses are those finished by then (OpenNMT's stopping rule), each scored with its exact log-probability
    found = model.beam_search(encoded, beam=len(every), n_best=3, max_len=max_len, mask_unk=True)[0]
    assert found[0][1] == scored[0][1]
    assert len(found) == 3 and [s for s, _ in found] == sorted((s for s, _ in found), reverse=True)
    for score, words in found:
        assert score == pytest.approx(log_prob(model, encoded, words), abs=1e-4)


def opennmt_beam(model, source: Batch, beam: int, n_best: int, max_len: int) -> list[tuple[float, list[int]]]:
    """OpenNMT-py's BeamSearch for one source, step by step without caches: finished hypotheses leave the beam
    (their score set to -inf), `top_beam_finished` stays set once the top of the beam has finished, and the search
    ends when it is set and n_best hypotheses have finished."""
    encoded = model.encode(source.words, source.lengths)
    beams, hypotheses, top_beam_finished = [(0.0, [GO])] + [(-float("inf"), [GO])] * (beam - 1), [], False
    for step in range(max_len + 1):
        candidates = []
        for score, sequence in beams:
            log_p = F.log_softmax(model.generator(model.decode(encoded, torch.tensor([sequence])))[0, -1], -1)
            log_p[[PAD, GO, UNK]] = -float("inf")
            if step == max_len:
                log_p[torch.arange(len(log_p)) != EOS] = -float("inf")
            candidates += [(score + float(log_p[w]), sequence + [w]) for w in range(len(log_p))]
        top = sorted(candidates, key=lambda c: -c[0])[:beam]      # a stable sort: ties keep the order topk keeps
        ended = [sequence[-1] == EOS and score > -float("inf") for score, sequence in top]
        hypotheses += [(score, sequence[1:-1]) for (score, sequence), end in zip(top, ended, strict=True) if end]
        top_beam_finished |= ended[0]
        if top_beam_finished and len(hypotheses) >= n_best:
            break
        beams = [(-float("inf") if end else score, sequence) for (score, sequence), end in zip(top, ended, strict=True)]
    return sorted(hypotheses, key=lambda h: -h[0])[:n_best]


@pytest.mark.parametrize("seed", [0, 1, 2, 36])
@torch.no_grad()
def test_more_best_than_beam_stops_as_opennmt_does(seed):
    """n_best hypotheses (MMI's row: 10 from a beam of 10; here 5 from a beam of 3, where the rule shows more
    often): the search goes on past the step where the top of the beam finished until n_best hypotheses have, and
    stops there, as OpenNMT's sticky `top_beam_finished` rule does (seed 36:
    a top-of-beam finish at one step and the fifth finished hypothesis at a later one, where a rule that asks
    for both at the same step searches on and collects another list)."""
    model = tiny(vocab=9, seed=seed)
    source = batch([[4, 5, 6]])
    found = model.beam_search(model.encode(source.words, source.lengths), beam=3, n_best=5, max_len=6,
                              mask_unk=True)[0]
    expected = opennmt_beam(model, source, beam=3, n_best=5, max_len=6)
    assert [words for _, words in found] == [words for _, words in expected]
    assert [score for score, _ in found] == pytest.approx([score for score, _ in expected], abs=1e-4)


@torch.no_grad()
def test_beam_of_one_is_greedy_decoding():
    model = tiny(seed=3)
    source = batch([[4, 5], [6, 6, 6]])
    encoded = model.encode(source.words, source.lengths)
    found = model.beam_search(encoded, beam=1, n_best=1, max_len=5, mask_unk=True)
    for i in range(2):
        single = model.encode(source.words[i:i + 1, :source.lengths[i]], source.lengths[i:i + 1])
        sequence = [GO]
        for _ in range(5):
            logits = model.generator(model.decode(single, torch.tensor([sequence])))[0, -1]
            logits[[PAD, GO, UNK]] = -float("inf")
            word = int(logits.argmax())
            if word == EOS:
                break
            sequence.append(word)
        assert found[i][0][1] == sequence[1:]


@torch.no_grad()
def test_one_position_at_a_time_equals_the_full_decoder():
    torch.manual_seed(4)
    model = Seq2SeqTransformer(9, Transformer(d_model=16, inner=32, heads=2, layers=3), dropout=0.1).eval()
    source, target = batch([[4, 5, 6, 7], [8]]), batch([[5, 6, 7], [4, 4, 8]])
    encoded = model.encode(source.words, source.lengths)
    full = model.decode(encoded, target.inputs)
    cache = [encoded.memory.new_zeros(2, 0, 16) for _ in range(3)]
    for step in range(target.inputs.size(1)):
        state, cache = model.decode_next(encoded, target.inputs[:, step], step, cache)
        assert torch.allclose(state, full[:, step], atol=1e-5)


def test_label_smoothing_is_opennmts_smoothed_target():
    """Cross-entropy to 1 - ε on the target and ε / (V - 2) on every other word but padding, written out; its
    gradient is that of OpenNMT-py's KL-divergence loss (they differ by the target distribution's entropy)."""
    model = tiny(vocab=9, seed=5)
    source, target = batch([[4, 5, 6], [7]]), batch([[5, 8], [6, 6, 4]])
    states = model.decode(model.encode(source.words, source.lengths), target.inputs)
    eps = 0.1
    ours = model.token_nll(states, target, smoothing=eps)
    log_p = F.log_softmax(model.generator(states.reshape(-1, states.size(-1))[target.positions]), -1)
    words = target.targets.reshape(-1)[target.positions]
    q = torch.full_like(log_p, eps / (9 - 2))
    q[:, PAD] = 0.0
    q[torch.arange(len(words)), words] = 1 - eps
    assert torch.allclose(ours, -(q * log_p).sum(-1), atol=1e-5)
    kl = F.kl_div(log_p, q, reduction="sum")
    grad_ours = torch.autograd.grad(ours.sum(), model.generator.weight, retain_graph=True)[0]
    grad_kl = torch.autograd.grad(kl, model.generator.weight)[0]
    assert torch.allclose(grad_ours, grad_kl, atol=1e-5)
