"""SNLI and DailyDialog loaders on small files written in the canonical formats."""

import csv
import json

import pytest
import torch

from suite.data.dailydialog import FILES as DD_FILES
from suite.data.dailydialog import RELEASED_CSVS, load_dailydialog, released_clean
from suite.data.datasets import get_dataset
from suite.data.snli import FILES as SNLI_FILES
from suite.data.snli import load_snli, ranked_vocab, sklearn_split, tokenize
from suite.data.vocab import SPECIALS
from suite.errors import DataMissing, SuiteError


def write_snli(root, n_pairs=20):
    for k, name in enumerate(SNLI_FILES):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        for i in range(n_pairs):
            premise = f"A man number {k}-{i} plays the \"guitar\", outside."
            lines.append(json.dumps({"gold_label": "neutral", "sentence1": premise,
                                     "sentence2": "A man plays music." if i % 2 else f"Nobody sleeps ({k} {i})",
                                     "pairID": f"{k}-{i}"}))
        path.write_text("\n".join(lines) + "\n")


def test_tokenize_follows_nltk_then_the_keras_filter():
    # NLTK opens quotes as `` (a Keras filter character) and closes them as '' (kept); brackets and ! go
    assert tokenize("a man, in a \"blue\" shirt (really)!") == ["a", "man", ",", "in", "a", "blue", "''", "shirt",
                                                               "really"]
    assert tokenize(" ".join(["w"] * 30)) == ["w"] * 20


def test_snli_unique_sentences_are_lowercased_shuffled_and_split_90_5_5(tmp_path):
    write_snli(tmp_path)
    corpus = load_snli(tmp_path)
    # 60 premises (all distinct), "a man plays music." once, 30 distinct "nobody sleeps" hypotheses
    sizes = {split: len(s) for split, s in corpus.splits.items()}
    assert sum(sizes.values()) == 91
    assert sizes == {"train": 81, "valid": 5, "test": 5}          # ceil(9.1) = 10 held out, ceil(5) = 5 of them test
    words = {w for split in corpus.splits.values() for i in split.ids.tolist() for w in [corpus.vocab.words[i]]}
    assert "guitar" in words and "Guitar" not in words and '"' not in "".join(words)


def test_snli_counts_every_sentence_whole_for_the_corpus_statistics(tmp_path):
    write_snli(tmp_path)
    corpus = load_snli(tmp_path)
    assert corpus.reference_sentences == sum(len(s) for s in corpus.splits.values())   # as snli_sentences_all.txt
    unigrams = corpus.reference_unigrams
    assert unigrams["``"] == unigrams["''"] == 60 and unigrams["("] == 30      # raw NLTK tokens: no Keras filter
    (tmp_path / SNLI_FILES[0]).write_text(json.dumps({"sentence1": " ".join(["w"] * 30), "sentence2": "b"}) + "\n")
    assert load_snli(tmp_path).reference_unigrams["w"] == 30                   # not cut at 20 tokens


def test_sklearn_split_matches_its_sizes_and_is_a_partition():
    train, test = sklearn_split(91, 0.1, 10)
    assert len(test) == 10 and sorted(list(train) + list(test)) == list(range(91))


def test_vocabulary_ranks_by_count_then_first_occurrence_and_is_capped():
    vocab = ranked_vocab([["b", "a", "c"], ["a", "c", "d"], ["c"]], len(SPECIALS) + 3)
    assert vocab.words == SPECIALS + ("c", "a", "b")


def test_snli_missing_and_malformed_files_are_one_line_errors(tmp_path):
    with pytest.raises(DataMissing, match="snli_1.0_train.jsonl"):
        load_snli(tmp_path)
    with pytest.raises(DataMissing, match="--data-dir"):
        load_snli(None)
    write_snli(tmp_path)
    (tmp_path / SNLI_FILES[1]).write_text('{"sentence1": "a"}\n')
    with pytest.raises(SuiteError, match="snli_1.0_dev.jsonl:1"):
        load_snli(tmp_path)
    (tmp_path / SNLI_FILES[1]).write_text('{"sentence1": "a", "sentence2": null}\n')
    with pytest.raises(SuiteError, match="snli_1.0_dev.jsonl:1: not an SNLI 1.0 example"):
        load_snli(tmp_path)
    (tmp_path / SNLI_FILES[1]).write_bytes(b'{"sentence1": "caf\xe9", "sentence2": "b"}\n')
    with pytest.raises(SuiteError, match="snli_1.0_dev.jsonl: not UTF-8 text"):
        load_snli(tmp_path)


def write_dailydialog(root, test_lines):
    texts = {"train": ["Hi , how are you ? __eou__ Fine , thanks . __eou__ Good . __eou__",
                       "Where is it ? __eou__ Over there . __eou__"],
             "valid": ["Hi , how are you ? __eou__ Fine , thanks . __eou__ Great ! __eou__"],
             "test": test_lines}
    for split, lines in texts.items():
        path = root / DD_FILES[split]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")


