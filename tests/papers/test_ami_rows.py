"""The AMI rows' full-budget setup is supplement B.1's (and the authors' code's where B.1 is silent); reduced
budgets derive from it; the AMI row runs end to end on PersonaChat files as a user supplies them."""

import json
import math

import pytest

from suite import progress, registry
from suite.budgets import BUDGETS
from suite.data.datasets import get_dataset
from suite.data.dialogue import HISTORY
from suite.data.personachat import FILES as PERSONACHAT_FILES
from suite.data.personachat import load_personachat
from suite.gate import metrics_of
from suite.runner import RunSpec, run_model
from suite.tables import get_table


def config(model_id: str, budget: str = "full", dataset: str = "personachat"):
    return registry.get_model(model_id).run_config(dataset, BUDGETS[budget])


def test_transformer_row_is_b1():
    cfg = config("transformer")
    shape, train = cfg.model.transformer, cfg.train
    assert (shape.d_model, shape.inner, shape.heads, cfg.model.dropout) == (512, 2048, 8, 0.1)
    assert (train.batch_size, train.betas, train.adam_eps) == (64, (0.9, 0.998), 1e-9)
    assert HISTORY == 3
    assert train.noam.warmup == 8000 and train.clip_norm is None and train.keep_last
    assert train.iterations == 100_000 and shape.beam == 5
    assert train.batches == "context-sorted"        # OpenNMT-py's sorted pools, by the forward network's source


def test_mmi_and_ami_build_on_the_rows_before_them():
    mmi, ami = config("transformer-mmi"), config("transformer-ami")
    assert mmi.train.init_from == "transformer" and mmi.model.transformer.n_best == 10
    assert mmi.model.transformer.mmi_lambda == 1.0     # select_results.py: the backward score alone
    assert ami.model.transformer.label_smoothing == 0.1 and ami.train.game.label_smoothing == 0.0   # yml; train.sh
    assert ami.train.init_from == "transformer-mmi" and ami.train.game.noise_lambda == 0.1
    # train.sh sets no game length or schedule: OpenNMT-py's defaults (100k steps a network, halving from 50k)
    game = ami.train.game
    assert ami.train.iterations == game.noise_iterations + game.batches_for(100_000)
    assert (game.decay, game.decay_start, game.decay_every) == (0.5, 50_000, 10_000)
    # MMI trains only the backward network (its source: the response); the game draws the forward corpus.
    assert (mmi.train.batches, ami.train.batches) == ("response-sorted", "context-sorted")


def test_reduced_budgets_shrink_and_compress_the_setup():
    smoke = config("transformer-ami", "smoke", "chitchat")
    assert smoke.train.iterations == 30 and smoke.model.transformer.d_model < 512
    assert 1 <= smoke.train.game.noise_iterations < 30
    full, quick_game = config("transformer-ami").train, config("transformer-ami", "quick", "chitchat").train.game
    scale = 1500 / full.iterations      # the game's learning rate halves as often over the quick run as over the full
    assert (quick_game.decay_start, quick_game.decay_every) == (round(50_000 * scale), round(10_000 * scale))
    quick = config("transformer", "quick", "chitchat")
    assert quick.train.noam.compress == 1500 / 100_000
    assert quick.train.noam.lr(2.0, 1500) == config("transformer").train.noam.lr(2.0, 100_000)


def test_chitchat_stands_in_for_personachat():
    assert "personachat" in get_dataset("chitchat").stands_in_for


@pytest.fixture()
def personachat_dir(tmp_path, monkeypatch):
    """PersonaChat in ParlAI's `self_original` text format, as a user supplies it."""
    monkeypatch.setattr(progress, "SHOW", False)
    persona = "1 your persona: i like to ski.\n2 your persona: i have two dogs.\n"
    turns = [f"3 hi , how are you doing today {i} ?\tgood , just walked my {i} dogs !\t\tyes|no\n"
             f"4 i love dogs . what kind ?\ttwo poodles and {i} cats .\t\ta|b\n" for i in range(12)]
    for name in PERSONACHAT_FILES.values():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("".join(persona + episode for episode in turns))
    return tmp_path


def test_the_ami_row_trains_its_chain_and_evaluates_on_the_supplied_personachat_files(personachat_dir, tmp_path):
    spec = RunSpec("transformer-ami", "personachat", BUDGETS["smoke"], 0, tmp_path / "results", personachat_dir)
    record = run_model(spec, metrics_of("transformer-ami"))
    assert record["stand_in"] is False and record["status"] == "trained" and record["dataset"] == "personachat"
    assert record["data_checksum"] == load_personachat(personachat_dir).checksum
    assert record["splits"] == {"train": 36, "valid": 36, "test": 36}     # 12 episodes of 4 turns: 3 pairs each
    table_metrics = get_table("ami-dialog").metrics
    assert all(math.isfinite(record["metrics"][m]) for m in table_metrics)
    assert record["metrics"]["kl"] is None        # a Transformer has no latent variable
    # the game started from the MMI row's networks, itself from the Transformer's: both ran on the same files
    for source in ("transformer", "transformer-mmi"):
        records = (spec.results_dir / "runs" / "personachat" / source).glob("*/record.json")
        assert [json.loads(path.read_text())["stand_in"] for path in records] == [False]
