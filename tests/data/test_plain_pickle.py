"""Released corpora's pickles are read without running anything they hold."""

import pickle
from collections import OrderedDict

import pytest

from suite.data.plain_pickle import read_plain_pickle
from suite.data.vmed_corpora import load_vmed_pickle
from suite.errors import SuiteError


class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):          # unpickling would call open(marker, "w"): a file appears if code ran
        return open, (str(self.marker), "w")


def test_containers_strings_and_numbers_read_back_as_written():
    data = {"train": [[1, 2.5, "word", None, (3, True)]], "valid": {0: "x"}}
    assert read_plain_pickle(pickle.dumps(data, protocol=2), "the corpus") == data


def test_a_pickle_that_would_run_code_is_refused_before_it_runs(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(SuiteError, match=r"holds a \S*open object, which the corpus does not"):
        read_plain_pickle(pickle.dumps(RunsCode(marker)), "the corpus")
    assert not marker.exists()


def test_vmed_pickle_with_foreign_objects_is_a_one_line_error(tmp_path):
    (tmp_path / "lj").mkdir()
    (tmp_path / "lj" / "dialogs.pkl").write_bytes(pickle.dumps(({}, OrderedDict(), [])))
    with pytest.raises(SuiteError, match="collections.OrderedDict object, which VMED's own pickle") as error:
        load_vmed_pickle("lj", tmp_path)
    assert "\n" not in str(error.value)
