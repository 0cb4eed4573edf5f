"""SA-VAE's SVI refinement and He et al.'s LSTM VAE."""

import pytest
import torch

from suite.config import ModelConfig, Posterior
from suite.data.vocab import EOS, GO
from suite.models.build import build_lstm_vae
from suite.models.lstm_vae import delimited

TINY = dict(family="lstm-vae", emb_dim=8, enc_hidden=12, dec_hidden=12, latent_dim=3, dropout=0.0)


def expected_loss(model, batch, q, noise):
    """Per-sentence ELBO loss (KL weight 1) averaged over fixed noise draws: common random numbers."""
    losses = [model.sentence_nll(batch, q.loc + q.scale * eps) + q.kl() for eps in noise]
    return torch.stack(losses).mean(0)


def test_refinement_lowers_the_per_sentence_elbo_loss(tiny_batch):
    torch.manual_seed(0)
    model = build_lstm_vae(ModelConfig(**TINY, posterior=Posterior(svi_steps=20)), vocab_size=40).eval()
    with torch.no_grad():
        for p in model.parameters():       # an untrained model is too flat for SVI to matter; make it less so
            p.mul_(30)
    amortised = model.base.posterior(tiny_batch)
    refined = model.posterior(tiny_batch)
    noise = torch.randn(200, *amortised.loc.shape)
    with torch.no_grad():
        before = expected_loss(model.base, tiny_batch, amortised, noise)
        after = expected_loss(model.base, tiny_batch, refined, noise)
    assert (after < before).float().mean() >= 0.75
    assert after.mean() < before.mean()


def test_training_gradient_flows_through_the_refinement_to_the_encoder(tiny_batch):
    torch.manual_seed(0)
    model = build_lstm_vae(ModelConfig(**TINY, posterior=Posterior(svi_steps=3)), vocab_size=40).train()
    model.training_terms(tiny_batch, 0.5)["loss"].backward()
    encoder_grads = [p.grad for p in model.base.encoder.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in encoder_grads)
    assert any(g.abs().sum() > 0 for g in encoder_grads)


def test_the_encoders_gradient_is_exact_through_the_unrolled_refinement(tiny_batch):
    """d loss / d (the encoder weight with the largest gradient) equals a central finite difference, in float64
    with the same noise at every evaluation: the refinement's second-order terms are in, none dropped or detached."""
    torch.manual_seed(0)
    model = build_lstm_vae(ModelConfig(**TINY, posterior=Posterior(svi_steps=3)), vocab_size=40).double().train()
    with torch.no_grad():         # weights larger than the released initialisation's, so that z matters
        for parameter in model.parameters():
            parameter.uniform_(-0.5, 0.5)

    def loss() -> torch.Tensor:
        torch.manual_seed(1)
        return model.training_terms(tiny_batch, 0.5)["loss"]

    loss().backward()
    weight = max(model.base.encoder.parameters(), key=lambda p: float(p.grad.abs().max()))
    element = int(weight.grad.abs().argmax())
    flat = weight.view(-1)

    def shifted_loss(step: float) -> float:      # the refinement needs autograd, so only the shift is no_grad
        with torch.no_grad():
            flat[element] += step
        value = float(loss().detach())
        with torch.no_grad():
            flat[element] -= step
        return value

    analytic, h = float(weight.grad.view(-1)[element]), 1e-6
    assert abs(analytic) > 1e-3
    assert analytic == pytest.approx((shifted_loss(h) - shifted_loss(-h)) / (2 * h), rel=1e-5)


def test_encoder_reads_the_delimited_sentence():
    words = torch.tensor([[5, 6, 7], [8, 0, 0]])
    assert delimited(words, torch.tensor([3, 1])).tolist() == [[GO, 5, 6, 7, EOS], [GO, 8, EOS, 0, 0]]


def test_released_initialisation():
    model = build_lstm_vae(ModelConfig(**TINY), vocab_size=40)
    embeddings = [model.encoder.embedding.weight, model.path.decoder.embedding.weight]
    assert all(e.abs().max() <= 0.1 and e.abs().max() > 0.01 for e in embeddings)
    others = [p for p in model.parameters() if all(p is not e for e in embeddings)]
    assert all(p.abs().max() <= 0.01 for p in others)


def test_a_sentences_refined_posterior_depends_on_its_batch_so_evaluation_uses_the_released_batches(tiny_corpus):
    """The refinement minimises a batch mean: the same sentence refined alone moves further than among 32. NLL
    evaluation therefore refines in He et al.'s test batches (one length, at most 32 sentences each)."""
    from suite.evaluation import likelihood

    torch.manual_seed(0)
    model = build_lstm_vae(ModelConfig(**TINY, posterior=Posterior(svi_steps=5)), vocab_size=len(tiny_corpus.vocab))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(30)
    test = tiny_corpus.splits["test"]
    torch.manual_seed(1)
    alone = model.posterior(test.batch(torch.tensor([0]))).loc
    torch.manual_seed(1)
    among = model.posterior(test.batch(torch.arange(len(test)))).loc[:1]
    assert not torch.allclose(alone, among, atol=1e-3)

    seen = []
    refine = model.posterior
    model.posterior = lambda batch: seen.append(batch.lengths.tolist()) or refine(batch)
    likelihood.sentence_scores(model, test, n_samples=2, max_len=None)
    assert sum(map(len, seen)) == len(test)
    assert all(len(set(lengths)) == 1 and len(lengths) <= 32 for lengths in seen)


def test_refinement_under_a_small_kl_weight_gives_up_more_kl(tiny_batch):
    """Validation during the KL warm-up refines with the annealed weight (the released closure reads it)."""
    torch.manual_seed(0)
    model = build_lstm_vae(ModelConfig(**TINY, posterior=Posterior(svi_steps=10)), vocab_size=40).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(30)
    torch.manual_seed(1)
    warm_up = model.refined_posterior(tiny_batch, kl_weight=0.1).kl()
    torch.manual_seed(1)
    full = model.posterior(tiny_batch).kl()
    assert warm_up.mean() > full.mean()


def test_the_decoders_last_word_embedding_never_trains_as_released():
    """The released decoder's nn.Embedding(..., padding_idx=-1), meant as no padding, makes the last row a
    padding row: initialised like the others, it gets no gradient."""
    model = build_lstm_vae(ModelConfig(**TINY), vocab_size=40)
    words = torch.tensor([[39, 5, 39, 7]])
    model.path.decoder.embedding(words).sum().backward()
    grad = model.path.decoder.embedding.weight.grad
    assert model.path.decoder.embedding.weight[39].abs().max() > 0.01
    assert not grad[39].any() and grad[5].any()
