import os

import pytest
import torch

from suite.data.corpus import Corpus

# Under pytest-xdist each worker gets its share of the cores: workers that each took them all would slow
# one another down.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))


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
