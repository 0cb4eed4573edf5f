"""The CI regression gate: every implemented model, trained and evaluated end to end at the smoke budget,
must land within the tolerance recorded in baselines/ (re-record deliberately with
`reproduce baseline record --models <id>`), and must have been recorded with the config the gate runs today."""

import json

import pytest
import torch
from click.testing import CliRunner

from suite import cli, gate
from suite.cpu import threads_fixed_at


@pytest.mark.parametrize("model_id", gate.gate_models())
def test_smoke_run_matches_its_recorded_baseline(model_id):
    checks = gate.check_baseline(model_id, gate.gate_dataset(model_id))
    moved = [f"{c.metric}: recorded {c.recorded} ± {c.tolerance}, now {c.now}" for c in checks if not c.ok]
    assert not moved, f"{model_id} moved outside its baseline: " + "; ".join(moved)


@pytest.mark.parametrize("model_id", gate.gate_models())
def test_baseline_was_recorded_with_the_config_the_gate_runs(model_id):
    changes = gate.config_drift(model_id, gate.gate_dataset(model_id))
    assert not changes, f"config of {model_id} changed since its baseline was recorded: " + "; ".join(changes)


def test_config_changes_name_each_changed_added_and_removed_field():
    recorded = {"seed": 0, "train": {"lr": 0.001, "anneal": None, "dims": [1, 2]}}
    now = {"seed": 0, "train": {"lr": 0.002, "anneal": {"start": 10}, "dims": [1, 2]}, "dataset": "ptb"}
    assert gate.config_changes(recorded, now) == [
        'dataset: (absent) -> "ptb"', "train.anneal: null -> (absent)", "train.anneal.start: (absent) -> 10",
        "train.lr: 0.001 -> 0.002"]
    assert gate.config_changes(now, now) == []


def test_a_field_added_since_a_record_counts_as_the_value_every_earlier_run_had():
    today = gate.config_as_recorded("vae", "ptb")
    earlier = json.loads(json.dumps(today))
    del earlier["train"]["batches"]
    assert today["train"]["batches"] == "shuffled"
    assert gate.config_changes(earlier, today) == ['train.batches: "length-grouped" -> "shuffled"']
    today["train"]["batches"] = "length-grouped"
    assert gate.config_changes(earlier, today) == []
    he = gate.config_as_recorded("lagging-vae", "ptb")      # an EpochTrainConfig: it never had the field
    assert "batches" not in he["train"] and gate.config_changes(he, he) == []


def test_tolerance_comes_from_the_seed_spread():
    assert gate.tolerance([10.0, 11.0, 12.0]) == pytest.approx(3.0)
    assert gate.tolerance([100.0, 100.0, 100.0]) == pytest.approx(0.1)      # floor: 0.1% of the value


HARDWARE = {"hardware": {"cpu": "AMD EPYC", "torch_threads": 1}}
WELL_FORMED = {"seed": 0, "config": {}, "metrics": {"nll": {"value": 90.0, "tolerance": 0.1}}, "provenance": HARDWARE}


def baseline_file(monkeypatch, tmp_path, text: str) -> None:
    """baselines/ptb/vae.json holding `text`, in a baselines directory of the test's own."""
    (tmp_path / "ptb").mkdir()
    (tmp_path / "ptb" / "vae.json").write_text(text)
    monkeypatch.setattr(gate, "BASELINES", tmp_path)


def test_baseline_check_names_a_changed_config_field_and_fails(monkeypatch, tmp_path):
    config = gate.config_as_recorded("vae", "ptb")
    config["train"]["lr"] *= 2
    baseline_file(monkeypatch, tmp_path, json.dumps(WELL_FORMED | {"config": config, "metrics": {}}))
    monkeypatch.setattr(gate, "check_baseline", lambda model, dataset: [])    # the metrics are not in question
    result = CliRunner().invoke(cli.main, ["baseline", "check", "--models", "vae"])
    assert result.exit_code == 1
    assert "config of vae changed since its baseline was recorded: train.lr: 0.002 -> 0.001" in result.output
    assert "reproduce baseline record --models vae" in result.output


