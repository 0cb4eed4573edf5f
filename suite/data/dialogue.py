"""Post-response pairs for conditional (dialogue) models: the split type, its batches, and two corpora.

A pair split looks like a sentence split to the batch planners, the trainer and the likelihood evaluation:
its `lengths` are the responses' and its batches behave like the responses' `Batch`, with the post alongside.

Corpora:
  switchboard  Zhao et al. (2017)'s Switchboard pickle, cut into pairs as the released Coupled-CVAE code does.
  chitchat     STAND-IN: the Chit Chat Challenge corpus (PyPI `chitchat-dataset`), real two-person chat; it is
               not Switchboard, and its numbers must never be compared with a paper's.
"""

from __future__ import annotations

import json
import pickle
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import torch

from suite.data.batching import Batch
from suite.data.corpus import SPLITS, Corpus, SentenceSet, checksum
from suite.data.plain_pickle import read_plain_pickle
from suite.data.vocab import EOS, Vocab
from suite.errors import DataMissing, SuiteError

MIN_COUNT = 5       # the released loader keeps words seen at least 5 times in train posts + responses
HISTORY = 3         # AMI (supplement B.1): at most 3 turns of dialogue history, the post included

# NLTK's WordPunctTokenizer pattern (runs of word characters, runs of punctuation), which Zhao et al.'s and the
# released code's preprocessing apply to lowercased text; written out here so that NLTK is not needed.
WORD_PUNCT = re.compile(r"\w+|[^\w\s]+")

SWITCHBOARD_FILE = "switchboard/full_swda_clean_42da_sentiment_dialog_corpus.p"
SWITCHBOARD_SOURCE = "get it from github.com/snakeztc/NeuralDialog-CVAE (data/)"


def tokenize(text: str) -> list[str]:
    return WORD_PUNCT.findall(text.lower())


# --- splits and batches -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PairBatch:
    """B (post, response) pairs. The response is the text being modelled, so the `Batch` attributes the
    decoder and the evaluation read are the response's; the post is the condition."""

    post: Batch
    response: Batch
    earlier: Batch | None = None     # the turns before the post (see `earlier_turns`), when the split has them

    @property
    def words(self) -> torch.Tensor:
        return self.response.words

    @property
    def lengths(self) -> torch.Tensor:
        return self.response.lengths

    @property
    def inputs(self) -> torch.Tensor:
        return self.response.inputs

    @property
    def targets(self) -> torch.Tensor:
        return self.response.targets

    @property
    def mask(self) -> torch.Tensor:
        return self.response.mask

    @property
    def index(self) -> torch.Tensor:
        return self.response.index

    @property
    def packing(self):
        return self.response.packing

    @property
    def positions(self) -> torch.Tensor:
        return self.response.positions

    @property
    def rows(self) -> torch.Tensor:
        return self.response.rows

    @property
    def n_predictions(self) -> int:
        return self.response.n_predictions

    @property
    def post_words(self) -> torch.Tensor:
        return self.post.words

    @property
    def post_lengths(self) -> torch.Tensor:
        return self.post.lengths

    def __len__(self) -> int:
        return len(self.response)

    def to(self, device) -> PairBatch:
        earlier = None if self.earlier is None else self.earlier.to(device)
        return PairBatch(self.post.to(device), self.response.to(device), earlier)

    def repeat(self, n: int) -> PairBatch:
        """n stacked copies of both sides (copy-major), so each response keeps its post."""
        earlier = None if self.earlier is None else self.earlier.repeat(n)
        return PairBatch(self.post.repeat(n), self.response.repeat(n), earlier)


