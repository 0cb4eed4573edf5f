"""Fuzzing the expected-value loader and the command line: every input is either accepted or refused with a
one-line error; nothing ever ends in a traceback. (Training is stubbed out: the target is input handling.)"""

import string
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suite import cli, harness
from suite.tables import TABLES_DIR, TableFileError, load_table

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8))
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                         max_leaves=20)
VALID = (TABLES_DIR / "coupled-9.yaml").read_text()


def expect_clean(path: Path):
    try:
        load_table(path)
    except TableFileError as error:
        assert "\n" not in str(error) and str(error).startswith(f"{path.name}: ")


@FUZZ
@given(documents)
def test_loader_on_arbitrary_yaml_documents(tmp_path, document):
    path = tmp_path / "coupled-9.yaml"
    path.write_text(yaml.safe_dump(document))
    expect_clean(path)


@FUZZ
@given(st.integers(0, len(VALID) - 1), st.integers(0, 40), st.text(max_size=12))
def test_loader_on_corrupted_copies_of_a_real_file(tmp_path, start, length, insert):
    path = tmp_path / "coupled-9.yaml"
    path.write_text(VALID[:start] + insert + VALID[start + length:])
    expect_clean(path)


WORDS = ["list", "table", "run", "claims", "plan", "figure", "interpolate", "baseline", "check",
         "coupled-1", "coupled-9", "coupled-10", "wae-1", "vmed-2", "vae", "vea", "gru-lm", "coupled-fig2",
         "--dataset", "ptb", "pbt", "yelp", "snli", "chitchat", "--rows", "vae,coupled-vae", "--budget", "smoke",
         "huge", "--seeds", "0", "2", "-1", "--seed", "x", "--format", "latex", "markdown", "json", "--device",
         "cuda:7", "--data-dir", "/nonexistent", "--results-dir", "--metrics", "nll", "--models", "--paper",
         "vmed", "--threads", "--pairs", "--force", "--no-progress", "--cpus-per-run", "--gpus-per-run", "--help"]


@pytest.fixture()
def stubbed(monkeypatch, tmp_path):
    """No training: every run returns a finished empty record, so any parsed command completes quickly."""
    def fake(self, specs, metrics, echo=print):
        return [{"status": "trained", "stand_in": False, "metrics": {}, "evaluations": {}, "seed": s.seed,
                 "model": s.model_id, "training": {}, "key": {}, "provenance": {"created": "", "git": {"revision": ""}}}
                for s in specs]

    monkeypatch.setattr(cli.LocalExecutor, "run", fake)
    monkeypatch.setattr(harness.LocalExecutor, "run", fake)
    monkeypatch.setattr(cli, "plan_table", lambda *args, **kwargs: "plan")
    monkeypatch.setattr(cli, "draw_figure", lambda *args, **kwargs: tmp_path / "figure.png")
    monkeypatch.setattr(cli, "interpolation_report", lambda *args, **kwargs: "report")
    monkeypatch.setattr(cli.gate, "check_baseline", lambda model, dataset: [])
    monkeypatch.setattr(cli.gate, "config_drift", lambda model, dataset: [])
    monkeypatch.setattr(cli.gate, "record_baseline", lambda model, dataset, seeds: tmp_path / f"{model}.json")
    monkeypatch.chdir(tmp_path)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(string.printable, max_size=6)), max_size=7))
def test_command_line_never_ends_in_a_traceback(stubbed, argv):
    result = CliRunner().invoke(cli.main, argv)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2 and result.output.startswith("error: "):
        assert result.output.count("\n") == 1