@pytest.mark.parametrize("text, complaint", [
    ("{not json", "unreadable baseline"),
    ('{"seed": 0, "metrics": {}}', "not a complete baseline (no config, provenance)"),
    (json.dumps(WELL_FORMED | {"seed": "0", "config": [], "metrics": {"nll": {"value": "x"}}}),
     "seed is not an integer; config is not an object; metric nll lacks a numeric value and tolerance"),
    (json.dumps(WELL_FORMED | {"metrics": []}), "metrics is not an object"),
    (json.dumps(WELL_FORMED | {"provenance": {"hardware": {"cpu": "AMD EPYC"}}}), "lacks its cpu or torch_threads")])
def test_a_malformed_baseline_is_refused_in_one_line(monkeypatch, tmp_path, text, complaint):
    baseline_file(monkeypatch, tmp_path, text)
    result = CliRunner().invoke(cli.main, ["baseline", "check", "--models", "vae"])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and result.output.count("\n") == 1 and complaint in result.output
    assert "reproduce baseline record --models vae" in result.output


def test_a_moved_a_missing_and_a_new_metric_each_fail_the_gate(monkeypatch, tmp_path):
    recorded = {m: {"value": v, "tolerance": 0.1} for m, v in {"nll": 90.0, "kl": 5.0, "mi": 1.0}.items()}
    baseline_file(monkeypatch, tmp_path, json.dumps(WELL_FORMED | {"config": gate.config_as_recorded("vae", "ptb"),
                                                                    "metrics": recorded}))
    monkeypatch.setattr(gate, "measure", lambda *args: {"nll": 89.95, "kl": 5.15, "ppl": 100.0})
    assert {c.metric: c.ok for c in gate.check_baseline("vae", "ptb")} == {"nll": True, "kl": False, "mi": False,
                                                                            "ppl": False}
    result = CliRunner().invoke(cli.main, ["baseline", "check", "--models", "vae"])
    assert result.exit_code == 1
    rows = {line.split()[1]: line.split()[-1] for line in result.output.splitlines() if line.startswith("vae ")}
    assert rows == {"nll": "ok", "kl": "MOVED", "mi": "MISSING", "ppl": "NEW"}
    assert "1 of 1 models failed the gate" in result.output


def test_the_gate_measures_on_the_thread_count_the_baseline_was_recorded_with(monkeypatch, tmp_path):
    baseline_file(monkeypatch, tmp_path, json.dumps(WELL_FORMED))
    measured_on = []
    monkeypatch.setattr(gate, "measure", lambda *args: measured_on.append(torch.get_num_threads()) or {"nll": 90.0})
    before = torch.get_num_threads()
    with threads_fixed_at(2):
        assert [check.ok for check in gate.check_baseline("vae", "ptb")] == [True]
        assert measured_on == [1] and torch.get_num_threads() == 2
    assert torch.get_num_threads() == before


def test_re_recording_on_another_cpu_keeps_the_earlier_cpus_values_in_the_spread(monkeypatch, tmp_path):
    monkeypatch.setattr(gate, "BASELINES", tmp_path)
    seed_values = {0: 0.075, 1: 0.078, 2: 0.072}
    monkeypatch.setattr(gate, "measure", lambda model, dataset, seed, scratch: {"bleu1": seed_values[seed]})

    def record_on(cpu: str) -> dict:
        monkeypatch.setattr(gate, "provenance", lambda: {"hardware": {"cpu": cpu, "torch_threads": 1}})
        return json.loads(gate.record_baseline("vae", "ptb", [0, 1, 2]).read_text())

    record_on("AMD EPYC")
    seed_values[0] = 0.096           # that CPU's seed 0, as an earlier recording there would have stored it
    first = record_on("AMD EPYC")
    assert "other_cpus" not in first and first["metrics"]["bleu1"]["tolerance"] == pytest.approx(
        gate.tolerance([0.096, 0.078, 0.072]))
    seed_values[0] = 0.075
    second = record_on("Intel Xeon")
    assert second["other_cpus"] == [{"cpu": "AMD EPYC", "torch_threads": 1, "values": {"bleu1": 0.096}}]
    tolerance = second["metrics"]["bleu1"]["tolerance"]
    assert tolerance == pytest.approx(gate.tolerance([0.075, 0.078, 0.072, 0.096]))
    assert abs(0.096 - 0.075) <= tolerance < 3 * abs(0.096 - 0.075)     # the AMD value passes, not much more
    back = record_on("AMD EPYC")                 # back on the first CPU: the Intel values are kept, its own replaced
    assert [entry["cpu"] for entry in back["other_cpus"]] == ["Intel Xeon"]
