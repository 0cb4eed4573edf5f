"""VMED's loaders, each on small files written in the corpus's canonical format."""

import gzip
import pickle

import pytest

from suite.data import vmed_corpora
from suite.data.vmed_corpora import load_cornell, load_opensubtitles, load_vmed_pickle
from suite.errors import DataMissing, SuiteError

SEP = " +++$+++ "


def decoded(corpus, split, i):
    context, response = corpus.splits[split].pair(i)
    return corpus.vocab.decode(context.tolist()), corpus.vocab.decode(response.tolist())


def test_cornell_pairs_consecutive_lines_of_each_conversation(tmp_path):
    (tmp_path / "cornell").mkdir()
    lines = [f"L{i}{SEP}u0{SEP}m0{SEP}BIANCA{SEP}line {i} words" for i in range(1, 41)]
    lines.append(f"L99{SEP}u0{SEP}m0{SEP}BIANCA{SEP}" + " ".join(f"w{i}" for i in range(30)))
    (tmp_path / "cornell" / "movie_lines.txt").write_bytes("\n".join(lines).encode("iso-8859-1"))
    conversations = [f"u0{SEP}u2{SEP}m0{SEP}['L99', 'L99']"]
    conversations += [f"u0{SEP}u2{SEP}m0{SEP}['L{i}', 'L{i + 1}', 'L{i + 2}']" for i in range(1, 40, 3)]
    (tmp_path / "cornell" / "movie_conversations.txt").write_text("\n".join(conversations))
    corpus = load_cornell(tmp_path)
    assert sum(len(s) for s in corpus.splits.values()) == 2 * 13 + 1
    assert decoded(corpus, "train", 1) == (["line", "1", "words"], ["line", "2", "words"])
    context, response = decoded(corpus, "train", 0)             # windowed: the context's last 20, response's first 10
    assert context == [f"w{i}" for i in range(10, 30)] and response == [f"w{i}" for i in range(10)]


def test_opensubtitles_reads_opus_xml_and_text(tmp_path):
    root = tmp_path / "opensubtitles"
    (root / "en" / "1999").mkdir(parents=True)
    sentences = "".join(f'<s id="{i}"><w id="{i}.1">Hello</w><w id="{i}.2">{i}</w></s>' for i in range(1, 13))
    (root / "en" / "1999" / "a.xml.gz").write_bytes(gzip.compress(f"<document>{sentences}</document>".encode()))
    (root / "b.txt").write_text("\n".join(f"text line {i}" for i in range(12)))
    corpus = load_opensubtitles(tmp_path)
    assert sum(len(s) for s in corpus.splits.values()) == 22
    assert decoded(corpus, "train", 0) == (["text", "line", "0"], ["text", "line", "1"])   # b.txt sorts first
    assert decoded(corpus, "train", 11) == (["hello", "1"], ["hello", "2"])


def test_vmed_pickle_maps_ids_through_tok2str(tmp_path):
    tok2str = {0: "_pad_", 1: "_go_", 2: "_eos_", 3: "hi", 4: "there", 5: "friend"}
    dialogs = [[[3, 4], [5, 3]] for _ in range(20)]
    (tmp_path / "lj").mkdir()
    (tmp_path / "lj" / "dialogs.pkl").write_bytes(pickle.dumps(({v: k for k, v in tok2str.items()}, tok2str,
                                                                dialogs)))
    corpus = load_vmed_pickle("lj", tmp_path)
    assert decoded(corpus, "test", 0) == (["hi", "there"], ["friend", "hi"])
    assert corpus.vocab.words[4:] == ("hi", "there", "friend")


def test_vocabulary_keeps_the_most_frequent_training_words():
    pairs = [(["a", "b"], ["a", "c"])] * 30 + [(["d"], ["a"])] * 10
    corpus = vmed_corpora.pair_corpus("x", pairs, [b""], vocab_size=2)
    assert corpus.vocab.words[4:] == ("a", "b")


def test_absent_and_wrong_files_are_one_line_errors(tmp_path):
    with pytest.raises(DataMissing, match="movie_lines.txt"):
        load_cornell(tmp_path)
    with pytest.raises(DataMissing, match="--data-dir"):
        load_vmed_pickle("reddit", None)
    (tmp_path / "reddit").mkdir()
    (tmp_path / "reddit" / "dialogs.pkl").write_bytes(b"not a pickle")
    with pytest.raises(SuiteError, match="not VMED's own pickle"):
        load_vmed_pickle("reddit", tmp_path)
