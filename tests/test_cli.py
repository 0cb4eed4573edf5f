"""The command line as a user meets it: listings, one-line errors with exit code 2, table output files."""

import json
import re

import pytest
from click.testing import CliRunner

from suite import cli
from suite.cli import main


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_list_shows_every_table_row_and_dataset_status():
    result = invoke("list")
    assert result.exit_code == 0
    for table in ("coupled-1", "coupled-9", "wae-1", "wae-2", "vmed-1", "vmed-4", "ami-dialog"):
        assert f"\n{table}  [" in result.output
    assert "ptb (present)" in result.output and "yelp (absent)" in result.output
    assert re.search(r"^coupled-vae\s+coupled-vae\s+implemented$", result.output, re.MULTILINE)
    assert re.search(r"^vmed-k2\s+vmed-k2\s+implemented$", result.output, re.MULTILINE)
    assert "not implemented" not in result.output        # every row of the four papers runs
    assert "vmed-1  [vmed]" in result.output and result.output.count(
        "full budget also needs: GoogleNews-vectors-negative300.bin (absent)") == 4      # vmed-1 ... vmed-4 only


def test_list_says_where_each_absent_dataset_goes_and_how_to_get_it(tmp_path):
    (tmp_path / "snli").mkdir()
    for split in ("train", "dev", "test"):
        (tmp_path / "snli" / f"snli_1.0_{split}.jsonl").touch()
    listing = invoke("list", "--data-dir", str(tmp_path)).output.split("\ndatasets:\n")[1]
    assert "  snli: SNLI 1.0 sentences (present)\n  dailydialog" in listing          # present: nothing to fetch
    assert ("  yahoo: Yahoo Answers (Yang et al. 2017 splits) (absent)\n"
            "    files under --data-dir: yahoo/train.txt") in listing
    assert "github.com/jxhe/vae-lagging-encoder" in listing
    assert "Yang et al.'s Yelp (100K/10K/10K) is another corpus" in listing


