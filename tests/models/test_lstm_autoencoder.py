"""The Stochastic WAE LSTM autoencoders: loss terms against step-by-step and closed-form references."""

from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

from suite.config import BatchObjective, MMDRegulariser, Posterior, Regulariser, SentenceModelConfig
from suite.data.dialogue import PairSet
from suite.data.vocab import EOS, GO, PAD
from suite.models.build import build_model
from suite.models.layer_norm_lstm import reverse_each
from suite.models.posteriors import DiagGaussian
from suite.models.regularisers import kl_to_own_mean, mmd_imq

SMALL = SentenceModelConfig(family="lstm-ae", posterior=Posterior("gaussian"), regulariser=Regulariser("none"),
                            emb_dim=8, enc_hidden=6, dec_hidden=10, latent_dim=4, dropout=0.0)


@torch.no_grad()
def stepwise_nll(model, z, sentence: list[int]) -> float:
    """-log p(x | z) by running the decoder one token at a time from a zero state."""
    decoder = model.decoder
    state = (torch.zeros(1, decoder.lstm.hidden_size), torch.zeros(1, decoder.lstm.hidden_size))
    total, previous = 0.0, GO
    for target in sentence + [2]:           # <eos> = 2
        state = decoder.lstm.step(torch.cat([decoder.embedding(torch.tensor([previous])), z[None]], -1), state)
        total -= float(F.log_softmax(decoder.out(state[0][0]), -1)[target])
        previous = target
    return total


def test_sentence_nll_equals_a_step_by_step_decoder(tiny_corpus, tiny_batch):
    torch.manual_seed(0)
    model = build_model(SMALL, len(tiny_corpus.vocab)).eval()
    z = torch.randn(len(tiny_batch), 4)
    nll = model.decoder.sentence_nll(z, tiny_batch).detach()
    test = tiny_corpus.splits["test"]
    for i in range(len(tiny_batch)):
        assert float(nll[i]) == pytest.approx(stepwise_nll(model, z[i], test.sentence(i).tolist()), rel=1e-5)


def test_encoder_reads_each_sentence_and_its_eos_alone_forwards_and_backwards(tiny_corpus, tiny_batch):
    """As the released encoder reads its tokenizer's output, words then <eos>, in both directions."""
    torch.manual_seed(0)
    encoder = build_model(SMALL, len(tiny_corpus.vocab)).eval().encoder
    with torch.no_grad():
        codes = encoder(tiny_batch)
        for i in range(len(tiny_batch)):
            tokens = torch.cat([tiny_corpus.splits["test"].sentence(i), torch.tensor([EOS])])
            words = encoder.embedding(tokens)[None]
            alone = torch.cat([encoder.forward_lstm(words)[0, -1], encoder.backward_lstm(words.flip(1))[0, -1]])
            assert torch.allclose(codes[i], alone, atol=1e-6)


def test_reconstruction_term_is_the_token_mean_cross_entropy(tiny_corpus, tiny_batch):
    torch.manual_seed(0)
    model = build_model(replace(SMALL, posterior=Posterior("point")), len(tiny_corpus.vocab)).eval()
    with torch.no_grad():
        terms = model.training_terms(tiny_batch, 0.0)
        summed = model.decoder.sentence_nll(model.posterior(tiny_batch).code, tiny_batch).sum()
    assert float(terms["rec"]) == pytest.approx(float(summed) / int((tiny_batch.lengths + 1).sum()), rel=1e-6)
    assert set(terms) == {"loss", "rec"}


def test_greedy_decoding_follows_the_argmax_of_each_step(tiny_corpus):
    torch.manual_seed(1)
    model = build_model(SMALL, len(tiny_corpus.vocab)).eval()
    z = torch.randn(3, 4)
    decoded = model.greedy(z, 6, mask_unk=False)
    decoder = model.decoder
    for row, tokens in enumerate(decoded):
        state = (torch.zeros(1, 10), torch.zeros(1, 10))
        previous, expected = GO, []
        for _ in range(6):
            state = decoder.lstm.step(torch.cat([decoder.embedding(torch.tensor([previous])), z[row:row + 1]], -1),
                                      state)
            previous = int(decoder.out(state[0][0]).argmax())
            if previous == 2:
                break
            expected.append(previous)
        assert tokens == expected


def test_released_vae_objective_sums_each_sentences_token_mean_and_kl(tiny_corpus, tiny_batch):
    """Σ_b (CE_b / tokens_b + w · KL_b), by hand from the per-sentence terms; and the WAE-S's: batch size times the
    batch-mean objective."""
    def terms(objective, regulariser):
        torch.manual_seed(0)
        model = build_model(replace(SMALL, regulariser=regulariser, objective=objective), len(tiny_corpus.vocab))
        torch.manual_seed(1)
        with torch.no_grad():
            return model, model.training_terms(tiny_batch, kl_weight=0.5)

    model, summed = terms(BatchObjective(token_mean="sentence", summed=True), Regulariser("kl"))
    torch.manual_seed(1)
    with torch.no_grad():
        posterior = model.posterior(tiny_batch)
        draw = posterior.rsample()
        nll = model.decoder.sentence_nll(draw.z, tiny_batch)
        expected = sum(float(nll[b]) / (int(tiny_batch.lengths[b]) + 1) + 0.5 * float(posterior.kl(draw)[b])
                       for b in range(len(tiny_batch)))
    assert float(summed["loss"]) == pytest.approx(expected, rel=1e-5)
    wae = MMDRegulariser(mmd_weight=10.0, aux_kl_weight=0.1)
    _, mean_terms = terms(BatchObjective(), wae)
    _, summed_terms = terms(BatchObjective(summed=True), wae)
    assert float(summed_terms["loss"]) == pytest.approx(len(tiny_batch) * float(mean_terms["loss"]), rel=1e-6)
    assert float(summed_terms["rec"]) == pytest.approx(float(mean_terms["rec"]), rel=1e-6)   # logged per sentence


