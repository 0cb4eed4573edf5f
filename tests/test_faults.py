"""Faults: divergence, full disks, damaged files, foreign result directories, inconsistent expected-value files."""

import copy
import errno
import json
import os

import pytest
import torch
from click.testing import CliRunner

from suite import registry
from suite.budgets import BUDGETS
from suite.cli import main
from suite.committed_records import saved_tables
from suite.errors import SuiteError
from suite.harness import run_table
from suite.records import WEIGHTS, atomic_write_json, read_torch
from suite.runner import RunSpec, run_model
from suite.training import trainer as trainer_module
from suite.training.checkpoints import restore_checkpoint


def test_a_diverging_row_is_marked_and_the_table_goes_on(tmp_path, monkeypatch):
    original = trainer_module.Trainer.train_step

    def train_step(self, batch):     # the loss becomes NaN at iteration 20; the trainer reads it back later
        values = original(self, batch)
        if self.model.__class__.__name__ == "Coupled" and self.iteration == 20:
            values["loss"] = torch.tensor(float("nan"))
        return values

    validated = {}
    save = trainer_module.save_checkpoint

    def save_recording_weights(trainer, **extra):
        if trainer.model.__class__.__name__ == "Coupled":
            validated[trainer.iteration] = copy.deepcopy(trainer.model.state_dict())
        save(trainer, **extra)

    monkeypatch.setattr(trainer_module.Trainer, "train_step", train_step)
    monkeypatch.setattr(trainer_module, "save_checkpoint", save_recording_weights)
    comparison = run_table("coupled-1", "ptb", BUDGETS["smoke"], [0], tmp_path, rows=["vae", "coupled-vae"],
                           echo=lambda message: None)
    verdicts = {(line.row, line.metric): line.verdict for line in comparison.lines}
    assert verdicts[("vae", "nll")] == "not judged (smoke budget)"
    assert verdicts[("coupled-vae", "nll")].startswith("diverged (seed 0 at iteration 20); last good weights")
    record = json.loads((tmp_path / "runs/ptb/coupled-vae/smoke-seed0/record.json").read_text())
    assert record["status"] == "diverged" and record["training"]["best_iteration"] == 15
    assert record["metrics"]["nll"] is not None          # evaluated on the weights validated at iteration 15:
    kept = torch.load(tmp_path / "runs/ptb/coupled-vae/smoke-seed0" / WEIGHTS, weights_only=True)
    assert kept.keys() == validated[15].keys()
    assert all(torch.equal(kept[name], validated[15][name]) for name in kept)
    # as a committed record (no weights), it cannot give a metric it lacks: it says so, it does not return blanks
    (tmp_path / "runs/ptb/coupled-vae/smoke-seed0" / WEIGHTS).unlink()
    with pytest.raises(SuiteError, match="without its weights .* cannot give its mi evaluation"):
        run_model(RunSpec("coupled-vae", "ptb", BUDGETS["smoke"], 0, tmp_path), ["mi"])


def test_a_full_disk_gives_one_line_and_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "record.json"
    atomic_write_json(path, {"schema": 1, "old": True})

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SuiteError, match="no space left on device") as error:
        atomic_write_json(path, {"schema": 1, "old": False})
    assert "\n" not in str(error.value)
    assert json.loads(path.read_text()) == {"schema": 1, "old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_damaged_weights_and_checkpoints_fail_in_one_line_that_says_what_to_do(tmp_path):
    damaged = tmp_path / "model.pt"
    damaged.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(SuiteError, match=r"model\.pt: unreadable weights \(.*\); rerun with --force") as error:
        read_torch(damaged, "weights", "rerun with --force to train the run again", weights_only=True)
    assert "\n" not in str(error.value)
    trainer = type("Trainer", (), {"checkpoint": damaged, "key": {}})()
    with pytest.raises(SuiteError, match=r"unreadable training checkpoint .*; delete it to train from the start"):
        restore_checkpoint(trainer)


@pytest.mark.parametrize("content,message", [("{", "JSON"), ('{"table": "coupled-1"}', "no dataset, budget, seeds")])
def test_a_damaged_saved_comparison_fails_in_one_line(tmp_path, content, message):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "coupled-1_ptb_full_seed0.json").write_text(content)
    with pytest.raises(SuiteError, match=message) as error:
        saved_tables(tmp_path)
    assert "\n" not in str(error.value) and "git checkout" in str(error.value)


def test_a_results_directory_from_another_version_is_refused(tmp_path):
    run = tmp_path / "runs/ptb/vae/smoke-seed0"
    run.mkdir(parents=True)
    (run / "record.json").write_text(json.dumps({"schema": 0}))
    result = CliRunner().invoke(main, ["table", "coupled-9", "--dataset", "ptb", "--rows", "vae", "--budget",
                                       "smoke", "--results-dir", str(tmp_path), "--no-progress"])
    assert result.exit_code == 2
    assert "incompatible version" in result.output and result.output.count("\n") == 1
    assert json.loads((run / "record.json").read_text()) == {"schema": 0}


def test_an_expected_value_row_without_registry_entry_is_one_line(monkeypatch):
    registry.load()
    monkeypatch.delitem(registry.ROWS, ("coupled-9", "vae"))
    result = CliRunner().invoke(main, ["table", "coupled-9", "--dataset", "ptb", "--budget", "smoke"])
    assert result.exit_code == 2
    assert "coupled-9.yaml: row(s) vae have no registry entry" in result.output


def test_a_checkpoint_of_other_code_is_ignored_and_says_so(tmp_path, capsys):
    path = tmp_path / "checkpoint.pt"
    torch.save({"key": {"config": "c", "code": "earlier", "data": "d"}}, path)
    trainer = type("Trainer", (), {"checkpoint": path, "key": {"config": "c", "code": "today", "data": "d"}})()
    assert restore_checkpoint(trainer) is None
    assert capsys.readouterr().err == f"{path}: a checkpoint of other code than this run's; training from the start\n"