@pytest.mark.parametrize("args,message", [
    (("table", "coupled-10", "--dataset", "ptb"), "unknown table: 'coupled-10' (did you mean coupled-1"),
    (("table", "coupled-1", "--dataset", "ptb", "--rows", "vea"), "did you mean vae"),
    (("table", "coupled-1", "--dataset", "pbt"), "unknown dataset: 'pbt' (did you mean ptb"),
    (("table", "coupled-1", "--dataset", "snli"), "has no 'snli' column"),
    (("table", "coupled-1"), "choose one with --dataset"),
    (("table", "coupled-1", "--dataset", "yelp"), "--data-dir"),
    (("run", "vea", "--dataset", "ptb"), "unknown model: 'vea' (did you mean vae"),
    (("run", "ami", "--dataset", "chitchat"), "a row id, not a model id: ami-dialog's row 'ami' runs model 'transfor"),
    (("run", "vmed-k1", "--dataset", "chitchat", "--budget", "full"), "GoogleNews-vectors-negative300.bin not found"),
    (("run", "vae", "--dataset", "ptb", "--metrics", "nl"), "unknown metric: 'nl' (did you mean nll"),
    (("interpolate", "--models", ","), "--models names nothing"),
    (("--threads", "0", "list"), "Invalid value for '--threads'"),
    (("baseline", "record", "--models", "vae", "--seeds", "0"), "Invalid value for '--seeds'"),
    (("table", "coupled-1", "--dataset", "ptb", "--jobs", "2", "--executor", "ray"), "with --executor ray"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, message):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_table_run_writes_labelled_markdown_and_json(tmp_path):
    out = tmp_path / "results"
    result = invoke("table", "coupled-9", "--dataset", "ptb", "--rows", "vae", "--budget", "smoke",
                    "--format", "markdown", "--results-dir", str(out), "--no-progress")
    assert result.exit_code == 0
    markdown = (out / "tables" / "coupled-9_ptb_smoke_seed0_rows-vae.md").read_text()
    assert "smoke (REDUCED: not judged)" in markdown and "| VAE" in markdown
    assert "not judged (smoke budget)" in markdown
    comparison = json.loads((out / "tables" / "coupled-9_ptb_smoke_seed0_rows-vae.json").read_text())
    assert comparison["judged"] is False
    assert {line["metric"] for line in comparison["lines"]} == {"dist1", "dist2"}
    assert all(line["ours"] is not None for line in comparison["lines"])
    record = json.loads((out / "runs" / "ptb" / "vae" / "smoke-seed0" / "record.json").read_text())
    for key in ("config", "seed", "data_checksum", "provenance", "training", "budget"):
        assert key in record
    assert set(record["provenance"]) >= {"git", "versions", "hardware", "created", "device"}
    [run] = comparison["runs"]            # the table names the run its numbers came from
    assert (run["row"], run["seed"], run["key"], run["created"]) == ("vae", 0, record["key"],
                                                                     record["provenance"]["created"])
    latex = invoke("table", "coupled-9", "--dataset", "ptb", "--rows", "vae", "--budget", "smoke",
                   "--format", "latex", "--results-dir", str(out), "--no-progress")
    assert "\\toprule" in latex.output and "% budget: smoke (REDUCED: not judged)" in latex.output
    assert "Ours (smoke budget, not judged)" in latex.output      # visible on the typeset page, not only in comments


def test_a_malformed_table_file_breaks_only_its_own_table(tmp_path, monkeypatch):
    import shutil

    from suite import tables

    shutil.copytree(tables.TABLES_DIR, tmp_path / "tables")
    broken = tmp_path / "tables" / "coupled-9.yaml"
    broken.write_text(broken.read_text().replace("datasets: [ptb, yelp, yahoo]", "datasets: [ptb, yelp"))
    monkeypatch.setattr(tables, "TABLES_DIR", tmp_path / "tables")
    listing = CliRunner().invoke(main, ["list"])
    assert listing.exit_code == 0 and "\ncoupled-1  [" in listing.output
    assert re.search(r"warning: left out a malformed table file: coupled-9\.yaml: line \d+: ", listing.output)
    result = CliRunner().invoke(main, ["table", "coupled-9", "--dataset", "ptb"])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert re.match(r"error: coupled-9\.yaml: line \d+: cannot be read as YAML", result.output)


@pytest.mark.parametrize("args,message", [
    (("table", "coupled-2", "--seeds", "0"), "error: Invalid value for '--seeds': 0 is not in the range x>=1."),
    (("table", "coupled-2", "--budget", "huge"), "error: Invalid value for '--budget': 'huge' is not one of"),
    (("tabel",), "error: No such command 'tabel'. Did you mean 'table'?"),
])
def test_bad_options_are_one_error_line_not_a_usage_block(args, message):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert result.output.startswith(message) and "Usage:" not in result.output


@pytest.mark.parametrize("table_id", ["vmed-1", "vmed-4"])
def test_unimplemented_rows_are_named_before_any_data_is_asked_for(table_id, monkeypatch):
    from suite import registry
    from suite.tables import get_table

    registry.load()
    for row in get_table(table_id).rows:       # as if none of the table's rows were implemented yet
        monkeypatch.setitem(registry.ROWS, (table_id, row.id),
                            registry.RowEntry(table_id, row.id, None, "not implemented in this test"))
    for command in ("table", "plan"):
        result = CliRunner().invoke(main, [command, table_id])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert f"table {table_id}: none of its rows is implemented yet (seq2seq, " in result.output
        assert "loader" not in result.output and "--data-dir" not in result.output


def test_a_partly_implemented_selection_says_which_rows_are_not(monkeypatch):
    from suite import harness, registry
    from suite.tables import get_table

    registry.load()
    table = get_table("coupled-9")
    monkeypatch.setitem(registry.ROWS, ("coupled-9", "vae"),
                        registry.RowEntry("coupled-9", "vae", None, "not implemented in this test"))
    said = []
    entries = harness.implemented_rows(table, None, said.append)
    assert [e.row for e in entries if e.model is None] == ["vae"]
    assert said == ["not implemented yet, shown without results: vae"]
    with pytest.raises(harness.SuiteError, match=r"none of the requested rows is implemented yet \(vae: "):
        harness.implemented_rows(table, ["vae"], said.append)


def test_a_missing_corpus_suggests_its_packaged_stand_in(tmp_path):
    result = CliRunner().invoke(main, ["table", "coupled-8", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "--dataset chitchat" in result.output


def test_claims_uses_finished_runs_only_unless_asked_to_train(tmp_path):
    result = CliRunner().invoke(main, ["claims", "coupled-1", "--dataset", "ptb", "--budget", "smoke",
                                       "--rows", "vae,coupled-vae", "--results-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output          # nothing to check is an error, not an empty table
    assert "left out of the check: vae (seed 0); coupled-vae (seed 0)" in result.output
    assert "error: nothing to check: no row of table coupled-1 has a finished smoke-budget run" in result.output
    assert not (tmp_path / "runs").exists()
    forced = CliRunner().invoke(main, ["claims", "coupled-1", "--dataset", "ptb", "--budget", "smoke", "--force",
                                       "--rows", "vae,coupled-vae", "--results-dir", str(tmp_path)])
    assert "note: --force retrains only with --train; checking the finished runs" in forced.output
    assert "error: nothing to check" in forced.output        # the same finished runs as without --force
    json_output = CliRunner().invoke(main, ["table", "coupled-9", "--dataset", "ptb", "--output", "t.json"])
    assert json_output.exit_code == 2 and "where the table's JSON twin goes" in json_output.output
    trained = CliRunner().invoke(main, ["claims", "coupled-1", "--dataset", "ptb", "--budget", "smoke",
                                        "--rows", "vae,coupled-vae", "--results-dir", str(tmp_path), "--train"])
    assert trained.exit_code == 0, trained.output
    assert "--train: 2 run(s) to train at the smoke budget" in trained.output
    assert re.search(r"\n[0-3] of 3 comparisons agree with the paper's claim", trained.output)
    assert all((tmp_path / f"runs/ptb/{model}/smoke-seed0/record.json").exists() for model in ("vae", "coupled-vae"))


@pytest.mark.parametrize("model, expected", [("vmed-k1", {"bleu1", "bleu4", "a_glove", "nll_bound"}),
                                             ("coupled-vae", {"nll", "mi", "bleu1", "grad_h"})])
def test_run_measures_the_models_own_metrics_by_default(monkeypatch, tmp_path, model, expected):
    """VMED reports no NLL/KL/PPL: a default of the likelihood metrics left its run with an empty table."""
    asked = []

    def run(self, specs, metrics, echo=print):
        asked.append(set(metrics))
        return [{"status": "trained", "stand_in": False, "metrics": {}, "evaluations": {}} for _ in specs]

    monkeypatch.setattr(cli.LocalExecutor, "run", run)
    monkeypatch.setattr(cli, "finished", lambda spec: False)
    dataset = "chitchat" if model.startswith("vmed") else "ptb"
    result = CliRunner().invoke(main, ["run", model, "--dataset", dataset, "--results-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert expected <= asked[0]


def test_run_notes_when_its_model_id_is_also_another_models_row_id(monkeypatch, tmp_path):
    monkeypatch.setattr(cli.LocalExecutor, "run", lambda self, specs, metrics, echo=print: [
        {"status": "trained", "stand_in": False, "metrics": {}, "evaluations": {}} for _ in specs])
    monkeypatch.setattr(cli, "finished", lambda spec: False)
    result = CliRunner().invoke(main, ["run", "cvae", "--dataset", "chitchat", "--results-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "note: this runs model 'cvae'; vmed-1's row 'cvae' runs model 'vmed-cvae'" in result.output
