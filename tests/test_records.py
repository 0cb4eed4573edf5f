"""Result files are written atomically and foreign records are refused with a one-line error."""

import json
import os

import pytest

from suite.errors import SuiteError
from suite.records import atomic_write_json, atomic_write_text, key_changes, read_record


def test_a_failed_write_leaves_the_previous_file_and_no_debris(tmp_path):
    path = tmp_path / "record.json"
    atomic_write_json(path, {"schema": 1, "value": 1})

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        atomic_write_json(path, {"schema": 1, "value": Unserialisable()})
    assert json.loads(path.read_text()) == {"schema": 1, "value": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_records_from_another_version_or_corrupt_are_refused(tmp_path):
    path = tmp_path / "record.json"
    atomic_write_text(path, json.dumps({"schema": 99}))
    with pytest.raises(SuiteError, match="incompatible version"):
        read_record(path)
    atomic_write_text(path, '{"schema": 1, "metr')
    with pytest.raises(SuiteError, match="unreadable result record"):
        read_record(path)
    assert read_record(tmp_path / "absent.json") is None


def test_the_run_lock_excludes_and_leaves_no_lock_file(tmp_path):
    import threading
    import time

    from suite.records import run_lock

    inside, overlaps = [], []

    def work():
        for _ in range(20):
            with run_lock(tmp_path / "run"):
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(1)
                time.sleep(0.001)
                inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not overlaps
    assert list((tmp_path / "run").iterdir()) == []


def test_runs_index_and_curves(tmp_path):
    from suite import progress
    from suite.budgets import BUDGETS
    from suite.runner import RunSpec, run_model
    from suite.runs import index, plot_curves

    progress.SHOW = False
    record = run_model(RunSpec("gru-lm", "ptb", BUDGETS["smoke"], 0, tmp_path), ["nll"])
    assert set(record["splits"]) == {"train", "valid", "test"} and all(record["splits"].values())
    [entry] = index(tmp_path)
    assert (entry["model"], entry["budget"], entry["status"]) == ("gru-lm", "smoke", "trained")
    assert entry["stand_in"] is False
    assert plot_curves(tmp_path / "runs" / "ptb" / "gru-lm" / "smoke-seed0").stat().st_size > 0
    assert not list(tmp_path.rglob(".lock"))


def test_curves_of_a_record_without_training_are_a_one_line_error(tmp_path):
    from suite.records import SCHEMA
    from suite.runs import plot_curves

    (tmp_path / "record.json").write_text(json.dumps({"schema": SCHEMA, "status": "trained"}))
    with pytest.raises(SuiteError, match="the record holds no training curves"):
        plot_curves(tmp_path)


def test_a_replaced_record_is_kept_even_when_two_are_written_within_a_second(tmp_path):
    from suite.records import set_aside

    kept = []
    for number in range(3):
        (tmp_path / "record.json").write_text(json.dumps({"n": number}))
        os.utime(tmp_path / "record.json", (0, 0))
        kept.append(set_aside(tmp_path / "record.json"))
    assert len(set(kept)) == 3 and [json.loads(p.read_text())["n"] for p in kept] == [0, 1, 2]
    assert not (tmp_path / "record.json").exists()


def test_key_changes_name_each_part_of_the_run_key_that_differs():
    key = {"config": "a", "code": "b", "data": "c"}
    assert key_changes({"config": "a", "code": "x", "data": "y"}, key) == "code, data"
    assert key_changes(None, key) == "config, code, data"            # a record from before run keys
    assert key_changes({**key, "extra": 1}, key) == "run"            # nothing of this key differs
