"""SNLI 1.0 as the Stochastic WAE code prepares it for sentence generation (wae-1).

Sentences are the unique premises and hypotheses of snli_1.0_{train,dev,test}.jsonl, lower-cased, tokenised as the
released code does (NLTK's word tokeniser, the first 20 tokens, Keras's default filter characters removed), then
shuffled with NumPy seed 1337 and split 90/5/5 exactly as its two `train_test_split(test_size=…, random_state=10)`
calls do; the vocabulary is the 30k most frequent words over all sentences (Keras's ranking: count, then first
occurrence), the released code's special tokens aside.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
from nltk.tokenize import NLTKWordTokenizer

from suite.data.corpus import SPLITS, Corpus, SentenceSet, checksum
from suite.data.vocab import SPECIALS, Vocab
from suite.errors import DataMissing, SuiteError

FILES = tuple(f"snli/snli_1.0_{split}.jsonl" for split in ("train", "dev", "test"))
SOURCE = "download snli_1.0.zip from nlp.stanford.edu/projects/snli and unzip its .jsonl files into snli/"
MAX_TOKENS = 20
VOCAB_SIZE = 30000                    # ids below this, the released code's four special tokens included
KERAS_FILTERS = '!"#$%&()*+/:;<=>@[\\]^`{|}~\t\n'
SHUFFLE_SEED, SPLIT_SEED = 1337, 10

WORDS = NLTKWordTokenizer()
_FILTER = str.maketrans({c: " " for c in KERAS_FILTERS})


def tokenize(sentence: str, max_tokens: int = MAX_TOKENS) -> list[str]:
    """The released `tokenize_sequence`: NLTK word tokens, the first `max_tokens`, through Keras's text filter."""
    return keras_filtered(WORDS.tokenize(sentence), max_tokens)


def keras_filtered(words: list[str], max_tokens: int = MAX_TOKENS) -> list[str]:
    return " ".join(words[:max_tokens]).lower().translate(_FILTER).split()


def read_sentences(paths: list[Path]) -> tuple[list[str], list[bytes]]:
    """Unique premises and hypotheses, lower-cased, in order of first appearance."""
    seen, raws = {}, []
    for path in paths:
        raw = path.read_bytes()
        raws.append(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SuiteError(f"{path}: not UTF-8 text ({error}); {SOURCE}") from None
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                example = json.loads(line)
                pair = (example["sentence1"], example["sentence2"])
                if not all(isinstance(sentence, str) for sentence in pair):
                    raise TypeError
            except (json.JSONDecodeError, KeyError, TypeError):
                raise SuiteError(f"{path}:{number}: not an SNLI 1.0 example (JSON with sentence1 and sentence2); "
                                 f"{SOURCE}") from None
            for sentence in pair:
                seen.setdefault(sentence.strip().lower(), None)
    return [s for s in seen if s], raws


def sklearn_split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Index sets of sklearn's `train_test_split(range(n), test_size=test_fraction, random_state=seed)`."""
    n_test = math.ceil(test_fraction * n)
    permutation = np.random.RandomState(seed).permutation(n)
    return permutation[n_test:], permutation[:n_test]


def ranked_vocab(sentences: list[list[str]], size: int) -> Vocab:
    counts = Counter(w for s in sentences for w in s)       # insertion order = first occurrence
    ranked = sorted(counts, key=counts.__getitem__, reverse=True)     # stable: ties keep first occurrence
    return Vocab(SPECIALS + tuple(w for w in ranked if w not in SPECIALS)[:size - len(SPECIALS)])


def snli_corpus(sentences: list[str], raws: list[bytes]) -> Corpus:
    np.random.RandomState(SHUFFLE_SEED).shuffle(sentences)
    words = [WORDS.tokenize(s) for s in sentences]
    tokens = [keras_filtered(w) for w in words]
    keep = [i for i, t in enumerate(tokens) if t]
    tokens = [tokens[i] for i in keep]
    vocab = ranked_vocab(tokens, VOCAB_SIZE)
    train, rest = sklearn_split(len(tokens), 0.1, SPLIT_SEED)
    valid, test = sklearn_split(len(rest), 0.5, SPLIT_SEED)
    index = {"train": train, "valid": rest[valid], "test": rest[test]}
    splits = {split: SentenceSet.from_lists([vocab.encode(tokens[i]) for i in index[split]]) for split in SPLITS}
    whole = Counter(w for i in keep for w in words[i])          # neither cut at 20 tokens nor filtered
    return Corpus("snli", vocab, splits, checksum(raws), reference_unigrams=whole, reference_sentences=len(keep))


def load_snli(data_dir: Path | None) -> Corpus:
    if data_dir is None:
        raise DataMissing(f"dataset 'snli' is not shipped with the suite: put {', '.join(FILES)} in a directory and "
                          f"pass --data-dir (or set REPRODUCE_DATA_DIR); {SOURCE}")
    paths = [data_dir / f for f in FILES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise DataMissing(f"dataset 'snli' not found: missing {', '.join(missing)}; {SOURCE}")
    sentences, raws = read_sentences(paths)
    if len(sentences) < 20:
        raise SuiteError(f"{data_dir / 'snli'}: only {len(sentences)} sentences; are the files truncated?")
    return snli_corpus(sentences, raws)
