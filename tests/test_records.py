"""Result files are written atomically and foreign records are refused with a one-line error."""

import json

import pytest

from suite.errors import SuiteError
from suite.records import atomic_write_json, atomic_write_text, read_record


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
