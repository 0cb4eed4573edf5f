"""The conditional models (GRU encoder-decoder, CVAE, Coupled-CVAE) against direct computations, through the
suite's unchanged likelihood evaluation and trainer."""

import math

import pytest
import torch
import torch.nn.functional as F

from suite.config import Anneal, Coupling, TrainConfig
from suite.data.dialogue import pair_corpus
from suite.data.vocab import EOS, GO, UNK
from suite.evaluation.dialogue import evaluate_responses
from suite.evaluation.likelihood import evaluate_likelihood, sentence_scores
from suite.models.cvae import CVAE, CoupledCVAE, GRUEncoderDecoder, build_dialogue_model
from suite.models.posteriors import DiagGaussian, gaussian_kl
from suite.training.optim import embedding_holders, shared_embedding
from suite.training.trainer import Trainer

SMALL = dict(emb_dim=8, enc_hidden=6, dec_hidden=12, latent_dim=4, dropout=0.0)
MAX_LEN = 200


@pytest.fixture(scope="module")
def corpus():
    """Synthetic pairs whose response echoes part of the post, so the post carries information."""
    words = "the cat dog sat ran on a mat log quickly slowly".split()
    generator = torch.Generator().manual_seed(0)

    def text():
        length = int(torch.randint(1, 7, (1,), generator=generator))
        return [words[int(i)] for i in torch.randint(0, len(words), (length,), generator=generator)]

    def exchange():
        post = text()
        return [post, post[:2] + text()]

    dialogues = {split: [exchange() for _ in range(n)] for split, n in (("train", 64), ("valid", 12), ("test", 12))}
    return pair_corpus("tiny-pairs", dialogues, [b"tiny"], stand_in=True, min_count=1)


def model_of(kind, corpus, coupling=None, seed=0, **dims):
    torch.manual_seed(seed)
    return build_dialogue_model(kind, len(corpus.vocab), coupling, **{**SMALL, **dims})


def test_closed_form_kl_matches_torch():
    q = DiagGaussian(torch.randn(5, 3), torch.rand(5, 3) + 0.2)
    p = DiagGaussian(torch.randn(5, 3), torch.rand(5, 3) + 0.2)
    expected = torch.distributions.kl_divergence(torch.distributions.Normal(q.loc, q.scale),
                                                 torch.distributions.Normal(p.loc, p.scale)).sum(-1)
    assert torch.allclose(gaussian_kl(q, p), expected, atol=1e-6)


def test_builder_kinds_and_released_embedding_multiplicity(corpus):
    seq2seq, cvae = model_of("seq2seq", corpus), model_of("cvae", corpus)
    coupled = model_of("cvae", corpus, Coupling(1.0, 2.0))
    assert isinstance(seq2seq, GRUEncoderDecoder) and isinstance(cvae, CVAE) and isinstance(coupled, CoupledCVAE)
    # One embedding, listed in the released Adam once per holder: post encoder, (response encoder,) decoder(s).
    assert [embedding_holders(m) for m in (seq2seq, cvae, coupled)] == [2, 3, 4]
    assert all(shared_embedding(m) is not None for m in (seq2seq, cvae, coupled))
    assert seq2seq.likelihood == "exact" and cvae.likelihood == coupled.likelihood == "importance"
    with pytest.raises(ValueError):
        model_of("seq2seq", corpus, Coupling())
    with pytest.raises(ValueError):
        model_of("vae", corpus)


def test_released_dimensions(corpus):
    model = build_dialogue_model("cvae", 50)
    assert model.post.encoder.gru.hidden_size == 128 and model.response_encoder.gru.bidirectional
    assert model.path.decoder.gru.hidden_size == 256 and model.path.decoder.gru.input_size == 400
    assert model.prior_network.mean.in_features == 256 and model.path.posterior.mean.in_features == 512
    assert model.path.posterior.mean.out_features == 32 and model.post.to_context.out_features == 200


@pytest.mark.parametrize("kind,coupling", [("seq2seq", None), ("cvae", None), ("cvae", Coupling(1.0, 0.5))])
def test_training_terms_backpropagate_into_every_used_part(corpus, kind, coupling):
    model = model_of(kind, corpus, coupling, dropout=0.2)
    model.train()
    terms = model.training_terms(corpus.splits["train"].batch(torch.arange(16)), kl_weight=0.5)
    assert all(torch.isfinite(v) for v in terms.values())
    terms["loss"].backward()
    unused = ("twin.posterior.log_scale",)     # the twin decodes from the mean only
    for name, parameter in model.named_parameters():
        if not name.startswith(unused):
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def step_by_step_nll(model: GRUEncoderDecoder, post: torch.Tensor, response: list[int]) -> float:
    """-log p(response | post), one GRU step at a time from the model's definition."""
    embedding, decoder = model.decoder.embedding, model.decoder
    states = model.post.encoder.gru(embedding(post).unsqueeze(0))[1]
    context = model.post.to_context(torch.cat([states[0, 0], states[1, 0]]))
    _, hidden = decoder.gru(torch.cat([context, context]).view(1, 1, -1))
    total = 0.0
    for previous, target in zip([GO] + response, response + [EOS], strict=True):
        step = torch.cat([embedding(torch.tensor(previous)), context]).view(1, 1, -1)
        out, hidden = decoder.gru(step, hidden)
        total -= float(F.log_softmax(decoder.head(out[0, 0]), -1)[target])
    return total


