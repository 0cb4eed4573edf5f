"""Figure 2 and the Table 7 interpolation, end to end at the smoke budget."""

import pytest

from suite.analyses import FIGURES, draw_figure, interpolation_report
from suite.budgets import BUDGETS
from suite.evaluation.interpolation import STEPS, TABLE_7
from suite.runner import RunSpec


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return tmp_path_factory.mktemp("results")


def test_figure_2_plots_the_gradient_norms_tracked_during_training(results):
    path = draw_figure("coupled-fig2", "ptb", BUDGETS["smoke"], 0, results, echo=lambda message: None)
    assert path.read_bytes().startswith(b"\x89PNG")
    header, *lines = path.with_suffix(".txt").read_text().splitlines()
    assert header.split("\t") == ["model", "iteration", "grad_rec", "grad_reg", "grad_h"]
    rows = [line.split("\t") for line in lines]
    assert {row[0] for row in rows} == set(FIGURES["coupled-fig2"].models)
    for model, _, grad_rec, grad_reg, grad_h in rows:
        assert float(grad_rec) > 0 and float(grad_h) > 0
        assert (grad_reg == "–") == (model == "dae")        # a DAE has no regulariser to differentiate


def test_interpolation_decodes_every_point_of_the_table_7_path(results):
    specs = [RunSpec(model, "ptb", BUDGETS["smoke"], 0, results) for model in ("vae", "coupled-vae-lm10.0")]
    report = interpolation_report(specs, pairs=1)
    assert f"Text A: {TABLE_7[0]}" in report and f"Text B: {TABLE_7[1]}" in report
    assert report.count("Text A:") == 2                       # Table 7's pair and one random pair
    for model in ("vae", "coupled-vae-lm10.0"):
        assert report.count(f"  {model}:") == 2
    assert report.count(f"    {STEPS + 1}. ") == 4            # endpoints included: points 0 .. STEPS + 1
