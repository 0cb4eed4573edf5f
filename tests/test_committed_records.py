"""The full-budget records committed under results/records/ are judged runs on the real corpora, and each saved
table still follows from its records and today's published numbers (tables/*.yaml). Superseded records
(results/records/superseded/<name>/) differ from today's rows in exactly the config changes their set names."""

import json
import shutil

import pytest
from click.testing import CliRunner

from suite.cli import main
from suite.committed_records import RECORDS, claims_again, committed_results, judged_again, record_sets, saved_tables
from suite.compare import FAIL, render
from suite.errors import SuiteError
from suite.gate import config_as_recorded, config_changes
from suite.records import read_record

SETS = record_sets()
SAVED = [(records.root, path, saved) for records in SETS for path, saved in saved_tables(records.root)]
RECORD_PATHS = [(records, path) for records in SETS for path in records.record_paths()]


def test_some_rows_have_been_judged():
    assert SAVED and RECORD_PATHS


@pytest.mark.parametrize("records,path", RECORD_PATHS,
                         ids=[str(path.parent.relative_to(RECORDS)) for _, path in RECORD_PATHS])
def test_every_committed_record_is_a_finished_full_budget_run_on_the_real_corpus(records, path):
    record = read_record(path)
    assert record["budget"]["name"] == "full" and record["budget"]["judged"]
    assert not record["stand_in"]
    assert record["status"] in ("trained", "diverged")
    today = config_as_recorded(record["model"], record["dataset"], "full")
    assert config_changes(record["config"], today) == list(records.changes), \
        "the row is configured differently today: run it again, or supersede its record (naming the change)"
    assert record["provenance"]["git"]["revision"] and not record["provenance"]["git"]["dirty"]
    assert path.parent.name == f"full-seed{record['seed']}"
    assert path.parts[-4:-2] == (record["dataset"], record["model"])


def test_no_weights_are_committed():
    assert not list(RECORDS.rglob("*.pt"))


@pytest.mark.parametrize("root,path,saved", SAVED, ids=[str(path.relative_to(RECORDS)) for _, path, _ in SAVED])
def test_saved_table_follows_from_its_records(root, path, saved):
    comparison = judged_again(saved, committed_results(saved, root))
    assert json.loads(json.dumps(comparison.to_dict())) == saved, "run `reproduce records --write`"
    assert path.with_suffix(".md").read_text(encoding="utf-8") == render(comparison, "markdown")
    assert comparison.to_dict()["judged"]


def test_a_moved_number_is_judged_again(tmp_path):
    """The verdicts come from the records: a record whose number moves far from the paper turns its lines to FAIL."""
    root, _, saved = SAVED[0]
    shutil.copytree(root, tmp_path, dirs_exist_ok=True)
    line = next(line for line in saved["lines"] if line["paper"] is not None and line["ours"] is not None)
    moved = []
    for record_path in tmp_path.glob(f"runs/{saved['dataset']}/*/full-seed*/record.json"):
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if line["metric"] in record["metrics"]:
            record["metrics"][line["metric"]] *= 2
            record_path.write_text(json.dumps(record), encoding="utf-8")
            moved.append(record["model"])
    verdicts = {(j.row, j.metric): j.verdict for j in judged_again(saved, committed_results(saved, tmp_path)).lines}
    assert moved and verdicts[(line["row"], line["metric"])] == FAIL


def test_a_record_on_a_stand_in_is_never_judged_whatever_its_saved_table_says(tmp_path):
    root, _, saved = SAVED[0]
    shutil.copytree(root, tmp_path, dirs_exist_ok=True)
    record_path = next(tmp_path.glob(f"runs/{saved['dataset']}/*/full-seed*/record.json"))
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.write_text(json.dumps({**record, "stand_in": True}), encoding="utf-8")
    comparison = judged_again({**saved, "stand_in": False}, committed_results(saved, tmp_path))
    assert comparison.stand_in and all(line.paper is None for line in comparison.lines)


def test_a_table_without_its_records_is_a_clear_error(tmp_path):
    _, _, saved = SAVED[0]
    with pytest.raises(SuiteError, match="not all committed"):
        committed_results(saved, tmp_path)


def test_claims_are_checked_on_the_committed_records(tmp_path):
    """A Coupled-VAE record beside the VAE's (the VAE's own, with its NLL moved either way, in place of any
    committed one) is paired with it by coupled-1's claim, whatever code revisions the two runs came from."""
    root, saved = next((root, saved) for root, _, saved in SAVED
                       if saved["table"] == "coupled-1" and saved["dataset"] == "ptb" and 0 in saved["seeds"]
                       and any(line["row"] == "vae" for line in saved["lines"]))
    shutil.copytree(root, tmp_path, dirs_exist_ok=True)
    vae = read_record(tmp_path / "runs/ptb/vae/full-seed0/record.json")
    (tmp_path / "runs/ptb/coupled-vae/full-seed0").mkdir(parents=True, exist_ok=True)
    others = [line for line in saved["lines"] if line["row"] != "coupled-vae"]
    table = {**saved, "lines": others + [{**line, "row": "coupled-vae"} for line in others if line["row"] == "vae"]}
    for shift, holds in ((-1.0, True), (1.0, False)):
        coupled = {**vae, "model": "coupled-vae", "metrics": {**vae["metrics"], "nll": vae["metrics"]["nll"] + shift}}
        (tmp_path / "runs/ptb/coupled-vae/full-seed0/record.json").write_text(json.dumps(coupled), encoding="utf-8")
        checks = {(c.coupled, c.base, c.metric): c for c in claims_again(table, committed_results(table, tmp_path))}
        assert set(checks) == {("coupled-vae", "vae", metric) for metric in ("nll", "ppl", "kl")}
        nll = checks[("coupled-vae", "vae", "nll")]
        assert nll.holds is holds and nll.coupled_mean == nll.base_mean + shift and nll.p_value is None


def test_the_records_command_prints_every_saved_table_judged():
    result = CliRunner().invoke(main, ["records"], catch_exceptions=False)
    assert result.exit_code == 0
    for _, _, saved in SAVED:
        assert f"Table {saved['table']}:" in result.output
    assert "full (paper setup)" in result.output and "not judged" not in result.output
    assert ("no saved tables of today's row configs" in result.output) == (not saved_tables(RECORDS))
    for records in SETS:
        if records.superseded and saved_tables(records.root):
            assert f"superseded (results/records/superseded/{records.root.name}): {records.reason}" in result.output


@pytest.mark.parametrize("contents,error", [("{", "not a superseded-records file"),
                                            ('{"reason": "x"}', "not a superseded-records file"),
                                            ('{"reason": "x", "changes": "a -> b"}', "is a list"),
                                            ('{"reason": "", "changes": ["a"]}', "names its reason"),
                                            ('{"reason": "x", "changes": []}', "names its reason")])
def test_a_malformed_superseded_set_is_a_clear_error(tmp_path, contents, error):
    (tmp_path / "superseded" / "old").mkdir(parents=True)
    (tmp_path / "superseded" / "old" / "superseded.json").write_text(contents, encoding="utf-8")
    with pytest.raises(SuiteError, match=error):
        record_sets(tmp_path)
