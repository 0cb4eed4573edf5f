"""Rows declare their own reduced-budget sizes (`register_model(..., reduced=)`); the full budget never shrinks."""

import pytest

from suite import registry
from suite.budgets import BUDGETS
from suite.config import ModelConfig, RunConfig, TrainConfig, Transformer


def test_changes_follow_dotted_paths_into_nested_configs():
    config = RunConfig("m", "ptb", ModelConfig(transformer=Transformer()), TrainConfig())
    changed = config.with_changes({"model.transformer.layers": 2, "train.batch_size": 8})
    assert (changed.model.transformer.layers, changed.train.batch_size) == (2, 8)
    assert changed.model.transformer.d_model == config.model.transformer.d_model
    assert config.model.transformer.layers == 6          # frozen: the original is untouched


@pytest.mark.parametrize("path", ["model.enc_hiden", "model.transformer.layers", "train.batch_size.x"])
def test_a_path_that_names_no_field_is_refused(path):
    config = RunConfig("m", "ptb", ModelConfig(), TrainConfig())
    with pytest.raises(ValueError, match="config has no field"):
        config.with_changes({path: 1})


@pytest.mark.parametrize("budget", ["full", "fast"])
def test_sizes_are_declared_for_reduced_budgets_only(budget):
    with pytest.raises(ValueError, match="not a reduced budget"):
        registry.register_model("never-registered", paper="p", datasets=("ptb",), reduced={budget: {}})
    assert "never-registered" not in registry.MODELS


def test_the_full_budget_is_every_models_paper_config():
    registry.load()
    for model_id, entry in registry.MODELS.items():
        for dataset in entry.datasets:
            assert entry.run_config(dataset, BUDGETS["full"]) == entry.config(dataset), model_id


def test_rows_shrink_as_their_paper_module_declares():
    def smoke(model_id, dataset):
        return registry.get_model(model_id).run_config(dataset, BUDGETS["smoke"])
    dialogue, sentence = smoke("wae2-wed-s", "chitchat"), smoke("wae1-vae", "ptb")
    assert (dialogue.model.enc_hidden, dialogue.model.dec_hidden, dialogue.model.latent_dim) == (100, 200, 100)
    assert dialogue.train.batch_size == sentence.train.batch_size == 32
    assert smoke("sa-vae", "ptb").model.posterior.svi_steps == 1
    assert smoke("transformer", "chitchat").model.transformer.layers == 1
    # a model without declared sizes keeps its paper's
    assert smoke("vae", "ptb").model == registry.get_model("vae").config("ptb").model
