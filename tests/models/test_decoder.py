"""The decoder's per-sentence NLL and greedy decoding, checked against direct computations."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from suite.data.batching import Batch
from suite.data.vocab import EOS, GO, UNK
from suite.models.decoder import SignalGRUDecoder


def decoder(vocab=12, emb=6, hidden=8, seed=0):
    torch.manual_seed(seed)
    model = SignalGRUDecoder(nn.Embedding(vocab, emb), hidden, vocab, dropout=0.0).eval()
    return model


def batch_of(sentences):
    return Batch.from_sentences([torch.tensor(s) for s in sentences], torch.arange(len(sentences)))


def step_by_step_nll(model, signal, sentence):
    """Teacher forcing one token at a time, straight from the decoder's definition."""
    _, state = model.gru(torch.cat([signal, signal]).view(1, 1, -1))
    total = 0.0
    for previous, target in zip([GO] + sentence, sentence + [EOS], strict=True):
        step = torch.cat([model.embedding(torch.tensor([previous]))[0], signal]).view(1, 1, -1)
        out, state = model.gru(step, state)
        total += F.cross_entropy(model.head(out[0]), torch.tensor([target]))
    return float(total)


def test_sentence_nll_matches_step_by_step_and_ignores_padding():
    model = decoder()
    sentences = [[4, 5, 6], [7, 8, 9, 10, 11, 4], [5]]
    signal = torch.randn(3, 6)
    with torch.no_grad():
        batched = model.sentence_nll(signal, batch_of(sentences))
        for i, sentence in enumerate(sentences):
            assert abs(float(batched[i]) - step_by_step_nll(model, signal[i], sentence)) < 1e-4
            alone = model.sentence_nll(signal[i:i + 1], batch_of([sentence]))
            assert torch.allclose(alone, batched[i:i + 1], atol=1e-5)


def test_greedy_decoding_follows_the_argmax_and_never_emits_unk():
    model = decoder(seed=3)
    signal = torch.randn(16, 6)
    decoded = model.greedy(signal, max_len=10, mask_unk=True)
    for i, tokens in enumerate(decoded):
        assert UNK not in tokens and EOS not in tokens and len(tokens) <= 10
        # Re-derive each greedy choice from teacher forcing on the decoded prefix.
        _, state = model.gru(torch.cat([signal[i], signal[i]]).view(1, 1, -1))
        previous = GO
        for token in tokens + ([EOS] if len(tokens) < 10 else []):
            step = torch.cat([model.embedding(torch.tensor([previous]))[0], signal[i]]).view(1, 1, -1)
            out, state = model.gru(step, state)
            logits = model.head(out[0])[0]
            logits[UNK] = float("-inf")
            assert int(logits.argmax()) == token
            previous = token


def test_the_gru_language_models_nll_is_exact_and_counts_the_end_of_sentence():
    """GRU-LM (coupled-1's exact NLL row): <go> then each word, one GRU step at a time from a zero state, scoring
    every word and the final <eos>; sentences of different lengths in one batch."""
    from suite.models.lm import GRULanguageModel

    torch.manual_seed(0)
    model = GRULanguageModel(vocab_size=12, emb_dim=6, hidden=8, dropout=0.0).eval()
    sentences = [[4, 5, 6, 7, 8], [9, 4], [10]]

    def step_by_step(sentence):
        state, total = None, 0.0
        for previous, target in zip([GO] + sentence, sentence + [EOS], strict=True):
            out, state = model.gru(model.embedding(torch.tensor([[previous]])), state)
            total += F.cross_entropy(model.head(out[0]), torch.tensor([target]))
        return float(total)

    with torch.no_grad():
        nll = model.deterministic_nll(batch_of(sentences))
        assert nll.tolist() == [pytest.approx(step_by_step(s), abs=1e-5) for s in sentences]
