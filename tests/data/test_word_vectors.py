"""Google's word2vec vectors as VMED's rows start their embeddings from them: the binary file read as gensim reads it
(only the vocabulary's words kept), the released SVD reduction checked against numpy, the one-line errors, and a
VMED row that starts from a supplied file end to end."""

import numpy as np
import pytest
import torch
from gensim.models import KeyedVectors

from suite import executors, progress, registry
from suite.budgets import BUDGETS
from suite.data.word_vectors import (
    GOOGLE_NEWS,
    OUT_OF_FILE_SCALE,
    embedding_matrix,
    principal_axes,
    read_vectors,
    vectors_path,
)
from suite.errors import DataMissing, SuiteError
from suite.harness import run_rows
from suite.runner import RunSpec, run_model

WORDS = ["the", "café", "movie", "</s>", "night"]


def gensim_file(path, words=WORDS, dim=6, seed=0):
    """A word2vec binary file written by gensim, and the vectors in it."""
    vectors = np.random.default_rng(seed).normal(size=(len(words), dim)).astype(np.float32)
    keyed = KeyedVectors(dim)
    keyed.add_vectors(words, vectors)
    keyed.save_word2vec_format(str(path), binary=True)
    return dict(zip(words, vectors, strict=True))


def test_reads_what_gensim_wrote_and_only_the_words_asked_for(tmp_path):
    path = tmp_path / "vectors.bin"
    written = gensim_file(path)
    dim, found = read_vectors(path, ["café", "night", "absent", "the"])
    assert dim == 6 and set(found) == {"café", "night", "the"}
    for word, vector in found.items():
        np.testing.assert_array_equal(vector, written[word])


def test_reads_the_original_tools_layout_with_a_newline_after_each_vector(tmp_path):
    """word2vec.c writes "\\n" after every vector; gensim's own reader is the reference."""
    written = gensim_file(tmp_path / "unused.bin")
    path = tmp_path / "vectors.bin"
    path.write_bytes(f"{len(WORDS)} 6\n".encode() + b"".join(
        word.encode() + b" " + vector.tobytes() + b"\n" for word, vector in written.items()))
    reference = KeyedVectors.load_word2vec_format(str(path), binary=True)
    dim, found = read_vectors(path, WORDS)
    assert dim == 6 and set(found) == set(WORDS)
    for word in WORDS:
        np.testing.assert_array_equal(found[word], reference[word])


def test_a_damaged_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "vectors.bin"
    gensim_file(path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(SuiteError, match="truncated after 4 of the 5 words"):
        read_vectors(path, WORDS)
    path.write_bytes(b"not vectors\n")
    with pytest.raises(SuiteError, match="not a word2vec binary file"):
        read_vectors(path, WORDS)
    path.write_bytes(b"")
    with pytest.raises(SuiteError, match="not a word2vec binary file \\(it is empty\\)"):
        read_vectors(path, WORDS)


def test_principal_axes_keep_the_top_singular_directions_as_released():
    matrix = torch.randn(40, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    reduced = principal_axes(matrix, 4)
    _, singular, right = np.linalg.svd(matrix.numpy(), full_matrices=False)
    projected = matrix.numpy() @ right[:4].T          # U_k S_k = M V_k, up to each column's sign
    np.testing.assert_allclose(np.abs(reduced.numpy()), np.abs(projected), atol=1e-10)
    np.testing.assert_allclose(reduced.T @ reduced, np.diag(singular[:4] ** 2), atol=1e-9)
    assert torch.equal(principal_axes(matrix, 10), matrix)      # released: no reduction at the file's own width
    with pytest.raises(ValueError, match="cannot reduce 10-d vectors to 11"):
        principal_axes(matrix, 11)


def test_the_embedding_takes_the_files_vectors_and_a_uniform_draw_elsewhere(tmp_path):
    path = tmp_path / "vectors.bin"
    written = gensim_file(path)
    vocabulary = ["<pad>", "the", "unseen", "night", "café"]
    matrix, found = embedding_matrix(vocabulary, path, 6, torch.Generator().manual_seed(3))
    assert found == 3 and matrix.shape == (5, 6) and matrix.dtype == torch.float32
    for index in (1, 3, 4):
        assert torch.equal(matrix[index], torch.from_numpy(written[vocabulary[index]]))
    assert matrix[[0, 2]].abs().max() <= OUT_OF_FILE_SCALE
    again, _ = embedding_matrix(vocabulary, path, 6, torch.Generator().manual_seed(3))
    assert torch.equal(matrix, again)
    reduced, _ = embedding_matrix(vocabulary, path, 2, torch.Generator().manual_seed(3))
    assert reduced.shape == (5, 2)


def test_an_absent_file_says_where_to_get_it(tmp_path):
    with pytest.raises(DataMissing, match=f"{GOOGLE_NEWS} not found in {tmp_path}.*code.google.com"):
        vectors_path(GOOGLE_NEWS, tmp_path)
    with pytest.raises(DataMissing, match="no --data-dir"):
        vectors_path(GOOGLE_NEWS, None)


def test_vmed_rows_start_from_google_news_vectors_at_the_full_budget_only():
    entry = registry.get_model("vmed-k2")
    assert entry.config("cornell").model.word_vectors == GOOGLE_NEWS
    assert all(entry.run_config("cornell", BUDGETS[b]).model.word_vectors is None for b in ("quick", "smoke"))


def test_a_full_budget_table_without_the_vectors_fails_before_any_training(tmp_path, monkeypatch):
    def no_training(spec, metrics):
        raise AssertionError("training started")

    monkeypatch.setattr(executors, "run_model", no_training)
    with pytest.raises(DataMissing, match=f"{GOOGLE_NEWS} not found"):
        run_rows("vmed-1", "chitchat", BUDGETS["full"], [0], tmp_path, data_dir=tmp_path, rows=["vmed-k1"],
                 executor=executors.LocalExecutor())


def test_a_vmed_row_starts_from_the_supplied_vectors(tmp_path, monkeypatch):
    progress.SHOW = False
    monkeypatch.setitem(registry.get_model("vmed-vlstm").reduced["smoke"], "model.word_vectors", "vectors.bin")
    gensim_file(tmp_path / "vectors.bin", words=["the", "you", "not-a-chitchat-word"], dim=40)
    record = run_model(RunSpec("vmed-vlstm", "chitchat", BUDGETS["smoke"], 0, tmp_path / "results", tmp_path), [])
    assert record["config"]["model"]["word_vectors"] == "vectors.bin"
    assert record["training"]["pretrained_embeddings"].startswith("vectors.bin: 2 of the ")
    assert record["training"]["pretrained_embeddings"].endswith("words found, reduced to 32 dimensions")
