"""Same seed, same numbers on CPU; another seed, other numbers."""

import json

import pytest

from suite.budgets import BUDGETS
from suite.errors import SuiteError
from suite.records import RECORD, WEIGHTS
from suite.runner import RunSpec, run_model, trained_model

METRICS = ("nll", "kl", "ppl", "mi", "bleu1", "dist1")


def smoke(model, seed, directory):
    return run_model(RunSpec(model, "ptb", BUDGETS["smoke"], seed, directory), METRICS)


def test_same_seed_same_numbers_and_another_seed_differs(tmp_path):
    first = smoke("coupled-vae", 0, tmp_path / "a")
    second = smoke("coupled-vae", 0, tmp_path / "b")
    assert first["metrics"] == second["metrics"]
    assert first["training"]["curves"] == second["training"]["curves"]
    other = smoke("coupled-vae", 1, tmp_path / "c")
    assert other["metrics"]["nll"] != first["metrics"]["nll"]


def test_a_finished_run_is_reused_not_retrained_unless_its_key_changed(tmp_path):
    first = smoke("vae", 0, tmp_path)
    again = smoke("vae", 0, tmp_path)
    assert again["provenance"]["created"] == first["provenance"]["created"]
    assert again["metrics"] == first["metrics"]
    # a record of other code (or config, or data) is stale: the run trains again, to the same numbers
    path = tmp_path / "runs/ptb/vae/smoke-seed0/record.json"
    stale = json.loads(path.read_text())
    stale["key"]["code"] = "an earlier revision"
    path.write_text(json.dumps(stale))
    retrained = smoke("vae", 0, tmp_path)
    assert retrained["provenance"]["created"] != first["provenance"]["created"]
    assert retrained["key"] == first["key"] and retrained["metrics"] == first["metrics"]
    [replaced] = (path.parent / "replaced").iterdir()       # the replaced record is kept, not deleted
    assert json.loads(replaced.read_text()) == stale


def test_a_finished_run_without_its_weights_serves_its_record_and_is_never_retrained(tmp_path):
    """As a committed record (whose weights are never committed): what its record holds is reused; what needs
    the model fails in one line, and the record stays."""
    spec = RunSpec("vae", "ptb", BUDGETS["smoke"], 0, tmp_path)
    first = run_model(spec, ("nll",))
    (spec.directory / WEIGHTS).unlink()
    again = run_model(spec, ("nll", "kl"))
    assert again["provenance"]["created"] == first["provenance"]["created"] and again["metrics"] == first["metrics"]
    with pytest.raises(SuiteError, match=r"without its weights .* cannot give its \w+ evaluation; to train it again"):
        run_model(spec, ("mi",))
    with pytest.raises(SuiteError, match="cannot give its trained model; to train it again: reproduce run vae "
                                         "--dataset ptb --budget smoke --seed 0 --results-dir .* --force"):
        trained_model(spec)
    assert json.loads((spec.directory / RECORD).read_text()) == json.loads(json.dumps(first))
    # of earlier code, as every committed record soon is: not retrained for hours unasked
    path = spec.directory / RECORD
    path.write_text(json.dumps({**json.loads(path.read_text()), "key": {**first["key"], "code": "earlier"}}))
    with pytest.raises(SuiteError, match="a finished run of other code without its weights .* --force"):
        run_model(spec, ("nll",))
    assert json.loads(path.read_text())["key"]["code"] == "earlier"


def test_prefb_trains_alike_whether_its_autoencoder_was_trained_first_or_on_demand(tmp_path):
    on_demand = smoke("prefb-vae", 0, tmp_path / "a")
    smoke("dae", 0, tmp_path / "b")
    after_dae = smoke("prefb-vae", 0, tmp_path / "b")
    assert after_dae["training"]["curves"] == on_demand["training"]["curves"]
    assert after_dae["metrics"] == on_demand["metrics"]
