"""The layer-normalised LSTM (TF1's LayerNormBasicLSTMCell): one step against a transcription of TF's equations with
hand-written layer norms, gradients by finite differences, and that padding and reversal never leak across a
sentence's end."""

import numpy as np
import pytest
import torch

from suite.models.layer_norm_lstm import LayerNormLSTM, at_last_step, reverse_each


def tf_step(cell: LayerNormLSTM, x: np.ndarray, h: np.ndarray, c: np.ndarray):
    """LayerNormBasicLSTMCell.call in NumPy: concat, bias-free matmul, split i, j, f, o, per-gate layer_norm
    (gamma, beta, variance epsilon 1e-12), c' = LN(c·σ(f + 1) + σ(i)·tanh(j)), h' = tanh(c')·σ(o)."""
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    def layer_norm(v, norm):
        mean, var = v.mean(-1, keepdims=True), v.var(-1, keepdims=True)
        return (v - mean) / np.sqrt(var + 1e-12) * norm.weight.detach().numpy() + norm.bias.detach().numpy()

    kernel = cell.kernel.weight.detach().numpy().T                      # TF stores [input + hidden, 4 * hidden]
    i, j, f, o = np.split(np.concatenate([x, h], -1) @ kernel, 4, axis=-1)
    i, j, f, o = (layer_norm(g, n) for g, n in zip((i, j, f, o), cell.gate_norms, strict=True))
    c = layer_norm(c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j), cell.state_norm)
    return np.tanh(c) * sigmoid(o), c


def trained_looking_cell(seed: int = 0) -> LayerNormLSTM:
    """A cell whose gains and shifts are not their initial 1 and 0, so they are checked too."""
    torch.manual_seed(seed)
    cell = LayerNormLSTM(5, 4).double()
    with torch.no_grad():
        for norm in [*cell.gate_norms, cell.state_norm]:
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.5, 0.5)
    return cell


def test_a_step_is_tensorflows_layer_norm_basic_lstm_cell():
    cell = trained_looking_cell()
    rng = np.random.default_rng(0)
    x, h, c = rng.normal(size=(3, 5)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    ours = cell.step(torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c)))
    reference = tf_step(cell, x, h, c)
    for got, want in zip(ours, reference, strict=True):
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-10, atol=1e-12)


def test_starts_as_tensorflow_initialises_it():
    cell = LayerNormLSTM(30, 20)
    bound = (6 / (50 + 80)) ** 0.5                                       # Glorot-uniform over [50, 80]
    assert cell.kernel.bias is None and cell.kernel.weight.abs().max() <= bound
    assert cell.kernel.weight.abs().max() > 0.9 * bound
    for norm in [*cell.gate_norms, cell.state_norm]:
        assert torch.all(norm.weight == 1) and torch.all(norm.bias == 0) and norm.eps == 1e-12


def test_gradients_match_finite_differences():
    cell = trained_looking_cell(1)
    inputs = torch.randn(2, 3, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: cell(v), (inputs,))


def test_padding_never_reaches_a_sentence_and_reversal_stays_inside_it():
    cell = trained_looking_cell(2)
    lengths = torch.tensor([3, 1, 4])
    inputs = torch.randn(3, 4, 5, dtype=torch.float64)
    outputs = cell(inputs)
    reversed_inputs = reverse_each(inputs, lengths)
    for row, length in enumerate(lengths.tolist()):
        alone = cell(inputs[row:row + 1, :length])
        assert torch.allclose(outputs[row, :length], alone[0])
        assert torch.equal(reversed_inputs[row, :length], inputs[row, :length].flip(0))
        assert torch.equal(reversed_inputs[row, length:], inputs[row, length:])
        assert torch.allclose(at_last_step(outputs, lengths)[row], alone[0, -1])


@pytest.mark.parametrize("width", [1, 7])
def test_a_run_is_its_steps(width):
    cell = trained_looking_cell(3)
    inputs = torch.randn(2, width, 5, dtype=torch.float64)
    state = cell.zero_state(2, inputs)
    for t in range(width):
        state = cell.step(inputs[:, t], state)
    assert torch.allclose(cell(inputs)[:, -1], state[0])
