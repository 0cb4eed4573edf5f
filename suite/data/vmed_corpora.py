"""VMED's corpora: Cornell Movie-Dialogs, OpenSubtitles, and the authors' pickles of their LJ and Reddit crawls,
each cut into (context, response) pairs as the paper (supplement §4) and the released code do: Cornell and
OpenSubtitles lines go through the released preprocessing (suite/data/deepqa.py: contexts keep their last whole
sentences within 20 words, responses their first, cut to 10; the vocabulary is the most frequent 20k (Cornell) or
40k (OpenSubtitles) words); the pickles are that preprocessing's output and keep the vocabulary they come with
(Reddit: ~16k words).

Splits follow the released qa_task.py: the last 10k pairs are validation, the 10k before them test, the rest
training (a corpus under 100k pairs holds out a tenth for each instead, so that small files still split).
"""

from __future__ import annotations

import gzip
import pickle
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

from suite.data.corpus import Corpus, checksum
from suite.data.deepqa import MAX_LENGTH, RESPONSE_LEN, Pair, released_pairs
from suite.data.dialogue import PairSet
from suite.data.plain_pickle import read_plain_pickle
from suite.data.vocab import SPECIALS, Vocab
from suite.errors import DataMissing, StandInWarning, SuiteError

HOLDOUT = 10_000
CORNELL_SEPARATOR = " +++$+++ "
CORNELL_SOURCE = "download cornell_movie_dialogs_corpus.zip from cs.cornell.edu/~cristian"
CORNELL_EXCHANGES = 220_000     # its README counts 220,579 exchanges; the slack allows for how it counted them
OPENSUBTITLES_SOURCE = "an English OpenSubtitles release from opus.nlpl.eu (OPUS XML) or text, one utterance a line"
OPENSUBTITLES_PAIRS = 1_600_000     # "more than 1.6 million pairs" after preprocessing (supplement §4)
PICKLE_SOURCE = "VMED's own pickle (str2tok, tok2str, dialogs); the crawl was never published"


def split_sizes(n: int) -> tuple[int, int]:
    holdout = HOLDOUT if n >= 10 * HOLDOUT else n // 10
    return n - 2 * holdout, holdout


def pair_corpus(name: str, pairs: list[Pair], raw: list[bytes], vocab: Vocab, papers_at_least: int = 0) -> Corpus:
    """Windowed pairs in corpus order split train / test / valid (released order). Fewer pairs than the paper
    says its corpus gave make a stand-in, with a warning."""
    pairs = [(c[-MAX_LENGTH:], r[:RESPONSE_LEN]) for c, r in pairs if c and r]
    if len(pairs) < 10:
        raise SuiteError(f"dataset {name!r}: only {len(pairs)} (context, response) pairs found; is it the right file?")
    stand_in = len(pairs) < papers_at_least
    if stand_in:
        warnings.warn(f"{name}: {len(pairs):,} (context, response) pairs, where the paper's corpus gave more than "
                      f"{papers_at_least:,}: running it as a stand-in, not compared with the paper", StandInWarning,
                      stacklevel=2)
    train_end, holdout = split_sizes(len(pairs))
    parts = {"train": pairs[:train_end], "test": pairs[train_end:train_end + holdout],
             "valid": pairs[train_end + holdout:]}
    splits = {split: PairSet.from_lists([vocab.encode(c) for c, _ in part], [vocab.encode(r) for _, r in part])
              for split, part in parts.items()}
    return Corpus(name, vocab, splits, checksum(raw), stand_in)


def require(paths: list[Path], name: str, source: str, data_dir: Path | None):
    if data_dir is None:
        raise DataMissing(f"dataset {name!r} is not shipped with the suite: put it under a directory passed with "
                          f"--data-dir (or REPRODUCE_DATA_DIR); {source}")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise DataMissing(f"dataset {name!r} not found: missing {', '.join(missing)}; {source}")


# --- Cornell Movie-Dialogs ------------------------------------------------------------------------------------


def lines_of(text: str) -> list[str]:
    """Lines as Python's text files read them (str.splitlines would also break at the corpus's \\x85 and \\x0c)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def cornell_conversations(lines_text: str, conversations_text: str) -> list[list[str]]:
    """Each conversation's lines, in the order movie_conversations.txt lists their ids."""
    lines = {}
    for row in lines_of(lines_text):
        fields = row.split(CORNELL_SEPARATOR)
        if len(fields) == 5:
            lines[fields[0]] = fields[4]
    conversations = []
    for row in lines_of(conversations_text):
        fields = row.split(CORNELL_SEPARATOR)
        if len(fields) == 4:
            conversations.append([lines.get(i, "") for i in re.findall(r"L\d+", fields[3])])
    return conversations


