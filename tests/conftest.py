import os

import pytest
import torch

from suite.cpu import fix_threads
from suite.data.corpus import Corpus

# Under pytest-xdist each worker gets its share of the cores: workers that each took them all would slow
# one another down. The count is fixed either way, as the command line fixes it (`fix_threads`).
workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", 1))
fix_threads(max(1, (os.cpu_count() or 1) // workers) if workers > 1 else None)


@pytest.fixture(scope="session")
def ptb() -> Corpus:
    from suite.data.datasets import load_corpus
    return load_corpus("ptb", None)


@pytest.fixture()
def tiny_corpus() -> Corpus:
    """A small synthetic corpus with a real vocabulary, for fast model tests."""
    words = "the cat dog sat ran on a mat log quickly slowly".split()
    generator = torch.Generator().manual_seed(0)

    def sentence():
        length = int(torch.randint(2, 9, (1,), generator=generator))
        return [words[int(i)] for i in torch.randint(0, len(words), (length,), generator=generator)]

    tokens = {split: [sentence() for _ in range(n)] for split, n in (("train", 96), ("valid", 24), ("test", 24))}
    return Corpus.from_tokens("tiny", tokens, [b"tiny"])


@pytest.fixture()
def tiny_batch(tiny_corpus):
    test = tiny_corpus.splits["test"]
    return test.batch(torch.arange(8))