@dataclass(frozen=True)
class PairSet:
    """The pairs of one split; pair i is (posts[i], responses[i])."""

    posts: SentenceSet
    responses: SentenceSet
    earlier: SentenceSet | None = None      # dialogue history before each post (`earlier_turns`)
    # Each response as a paper's BLEU reads it, where that is not its decoded ids (wae-2: the whole raw reply)
    reference_texts: list[list[str]] | None = None

    @classmethod
    def from_lists(cls, posts: list[list[int]], responses: list[list[int]],
                   earlier: list[list[int]] | None = None,
                   reference_texts: list[list[str]] | None = None) -> PairSet:
        if any(side is not None and len(side) != len(posts) for side in (responses, earlier, reference_texts)):
            raise ValueError(f"{len(posts)} posts but a side of another length (responses, earlier turns or "
                             "reference texts)")
        return cls(SentenceSet.from_lists(posts), SentenceSet.from_lists(responses),
                   None if earlier is None else SentenceSet.from_lists(earlier), reference_texts)

    def __len__(self) -> int:
        return len(self.responses)

    @property
    def lengths(self) -> torch.Tensor:
        """Response lengths: batches are planned (and padded) by the text the decoder predicts."""
        return self.responses.lengths

    def sort_keys(self, source: str) -> torch.Tensor:
        """(source length, target length) of each pair, as OpenNMT-py sorts training pools: the source is the
        context (earlier turns, then the post; the target is the response) or, for the backward network, the
        earlier turns, then the response (the target is the post)."""
        history = 0 if self.earlier is None else self.earlier.lengths
        if source == "context":
            return torch.stack([history + self.posts.lengths, self.responses.lengths], dim=1)
        if source == "response":
            return torch.stack([history + self.responses.lengths, self.posts.lengths], dim=1)
        raise ValueError(f"source is 'context' or 'response', not {source!r}")

    def pair(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.posts.sentence(i), self.responses.sentence(i)

    def batch(self, index: torch.Tensor, max_len: int | None = None) -> PairBatch:
        """Both sides (and the earlier turns) truncated to `max_len` words, as the released loader does."""
        return PairBatch(self.posts.batch(index, max_len), self.responses.batch(index, max_len),
                         None if self.earlier is None else self.earlier.batch(index, max_len))

    def select(self, index: torch.Tensor) -> PairSet:
        """The pairs at `index`, in that order."""
        earlier = None if self.earlier is None else self.earlier.select(index)
        references = None if self.reference_texts is None else [self.reference_texts[int(i)] for i in index]
        return PairSet(self.posts.select(index), self.responses.select(index), earlier, references)

    def subset(self, n: int | None) -> PairSet:
        """The first n pairs (all when n is None)."""
        earlier = None if self.earlier is None else self.earlier.subset(n)
        references = None if self.reference_texts is None else self.reference_texts[:n]
        return PairSet(self.posts.subset(n), self.responses.subset(n), earlier, references)


Pair = tuple[list, list]
Dialogue = list[list[str]]      # tokenised utterances


def consecutive_pairs(utterances: list[list], drop_last: bool = False) -> list[Pair]:
    """(utterance t-1, utterance t) for each t. `drop_last` leaves out the pair answered by the final utterance,
    as the released process_switchboard.py does (its loop stops at len - 2). Pairs with an empty side are
    skipped: the released loader could not read them back (it splits each line at a tab after stripping it)
    and no encoder can read an empty text."""
    end = len(utterances) - 1 if drop_last else len(utterances)
    return [(utterances[t - 1], utterances[t]) for t in range(1, end) if utterances[t - 1] and utterances[t]]


def earlier_turns(utterances: list[list[int]], turns: int, drop_last: bool = False) -> list[list[int]]:
    """For each pair of `consecutive_pairs(utterances, drop_last)`, in its order, the history before its post: the
    non-empty utterances among the `turns` - 1 before it, each followed by <eos> as a turn separator (the post
    then makes `turns` turns of history; nothing when turns = 1)."""
    end = len(utterances) - 1 if drop_last else len(utterances)
    return [[w for u in utterances[max(0, t - turns):t - 1] if u for w in (*u, EOS)]
            for t in range(1, end) if utterances[t - 1] and utterances[t]]


def pair_corpus(name: str, dialogues: dict[str, list[Dialogue]], raw_texts: list[bytes], stand_in: bool,
                drop_last: bool = False, min_count: int = MIN_COUNT, history: int = 1) -> Corpus:
    """The consecutive pairs of every dialogue, in order, each with the `history` - 1 turns before its post when
    history > 1. The vocabulary counts the training posts followed by the training responses (the released loader's
    order, which fixes the word ids); each utterance is encoded once."""
    train = [pair for utterances in dialogues["train"] for pair in consecutive_pairs(utterances, drop_last)]
    vocab = Vocab.build([p for p, _ in train] + [r for _, r in train], min_count)
    splits = {}
    for split in SPLITS:
        encoded = [[vocab.encode(utterance) for utterance in utterances] for utterances in dialogues[split]]
        pairs = [pair for utterances in encoded for pair in consecutive_pairs(utterances, drop_last)]
        if not pairs:
            raise SuiteError(f"dataset '{name}': its {split} split has no (post, response) pairs")
        earlier = ([e for utterances in encoded for e in earlier_turns(utterances, history, drop_last)]
                   if history > 1 else None)
        splits[split] = PairSet.from_lists([p for p, _ in pairs], [r for _, r in pairs], earlier)
    return Corpus(name, vocab, splits, checksum(raw_texts), stand_in)


# --- Switchboard (Zhao et al. 2017) -----------------------------------------------------------------


def read_switchboard_pickle(raw: bytes) -> dict[str, list[list[list[str]]]]:
    """Split -> dialogues -> tokenised utterances (Zhao et al.'s pickle: lists of dialogues, each a dict with
    'utts' = [(speaker, text, features)]; its text is ASCII, as their JSON copy of the data shows)."""
    try:
        data = read_plain_pickle(raw, f"Zhao et al.'s {SWITCHBOARD_FILE} ({SWITCHBOARD_SOURCE})")
        return {split: [[tokenize(text) for _, text, _ in dialogue["utts"]] for dialogue in data[split]]
                for split in SPLITS}
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise SuiteError(f"{SWITCHBOARD_FILE}: not Zhao et al.'s Switchboard pickle ({type(error).__name__}: "
                         f"{error}); {SWITCHBOARD_SOURCE}") from None


def load_switchboard(data_dir: Path | None) -> Corpus:
    """Switchboard as the released Coupled-CVAE code prepares it: each utterance lowercased and tokenised with
    the WordPunct pattern, each dialogue cut into consecutive (previous utterance, utterance) pairs without the
    pair ending at its last utterance, Zhao et al.'s train/valid/test split."""
    if data_dir is None:
        raise DataMissing(f"dataset 'switchboard' is not shipped with the suite: put {SWITCHBOARD_FILE} in a "
                          f"directory and pass --data-dir (or set REPRODUCE_DATA_DIR); {SWITCHBOARD_SOURCE}")
    path = data_dir / SWITCHBOARD_FILE
    if not path.is_file():
        raise DataMissing(f"dataset 'switchboard' not found: missing {path}; {SWITCHBOARD_SOURCE}")
    raw = path.read_bytes()
    return pair_corpus("switchboard", read_switchboard_pickle(raw), [raw], stand_in=False, drop_last=True)


# --- Chit Chat Challenge stand-in ---------------------------------------------------------------------

CHITCHAT_FRACTIONS = (0.9, 0.05)      # train, valid; the rest is test


def split_conversations(ids: list[str]) -> dict[str, list[str]]:
    """Sorted ids (random UUIDs, so sorting shuffles them reproducibly) cut 90/5/5: a conversation lies in one
    split only, so no post or response leaks from train into test."""
    ids = sorted(ids)
    train_end = round(CHITCHAT_FRACTIONS[0] * len(ids))
    valid_end = train_end + round(CHITCHAT_FRACTIONS[1] * len(ids))
    return {"train": ids[:train_end], "valid": ids[train_end:valid_end], "test": ids[valid_end:]}


def chitchat_messages(conversation: dict) -> list[list[str]]:
    """The conversation's messages in order, tokenised. The file groups them into turns (one person's
    consecutive messages); the grouping is dropped, as Switchboard's utterances come one by one whoever speaks."""
    return [tokenize(message["text"]) for turn in conversation["messages"] for message in turn]


def chitchat_corpus(conversations: dict[str, dict], raw: bytes) -> Corpus:
    """Every consecutive (message, next message) pair of each conversation, split by conversation, with up to
    `HISTORY` turns of history (which models that read only the post ignore)."""
    dialogues = {split: [chitchat_messages(conversations[cid]) for cid in ids]
                 for split, ids in split_conversations(list(conversations)).items()}
    return pair_corpus("chitchat", dialogues, [raw], stand_in=True, history=HISTORY)


def load_chitchat(data_dir: Path | None = None) -> Corpus:
    """STAND-IN dialogue corpus (Chit Chat Challenge, MIT licence), shipped inside its PyPI package."""
    try:
        raw = files("chitchat_dataset").joinpath("dataset.json").read_bytes()
    except ModuleNotFoundError:
        raise DataMissing("dataset 'chitchat' (a stand-in) needs its package: pip install chitchat-dataset") from None
    return chitchat_corpus(json.loads(raw), raw)
