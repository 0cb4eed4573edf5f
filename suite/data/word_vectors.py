"""Word embeddings started from Google's pretrained word2vec vectors, for VMED's rows: the supplement (§4) says
"We initialize the word embedding from Google's Word2Vec pretrained word vectors", 96-d. The released
data_util.load_word2vec reads GoogleNews-vectors-negative300.bin, gives every vocabulary word the file has its 300-d
vector and every other word (special tokens included) a draw from U(-0.25, 0.25), and keeps the matrix's first 96
principal axes by an SVD without centring (U_k S_k); the embedding then trains with the model."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np
import torch

from suite.errors import DataMissing, SuiteError

GOOGLE_NEWS = "GoogleNews-vectors-negative300.bin"
SOURCE = ("download GoogleNews-vectors-negative300.bin.gz from code.google.com/archive/p/word2vec and unzip it "
          "into the data directory")
OUT_OF_FILE_SCALE = 0.25       # released: np.random.uniform(-0.25, 0.25) for words the file lacks


def vectors_path(name: str, data_dir: Path | None) -> Path:
    """The vectors file `name` in the data directory; a one-line error that says how to get it when absent."""
    path = data_dir / name if data_dir is not None else None
    if path is None or not path.is_file():
        where = f"in {data_dir}" if data_dir is not None else "(no --data-dir or $REPRODUCE_DATA_DIR given)"
        how = SOURCE if name == GOOGLE_NEWS else "put the file into the data directory"
        raise DataMissing(f"word vectors {name} not found {where}: VMED's rows start their word embeddings from "
                          f"them at the full budget; {how}")
    return path


def read_vectors(path: Path, words) -> tuple[int, dict[str, np.ndarray]]:
    """The dimension of a word2vec binary file (a header "count dim", then each word, a space and its dim float32
    values, optionally after a newline) and the vectors it holds for `words`; the rest is skipped unread."""
    wanted, found = set(words), {}
    if path.stat().st_size == 0:          # mmap refuses an empty file
        raise SuiteError(f"{path}: not a word2vec binary file (it is empty)")
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        header_end = data.find(b"\n")
        try:
            count, dim = map(int, data[:header_end].split())
        except ValueError:
            raise SuiteError(f"{path}: not a word2vec binary file (its first line is not 'count dimension')") from None
        width, position = 4 * dim, header_end + 1
        for index in range(count):
            while data[position:position + 1] == b"\n":
                position += 1
            space = data.find(b" ", position)
            if space < 0 or space + 1 + width > len(data):
                raise SuiteError(f"{path}: truncated after {index:,} of the {count:,} words its header announces")
            word = data[position:space].decode("utf-8", errors="replace")
            position = space + 1
            if word in wanted:
                found[word] = np.frombuffer(data, np.float32, dim, position).copy()
            position += width
    return dim, found


def principal_axes(matrix: torch.Tensor, dim: int) -> torch.Tensor:
    """The rows of `matrix` in its first `dim` right singular directions, scaled as they are (U_k S_k of an SVD
    without centring), as the released code reduces the 300-d vectors; the matrix itself at its own width."""
    if dim == matrix.shape[1]:
        return matrix
    if dim > matrix.shape[1]:
        raise ValueError(f"cannot reduce {matrix.shape[1]}-d vectors to {dim} dimensions")
    left, singular, _ = torch.linalg.svd(matrix, full_matrices=False)
    return left[:, :dim] * singular[:dim]


def embedding_matrix(words: list[str], path: Path, dim: int,
                     generator: torch.Generator) -> tuple[torch.Tensor, int]:
    """(len(words), dim) embedding matrix started from the file's vectors, and how many words the file had."""
    source_dim, found = read_vectors(path, words)
    matrix = torch.empty(len(words), source_dim, dtype=torch.float64).uniform_(
        -OUT_OF_FILE_SCALE, OUT_OF_FILE_SCALE, generator=generator)
    for index, word in enumerate(words):
        if word in found:
            matrix[index] = torch.from_numpy(found[word])
    return principal_axes(matrix, dim).float(), len(found)
