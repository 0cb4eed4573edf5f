"""The dilated CNN decoder: causality, receptive field, per-sentence NLL and greedy decoding checked against
direct computations from its full teacher-forced logits."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from suite.data.batching import Batch
from suite.data.vocab import EOS, GO, UNK
from suite.models.cnn_decoder import DilatedCNNDecoder

VOCAB, EMB, FILTERS = 14, 6, 8


def decoder(dilations=(1, 2, 4), dropout=0.0, seed=0):
    torch.manual_seed(seed)
    model = DilatedCNNDecoder(nn.Embedding(VOCAB, EMB), VOCAB, dropout, dilations, FILTERS)
    # Fresh BatchNorm running statistics are the identity; random ones make eval mode a less trivial check.
    for module in model.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return model.eval()


def batch_of(sentences):
    return Batch.from_sentences([torch.tensor(s) for s in sentences], torch.arange(len(sentences)))


def full_log_probs(model, signal, inputs):
    """Log-probabilities at every position, padding included: (B, T + 1, vocab)."""
    return model.to_vocab(model.states(signal, inputs)).log_softmax(-1)


def random_sentences(n, generator):
    lengths = torch.randint(1, 9, (n,), generator=generator).tolist()
    return [torch.randint(4, VOCAB, (length,), generator=generator).tolist() for length in lengths]


def test_output_shapes():
    model = decoder()
    sentences = [[4, 5, 6], [7, 8, 9, 10, 11, 4], [5]]
    signal, batch = torch.randn(3, EMB), batch_of(sentences)
    assert model.positions(signal, batch.inputs).shape == (3, 2 * EMB, 8)
    assert model.states(signal, batch.inputs).shape == (3, 7, FILTERS)
    assert model.sentence_nll(signal, batch).shape == (3,)
    decoded = model.greedy(signal, max_len=5)
    assert len(decoded) == 3 and all(len(tokens) <= 5 for tokens in decoded)


@pytest.mark.parametrize("dilations", [(1,), (1, 2, 4), (1, 2, 1, 2)])
@torch.no_grad()
def test_causal_with_the_receptive_field_of_its_dilations(dilations):
    # Double precision, so that the faint influence at the edge of the receptive field stands out of rounding.
    model = decoder(dilations).double()
    reach = 2 * sum(dilations)  # kernel 3: each block looks 2 * dilation positions back
    signal = torch.randn(2, EMB, dtype=torch.double)
    inputs = torch.randint(4, VOCAB, (2, reach + 8))
    changed_at = 3
    altered = inputs.clone()
    altered[:, changed_at] = torch.where(inputs[:, changed_at] == 4, 5, 4)
    differs = (full_log_probs(model, signal, inputs) - full_log_probs(model, signal, altered)).abs().amax((0, 2))
    assert (differs[:changed_at] == 0).all()
    assert (differs[changed_at:changed_at + reach + 1] > 1e-12).all()
    assert (differs[changed_at + reach + 1:] == 0).all()


@pytest.mark.parametrize("training", [False, True])
def test_sentence_nll_equals_cross_entropy_of_the_full_logits(training):
    model = decoder(dropout=0.3).train(training)
    sentences = [[4, 5, 6], [7, 8, 9, 10, 11, 4], [5]]
    signal, batch = torch.randn(3, EMB), batch_of(sentences)
    torch.manual_seed(1)
    nll = model.sentence_nll(signal, batch)
    torch.manual_seed(1)
    logits = model.to_vocab(model.states(signal, batch.inputs))
    token_nll = F.cross_entropy(logits.transpose(1, 2), batch.targets, reduction="none")
    assert torch.allclose(nll, (token_nll * batch.mask).sum(1), atol=1e-5)


@torch.no_grad()
def test_sentence_nll_in_eval_mode_ignores_batch_mates_and_padding():
    model = decoder()
    sentences = [[4, 5, 6], [7, 8, 9, 10, 11, 4, 12, 13, 6, 7], [5]]
    signal = torch.randn(3, EMB)
    batched = model.sentence_nll(signal, batch_of(sentences))
    for i, sentence in enumerate(sentences):
        alone = model.sentence_nll(signal[i:i + 1], batch_of([sentence]))
        assert torch.allclose(alone, batched[i:i + 1], atol=1e-5)


def test_dropout_touches_the_word_embeddings_only():
    model = decoder(dropout=0.5).train()
    signal, inputs = torch.randn(4, EMB), torch.randint(4, VOCAB, (4, 30))
    positions = model.positions(signal, inputs)
    assert torch.equal(positions[:, :, 0], torch.cat([signal, signal], -1))
    assert torch.equal(positions[:, EMB:, 1:], signal.unsqueeze(-1).expand(-1, -1, 30))
    words = positions[:, :EMB, 1:].transpose(1, 2)
    assert (words == 0).any() and not torch.equal(words, model.embedding(inputs))


def teacher_forced_choices(model, signal, decoded, mask_unk):
    """The argmax of the teacher-forced logits after <go> and each decoded token, from one padded pass (padding
    comes after the tokens, so it cannot change them in eval mode): (B, longest + 1)."""
    inputs = nn.utils.rnn.pad_sequence([torch.tensor([GO] + tokens) for tokens in decoded], batch_first=True)
    logits = model.to_vocab(model.states(signal, inputs))
    if mask_unk:
        logits[..., UNK] = float("-inf")
    return logits.argmax(-1)


@pytest.mark.parametrize("mask_unk", [True, False])
@torch.no_grad()
def test_greedy_follows_the_teacher_forced_argmax(mask_unk):
    model = decoder(dilations=(1, 2, 4, 1), seed=2)
    # Favour <eos> and <unk> so that some decodes stop early and <unk> would be chosen unless masked.
    model.to_vocab.bias[EOS] += 1.0
    model.to_vocab.bias[UNK] += 1.5
    max_len = 12
    signal = torch.randn(24, EMB)
    decoded = model.greedy(signal, max_len, mask_unk)
    lengths = [len(tokens) for tokens in decoded]
    assert min(lengths) < max_len // 2 and max(lengths) == max_len  # both the early-stop and full-length paths
    choices = teacher_forced_choices(model, signal, decoded, mask_unk)
    for tokens, chosen in zip(decoded, choices.tolist(), strict=True):
        assert EOS not in tokens
        expected = tokens + [EOS] if len(tokens) < max_len else tokens
        assert chosen[:len(expected)] == expected
    emitted_unk = any(UNK in tokens for tokens in decoded)
    assert emitted_unk != mask_unk


def test_greedy_refuses_training_mode():
    with pytest.raises(RuntimeError):
        decoder().train().greedy(torch.randn(2, EMB), max_len=3)


def test_gradients_reach_the_embedding_and_every_layer_in_training_mode():
    model = decoder(dropout=0.1).train()
    sentences = random_sentences(6, torch.Generator().manual_seed(0))
    signal = torch.randn(6, EMB, requires_grad=True)
    model.sentence_nll(signal, batch_of(sentences)).sum().backward()
    assert signal.grad.abs().sum() > 0
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name
