"""Word embeddings pretrained on a row's own corpus with word2vec (gensim), for rows whose paper starts from them:
the Stochastic WAE paper's Table 3 gives "300d, pretrained on SNLI Corpus" (DailyDialog for dialogue), and its
released w2v_generator.py trains gensim's Word2Vec on every sentence of the corpus, test split included (unsupervised
text only), with its defaults otherwise (CBOW, negative sampling) and seeds it with 1.

Differences from the released script: the sentences are the corpus as the model sees it (its tokenisation, its
vocabulary's <unk>), a dialogue pair is its post followed by its response (the released script joined the two
strings), and one worker thread trains, so the vectors are the same on every run. A vocabulary entry word2vec never
saw (the special tokens) keeps a draw from U(-0.05, 0.05), as the released `create_embedding_matrix` gives it.
Vectors are cached under the results directory by corpus checksum and settings."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch

from suite.config import Word2Vec
from suite.data.corpus import SPLITS, Corpus, SentenceSet
from suite.records import atomic_torch_save


def training_sentences(corpus: Corpus) -> list[list[str]]:
    """Every sentence of every split as words; a dialogue pair as its post then its response."""
    words = corpus.vocab.words

    def text(sentences: SentenceSet, i: int) -> list[str]:
        return [words[t] for t in sentences.sentence(i).tolist()]

    out = []
    for split in SPLITS:
        data = corpus.splits[split]
        if isinstance(data, SentenceSet):
            out += [text(data, i) for i in range(len(data))]
        else:
            out += [text(data.posts, i) + text(data.responses, i) for i in range(len(data.posts))]
    return out


def train_vectors(corpus: Corpus, settings: Word2Vec, dim: int) -> torch.Tensor:
    """(vocabulary size, dim) embedding matrix: word2vec vectors where trained, U(-0.05, 0.05) elsewhere."""
    from gensim.models import Word2Vec as GensimWord2Vec  # only these rows need gensim

    model = GensimWord2Vec(training_sentences(corpus), vector_size=dim, window=settings.window,
                           min_count=settings.min_count, epochs=settings.epochs, seed=settings.seed, workers=1)
    generator = torch.Generator().manual_seed(settings.seed)
    matrix = torch.empty(len(corpus.vocab), dim).uniform_(-0.05, 0.05, generator=generator)
    for index, word in enumerate(corpus.vocab.words):
        if word in model.wv.key_to_index:
            matrix[index] = torch.from_numpy(model.wv[word].copy())
    return matrix


def read_cache(path: Path, shape: tuple[int, int]) -> torch.Tensor | None:
    """The cached matrix, or None when the file is damaged or holds something else."""
    try:
        matrix = torch.load(path, weights_only=True)
    except Exception:        # a damaged file raises whatever its bytes lead the unpickler into
        return None
    return matrix if isinstance(matrix, torch.Tensor) and tuple(matrix.shape) == shape else None


def pretrained_embeddings(corpus: Corpus, settings: Word2Vec, dim: int,
                          cache_dir: Path) -> tuple[torch.Tensor, Path]:
    """The corpus's word2vec embedding matrix and the cache file holding it (trained once per corpus and settings,
    shared by every row and seed, as the released rows share one word2vec model)."""
    key = json.dumps({"data": corpus.checksum, "vocab": len(corpus.vocab), "dim": dim, **vars(settings)},
                     sort_keys=True)
    path = cache_dir / f"word2vec-{corpus.name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pt"
    shape = (len(corpus.vocab), dim)
    if path.exists():
        cached = read_cache(path, shape)
        if cached is not None:
            return cached, path
        print(f"{path}: not a readable {shape[0]} x {shape[1]} matrix; training the word2vec vectors again",
              file=sys.stderr, flush=True)
    print(f"word2vec: {dim}-d vectors on {corpus.name}, {settings.epochs} epochs (cached for later runs)",
          file=sys.stderr, flush=True)
    matrix = train_vectors(corpus, settings, dim)
    cache_dir.mkdir(parents=True, exist_ok=True)
    atomic_torch_save(matrix, path)
    return matrix, path