def load_cornell(data_dir: Path | None) -> Corpus:
    """The released corpus's 220,579 exchanges (consecutive lines of a conversation); files listing fewer than
    CORNELL_EXCHANGES (a part of it, or another corpus) make a stand-in, with a warning."""
    paths = [data_dir / "cornell" / f for f in ("movie_lines.txt", "movie_conversations.txt")] if data_dir else []
    require(paths, "cornell", CORNELL_SOURCE, data_dir)
    raw = [p.read_bytes() for p in paths]
    conversations = cornell_conversations(*(r.decode("iso-8859-1") for r in raw))     # the corpus's own encoding
    vocab, pairs = released_pairs(conversations, vocab_size=20_000)
    corpus = pair_corpus("cornell", pairs, raw, vocab=vocab)
    exchanges = sum(len(conversation) - 1 for conversation in conversations if conversation)
    if exchanges >= CORNELL_EXCHANGES:
        return corpus
    warnings.warn(f"cornell: {exchanges:,} exchanges in movie_conversations.txt, where the released corpus has "
                  f"220,579: running it as a stand-in, not compared with the paper", StandInWarning, stacklevel=2)
    return replace(corpus, stand_in=True)


# --- OpenSubtitles ----------------------------------------------------------------------------------------------

MARKUP = re.compile(r"<!--.*?-->|<[^>]*>")
GAP = timedelta(seconds=1)


def subtitle_line(text: str) -> str:
    return MARKUP.sub("", text).replace("\\'", "'").strip()


def opus_exchanges(raw: bytes) -> list[list[str]]:
    """The released reader's exchanges in one OPUS XML file: the words between each start and end <time> mark make
    a line, paired with the next line when that starts at most a second after this one ends (times to the second)."""
    spans, text, start = [], "", datetime.min
    for sentence in ET.fromstring(raw):
        for element in sentence:
            if element.tag != "time":
                text += " " + (element.text or "")
                continue
            time = datetime.strptime(element.attrib["value"][:-4], "%H:%M:%S")
            if element.attrib["id"].endswith("S"):
                start = time
            else:
                spans.append((subtitle_line(text), start, time))
                text = ""
    return [[line, reply] for (line, _, end), (reply, reply_start, _) in pairwise(spans)
            if reply_start - end <= GAP]


def opensubtitles_conversations(files: list[tuple[str, bytes]]) -> list[list[str]]:
    """OPUS XML (.xml, .xml.gz) files give timed exchanges as released; a text file, one utterance a line, is one
    conversation."""
    conversations = []
    for name, raw in files:
        try:
            if name.endswith(".gz"):
                raw, name = gzip.decompress(raw), name[:-3]
            conversations += (opus_exchanges(raw) if name.endswith(".xml")
                              else [[subtitle_line(line) for line in lines_of(raw.decode("utf-8"))]])
        # EOFError: a .gz cut short; OSError: a .gz that is not gzip
        except (ET.ParseError, UnicodeDecodeError, KeyError, ValueError, EOFError, OSError) as error:
            raise SuiteError(f"opensubtitles/{name}: unreadable ({type(error).__name__}: {error}); "
                             f"{OPENSUBTITLES_SOURCE}") from None
    return conversations


def load_opensubtitles(data_dir: Path | None) -> Corpus:
    root = data_dir / "opensubtitles" if data_dir else None
    require([root] if root else [], "opensubtitles", OPENSUBTITLES_SOURCE, data_dir)
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith((".xml", ".xml.gz", ".txt")))
    if not paths:
        raise DataMissing(f"dataset 'opensubtitles': no .xml, .xml.gz or .txt file under {root}; "
                          f"{OPENSUBTITLES_SOURCE}")
    files = [(str(p.relative_to(root)), p.read_bytes()) for p in paths]
    vocab, pairs = released_pairs(opensubtitles_conversations(files), vocab_size=40_000)
    return pair_corpus("opensubtitles", pairs, [raw for _, raw in files], vocab=vocab,
                       papers_at_least=OPENSUBTITLES_PAIRS)


# --- LJ and Reddit: VMED's pickle -------------------------------------------------------------------------------


def read_vmed_pickle(raw: bytes, name: str) -> tuple[Vocab, list[Pair]]:
    """(str2tok, tok2str, dialogs): ids 0, 1, 2 are pad, go and eos; each dialog is [context ids, response ids]."""
    try:
        _, tok2str, dialogs = read_plain_pickle(raw, PICKLE_SOURCE)
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
