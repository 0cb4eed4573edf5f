import pytest
import torch


@pytest.fixture
def loss_and_gradients():
    """One training step's loss terms and gradients (no update), from the same random state every call."""
    def step(model, batch, seed=0):
        torch.manual_seed(seed)
        model.train()
        model.zero_grad()
        terms = model.training_terms(batch, 0.5)
        terms["loss"].backward()
        return ({name: value.detach().clone() for name, value in terms.items()},
                {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None})
    return step