def test_dense_layers_start_as_tensorflows_defaults(tiny_corpus):
    model = build_model(SMALL, len(tiny_corpus.vocab))
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 6          # μ, log σ, output layer, three LSTM projections
    for linear in linears:
        fan_out, fan_in = linear.weight.shape
        assert linear.weight.abs().max() <= (6 / (fan_in + fan_out)) ** 0.5
        assert linear.bias is None or torch.all(linear.bias == 0)


def test_auxiliary_kl_is_the_closed_form_kl_to_a_unit_gaussian_at_the_mean():
    torch.manual_seed(0)
    loc, scale = torch.randn(5, 3), torch.rand(5, 3) + 0.05
    reference = kl_divergence(Normal(loc, scale), Normal(loc, torch.ones_like(scale))).sum(-1)
    assert torch.allclose(kl_to_own_mean(DiagGaussian(loc, scale)), reference, atol=1e-6)


def test_mmd_kernel_base_sets_the_imq_constant():
    """By brute force over all pairs: C = base · d · s."""
    torch.manual_seed(0)
    x, y = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    expected = 0.0
    for s in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0):
        c = 4.0 * 3 * s
        k = lambda a, b, c=c: c / (c + float(((a - b) ** 2).sum()))  # noqa: E731
        expected += sum(k(x[i], x[j]) + k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / 20
        expected -= 2 * sum(k(x[i], y[j]) for i in range(5) for j in range(5)) / 25
    assert float(mmd_imq(x, y, base=4.0)) == pytest.approx(expected, rel=1e-9)


def test_wae_terms_weigh_mmd_and_auxiliary_kl(tiny_corpus, tiny_batch):
    model = build_model(replace(SMALL, regulariser=MMDRegulariser(mmd_weight=10.0, aux_kl_weight=0.1)),
                        len(tiny_corpus.vocab)).eval()
    torch.manual_seed(3)
    with torch.no_grad():
        terms = model.training_terms(tiny_batch, kl_weight=0.5)      # the KL schedule does not touch a WAE
    assert float(terms["loss"]) == pytest.approx(float(terms["rec"] + 10.0 * terms["mmd"] + 0.1 * terms["aux_kl"]),
                                                 rel=1e-6)
    deterministic = build_model(replace(SMALL, posterior=Posterior("point"), regulariser=MMDRegulariser(
        mmd_weight=3.0)), len(tiny_corpus.vocab)).eval()
    assert "aux_kl" not in deterministic.training_terms(tiny_batch, 0.0)


def test_word_dropout_replaces_words_but_never_go(tiny_corpus, tiny_batch):
    from suite.models.lstm_autoencoder import drop_words
    inputs = tiny_batch.inputs
    assert torch.equal(drop_words(inputs, 0.0), inputs)
    dropped = drop_words(inputs, 1.0)
    assert (dropped[:, 0] == GO).all() and (dropped[:, 1:] == PAD).all()


def test_dialogue_model_encodes_the_context_only(tiny_corpus):
    test = tiny_corpus.splits["test"]
    sentences = [test.sentence(i).tolist() for i in range(8)]
    pairs = PairSet.from_lists(sentences, sentences[::-1])
    other = PairSet.from_lists(sentences, sentences)
    model = build_model(replace(SMALL, family="lstm-ed"), len(tiny_corpus.vocab)).eval()
    index = torch.arange(8)
    assert torch.equal(model.posterior(pairs.batch(index)).loc, model.posterior(other.batch(index)).loc)
    assert model.decoder.sentence_nll(torch.zeros(8, 4), pairs.batch(index)).shape == (8,)


def test_each_encoder_direction_drops_its_own_inputs(tiny_corpus, tiny_batch):
    """The released encoder wraps each direction's cell in its own DropoutWrapper: independent input masks."""
    torch.manual_seed(0)
    encoder = build_model(replace(SMALL, dropout=0.5), len(tiny_corpus.vocab)).train().encoder
    seen = {}
    for name in ("forward_lstm", "backward_lstm"):
        lstm = getattr(encoder, name)
        lstm.register_forward_hook(lambda module, inputs, output, name=name: seen.__setitem__(name, inputs[0]))
    encoder(tiny_batch)
    lengths = tiny_batch.lengths + 1
    kept_forward = seen["forward_lstm"] != 0
    kept_backward = reverse_each(seen["backward_lstm"], lengths) != 0       # back in reading order
    real = torch.arange(kept_forward.size(1)).unsqueeze(0) < lengths.unsqueeze(1)
    assert not torch.equal(kept_forward[real], kept_backward[real])
