"""The CI regression gate: every implemented model, trained and evaluated end to end at the smoke budget,
must land within the tolerance recorded in baselines/ (re-record deliberately with
`reproduce baseline record --models <id>`)."""

import pytest

from suite import gate


@pytest.mark.parametrize("model_id", gate.gate_models())
def test_smoke_run_matches_its_recorded_baseline(model_id):
    checks = gate.check_baseline(model_id, gate.gate_dataset(model_id))
    moved = [f"{c.metric}: recorded {c.recorded} ± {c.tolerance}, now {c.now}" for c in checks if not c.ok]
    assert not moved, f"{model_id} moved outside its baseline: " + "; ".join(moved)


def test_tolerance_comes_from_the_seed_spread():
    assert gate.tolerance([10.0, 11.0, 12.0]) == pytest.approx(3.0)
    assert gate.tolerance([100.0, 100.0, 100.0]) == pytest.approx(0.1)      # floor: 0.1% of the value
