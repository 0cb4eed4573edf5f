"""`reproduce plan`: the wall-clock layout of runs on N workers, and a packed measurement end to end."""

import pytest
from click.testing import CliRunner

from suite.cli import main
from suite.plan import wall_time


def test_wall_time_lays_runs_out_first_come_first_served():
    assert wall_time([5.0, 3.0, 2.0], 1) == 10.0
    assert wall_time([5.0, 3.0, 2.0], 2) == 5.0          # 3 then 2 on the second worker
    assert wall_time([1.0, 1.0, 1.0, 4.0], 2) == 5.0     # the long run starts at 1, on the worker freed first
    assert wall_time([2.0], 4) == 2.0


@pytest.mark.slow
def test_plan_with_jobs_measures_packed_and_reports_wall_clock(tmp_path):
    args = ["plan", "coupled-9", "--dataset", "ptb", "--rows", "vae", "--budget", "smoke", "--seeds", "2",
            "--results-dir", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "measuring vae on cpu, 2 at once" in result.output
    assert "2 runs to do" in result.output and "2 at a time" in result.output and "wall-clock" in result.output
    again = CliRunner().invoke(main, [*args, "--jobs", "2"])
    assert "measuring" not in again.output                 # the packed measurement is cached
