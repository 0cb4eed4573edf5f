"""DailyDialog (Li et al. 2017) as the Stochastic WAE code prepares it for response generation (wae-2).

Input, either of:
- the authors' own de-duplicated splits (preferred when present): the CSVs (columns line, reply) their repository
  ships (HareeshBahuleyan/probabilistic_nlg, dialog/data/DailyDial/de_duplicated/), already cleaned by them
  (punctuation other than , . ? removed, numbers as NUM) and de-duplicated against train (4,095 test pairs);
- the official release's per-split files (dialogues in the `dialogues_text.txt` format: one dialogue a line,
  utterances ending in `__eou__`): each dialogue gives its consecutive (utterance, reply) pairs, cleaned as the
  authors' CSVs are (their clean_sentence: `released_clean`), and the validation and test pairs that also occur
  in training are dropped, as the paper did (it found the official test set overlaps training); how exactly the
  authors de-duplicated is not released, so the split sizes may differ from theirs.
Either way utterances are tokenised as for SNLI (NLTK word tokens, the first 20, Keras's filter characters
removed), and the vocabulary is the 20k most frequent words over every utterance (the released code keeps 20k
encoder and 20k decoder words; one vocabulary serves both here: each utterance but a dialogue's first and last is
both a reply and the next post, so the two lists differ only in rare words at the cut-off). BLEU references are
each reply as the released `predict` scores against it: NLTK word tokens of the reply's text, neither cut to 20
nor filtered nor mapped to <unk> (`PairSet.reference_texts`).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from suite.data.corpus import SPLITS, Corpus, checksum
from suite.data.dialogue import PairSet
from suite.data.snli import WORDS, keras_filtered, ranked_vocab
from suite.errors import DataMissing, SuiteError

FILES = {"train": "dailydialog/train/dialogues_train.txt",
         "valid": "dailydialog/validation/dialogues_validation.txt",
         "test": "dailydialog/test/dialogues_test.txt"}
RELEASED_CSVS = {"train": "dailydialog/df_daily_train.csv",
                 "valid": "dailydialog/df_daily_valid_without_duplicates.csv",
                 "test": "dailydialog/df_daily_test_without_duplicates.csv"}
SOURCE = ("copy the authors' de-duplicated CSVs (HareeshBahuleyan/probabilistic_nlg, dialog/data/DailyDial/"
          f"de_duplicated/) to {', '.join(RELEASED_CSVS.values())}, or download ijcnlp_dailydialog.zip from "
          "yanran.li/dailydialog and unzip train.zip, validation.zip and test.zip into dailydialog/")
VOCAB_SIZE = 20000
EOU = "__eou__"

Tokenized = tuple[list[str], list[str]]     # (the model's tokens, as `tokenize`; the whole NLTK tokens BLEU reads)
TokenPair = tuple[Tokenized, Tokenized]


def tokenized(text: str) -> Tokenized:
    """One NLTK pass for both readings of an utterance: the model's (first 20, Keras-filtered) and BLEU's (whole)."""
    words = WORDS.tokenize(text)
    return keras_filtered(words), words


def released_clean(utterance: str) -> str:
    """The cleaning behind the authors' CSVs (their utils.py clean_sentence): lower-cased, punctuation other than
    , ? . removed, each number (with a letter prefix, one separator, a decimal part or a % sign) made NUM."""
    text = re.sub(r"[^\w\s?.,]", "", utterance.strip().lower())
    return re.sub(r"[a-z]*\d+.?\d*%?", " NUM ", text.strip())


def dialogue_pairs(line: str) -> list[TokenPair]:
    utterances = [tokenized(released_clean(u)) for u in line.split(EOU)]
    utterances = [u for u in utterances if u[0]]       # one left with no word is skipped, not paired
    return [(utterances[t - 1], utterances[t]) for t in range(1, len(utterances))]


def csv_pairs(text: str, path: str) -> list[TokenPair]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0][:2] != ["line", "reply"] or any(len(row) < 2 for row in rows[1:]):
        raise SuiteError(f"{path}: not the released CSV (a header 'line,reply', then two columns a row)")
    return [(tokenized(row[0]), tokenized(row[1])) for row in rows[1:]]


def dailydialog_corpus(pairs: dict[str, list[TokenPair]], raws: list[bytes], deduplicate: bool,
                       files: dict[str, str]) -> Corpus:
    pairs = {split: [(a, b) for a, b in pairs[split] if a[0] and b[0]] for split in SPLITS}
    if deduplicate:                  # valid and test de-duplicated against train, as the paper's released splits
        seen = {(tuple(a[0]), tuple(b[0])) for a, b in pairs["train"]}
        for split in ("valid", "test"):
            pairs[split] = [(a, b) for a, b in pairs[split] if (tuple(a[0]), tuple(b[0])) not in seen]
    vocab = ranked_vocab([u[0] for split in SPLITS for pair in pairs[split] for u in pair], VOCAB_SIZE)
    splits = {split: PairSet.from_lists([vocab.encode(a[0]) for a, _ in pairs[split]],
                                        [vocab.encode(b[0]) for _, b in pairs[split]],
                                        reference_texts=[b[1] for _, b in pairs[split]])
              for split in SPLITS}
    for split, pair_set in splits.items():
        if not len(pair_set):
            raise SuiteError(f"{files[split]}: no (utterance, reply) pairs; is it in the expected format?")
    return Corpus("dailydialog", vocab, splits, checksum(raws))


def load_dailydialog(data_dir: Path | None) -> Corpus:
    if data_dir is None:
        raise DataMissing("dataset 'dailydialog' is not shipped with the suite: put its files in a directory and "
                          f"pass --data-dir (or set REPRODUCE_DATA_DIR); {SOURCE}")
    released = all((data_dir / f).is_file() for f in RELEASED_CSVS.values())
    files = RELEASED_CSVS if released else FILES
    paths = {split: data_dir / f for split, f in files.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise DataMissing(f"dataset 'dailydialog' not found: missing {', '.join(missing)}; {SOURCE}")
    raws = [paths[split].read_bytes() for split in SPLITS]
    try:
        texts = {split: raw.decode("utf-8") for split, raw in zip(SPLITS, raws, strict=True)}
    except UnicodeDecodeError as error:
        raise SuiteError(f"DailyDialog: not UTF-8 text (byte {error.start}); is a file corrupt?") from None
    if released:
        pairs = {split: csv_pairs(texts[split], str(paths[split])) for split in SPLITS}
    else:
        pairs = {split: [p for line in texts[split].splitlines() if line.strip() for p in dialogue_pairs(line)]
                 for split in SPLITS}
    return dailydialog_corpus(pairs, raws, deduplicate=not released, files=files)
