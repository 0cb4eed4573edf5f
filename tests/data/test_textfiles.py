"""User-provided corpora (Yelp/Yahoo format) and the errors a user sees when they are absent or broken."""

import json

import pytest
from click.testing import CliRunner

from suite.cli import main
from suite.data.datasets import get_dataset
from suite.errors import DataMissing, StandInWarning, SuiteError


def write_split(directory, name, lines):
    (directory / name).mkdir(parents=True, exist_ok=True)
    for split in ("train", "valid", "test"):
        (directory / name / f"{split}.txt").write_text("\n".join(lines) + "\n")


def test_yelp_drops_the_rating_and_skips_blank_lines(tmp_path):
    write_split(tmp_path, "yelp", ["3 the food was great", "", "0 terrible service !", "1"])
    with pytest.warns(StandInWarning, match="2 valid, 2 test texts, where the paper's corpus has 7,773 valid"):
        corpus = get_dataset("yelp").load(tmp_path)
    assert corpus.stand_in        # not the paper's Yelp: never compared with it
    test = corpus.splits["test"]
    assert len(test) == 2
    assert corpus.vocab.decode(test.sentence(1).tolist()) == ["terrible", "service", "!"]


def test_yahoo_keeps_every_token(tmp_path):
    write_split(tmp_path, "yahoo", ["3 questions about 3 things"])
    with pytest.warns(StandInWarning, match="as a stand-in"):      # one text a split: not the paper's sizes
        corpus = get_dataset("yahoo").load(tmp_path)
    assert corpus.vocab.decode(corpus.splits["train"].sentence(0).tolist())[0] == "3"


def test_missing_files_name_what_is_expected(tmp_path):
    with pytest.raises(DataMissing, match=r"yelp/train\.txt.*not published with its code"):
        get_dataset("yelp").load(tmp_path)
    with pytest.raises(DataMissing, match=r"yahoo/train\.txt.*vae-lagging-encoder"):
        get_dataset("yahoo").load(tmp_path)
    with pytest.raises(DataMissing, match="--data-dir"):
        get_dataset("yahoo").load(None)


def test_malformed_and_corrupt_files(tmp_path):
    write_split(tmp_path, "yelp", ["great food"])
    with pytest.raises(SuiteError, match=r"train\.txt:1: expected a 0-4 rating"):
        get_dataset("yelp").load(tmp_path)
    write_split(tmp_path, "yahoo", ["fine"])
    (tmp_path / "yahoo" / "valid.txt").write_bytes(b"\xff\xfe broken")
    with pytest.raises(SuiteError, match="not UTF-8"):
        get_dataset("yahoo").load(tmp_path)
    (tmp_path / "yahoo" / "valid.txt").write_text("")
    with pytest.raises(SuiteError, match="no sentences"):
        get_dataset("yahoo").load(tmp_path)


def test_only_files_of_the_papers_split_sizes_are_compared_with_the_paper(tmp_path, recwarn):
    """The paper's Yahoo: 10,000 validation and 10,000 test texts (Yang et al.'s, which the paper used); Yang et
    al.'s Yelp (10,000 each) is not the paper's Yelp (7,773 and 8,671)."""
    write_split(tmp_path, "yahoo", [f"question {i}" for i in range(10_000)])
    write_split(tmp_path, "yelp", [f"{i % 5} review {i}" for i in range(10_000)])
    assert not get_dataset("yahoo").load(tmp_path).stand_in and not recwarn.list
    with pytest.warns(StandInWarning, match="as a stand-in"):
        assert get_dataset("yelp").load(tmp_path).stand_in


def test_a_table_on_files_not_of_the_papers_sizes_is_never_judged(tmp_path):
    """The dataset is named as the table's own column (yelp), yet its files are not the paper's Yelp: the table
    shows no paper values and no verdict against them, as for a stand-in from another table."""
    write_split(tmp_path / "data", "yelp", [f"{i % 5} the food was {'good' if i % 2 else 'bad'} {i % 7}"
                                            for i in range(40)])
    result = CliRunner().invoke(main, ["table", "coupled-1", "--dataset", "yelp", "--rows", "gru-lm",
                                       "--budget", "smoke", "--data-dir", str(tmp_path / "data"),
                                       "--results-dir", str(tmp_path / "results")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "\nwarning: yelp: 40 valid, 40 test texts, where the paper's corpus has 7,773 valid" in f"\n{result.output}"
    assert "STAND-IN" in result.output and "stand-in corpus: not compared" in result.output
    assert "196.30" not in result.output      # the paper's Yelp GRU-LM NLL is not shown beside a stand-in
    saved = json.loads(next((tmp_path / "results" / "tables").glob("*.json")).read_text())
    assert saved["stand_in"] and not saved["judged"] and all(line["paper"] is None for line in saved["lines"])
