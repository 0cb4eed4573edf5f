"""VMED's corpora: Cornell Movie-Dialogs, OpenSubtitles, and the authors' pickles of their LJ and Reddit crawls,
each cut into (context, response) pairs with the paper's preprocessing (supplement §4): contexts keep their last
20 words, responses their first 10, and the vocabulary the most frequent 20k (Cornell, LJ) or 40k
(OpenSubtitles) training words; the pickles keep the vocabulary they come with (Reddit: ~16k words).

Splits follow the released qa_task.py: the last 10k pairs are validation, the 10k before them test, the rest
training (a corpus under 100k pairs holds out a tenth for each instead, so that small files still split).
"""

from __future__ import annotations

import gzip
import io
import pickle
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from suite.data.corpus import Corpus, checksum
from suite.data.dialogue import PairSet, consecutive_pairs, tokenize
from suite.data.vocab import SPECIALS, Vocab
from suite.errors import DataMissing, SuiteError

CONTEXT_LEN, RESPONSE_LEN = 20, 10
HOLDOUT = 10_000
CORNELL_SEPARATOR = " +++$+++ "
CORNELL_SOURCE = "download cornell_movie_dialogs_corpus.zip from cs.cornell.edu/~cristian"
OPENSUBTITLES_SOURCE = "an English OpenSubtitles release from opus.nlpl.eu (OPUS XML) or text, one utterance a line"
PICKLE_SOURCE = "VMED's own pickle (str2tok, tok2str, dialogs); the crawl was never published"

Pair = tuple[list[str], list[str]]


def split_sizes(n: int) -> tuple[int, int]:
    holdout = HOLDOUT if n >= 10 * HOLDOUT else n // 10
    return n - 2 * holdout, holdout


def top_vocab(pairs: list[Pair], size: int | None) -> Vocab:
    counts = Counter(w for context, response in pairs for w in context + response if w not in SPECIALS)
    return Vocab(SPECIALS + tuple(w for w, _ in counts.most_common(size)))


def pair_corpus(name: str, pairs: list[Pair], raw: list[bytes], vocab_size: int | None = None,
                vocab: Vocab | None = None) -> Corpus:
    """Windowed pairs in corpus order split train / test / valid (released order); the vocabulary from train."""
    pairs = [(c[-CONTEXT_LEN:], r[:RESPONSE_LEN]) for c, r in pairs if c and r]
    if len(pairs) < 10:
        raise SuiteError(f"dataset {name!r}: only {len(pairs)} (context, response) pairs found; is it the right file?")
    train_end, holdout = split_sizes(len(pairs))
    parts = {"train": pairs[:train_end], "test": pairs[train_end:train_end + holdout],
             "valid": pairs[train_end + holdout:]}
    vocab = vocab or top_vocab(parts["train"], vocab_size)
    splits = {split: PairSet.from_lists([vocab.encode(c) for c, _ in part], [vocab.encode(r) for _, r in part])
              for split, part in parts.items()}
    return Corpus(name, vocab, splits, checksum(raw))


def require(paths: list[Path], name: str, source: str, data_dir: Path | None):
    if data_dir is None:
        raise DataMissing(f"dataset {name!r} is not shipped with the suite: put it under a directory passed with "
                          f"--data-dir (or REPRODUCE_DATA_DIR); {source}")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise DataMissing(f"dataset {name!r} not found: missing {', '.join(missing)}; {source}")


# --- Cornell Movie-Dialogs ------------------------------------------------------------------------------------


def cornell_pairs(lines_text: str, conversations_text: str) -> list[Pair]:
    """Consecutive lines of every conversation (movie_conversations.txt lists each one's line ids in order)."""
    lines = {}
    for row in lines_text.splitlines():
        fields = row.split(CORNELL_SEPARATOR)
        if len(fields) == 5:
            lines[fields[0]] = tokenize(fields[4])
    pairs = []
    for row in conversations_text.splitlines():
        fields = row.split(CORNELL_SEPARATOR)
        if len(fields) != 4:
            continue
        ids = re.findall(r"L\d+", fields[3])
        pairs += consecutive_pairs([lines.get(i, []) for i in ids])
    return pairs


