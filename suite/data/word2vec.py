"""Word embeddings pretrained on a row's own corpus with word2vec (gensim), for rows whose paper starts from them:
the Stochastic WAE paper's Table 3 gives "300d, pretrained on SNLI Corpus" (DailyDialog for dialogue), and its
released w2v_generator.py trains gensim's Word2Vec on every sentence of the corpus, test split included (unsupervised
text only), with its defaults otherwise (CBOW, negative sampling) and seeds it with 1.

Differences from the released script: the sentences are the corpus as the model sees it (its tokenisation, its
vocabulary's <unk>), a dialogue pair is its post followed by its response (the released script joined the two
strings), and one worker thread trains, so the vectors are the same on every run. A vocabulary entry word2vec never
saw (the special tokens) keeps a draw from U(-0.05, 0.05), as the released `create_embedding_matrix` gives it.
Vectors are cached under the results directory by corpus checksum, settings, this module's code and gensim's
version."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import torch

from suite import progress
from suite.config import Word2Vec
from suite.data.corpus import SPLITS, Corpus, SentenceSet
from suite.provenance import library_versions, source_digest
from suite.records import atomic_torch_save, run_lock

CACHE_DIR = "cache"        # under the results directory
PROBE_WORDS = 200_000      # what `training_seconds` times gensim on


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


def fit(sentences: list[list[str]], settings: Word2Vec, dim: int, epochs: int, callbacks=()):
    """Gensim's Word2Vec trained on `sentences` with `settings`, for `epochs` epochs, on one worker."""
    from gensim.models import Word2Vec as GensimWord2Vec  # only these rows need gensim

    return GensimWord2Vec(sentences, vector_size=dim, window=settings.window, min_count=settings.min_count,
                          epochs=epochs, seed=settings.seed, workers=1, callbacks=list(callbacks))


def train_vectors(corpus: Corpus, settings: Word2Vec, dim: int) -> torch.Tensor:
    """(vocabulary size, dim) embedding matrix: word2vec vectors where trained, U(-0.05, 0.05) elsewhere."""
    from gensim.models.callbacks import CallbackAny2Vec

    # a progress bar's tick per epoch (50 epochs over SNLI take minutes on one worker): the bar counts an item
    # once the next one is asked for, so it is asked for one at the start and one after each epoch
    ticks = iter(progress.bar(range(settings.epochs + 1), desc=f"word2vec on {corpus.name}", total=settings.epochs,
                              unit="epoch"))

    class EpochTicks(CallbackAny2Vec):
        def on_epoch_end(self, model):
            next(ticks, None)

    next(ticks)
    model = fit(training_sentences(corpus), settings, dim, settings.epochs, [EpochTicks()])
    next(ticks, None)                   # the end: the bar closes
    generator = torch.Generator().manual_seed(settings.seed)
    matrix = torch.empty(len(corpus.vocab), dim).uniform_(-0.05, 0.05, generator=generator)
    for index, word in enumerate(corpus.vocab.words):
        if word in model.wv.key_to_index:
            matrix[index] = torch.from_numpy(model.wv[word].copy())
    return matrix


def training_seconds(corpus: Corpus, settings: Word2Vec, dim: int) -> float:
    """How long `train_vectors` should take here. Gensim spends a time per word building its vocabulary and a time
    per word and epoch training: both are timed on the corpus's first PROBE_WORDS words (one epoch, then three)
    and scaled to the whole text and `settings.epochs`."""
    sentences = training_sentences(corpus)
    words = sum(map(len, sentences))
    probe, probe_words = [], 0
    for sentence in sentences:
        if probe_words >= PROBE_WORDS:
            break
        probe.append(sentence)
        probe_words += len(sentence)

    def timed(epochs: int) -> float:
        start = time.perf_counter()
        fit(probe, settings, dim, epochs)
        return time.perf_counter() - start

    one, three = timed(1), timed(3)
    per_epoch = max(0.0, (three - one) / 2)
    return (max(0.0, one - per_epoch) + per_epoch * settings.epochs) * words / max(1, probe_words)


def read_cache(path: Path, shape: tuple[int, int]) -> torch.Tensor | None:
    """The cached matrix, or None when the file is damaged or holds something else."""
    try:
        matrix = torch.load(path, weights_only=True)
    except Exception:        # a damaged file raises whatever its bytes lead the unpickler into
        return None
    return matrix if isinstance(matrix, torch.Tensor) and tuple(matrix.shape) == shape else None


def cache_path(corpus: Corpus, settings: Word2Vec, dim: int, cache_dir: Path) -> Path:
    """Where the vectors of this corpus (by checksum) and these settings are cached, as this code trained them
    with this gensim (a change to either trains them again)."""
    key = json.dumps({"data": corpus.checksum, "vocab": len(corpus.vocab), "dim": dim, **vars(settings),
                      "code": source_digest(Path(__file__)), "gensim": library_versions()["gensim"]},
                     sort_keys=True)
    return cache_dir / f"word2vec-{corpus.name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.pt"


def pretrained_embeddings(corpus: Corpus, settings: Word2Vec, dim: int,
                          cache_dir: Path) -> tuple[torch.Tensor, Path]:
    """The corpus's word2vec embedding matrix and the cache file holding it (trained once per corpus and settings,
    shared by every row and seed, as the released rows share one word2vec model). Runs that start together wait
    for the one that trains (a lock on the cache directory), then read what it cached."""
    path, shape = cache_path(corpus, settings, dim, cache_dir), (len(corpus.vocab), dim)
    with run_lock(cache_dir):
        if path.exists():
            cached = read_cache(path, shape)
            if cached is not None:
                return cached, path
            print(f"{path}: not a readable {shape[0]} x {shape[1]} matrix; training the word2vec vectors again",
                  file=sys.stderr, flush=True)
        print(f"word2vec: {dim}-d vectors on {corpus.name}, {settings.epochs} epochs (cached for later runs)",
              file=sys.stderr, flush=True)
        matrix = train_vectors(corpus, settings, dim)
        atomic_torch_save(matrix, path)
    return matrix, path
