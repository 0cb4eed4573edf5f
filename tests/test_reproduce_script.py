"""reproduce.sh (read through its DRY_RUN output): every table and figure it names exists and runs on a corpus its
models have, the real corpus when the data directory holds it and a labelled stand-in otherwise."""

import os
import subprocess

from suite import registry
from suite.analyses import FIGURES
from suite.data.datasets import stands_in
from suite.provenance import REPO
from suite.tables import get_table


def dry_run(data_dir, paper="all") -> tuple[list[list[str]], str]:
    env = {**os.environ, "DRY_RUN": "1", "REPRODUCE_DATA_DIR": str(data_dir),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(["bash", str(REPO / "reproduce.sh"), "smoke", paper, "--seeds", "2"], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True)
    return [line.split() for line in done.stdout.splitlines()], done.stderr


def option(call: list[str], name: str) -> str:
    return call[call.index(name) + 1]


def test_every_call_names_a_target_and_a_corpus_its_models_have(tmp_path):
    registry.load()
    calls, _ = dry_run(tmp_path)
    targets = {call[2] for call in calls if call[1] != "interpolate"}
    assert {f"coupled-{i}" for i in (1, 2, 3, 4, 5, 8, 9)} | {"wae-1", "wae-2", "ami-dialog"} <= targets
    assert {f"vmed-{i}" for i in (1, 2, 3, 4)} | set(FIGURES) <= targets
    for call in calls:
        assert call[0] == "reproduce" and option(call, "--budget") == "smoke" and call[-2:] == ["--seeds", "2"]
        if call[1] in ("interpolate", "figure"):
            continue
        table, dataset = get_table(call[2]), option(call, "--dataset")
        stands_in(dataset, table.datasets)           # raises unless the table has it or it stands in for one
        for entry in registry.table_rows(table, None):
            assert entry.model is None or dataset in registry.get_model(entry.model).datasets, (call, entry)


def test_a_stand_in_runs_only_when_the_real_corpus_is_absent(tmp_path):
    calls, said = dry_run(tmp_path, "vmed")
    assert option(calls[0], "--dataset") == "chitchat" and "cornell: not in the data directory" in said
    (tmp_path / "cornell").mkdir()
    for name in ("movie_lines.txt", "movie_conversations.txt"):
        (tmp_path / "cornell" / name).touch()
    calls, said = dry_run(tmp_path, "vmed")
    assert calls[0][:3] == ["reproduce", "table", "vmed-1"] and option(calls[0], "--dataset") == "cornell"
    assert "cornell" not in said


def test_vmeds_full_budget_asks_for_its_word_vectors_before_any_table(tmp_path):
    env = {**os.environ, "DRY_RUN": "1", "REPRODUCE_DATA_DIR": str(tmp_path),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}

    def script(paper):
        return subprocess.run(["bash", str(REPO / "reproduce.sh"), "full", paper], cwd=REPO, env=env,
                              capture_output=True, text=True)

    refused = script("all")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: word vectors GoogleNews-vectors-negative300.bin not found in ")
    assert script("coupled").returncode == 0                  # the other papers do not need them
    (tmp_path / "GoogleNews-vectors-negative300.bin").touch()
    assert "reproduce table vmed-1" in script("vmed").stdout


def test_an_unknown_budget_is_a_usage_line_not_a_run():
    done = subprocess.run(["bash", str(REPO / "reproduce.sh"), "all"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("usage: ./reproduce.sh [quick|full]") and not done.stdout
