"""The Ray executor, against a local Ray instance: rows x seeds fan out as tasks and give the numbers of the
local executor (to rounding: a one-CPU task runs torch on one thread, the local run on two), and the driver says
when each run ends. (That the tasks' progress lines reach the driver's output, prefixed by Ray, needs a Ray that
forwards worker logs, which this fixture turns off: checked by hand, see the commit that added it.)"""

import re

import pytest

from suite.budgets import BUDGETS
from suite.harness import run_table

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_fan_out_matches_local_execution(tmp_path, local_ray):
    from suite.executors import RayExecutor

    table = dict(table_id="coupled-9", dataset="ptb", budget=BUDGETS["smoke"], seeds=[0, 1], rows=["vae"],
                 echo=lambda message: None)
    said = []
    fanned = run_table(results_dir=tmp_path / "ray", executor=RayExecutor(cpus=1), **{**table, "echo": said.append})
    local = run_table(results_dir=tmp_path / "local", **table)
    done = sorted(re.sub(r"^\[\d/2\] | \(\d+ s since the start\)$", "", m) for m in said if m.startswith("["))
    assert done == [f"vae on ptb (smoke budget, seed {seed}): trained" for seed in (0, 1)]   # each run, as it ends
    for ours, theirs in zip(fanned.lines, local.lines, strict=True):
        assert ours.ours.mean == pytest.approx(theirs.ours.mean, rel=1e-4)
    assert all(line.ours.n == 2 for line in fanned.lines)
    assert (tmp_path / "ray/runs/ptb/vae/smoke-seed1/record.json").exists()