def test_dailydialog_pairs_consecutive_utterances_and_drops_pairs_seen_in_training(tmp_path):
    write_dailydialog(tmp_path, ["Where is it ? __eou__ Over there . __eou__ Thanks ! __eou__"])
    corpus = load_dailydialog(tmp_path)
    decode = corpus.vocab.decode

    def pairs(split):
        s = corpus.splits[split]
        return [(" ".join(decode(s.posts.sentence(i).tolist())), " ".join(decode(s.responses.sentence(i).tolist())))
                for i in range(len(s))]

    assert pairs("train") == [("hi , how are you ?", "fine , thanks ."), ("fine , thanks .", "good ."),
                              ("where is it ?", "over there .")]
    assert pairs("valid") == [("fine , thanks .", "great")]          # the first pair is in train; "!" is filtered
    assert pairs("test") == [("over there .", "thanks")]
    assert corpus.stand_in is False


def test_dailydialog_missing_files_and_empty_splits_are_one_line_errors(tmp_path):
    with pytest.raises(DataMissing, match="dialogues_train.txt"):
        load_dailydialog(tmp_path)
    write_dailydialog(tmp_path, ["Where is it ? __eou__ Over there . __eou__"])     # only a training pair
    with pytest.raises(SuiteError, match="dialogues_test.txt"):
        load_dailydialog(tmp_path)


def test_dailydialog_references_are_the_whole_replies_as_nltk_tokens(tmp_path):
    long_reply = "I'll be there at 5 , if the zyzzyva bus is on time ; it always is , they say , on weekdays here !"
    write_dailydialog(tmp_path, [f"Where is it ? __eou__ {long_reply} __eou__"])
    test = load_dailydialog(tmp_path).splits["test"]
    reference = test.reference_texts[0]
    assert reference == ("ill be there at NUM , if the zyzzyva bus is on time it always is , they say , "
                         "on weekdays here").split()        # cleaned as the authors' CSVs, then NLTK tokens
    assert test.subset(1).reference_texts == test.select(torch.tensor([0])).reference_texts == [reference]


@pytest.mark.parametrize("utterance, cleaned", [
    ("I'll pay $12.50 for 3 tickets!", "ill pay  NUM  for  NUM tickets"),     # "3 ": the separator is any one char
    ("It's 50% off , OK ?", "its  NUM off , ok ?"),                         # "%" goes with the punctuation first
    ("Room b12 , floor 2nd .", "room  NUM , floor  NUM d ."),
])
def test_official_utterances_are_cleaned_as_the_authors_csvs(utterance, cleaned):
    assert released_clean(utterance) == cleaned


def write_released_csvs(root, test_rows):
    rows = {"train": [("hi , how are you ?", "fine , thanks ."), ("where is it ?", "over there .")],
            "valid": [("fine , thanks .", "great .")], "test": test_rows}
    for split, pairs in rows.items():
        path = root / RELEASED_CSVS[split]
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as file:
            csv.writer(file).writerows([("line", "reply"), *pairs])


def test_the_authors_csvs_are_read_as_released_and_preferred_to_the_official_files(tmp_path):
    write_dailydialog(tmp_path, ["Where is it ? __eou__ Over there . __eou__ Thanks ! __eou__"])
    write_released_csvs(tmp_path, [("where is it ?", "over there ."), ("lets go , NUM minutes", "ok")])
    corpus = load_dailydialog(tmp_path)
    test = corpus.splits["test"]
    decode = corpus.vocab.decode
    # as released: no de-duplication of their own splits (the first test pair is also in train)
    assert [" ".join(decode(test.responses.sentence(i).tolist())) for i in range(len(test))] == ["over there .", "ok"]
    assert test.reference_texts == [["over", "there", "."], ["ok"]]
    (tmp_path / RELEASED_CSVS["valid"]).write_text("utterance,answer\nhi,hello\n")
    with pytest.raises(SuiteError, match="df_daily_valid_without_duplicates.csv: not the released CSV"):
        load_dailydialog(tmp_path)


def test_the_authors_csvs_alone_count_as_dailydialog_being_present(tmp_path):
    """`reproduce list` and reproduce.sh decide presence with is_present: the CSVs alone must run the real rows."""
    dailydialog = get_dataset("dailydialog")
    assert not dailydialog.is_present(tmp_path)
    write_released_csvs(tmp_path, [("where is it ?", "over there .")])
    assert dailydialog.is_present(tmp_path) and len(load_dailydialog(tmp_path).splits["test"]) == 1
    (tmp_path / RELEASED_CSVS["test"]).unlink()
    assert not dailydialog.is_present(tmp_path)
