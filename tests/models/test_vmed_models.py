"""VMED's models end to end on tiny sizes: finite objectives averaged as the released masks average them,
decoding as the released loop decodes, padding that changes nothing."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from suite.config import MemoryDialogueConfig
from suite.data.dialogue import PairSet
from suite.data.vocab import EOS, GO, PAD
from suite.models.build_vmed import VMED_FAMILIES, build_vmed_model
from suite.models.stepwise import decoded_mask, decoded_targets, released_context

VOCAB = 30
TINY = MemoryDialogueConfig(family="lstm-seq2seq", emb_dim=8, enc_hidden=12, dec_hidden=12, latent_dim=4, layers=2,
                            memory_slots=5, memory_width=6)
CONFIGS = {"seq2seq": TINY, "seq2seq-att": replace(TINY, attention=True), "cvae": replace(TINY, family="lstm-cvae"),
           "vlstm": replace(TINY, family="vlstm"), "dnc": replace(TINY, family="dnc"),
           "vmed-k3": replace(TINY, family="vmed", modes=3)}
PAIRS = PairSet.from_lists([[5, 6, 7, 8], [9, 10], [11, 12, 13]], [[14, 15, 16], [17], [18, 19]])


def model(name: str):
    torch.manual_seed(0)
    return build_vmed_model(CONFIGS[name], VOCAB)


def test_every_family_is_covered():
    assert {c.family for c in CONFIGS.values()} == set(VMED_FAMILIES)


@pytest.mark.parametrize("name", CONFIGS)
def test_objective_is_finite_and_trains(name):
    net = model(name)
    batch = PAIRS.batch(torch.arange(3))
    terms = net.training_terms(batch, kl_weight=0.5)
    assert all(torch.isfinite(v) for v in terms.values())
    assert ("kl" in terms) == (net.likelihood == "elbo")
    terms["loss"].backward()
    assert all(p.grad is not None for n, p in net.named_parameters() if "response_encoder" not in n)
    assert net.deterministic_nll(batch).shape == (3,)


@pytest.mark.parametrize("name", ["seq2seq", "seq2seq-att", "dnc"])
def test_greedy_responses_run_as_the_released_decoder_loop(name):
    """The released loop over the whole batch (each context encoded with the batch's padding, as released): a
    first step from a zero vector, then each step reads the argmax before, for `max_len` steps; a response
    stops at its first <eos> and drops <pad> and <go> (bleu_score keeps ids > 2)."""
    net = model(name).eval()
    batch = PAIRS.batch(torch.arange(3))
    responses = net.respond(batch, max_len=6, mask_unk=False)
    state, _ = net.start(batch, posterior=False)
    inputs, steps = torch.zeros(3, net.embedding.embedding_dim), []
    with torch.no_grad():
        for _ in range(6):
            logits, state, _ = net.step(inputs, state)
            steps.append(logits.argmax(-1))
            inputs = net.embedding(steps[-1])
    for response, tokens in zip(responses, torch.stack(steps, 1).tolist(), strict=True):
        tokens = tokens[:tokens.index(EOS)] if EOS in tokens else tokens
        assert response == [t for t in tokens if t not in (PAD, GO)]


@pytest.mark.parametrize("name", ["seq2seq", "vlstm", "vmed-k3", "cvae"])
def test_the_objective_averages_as_the_released_masks_do(name):
    """Cross-entropy over every <go> prediction and each response's words and <eos>; KL over every step of
    every row, padded ones included."""
    net = model(name)
    batch = PAIRS.batch(torch.arange(3))
    torch.manual_seed(2)
    terms = net.training_terms(batch, kl_weight=0.5)
    torch.manual_seed(2)
    nll, kl = net.unroll(batch, net.teacher_forcing)
    mask = decoded_mask(batch)
    assert mask.shape == (3, 5) and int(mask.sum()) == 3 + (3 + 1) + (1 + 1) + (2 + 1)
    assert torch.allclose(terms["rec"], nll[mask].mean())
    if kl is not None:
        assert torch.allclose(terms["kl"], kl.mean())
        assert torch.allclose(terms["loss"], nll[mask].mean() + 0.5 * kl.mean())


def test_contexts_are_left_padded_to_the_batch_and_closed_by_eos_as_released():
    batch = PAIRS.batch(torch.arange(3))                         # contexts of 4, 2 and 3 words
    assert released_context(batch).tolist() == [[5, 6, 7, 8, EOS], [PAD, PAD, 9, 10, EOS], [PAD, 11, 12, 13, EOS]]


@pytest.mark.parametrize("name", ["seq2seq-att", "dnc", "vmed-k3", "cvae", "vlstm"])
def test_every_encoder_reads_the_batchs_padding_as_released(name):
    """A short context next to a longer one is encoded as if its left padding were words of its own."""
    net = model(name).eval()

    def final_h(posts):
        encoded = net.encoder(PairSet.from_lists(posts, [[17]] * len(posts)).batch(torch.arange(len(posts))))
        return (encoded["h"] if isinstance(encoded, dict) else encoded[1])[0]

    padded = final_h([[9, 10], [5, 6, 7, 8]])                    # [9, 10] next to a context of 4 words
    assert torch.allclose(padded, final_h([[PAD, PAD, 9, 10]]), atol=1e-6)
    assert not torch.allclose(padded, final_h([[9, 10]]), atol=1e-4)


def released_cell(x, h, c, kernel, bias, forget_bias=1.0):
    """TensorFlow's LayerNormBasicLSTMCell with layer_norm=False (the released "nlstm" controller), in NumPy:
    one projection of [x, h], gates in the order i, j, f, o, the forget gate shifted by `forget_bias`."""
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    c = c * sigmoid(f + forget_bias) + sigmoid(i) * np.tanh(j)
    return np.tanh(c) * sigmoid(o), c


@pytest.mark.parametrize("name", CONFIGS)
def test_every_lstm_starts_as_the_released_cell_with_its_forget_bias(name):
    """Weights from N(0, 0.1); each forget gate's bias 1 higher. A PyTorch cell so started is the released cell
    with the weights it drew: the same outputs when TF's bias holds our two biases less that 1."""
    lstms = [m for m in model(name).modules() if isinstance(m, (nn.LSTM, nn.LSTMCell))]
    assert lstms
    for lstm in lstms:
        hidden = lstm.hidden_size
        for bias in (p for n, p in lstm.named_parameters() if n.startswith("bias_ih")):
            forget, others = bias[hidden:2 * hidden].detach(), torch.cat([bias[:hidden], bias[2 * hidden:]]).detach()
            assert abs(float(forget.mean()) - 1.0) < 0.1 and abs(float(others.mean())) < 0.1
    cell = next(m for m in lstms if isinstance(m, nn.LSTMCell))         # a decoder's first layer
    hidden = cell.hidden_size
    x, h, c = torch.randn(3, cell.input_size), torch.randn(3, cell.hidden_size), torch.randn(3, cell.hidden_size)
    reorder = torch.cat([torch.arange(0, hidden), torch.arange(2 * hidden, 3 * hidden),   # i, f, g, o -> i, j, f, o
                         torch.arange(hidden, 2 * hidden), torch.arange(3 * hidden, 4 * hidden)])
    weights = torch.cat([cell.weight_ih, cell.weight_hh], 1)[reorder].T.detach().numpy()
    bias = (cell.bias_ih + cell.bias_hh)[reorder].detach().numpy().copy()
    bias[2 * hidden:3 * hidden] -= 1.0
    expected_h, expected_c = released_cell(x.numpy(), h.numpy(), c.numpy(), weights, bias)
    with torch.no_grad():
        h_new, c_new = cell(x, (h, c))
    np.testing.assert_allclose(h_new.numpy(), expected_h, atol=1e-5)
    np.testing.assert_allclose(c_new.numpy(), expected_c, atol=1e-5)


@pytest.mark.parametrize("name", CONFIGS)
def test_only_the_lstm_cells_carry_biases_as_released(name):
    """The released output, interface, attention and Gaussian maps are bare matrices: every parameter outside
    the LSTM cells is one."""
    net = model(name)
    in_lstms = {id(p) for m in net.modules() if isinstance(m, (nn.LSTM, nn.LSTMCell)) for p in m.parameters()}
    vectors = [n for n, p in net.named_parameters() if id(p) not in in_lstms and p.dim() < 2]
    assert in_lstms and not vectors, vectors


@pytest.mark.parametrize("name", ["seq2seq-att", "vlstm", "vmed-k3"])
def test_without_teacher_forcing_each_step_reads_the_previous_steps_argmax(name):
    """The released training (use_teacher=False) feeds back the model's own prediction after a first step
    from a zero vector."""
    net = build_vmed_model(replace(CONFIGS[name], teacher_forcing=False), VOCAB).eval()
    batch = PAIRS.batch(torch.arange(3))
    fed, predicted = [], []
    step = net.step

    def recording(words, state, *guide):
        logits, state, kl = step(words, state, *guide)
        fed.append(words)
        predicted.append(logits.argmax(-1))
        return logits, state, kl

    net.step = recording
    torch.manual_seed(0)
    net.training_terms(batch, kl_weight=1.0)
    assert len(fed) == batch.inputs.size(1) + 1 and not fed[0].any()     # the released first step reads zeros
    for t in range(1, len(fed)):
        assert torch.equal(fed[t], net.embedding(predicted[t - 1]))
    fed.clear()
    net.deterministic_nll(batch)                 # the likelihood (validation, nll_bound) reads the gold words
    assert not fed[0].any()
    for t in range(1, len(fed)):
        assert torch.equal(fed[t], net.embedding(batch.inputs[:, t - 1]))


def test_the_response_encoder_runs_over_the_padding_as_the_released_rnn():
    """Its padded steps (read by the posteriors of padded steps, whose KL the loss averages) continue the RNN;
    its real steps are those of the response alone."""
    net = model("vlstm")
    batch = PAIRS.batch(torch.arange(3))                # responses of 3, 1 and 2 words: <go> .. <eos> in 5 steps
    outputs = net.response_encoder(batch)
    assert outputs.shape[:2] == (3, 5) and bool(outputs[1, 3:].abs().sum() > 0)
    alone = net.response_encoder(PAIRS.batch(torch.tensor([1])))
    assert torch.allclose(outputs[1, :3], alone[0], atol=1e-6)


def test_the_posteriors_read_both_halves_of_the_response_lstms_state_before_each_step():
    """[c; h] after the targets of steps 0 .. t-1 at step t, a zero state at step 0, as the released
    encode_gt_rnn(time) runs over target_output[:, :time] and concatenates its LSTMStateTuple: checked against
    nn.LSTM with the same weights."""
    net = model("vlstm")
    batch = PAIRS.batch(torch.arange(3))
    cell = net.response_encoder.cell
    lstm = nn.LSTM(cell.input_size, cell.hidden_size, batch_first=True)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(lstm, f"{name}_l0").data.copy_(getattr(cell, name))
    words = net.embedding(decoded_targets(batch))
    hs, (_, c_last) = lstm(words[:, :-1])
    states = net.response_encoder(batch)
    assert states.shape == (3, 5, 24) and not states[:, 0].any()
    assert torch.allclose(states[:, 1:, 12:], hs, atol=1e-6)
    assert torch.allclose(states[:, -1, :12], c_last[0], atol=1e-6)


@pytest.mark.parametrize("name", ["vlstm", "vmed-k3"])
def test_no_posterior_sees_the_word_its_step_predicts(name):
    """Changing the target of step t leaves what the posteriors of steps 0 .. t read unchanged (the released
    posterior reads y_<t), so no step's z can carry the word that step is scored on."""
    net = model(name)
    batch = PAIRS.batch(torch.arange(3))
    other = PAIRS.batch(torch.arange(3))
    t = 2                                                   # the target of step 2 is y_2 of each response
    other.targets[0, t - 1] = 20 if int(batch.targets[0, t - 1]) != 20 else 21
    assert not torch.equal(decoded_targets(batch), decoded_targets(other))
    before, after = net.response_encoder(batch), net.response_encoder(other)
    assert torch.equal(before[:, :t + 1], after[:, :t + 1]) and not torch.equal(before, after)


def test_the_cvae_replaces_each_layers_h_by_a_latent_and_counts_the_top_layers_kl_only():
    """As the released --single_KL model: z_l (as wide as the LSTM) from the prior for responses, from the
    posterior for training; the KL that of the top layer, against torch.distributions."""
    net = model("cvae")
    batch = PAIRS.batch(torch.arange(3))
    _, h, c = net.encoder(batch)
    torch.manual_seed(3)
    state, kl = net.start(batch, posterior=False)
    torch.manual_seed(3)
    prior = net.prior(torch.cat([c, h], -1))
    loc, scale = prior.chunk(2, -1)
    assert kl is None and state["h"].shape == (3, 2, 12) and torch.equal(state["c"], c)
    sigma = torch.exp(nn.functional.softplus(scale) / 2)        # the released heads' softplus is a log-variance
    assert torch.allclose(state["h"], loc + sigma * torch.randn_like(loc))

    _, kl = net.start(batch, posterior=True)
    h_y, c_y = net.response_state(batch)
    q_loc, q_scale = torch.tanh(net.posterior(torch.cat([c + c_y, h + h_y], -1))).chunk(2, -1)
    per_layer = torch.distributions.kl_divergence(
        torch.distributions.Normal(q_loc, torch.exp(nn.functional.softplus(q_scale) / 2)),
        torch.distributions.Normal(loc, sigma)).sum(-1)                                        # (B, L)
    assert torch.allclose(kl, per_layer[:, -1], atol=1e-5)
    assert not torch.allclose(kl, per_layer.sum(-1), atol=1e-3)


def test_the_cvae_reads_the_response_with_the_context_encoder_over_the_padding():
    net = model("cvae")
    h_y, _ = net.response_state(PAIRS.batch(torch.arange(3)))       # row 1's response (1 word) padded by 2 steps
    _, (h_alone, _) = net.encoder.lstm(net.embedding(torch.tensor([[GO, 17, EOS, PAD, PAD]])))
    assert torch.allclose(h_y[1], h_alone[:, 0], atol=1e-6)
    h_unpadded, _ = net.response_state(PAIRS.batch(torch.tensor([1])))
    assert not torch.allclose(h_y[1], h_unpadded[0], atol=1e-4)
