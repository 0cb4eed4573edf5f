"""ReleasedRMSProp against a float64 transcription of TF 1's clip_by_norm and ApplyRMSProp (mean square started
at ones), stepped on random gradients of known norms."""

import numpy as np
import pytest
import torch
from torch import nn

from suite.config import DialogueTrainConfig, TFRMSProp
from suite.training.tf_rmsprop import ReleasedRMSProp


def tf_clip_by_norm(gradient: np.ndarray, clip: float) -> np.ndarray:
    return gradient * clip / max(np.sqrt((gradient ** 2).sum()), clip)


def tf_rmsprop_steps(theta, gradients, lr, rho, mu, eps, clip):
    mean_square, momentum = np.ones_like(theta), np.zeros_like(theta)
    for gradient in gradients:
        gradient = tf_clip_by_norm(gradient, clip)
        mean_square = rho * mean_square + (1 - rho) * gradient ** 2
        momentum = mu * momentum + lr * gradient / np.sqrt(mean_square + eps)
        theta = theta - momentum
    return theta


def test_steps_as_tensorflow_1_with_each_gradient_clipped_alone():
    rng = np.random.default_rng(0)
    shapes, clip = [(3, 4), (5,)], 2.0
    # per step: the first tensor's gradient far over the clip (norm ~ 10), the second under it (norm ~ 0.5)
    gradients = [[rng.normal(size=shapes[0]) * 3.0, rng.normal(size=shapes[1]) * 0.2] for _ in range(5)]
    start = [rng.normal(size=shape) for shape in shapes]
    module = nn.Module()
    module.a, module.b = (nn.Parameter(torch.tensor(value, dtype=torch.float64)) for value in start)
    cfg = DialogueTrainConfig(lr=0.01, clip_norm=clip, rmsprop=TFRMSProp(momentum=0.9, decay=0.9, epsilon=1e-10))
    optimizer = ReleasedRMSProp(module, cfg)
    for step in gradients:
        for parameter, gradient in zip((module.a, module.b), step, strict=True):
            parameter.grad = torch.tensor(gradient)
        norm = optimizer.step()
        assert float(norm) == pytest.approx(np.sqrt(sum((g ** 2).sum() for g in step)))   # before clipping
    for parameter, index in ((module.a, 0), (module.b, 1)):
        expected = tf_rmsprop_steps(start[index], [step[index] for step in gradients], 0.01, 0.9, 0.9, 1e-10, clip)
        np.testing.assert_allclose(parameter.detach().numpy(), expected, rtol=1e-12, atol=1e-14)


def test_resumes_from_its_saved_state():
    torch.manual_seed(0)
    cfg = DialogueTrainConfig(lr=0.01, clip_norm=1.0, rmsprop=TFRMSProp())
    straight, resumed = nn.Linear(3, 2), nn.Linear(3, 2)
    resumed.load_state_dict(straight.state_dict())
    gradients = [[torch.randn_like(p) for p in straight.parameters()] for _ in range(4)]

    def step(model, optimizer, grads):
        for parameter, gradient in zip(model.parameters(), grads, strict=True):
            parameter.grad = gradient.clone()
        optimizer.step()

    first = ReleasedRMSProp(straight, cfg)
    for grads in gradients:
        step(straight, first, grads)
    before = ReleasedRMSProp(resumed, cfg)
    for grads in gradients[:2]:
        step(resumed, before, grads)
    after = ReleasedRMSProp(resumed, cfg)
    after.load_state_dict(before.state_dict())
    for grads in gradients[2:]:
        step(resumed, after, grads)
    for a, b in zip(straight.parameters(), resumed.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
