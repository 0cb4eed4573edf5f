"""Expected-value files: every one parses, every row maps to the registry, and defects are one-line errors."""

import pytest

from suite import registry
from suite.tables import TableFileError, all_tables, load_table

EXPECTED_TABLES = {"coupled-1", "coupled-2", "coupled-3", "coupled-4", "coupled-5", "coupled-8", "coupled-9",
                   "wae-1", "wae-2", "vmed-1", "vmed-2", "vmed-3", "vmed-4", "ami-dialog"}


def test_every_table_of_the_four_papers_is_present_and_valid():
    tables = all_tables()
    assert set(tables) == EXPECTED_TABLES
    assert len(tables["coupled-1"].rows) == 24 and len(tables["coupled-2"].rows) == 22


def test_every_row_maps_to_a_registry_entry_and_back():
    assert registry.check_consistency() == []


def test_spot_cells_transcribed_from_the_papers():
    tables = all_tables()
    assert tables["coupled-1"].published("coupled-vae", "ptb") == {"nll": 103.1, "kl": 9.5, "ppl": 110.5}
    assert tables["coupled-1"].published("coupled-beta1.2-vae", "yahoo") == {"nll": 342.3, "kl": 11.3, "ppl": 72.7}
    assert tables["coupled-2"].published("coupled-lagging-vae", "yelp") == {"mi": 2.36, "bleu1": None, "bleu2": None}
    assert tables["coupled-8"].published("coupled-cvae-lm0.5", "switchboard") == {
        "nll": None, "kl": None, "ppl": 42.5, "dist1": 0.78, "dist2": 3.63}
    assert set(tables["coupled-8"].published("coupled-cvae-lm2.0", "switchboard").values()) == {None}   # garbled
    assert tables["coupled-9"].published("coupled-vae-lm10.0", "yahoo") == {"dist1": 0.0075, "dist2": 0.0397}
    assert tables["vmed-2"].published("vmed-k3", "opensubtitles")["bleu1"] == 24.8
    assert tables["wae-1"].published("corpus", "snli")["entropy"] == 5.65


GOOD = """table: {stem}
paper: coupled-vae
source: test
title: test
datasets: [ptb]
metrics:
  nll: {{label: NLL, direction: lower, tolerance: 1.0}}
rows:
  - id: vae
    label: VAE
    values:
      ptb: {{nll: 1.0}}
"""


@pytest.mark.parametrize("edit,message", [
    (lambda t: t.replace("nll: 1.0}", "nll: abc}"), "must be a finite number or null"),
    (lambda t: t.replace("nll: 1.0}", "nll: null}"), "null cell but no note"),
    (lambda t: t.replace("      ptb: {nll: 1.0}\n", ""), "values"),
    (lambda t: t.replace("direction: lower", "direction: up"), "direction must be one of"),
    (lambda t: t.replace("tolerance: 1.0", "tolerance: -1"), "tolerance must be positive"),
    (lambda t: t.replace("tolerance: 1.0", "tolerance: 1.0, not_comparable: another LM"), "exactly one of"),
    (lambda t: t.replace("tolerance: 1.0", "not_comparable: ''"), "must say why"),
    (lambda t: t.replace("paper: coupled-vae", "paper: nope"), "unknown paper"),
    (lambda t: t.replace("id: vae", "id: Not A Slug"), "not a lowercase slug"),
    (lambda t: t + "  - id: vae\n    label: again\n    values:\n      ptb: {nll: 2.0}\n", "duplicate row"),
    (lambda t: t.replace("title: test\n", ""), "missing title"),
    (lambda t: t + "extra: 1\n", "unknown key"),
    (lambda t: t + "claims: 5\n", "claims must be a list"),
    (lambda t: t.replace("datasets: [ptb]", "datasets: [ptb"), "cannot be read as YAML"),
    (lambda t: t.replace("table: t", "table: other"), "declares table"),
])
def test_malformed_files_give_one_line_errors(tmp_path, edit, message):
    path = tmp_path / "t.yaml"
    load_table(_write(path, GOOD.format(stem="t")))
    with pytest.raises(TableFileError, match=message) as error:
        load_table(_write(path, edit(GOOD.format(stem="t"))))
    assert "\n" not in str(error.value) and str(error.value).startswith("t.yaml: ")


