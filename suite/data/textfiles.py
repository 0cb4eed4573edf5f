"""Corpora that users bring as {train,valid,test}.txt files, one tokenised text per line (the Coupled-VAE paper's
Yelp and Yahoo). Files whose validation and test sizes are not the paper's hold another corpus: it runs, labelled
a stand-in, and is never compared with the paper."""

from __future__ import annotations

import warnings
from pathlib import Path

from suite.data.corpus import SPLITS, Corpus
from suite.errors import DataMissing, StandInWarning, SuiteError


def split_files(directory: Path) -> dict[str, Path]:
    return {split: directory / f"{split}.txt" for split in SPLITS}


def require_files(name: str, data_dir: Path | None, how_to_get: str) -> dict[str, Path]:
    if data_dir is None:
        raise DataMissing(f"dataset {name!r} is not shipped with the suite: put {name}/train.txt, "
                          f"{name}/valid.txt and {name}/test.txt in a directory and pass --data-dir "
                          f"(or set REPRODUCE_DATA_DIR); {how_to_get}")
    files = split_files(data_dir / name)
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise DataMissing(f"dataset {name!r} not found: missing {', '.join(missing)}; {how_to_get}")
    return files


def read_lines(path: Path) -> tuple[bytes, list[str]]:
    raw = path.read_bytes()
    try:
        return raw, raw.decode("utf-8").split("\n")
    except UnicodeDecodeError as error:
        raise SuiteError(f"{path}: not UTF-8 text (byte {error.start}); is the file corrupt?") from None


def load_text_corpus(name: str, data_dir: Path | None, how_to_get: str, paper_sizes: dict[str, int],
                     rating_prefix: bool = False) -> Corpus:
    """One text per line. With `rating_prefix` (Yelp), each line starts with a 0-4 rating that is dropped,
    and lines of at most one character are skipped, as in the released code. Splits of other sizes than
    `paper_sizes` make a stand-in, with a warning."""
    files = require_files(name, data_dir, how_to_get)
    raws, tokens = [], {}
    for split, path in files.items():
        raw, lines = read_lines(path)
        raws.append(raw)
        sentences = []
        for number, line in enumerate(lines, 1):
            words = line.split()
            if rating_prefix:
                if len(line.strip()) <= 1:
                    continue
                if words[0] not in ("0", "1", "2", "3", "4"):
                    raise SuiteError(f"{path}:{number}: expected a 0-4 rating as the first token, got {words[0]!r}")
                words = words[1:]
            if words:
                sentences.append(words)
        if not sentences:
            raise SuiteError(f"{path}: no sentences (empty or truncated file?)")
        tokens[split] = sentences
    sizes = {split: len(tokens[split]) for split in paper_sizes}
    other = sizes != paper_sizes
    if other:
        def counts(of: dict[str, int]) -> str:
            return ", ".join(f"{n:,} {split}" for split, n in of.items())
        warnings.warn(f"{name}: {counts(sizes)} texts, where the paper's corpus has {counts(paper_sizes)}: running it "
                      f"as a stand-in, not compared with the paper ({how_to_get})", StandInWarning, stacklevel=2)
    return Corpus.from_tokens(name, tokens, raws, stand_in=other)
