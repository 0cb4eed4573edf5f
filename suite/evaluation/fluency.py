"""The fluency language model that scores sentences sampled from the prior (Stochastic WAE's PPL).

The paper scored samples with a third-party n-gram LM trained on Wikipedia, which is not available here: PPL comes
from an interpolated Kneser-Ney trigram LM (`suite.metrics.kneser_ney`) trained on the corpus named by
$REPRODUCE_LM_CORPUS, a text file with one whitespace-tokenised sentence a line, or by default on the Penn
Treebank training split that ships with the suite. Every output that shows PPL says which LM it came from.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from suite.errors import SuiteError
from suite.metrics.kneser_ney import KneserNeyLM

LM_CORPUS_ENV = "REPRODUCE_LM_CORPUS"
DEFAULT_CORPUS = "ptb-train"
ORDER, DISCOUNT, UNK_CUTOFF = 3, 0.75, 2


def lm_corpus() -> str:
    return os.environ.get(LM_CORPUS_ENV) or DEFAULT_CORPUS


def describe(corpus: str) -> str:
    return (f"PPL from a Kneser-Ney {ORDER}-gram LM trained on {corpus} (${LM_CORPUS_ENV}), not the paper's "
            f"Wikipedia LM: not comparable with the paper's PPL")


def _sentences(corpus: str) -> tuple[list[list[str]], str]:
    if corpus == DEFAULT_CORPUS:
        from suite.data.ptb import load_ptb
        ptb = load_ptb()
        train = ptb.splits["train"]
        return [ptb.vocab.decode(train.sentence(i).tolist()) for i in range(len(train))], ptb.checksum
    path = Path(corpus).expanduser()
    if not path.is_file():
        raise SuiteError(f"${LM_CORPUS_ENV}={corpus}: no such file (expected one whitespace-tokenised sentence a "
                         f"line, or unset it for the default {DEFAULT_CORPUS})")
    raw = path.read_bytes()
    sentences = [line.split() for line in raw.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not sentences:
        raise SuiteError(f"${LM_CORPUS_ENV}={corpus}: the file holds no sentences")
    return sentences, hashlib.sha256(raw).hexdigest()


@cache
def fluency_lm(corpus: str) -> tuple[KneserNeyLM, dict]:
    """The LM trained on `corpus` (once per process) and what identifies it in a record."""
    sentences, digest = _sentences(corpus)
    return KneserNeyLM(sentences, ORDER, DISCOUNT, UNK_CUTOFF), {
        "corpus": corpus, "checksum": digest, "sentences": len(sentences), "order": ORDER, "discount": DISCOUNT,
        "unk_cutoff": UNK_CUTOFF, "note": describe(corpus)}
