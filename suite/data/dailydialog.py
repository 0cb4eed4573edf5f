"""DailyDialog (Li et al. 2017) as the Stochastic WAE code prepares it for response generation (wae-2).

Input: the official release's per-split files (dialogues in the `dialogues_text.txt` format: one dialogue a line,
utterances ending in `__eou__`). Each dialogue gives its consecutive (utterance, reply) pairs; utterances are
lower-cased and tokenised as for SNLI (NLTK word tokens, the first 20, Keras's filter characters removed); the
validation and test pairs that also occur in training are dropped (the paper found the official test set overlaps
training); the vocabulary is the 20k most frequent words over every utterance (the released code keeps 20k
encoder and 20k decoder words; one vocabulary serves both here: each utterance but a dialogue's first and last is
both a reply and the next post, so the two lists differ only in rare words at the cut-off).
"""

from __future__ import annotations

from pathlib import Path

from suite.data.corpus import SPLITS, Corpus, checksum
from suite.data.dialogue import PairSet
from suite.data.snli import ranked_vocab, tokenize
from suite.errors import DataMissing, SuiteError

FILES = {"train": "dailydialog/train/dialogues_train.txt",
         "valid": "dailydialog/validation/dialogues_validation.txt",
         "test": "dailydialog/test/dialogues_test.txt"}
SOURCE = ("download ijcnlp_dailydialog.zip from yanran.li/dailydialog and unzip train.zip, validation.zip and "
          "test.zip into dailydialog/ (dialogues in the dialogues_text.txt format)")
VOCAB_SIZE = 20000
EOU = "__eou__"


def dialogue_pairs(line: str) -> list[tuple[list[str], list[str]]]:
    utterances = [tokenize(u.strip().lower()) for u in line.split(EOU)]
    utterances = [u for u in utterances if u]
    return [(utterances[t - 1], utterances[t]) for t in range(1, len(utterances))]


def dailydialog_corpus(texts: dict[str, str], raws: list[bytes]) -> Corpus:
    pairs = {split: [p for line in texts[split].splitlines() if line.strip() for p in dialogue_pairs(line)]
             for split in SPLITS}
    seen = {(tuple(a), tuple(b)) for a, b in pairs["train"]}
    for split in ("valid", "test"):               # de-duplicated against train, as the paper's released splits
        pairs[split] = [(a, b) for a, b in pairs[split] if (tuple(a), tuple(b)) not in seen]
    vocab = ranked_vocab([u for split in SPLITS for pair in pairs[split] for u in pair], VOCAB_SIZE)
    splits = {split: PairSet.from_lists([vocab.encode(a) for a, _ in pairs[split]],
                                        [vocab.encode(b) for _, b in pairs[split]]) for split in SPLITS}
    for split, pair_set in splits.items():
        if not len(pair_set):
            raise SuiteError(f"{FILES[split]}: no (utterance, reply) pairs; is the file in the {EOU} format?")
    return Corpus("dailydialog", vocab, splits, checksum(raws))


def load_dailydialog(data_dir: Path | None) -> Corpus:
    if data_dir is None:
        raise DataMissing(f"dataset 'dailydialog' is not shipped with the suite: put {', '.join(FILES.values())} in a "
                          f"directory and pass --data-dir (or set REPRODUCE_DATA_DIR); {SOURCE}")
    paths = {split: data_dir / f for split, f in FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise DataMissing(f"dataset 'dailydialog' not found: missing {', '.join(missing)}; {SOURCE}")
    raws = [paths[split].read_bytes() for split in SPLITS]
    try:
        texts = {split: raw.decode("utf-8") for split, raw in zip(SPLITS, raws, strict=True)}
    except UnicodeDecodeError as error:
        raise SuiteError(f"DailyDialog: not UTF-8 text (byte {error.start}); is a file corrupt?") from None
    return dailydialog_corpus(texts, raws)
