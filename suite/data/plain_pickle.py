"""Reading the pickles that released corpora ship as (Zhao et al.'s Switchboard, VMED's crawls): containers,
strings and numbers only, since a pickle can run arbitrary code and these hold nothing else."""

from __future__ import annotations

import io
import pickle

from suite.errors import SuiteError


class _PlainUnpickler(pickle.Unpickler):
    def __init__(self, raw: bytes, expected: str):
        # Python 2 wrote these files; latin-1 decodes its byte strings one to one, so ASCII text reads unchanged
        super().__init__(io.BytesIO(raw), encoding="latin1")
        self.expected = expected

    def find_class(self, module: str, name: str):
        raise SuiteError(f"the pickle holds a {module}.{name} object, which {self.expected} does not; "
                         "is this the right file?")


def read_plain_pickle(raw: bytes, expected: str) -> object:
    """The object pickled in `raw`; one-line SuiteError for any class in it (`expected` names the right file)."""
    return _PlainUnpickler(raw, expected).load()
