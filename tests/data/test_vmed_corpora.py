"""VMED's loaders, each on small files written in the corpus's canonical format."""

import gzip
import pickle

import pytest
from nltk.tokenize.punkt import PunktSentenceTokenizer

from suite.data import deepqa, vmed_corpora
from suite.data.vmed_corpora import load_cornell, load_opensubtitles, load_vmed_pickle
from suite.errors import DataMissing, StandInWarning, SuiteError

SEP = " +++$+++ "


def decoded(corpus, split, i):
    context, response = corpus.splits[split].pair(i)
    return corpus.vocab.decode(context.tolist()), corpus.vocab.decode(response.tolist())


@pytest.fixture
def punkt(monkeypatch):
    """NLTK's English Punkt model is a download (absent here): a Punkt without learned parameters stands in."""
    monkeypatch.setattr(deepqa, "english_punkt", lambda: PunktSentenceTokenizer().tokenize)


def test_cornell_pairs_consecutive_lines_of_each_conversation_preprocessed_as_released(tmp_path, punkt,
                                                                                     monkeypatch):
    (tmp_path / "cornell").mkdir()
    lines = [f"L{i}{SEP}u0{SEP}m0{SEP}BIANCA{SEP}Line {i},\x85words!" for i in range(1, 41)]
    lines.append(f"L98{SEP}u0{SEP}m0{SEP}BIANCA{SEP}" + " ".join(f"w{i}" for i in range(30)) + ". Short one")
    lines.append(f"L99{SEP}u0{SEP}m0{SEP}BIANCA{SEP}" + " ".join(f"w{i}" for i in range(30)))
    (tmp_path / "cornell" / "movie_lines.txt").write_bytes("\n".join(lines).encode("iso-8859-1"))
    conversations = [f"u0{SEP}u2{SEP}m0{SEP}['L98', 'L99']", f"u0{SEP}u2{SEP}m0{SEP}['L99', 'L98']"]
    conversations += [f"u0{SEP}u2{SEP}m0{SEP}['L{i}', 'L{i + 1}', 'L{i + 2}']" for i in range(1, 40, 3)]
    (tmp_path / "cornell" / "movie_conversations.txt").write_text("\n".join(conversations))
    with pytest.warns(StandInWarning, match=r"cornell: 28 exchanges in movie_conversations.txt, where the released "
                                            r"corpus has 220,579: running it as a stand-in"):
        assert load_cornell(tmp_path).stand_in      # a few conversations, not the corpus: never compared
    monkeypatch.setattr(vmed_corpora, "CORNELL_EXCHANGES", 28)     # as many exchanges as the whole corpus has
    corpus = load_cornell(tmp_path)
    assert not corpus.stand_in
    # \x85 (NEL) does not end a line, as in the released reader; L99 is one sentence of 30 words: a pair with it
    # as either side has nothing left of it and is dropped
    assert sum(len(s) for s in corpus.splits.values()) == 2 * 13
    assert decoded(corpus, "train", 0) == (["line", "1", "words", "!"], ["line", "2", "words", "!"])


def test_opensubtitles_pairs_timed_lines_a_second_apart_and_text_lines(tmp_path, punkt):
    root = tmp_path / "opensubtitles"
    (root / "en" / "1999").mkdir(parents=True)
    def span(i, start, end, *words):
        return (f'<s id="{i}"><time id="T{i}S" value="00:00:{start:02d},500"/>'
                + "".join(f"<w>{w}</w>" for w in words) + f'<time id="T{i}E" value="00:00:{end:02d},900"/></s>')
    # the second line starts a second after the first ends (times read to the second): a pair; the third, 5 s
    # after the second: none
    spans = span(1, 1, 2, "Hello", "there", ".") + span(2, 3, 4, "Hi", "!") + span(3, 9, 10, "Later")
    for i in range(6):
        (root / "en" / "1999" / f"{i}.xml.gz").write_bytes(gzip.compress(f"<document>{spans}</document>".encode()))
    (root / "b.txt").write_text("\n".join(f"text line {i}" for i in range(7)))
    with pytest.warns(StandInWarning, match=r"12 \(context, response\) pairs, where the paper's corpus gave more "
                                            r"than 1,600,000: running it as a stand-in"):
        corpus = load_opensubtitles(tmp_path)
    assert corpus.stand_in          # a few files, not the paper's corpus: never compared with its numbers
    assert sum(len(s) for s in corpus.splits.values()) == 6 + 6
    assert decoded(corpus, "train", 0) == (["text", "line", "0"], ["text", "line", "1"])   # b.txt sorts first
    assert decoded(corpus, "train", 6) == (["hello", "there", "."], ["hi", "!"])


@pytest.mark.parametrize("raw", [gzip.compress(b"<document></document>")[:-9], b"<document></document>"],
                         ids=["cut short", "not gzip"])
def test_a_damaged_gzip_file_is_a_one_line_error(tmp_path, raw):
    (tmp_path / "opensubtitles" / "en").mkdir(parents=True)
    (tmp_path / "opensubtitles" / "en" / "a.xml.gz").write_bytes(raw)
    with pytest.raises(SuiteError, match="opensubtitles/.*a.xml.gz: unreadable") as error:
        load_opensubtitles(tmp_path)
    assert "\n" not in str(error.value)


def test_opensubtitles_bad_time_is_a_one_line_error(tmp_path):
    (tmp_path / "opensubtitles").mkdir()
    (tmp_path / "opensubtitles" / "a.xml").write_text('<document><s><time id="T1S" value="soon"/></s></document>')
    with pytest.raises(SuiteError, match="opensubtitles/a.xml: unreadable"):
        load_opensubtitles(tmp_path)


def test_vmed_pickle_maps_ids_through_tok2str(tmp_path):
    tok2str = {0: "_pad_", 1: "_go_", 2: "_eos_", 3: "hi", 4: "there", 5: "friend"}
    dialogs = [[[3, 4], [5, 3]] for _ in range(20)]
    (tmp_path / "lj").mkdir()
    (tmp_path / "lj" / "dialogs.pkl").write_bytes(pickle.dumps(({v: k for k, v in tok2str.items()}, tok2str,
                                                                dialogs)))
    corpus = load_vmed_pickle("lj", tmp_path)
    assert decoded(corpus, "test", 0) == (["hi", "there"], ["friend", "hi"])
    assert corpus.vocab.words[4:] == ("hi", "there", "friend")


def test_absent_and_wrong_files_are_one_line_errors(tmp_path):
    with pytest.raises(DataMissing, match="movie_lines.txt"):
        load_cornell(tmp_path)
    with pytest.raises(DataMissing, match="--data-dir"):
        load_vmed_pickle("reddit", None)
    (tmp_path / "reddit").mkdir()
    (tmp_path / "reddit" / "dialogs.pkl").write_bytes(b"not a pickle")
    with pytest.raises(SuiteError, match="not VMED's own pickle"):
        load_vmed_pickle("reddit", tmp_path)