def test_seq2seq_scores_are_the_exact_teacher_forced_nll(corpus):
    model = model_of("seq2seq", corpus).eval()
    test = corpus.splits["test"]
    nll, kl, lengths = sentence_scores(model, test, n_samples=100, max_len=MAX_LEN)
    assert kl is None and torch.equal(lengths, test.lengths)
    with torch.no_grad():
        for i in range(len(test)):
            post, response = test.pair(i)
            assert float(nll[i]) == pytest.approx(step_by_step_nll(model, post, response.tolist()), abs=1e-4)
    result = evaluate_likelihood(model, test, 100, MAX_LEN)
    assert result["ppl"] == pytest.approx(math.exp(float(nll.sum()) / float((lengths + 1).sum())))


def test_importance_sampling_is_exact_when_q_equals_p_and_z_is_ignored(corpus):
    """With q(z|x,y) = p(z|y) = N(0, I) and a decoder that ignores z, every importance weight is p(x|y):
    the estimate must equal the exact NLL given the post alone, and the KL must be 0."""
    model = model_of("cvae", corpus).eval()
    with torch.no_grad():
        for network in (model.prior_network, model.path.posterior):
            for parameter in network.parameters():
                parameter.zero_()
        last = model.path.to_signal[-1]
        last.weight.zero_(), last.bias.zero_()
    test = corpus.splits["test"]
    nll, kl, _ = sentence_scores(model, test, n_samples=7, max_len=MAX_LEN)
    assert torch.all(kl.abs() < 1e-6)
    with torch.no_grad():
        batch = test.batch(torch.arange(len(test)))
        exact = model.path.decoder.sentence_nll(model.post(batch)[1], batch)
    assert torch.allclose(nll, exact.double(), atol=1e-4)


def test_monte_carlo_kl_converges_to_the_closed_form(corpus):
    model = model_of("cvae", corpus, seed=3).eval()
    test = corpus.splits["test"].subset(2)
    torch.manual_seed(0)
    nll, kl, _ = sentence_scores(model, test, n_samples=3000, max_len=MAX_LEN)
    with torch.no_grad():
        batch = test.batch(torch.arange(2))
        closed = gaussian_kl(model.posterior(batch), model.prior_for(batch))
    assert torch.all(torch.isfinite(nll)) and torch.all(nll > 0)
    # The Monte Carlo standard error of 3000 samples is at most 0.15 nats here (pair 1, KL 4.6).
    assert torch.allclose(kl, closed.double(), atol=0.5)


def coupled_model(corpus, lambda_rec, lambda_match, distance="rq"):
    return model_of("cvae", corpus, Coupling(lambda_rec, lambda_match, distance))


def test_coupled_objective_adds_weighted_terms(corpus):
    model = coupled_model(corpus, lambda_rec=0.5, lambda_match=2.0)
    terms = model.training_terms(corpus.splits["train"].batch(torch.arange(8)), kl_weight=0.3)
    expected = terms["rec"] + 0.3 * terms["kl"] + 0.5 * terms["rec_c"] + 2.0 * terms["match"]
    assert torch.allclose(terms["loss"], expected)


@pytest.mark.parametrize("distance", ["rq", "euclidean"])
def test_matching_sends_no_gradient_into_the_twin(corpus, distance):
    model = coupled_model(corpus, lambda_rec=0.0, lambda_match=1.0, distance=distance)
    model.training_terms(corpus.splits["train"].batch(torch.arange(8)), kl_weight=1.0)["match"].backward()
    embedding = shared_embedding(model)      # shared with the encoders, which the matching trains through h
    assert all(p.grad is None or p.grad.abs().sum() == 0 for p in model.twin.parameters() if p is not embedding)
    # ... but reaches the stochastic signal h = MLP(z) + c_y, the post projection included.
    for module in (model.base.path.to_signal, model.base.post.to_context):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())


def test_twin_decodes_from_the_posterior_mean(corpus):
    model = coupled_model(corpus, 1.0, 1.0).eval()
    batch = corpus.splits["train"].batch(torch.arange(8))
    torch.manual_seed(2)
    first = model.training_terms(batch, 1.0)
    torch.manual_seed(3)
    second = model.training_terms(batch, 1.0)
    assert torch.allclose(first["rec_c"], second["rec_c"]) and not torch.allclose(first["rec"], second["rec"])


@pytest.mark.parametrize("kind,coupling", [("seq2seq", None), ("cvae", None), ("cvae", Coupling(1.0, 0.5))])
def test_responses_give_distinct_n_and_never_unk(corpus, kind, coupling):
    model = model_of(kind, corpus, coupling)
    result = evaluate_responses(model, corpus.splits["test"], corpus.vocab, max_len_decode=6, mask_unk=True,
                                max_len=MAX_LEN)
    assert 0.0 <= result["dist1"] <= 1.0 and 0.0 <= result["dist2"] <= 1.0
    assert len(result["examples"]) == 5 and 0 <= result["empty_responses"] <= len(corpus.splits["test"])
    assert all("<unk>" not in e["response"].split() for e in result["examples"])
    batch = corpus.splits["test"].batch(torch.arange(12))
    assert all(UNK not in ids and len(ids) <= 6 for ids in model.respond(batch, 6, True))


def test_trainer_runs_a_coupled_cvae_on_pairs(corpus):
    model = model_of("cvae", corpus, Coupling(1.0, 2.0))
    cfg = TrainConfig(batch_size=8, iterations=4, finish_epoch=False, valid_every=2, valid_samples=2,
                      kl_anneal=Anneal(start=0, steps=4), lr_decay_start=100)
    result = Trainer(model, corpus, cfg, seed=0).run()
    assert result.iterations == 4 and result.best_iteration in (2, 4)
    assert math.isfinite(result.best_valid_nll)
    assert set(result.curves.terms) >= {"rec", "kl", "rec_c", "match"}