def load_cornell(data_dir: Path | None) -> Corpus:
    paths = [data_dir / "cornell" / f for f in ("movie_lines.txt", "movie_conversations.txt")] if data_dir else []
    require(paths, "cornell", CORNELL_SOURCE, data_dir)
    raw = [p.read_bytes() for p in paths]
    pairs = cornell_pairs(*(r.decode("iso-8859-1") for r in raw))     # the corpus's own encoding
    return pair_corpus("cornell", pairs, raw, vocab_size=20_000)


# --- OpenSubtitles ----------------------------------------------------------------------------------------------


def opus_sentences(raw: bytes) -> list[list[str]]:
    """The <s> sentences of one OPUS XML subtitle file, each from its <w> tokens (or its text)."""
    root = ET.fromstring(raw)
    sentences = []
    for s in root.iter("s"):
        words = [w.text for w in s.iter("w") if w.text]
        sentences.append(tokenize(" ".join(words) if words else "".join(s.itertext())))
    return sentences


def opensubtitles_pairs(files: list[tuple[str, bytes]]) -> list[Pair]:
    """Consecutive utterances within each file: OPUS XML (.xml, .xml.gz) or text, one utterance a line."""
    pairs = []
    for name, raw in files:
        if name.endswith(".gz"):
            raw, name = gzip.decompress(raw), name[:-3]
        try:
            utterances = (opus_sentences(raw) if name.endswith(".xml")
                          else [tokenize(line) for line in raw.decode("utf-8").splitlines()])
        except (ET.ParseError, UnicodeDecodeError) as error:
            raise SuiteError(f"opensubtitles/{name}: unreadable ({error}); {OPENSUBTITLES_SOURCE}") from None
        pairs += consecutive_pairs(utterances)
    return pairs


def load_opensubtitles(data_dir: Path | None) -> Corpus:
    root = data_dir / "opensubtitles" if data_dir else None
    require([root] if root else [], "opensubtitles", OPENSUBTITLES_SOURCE, data_dir)
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith((".xml", ".xml.gz", ".txt")))
    if not paths:
        raise DataMissing(f"dataset 'opensubtitles': no .xml, .xml.gz or .txt file under {root}; "
                          f"{OPENSUBTITLES_SOURCE}")
    files = [(str(p.relative_to(root)), p.read_bytes()) for p in paths]
    return pair_corpus("opensubtitles", opensubtitles_pairs(files), [raw for _, raw in files], vocab_size=40_000)


# --- LJ and Reddit: VMED's pickle -------------------------------------------------------------------------------


class _PlainUnpickler(pickle.Unpickler):
    """Containers, strings and numbers only: a pickle can run code, and VMED's holds nothing else."""

    def find_class(self, module: str, name: str):
        raise SuiteError(f"the pickle holds a {module}.{name} object, which {PICKLE_SOURCE} does not")


def read_vmed_pickle(raw: bytes, name: str) -> tuple[Vocab, list[Pair]]:
    """(str2tok, tok2str, dialogs): ids 0, 1, 2 are pad, go and eos; each dialog is [context ids, response ids]."""
    try:
        _, tok2str, dialogs = _PlainUnpickler(io.BytesIO(raw), encoding="latin1").load()
        words = [tok2str[i] for i in sorted(tok2str) if i > 2]
        pairs = [([tok2str[i] for i in context if i > 2], [tok2str[i] for i in response if i > 2])
                 for context, response in dialogs]
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as error:
        raise SuiteError(f"{name}/dialogs.pkl: not {PICKLE_SOURCE} ({type(error).__name__}: {error})") from None
    return Vocab(SPECIALS + tuple(w for w in words if w not in SPECIALS)), pairs


def load_vmed_pickle(name: str, data_dir: Path | None) -> Corpus:
    path = data_dir / name / "dialogs.pkl" if data_dir else None
    require([path] if path else [], name, PICKLE_SOURCE, data_dir)
    raw = path.read_bytes()
    vocab, pairs = read_vmed_pickle(raw, name)
    return pair_corpus(name, pairs, [raw], vocab=vocab)
