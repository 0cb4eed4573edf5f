"""Figure 2 and the Table 7 interpolation, end to end at the smoke budget."""

import pytest
from click.testing import CliRunner

from suite import cli
from suite.analyses import FIGURES, draw_figure, interpolation_report
from suite.budgets import BUDGETS
from suite.evaluation.interpolation import STEPS, TABLE_7
from suite.runner import RunSpec, run_model


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return tmp_path_factory.mktemp("results")


def test_figure_2_plots_the_gradient_norms_tracked_during_training(results):
    figure = FIGURES["coupled-fig2"]
    records = {m: run_model(RunSpec(m, "ptb", BUDGETS["smoke"], 0, results), figure.metrics) for m in figure.models}
    path = draw_figure(figure, records, "ptb", BUDGETS["smoke"], 0, results)
    assert path.read_bytes().startswith(b"\x89PNG")
    title, header, *lines = path.with_suffix(".txt").read_text().splitlines()
    assert title.startswith("# Training dynamics") and "— ptb, budget smoke (REDUCED" in title
    assert header.split("\t") == ["model", "iteration", "grad_rec", "grad_reg", "grad_h"]
    rows = [line.split("\t") for line in lines]
    assert {row[0] for row in rows} == set(FIGURES["coupled-fig2"].models)
    for model, _, grad_rec, grad_reg, grad_h in rows:
        assert float(grad_rec) > 0 and float(grad_h) > 0
        assert (grad_reg == "–") == (model == "dae")        # a DAE has no regulariser to differentiate
    # the reconstruction panel is L_rec's gradient, and for a coupled model that of L_rec + L^c_rec (Section 5.7)
    for model, record in records.items():
        source = "grad_rec_sum" if model.startswith("coupled") else "grad_rec"
        expected = [f"{values[source]:.4f}" for _, values in record["training"]["curves"]["gradient_norms"]]
        assert [row[2] for row in rows if row[0] == model] == expected
    assert any(model.startswith("coupled") for model in records)


def test_interpolation_decodes_every_point_of_the_table_7_path(results):
    specs = [RunSpec(model, "ptb", BUDGETS["smoke"], 0, results) for model in ("vae", "coupled-vae-lm10.0")]
    report = interpolation_report(specs, pairs=1)
    assert f"Text A: {TABLE_7[0]}" in report and f"Text B: {TABLE_7[1]}" in report
    assert report.count("Text A:") == 2                       # Table 7's pair and one random pair
    for model in ("vae", "coupled-vae-lm10.0"):
        assert report.count(f"  {model}:") == 2
    assert report.count(f"    {STEPS + 1}. ") == 4            # endpoints included: points 0 .. STEPS + 1


@pytest.mark.parametrize("command", [["figure", "coupled-fig2"], ["interpolate", "--models", "vae,coupled-vae"]])
def test_figure_and_interpolate_train_through_the_executor_with_force_and_every_seed(command, tmp_path, monkeypatch):
    """--force, --seeds and the executor options reach their runs, as in `table` (they were once ignored)."""
    trained, drawn = [], []
    monkeypatch.setattr(cli.LocalExecutor, "run", lambda self, specs, metrics, echo=print: trained.extend(specs)
                        or [{"seed": s.seed} for s in specs])
    monkeypatch.setattr(cli, "draw_figure", lambda figure, records, *args: drawn.append(records) or tmp_path / "f.png")
    monkeypatch.setattr(cli, "interpolation_report", lambda specs, pairs: drawn.append(specs) or "report")
    result = CliRunner().invoke(cli.main, command + ["--budget", "smoke", "--seed", "3", "--seeds", "2", "--force",
                                                     "--results-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {s.seed for s in trained} == {3, 4} and all(s.force for s in trained)
    assert len(trained) == 6 if command[0] == "figure" else len(trained) == 4
    assert len(drawn) == 2                                         # one figure or report per seed
    if command[0] == "interpolate":                                # trained once above: not again while decoding
        assert [{s.seed for s in specs} for specs in drawn] == [{3}, {4}] and not any(s.force for s in drawn[0])
    else:
        assert [{r["seed"] for r in records.values()} for records in drawn] == [{3}, {4}]