def _write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize("table_id", ["coupled-1", "coupled-2", "vmed-1", "vmed-2", "vmed-3", "vmed-4"])
def test_the_published_numbers_satisfy_the_papers_own_claims(table_id):
    """A transcription check: the paper says every Coupled-X beats X on these metrics, on every dataset."""
    from suite.claims import check_claims

    table = all_tables()[table_id]
    assert table.claims
    for dataset in table.datasets:
        published = {row.id: [row.values[dataset]] for row in table.rows}
        checks = check_claims(table, published)
        assert checks and all(c.holds for c in checks), [c for c in checks if not c.holds]


def test_yaml_syntax_and_validation_errors_name_the_line(tmp_path):
    path = _write(tmp_path / "t.yaml", GOOD.format(stem="t").replace("datasets: [ptb]", "datasets: [ptb"))
    with pytest.raises(TableFileError, match=r"^t\.yaml: line \d+: cannot be read as YAML"):
        load_table(path)
    path = _write(tmp_path / "t.yaml", GOOD.format(stem="t").replace("nll: 1.0}", "nll: abc}"))
    with pytest.raises(TableFileError, match=r"^t\.yaml: line 9: row 'vae'"):     # the row starts on line 9
        load_table(path)
    path = _write(tmp_path / "t.yaml", GOOD.format(stem="t").replace("direction: lower", "direction: up"))
    with pytest.raises(TableFileError, match=r"^t\.yaml: line 7: metric 'nll'"):
        load_table(path)


def test_one_malformed_file_leaves_the_other_tables_working(tmp_path):
    from suite.tables import table_errors

    _write(tmp_path / "good.yaml", GOOD.format(stem="good"))
    _write(tmp_path / "bad.yaml", GOOD.format(stem="bad").replace("nll: 1.0}", "nll: abc}"))
    assert list(all_tables(tmp_path)) == ["good"]
    assert str(table_errors(tmp_path)["bad"]).startswith("bad.yaml: line 9: ")


@pytest.mark.parametrize("table_id", ["wae-1", "wae-2"])
def test_the_published_numbers_satisfy_the_stochastic_wae_claims(table_id):
    """Row-versus-row claims: every published comparison agrees; σ (not printed in the table) is not measured."""
    from suite.claims import check_claims

    table = all_tables()[table_id]
    dataset = table.datasets[0]
    checks = check_claims(table, {row.id: [row.values[dataset]] for row in table.rows})
    printed = [c for c in checks if c.metric in table.metrics]
    assert printed and all(c.holds for c in printed)
    assert all(c.holds is None for c in checks if c.metric not in table.metrics)


def test_every_published_number_of_an_implemented_row_has_an_evaluator():
    """A row's model family is one the suite builds, and some metric group of that family measures each metric the
    paper prints for the row (a family or metric nobody evaluates would otherwise show 'not measured' quietly)."""
    from suite.budgets import BUDGETS
    from suite.evaluation.groups import GROUPS, groups_for
    from suite.models.build import BUILDERS

    registry.load()
    unmeasured = []
    for table in all_tables().values():
        for entry in registry.table_rows(table):
            row = table.row(entry.row)
            for dataset, cells in row.values.items():
                family = registry.get_model(entry.model).run_config(dataset, BUDGETS["full"]).model.family
                assert family in BUILDERS, (table.id, entry.row, family)
                measured = {m for group in groups_for(cells, family) for m in GROUPS[group].metrics}
                unmeasured += [f"{table.id}/{entry.row}/{dataset}/{metric}" for metric, value in cells.items()
                               if value is not None and metric not in measured]
    assert unmeasured == []
