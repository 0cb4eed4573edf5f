"""The unit contract, end to end: records hold ratio metrics (BLEU, Dist) as fractions in [0, 1]; a table metric
with `unit: percent` is multiplied by 100 only when it is displayed. For every metric of every table that an
evaluator produces, a rendered cell equals its record value in the paper's unit."""

import pytest

from suite import progress, registry
from suite.budgets import BUDGETS
from suite.compare import _cells, _decimals, compare
from suite.data.datasets import DATASETS
from suite.evaluation.groups import GROUPS
from suite.runner import RunSpec, run_model
from suite.tables import all_tables

RATIO_UNITS = ("percent", "fraction")
PREFERRED = ("vae", "coupled-vae", "cvae")     # one cheap representative model per table


def _evaluated(table) -> list[str]:
    produced = {m for group in GROUPS.values() for m in group.metrics}
    return [key for key in table.metrics if key in produced]


def _tables_with_evaluators():
    registry.load()
    return [t for t in all_tables().values()
            if _evaluated(t) and any(e.model for e in registry.table_rows(t))]


def _present_dataset(table) -> str | None:
    for name in table.datasets:
        if DATASETS[name].is_present(None):
            return name
    return next((d.name for d in DATASETS.values() if set(d.stands_in_for) & set(table.datasets)
                 and d.is_present(None)), None)


def _model(table, dataset: str) -> str | None:
    models = [e.model for e in registry.table_rows(table) if e.model
              and dataset in registry.get_model(e.model).datasets]
    return next((m for m in PREFERRED if m in models), models[0] if models else None)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    progress.SHOW = False
    return tmp_path_factory.mktemp("units")


def test_every_ratio_metric_declares_its_unit():
    """BLEU and Dist columns say whether the paper prints them x100 (percent) or as fractions."""
    for table in all_tables().values():
        for key, metric in table.metrics.items():
            if key.startswith(("bleu", "dist")):
                assert metric.unit in RATIO_UNITS, (table.id, key, metric.unit)


@pytest.mark.parametrize("table_id", [t.id for t in _tables_with_evaluators()])
def test_rendered_cell_equals_the_record_value_in_the_papers_unit(table_id, results_dir):
    table = all_tables()[table_id]
    dataset = _present_dataset(table)
    model = _model(table, dataset) if dataset else None
    if model is None:
        pytest.skip(f"{table_id}: no packaged dataset that an implemented row runs on")
    row = next(e.row for e in registry.table_rows(table) if e.model == model)
    record = run_model(RunSpec(model, dataset, BUDGETS["smoke"], 0, results_dir), table.metrics)
    stand_in = dataset not in table.datasets
    comparison = compare(table, dataset, {row: [record]}, BUDGETS["smoke"], [0], stand_in)
    cells = {line.metric: cell for line, cell in zip(comparison.lines, _cells(comparison), strict=True)}
    checked = 0
    for key in _evaluated(table):
        value = record["metrics"].get(key)
        if value is None:
            continue
        metric = table.metrics[key]
        if metric.unit in RATIO_UNITS:
            assert 0.0 <= value <= 1.0, f"{table_id}.{key}: record holds {value}, not a fraction"
        expected = value * (100.0 if metric.unit == "percent" else 1.0)
        assert cells[key][3] == f"{expected:.{_decimals(table, key)}f}", (table_id, key, value, cells[key])
        checked += 1
    assert checked, f"{table_id}: no metric was measured"
