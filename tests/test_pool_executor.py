"""Packing runs into worker processes (`--jobs N`) changes no run's numbers: two runs side by side give the
records of the same runs one after another in a single worker (same thread count, fresh processes both)."""

import pytest

from suite.budgets import BUDGETS
from suite.errors import DataMissing
from suite.executors import LocalExecutor, PoolExecutor
from suite.runner import RunSpec

METRICS = ["nll", "kl", "ppl", "bleu1"]


def specs(results_dir):
    return [RunSpec(model, "ptb", BUDGETS["smoke"], 0, results_dir) for model in ("vae", "coupled-vae")]


@pytest.mark.slow
def test_side_by_side_runs_match_sequential_runs(tmp_path):
    quiet = lambda message: None      # noqa: E731
    packed = PoolExecutor(jobs=2, threads=1).run(specs(tmp_path / "packed"), METRICS, quiet)
    alone = PoolExecutor(jobs=1, threads=1).run(specs(tmp_path / "alone"), METRICS, quiet)
    for ours, theirs in zip(packed, alone, strict=True):
        assert ours["model"] == theirs["model"]
        assert ours["metrics"] == theirs["metrics"]
        assert ours["training"]["curves"] == theirs["training"]["curves"]
    assert [r["model"] for r in packed] == ["vae", "coupled-vae"]      # in the order of the specs


def test_reused_runs_are_not_retrained(tmp_path):
    quiet = lambda message: None      # noqa: E731
    first = PoolExecutor(jobs=2, threads=1).run(specs(tmp_path)[:1], METRICS, quiet)
    lines = []
    again = PoolExecutor(jobs=2, threads=1).run(specs(tmp_path)[:1], METRICS, lines.append)
    assert again[0]["provenance"]["created"] == first[0]["provenance"]["created"]      # the same record
    assert "0 run(s) to train" in lines[0] and "reusing 1" in lines[0]


@pytest.mark.parametrize("executor", [LocalExecutor(), PoolExecutor(jobs=2, threads=1)], ids=["local", "pool"])
def test_a_missing_start_file_stops_every_executor_before_any_run(tmp_path, executor):
    runs = [RunSpec("vae", "ptb", BUDGETS["smoke"], 0, tmp_path),        # would train, were it not for the next
            RunSpec("vmed-k1", "chitchat", BUDGETS["full"], 0, tmp_path, data_dir=tmp_path)]
    with pytest.raises(DataMissing, match="GoogleNews-vectors-negative300.bin not found"):
        executor.run(runs, ["nll"], lambda message: None)
    assert not (tmp_path / "runs").exists()
