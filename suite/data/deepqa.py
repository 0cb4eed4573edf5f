"""VMED's released text preprocessing (textdata.py of thaihungle/VMED, adapted from DeepQA): how lines of dialogue
become the (context, response) pairs and the vocabulary its qa_task.py trains on. The supplement (§4) states only
the 20/10 word limits and the vocabulary sizes; the rest is the released code's:

1. a line is lowercased, contractions are expanded by the released substitutions (in their order; "what's" becomes
   "that is", as released), and every character other than a-z, 0-9, '.', '?', '!' becomes a space;
2. it is cut into sentences by NLTK's English Punkt model, each sentence into words by `nltk.word_tokenize`;
3. a context keeps the last whole sentences that fit in 20 words, a response the first (a sentence that does not
   fit is passed over; a later, shorter one may still be taken);
4. the vocabulary is the most frequent words of the whole corpus, every split included, counted as released:
   a line once for each pair it is part of, less the sentences step 3 passed over; ties go to the word seen first;
5. a pair is dropped when its context or response has no word in the vocabulary, or its response more than one
   word outside it; responses are then cut to 10 words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from itertools import pairwise

from nltk.tokenize import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktTokenizer

from suite import progress
from suite.data.vocab import SPECIALS, Vocab
from suite.errors import DataMissing

Pair = tuple[list[str], list[str]]
SentenceSplitter = Callable[[str], list[str]]

MAX_LENGTH = 20         # the released maxLength: the words of whole sentences each side keeps
RESPONSE_LEN = 10       # the released maxLengthDeco: responses are cut to it last
MAX_UNKNOWN = 1         # the released filterUknown
CONTRACTIONS = (("i'm", "i am"), ("he's", "he is"), ("she's", "she is"), ("it's", "it is"), ("that's", "that is"),
                ("what's", "that is"), ("where's", "where is"), ("how's", "how is"), ("'ll", " will"),
                ("'ve", " have"), ("'re", " are"), ("'d", " would"), ("won't", "will not"), ("can't", "cannot"),
                ("n't", " not"), ("n'", "ng"), ("'bout", "about"), ("'til", "until"))
OUTSIDE_WHITELIST = re.compile(r"[^.?!0-9a-z ]")
WORDS = NLTKWordTokenizer()


def english_punkt() -> SentenceSplitter:
    try:
        return PunktTokenizer("english").tokenize
    except LookupError:
        raise DataMissing("VMED's released preprocessing splits lines into sentences with NLTK's English Punkt "
                          "model, which is not installed: run `python -m nltk.downloader punkt_tab`") from None


def clean(line: str) -> str:
    text = line.lower()
    for contraction, expansion in CONTRACTIONS:
        text = text.replace(contraction, expansion)
    return OUTSIDE_WHITELIST.sub(" ", text)


def sentences(line: str, split: SentenceSplitter) -> list[list[str]]:
    """The words of each sentence; `nltk.word_tokenize` re-splits each sentence before its Treebank pass."""
    return [[word for part in split(sentence) for word in WORDS.tokenize(part)] for sentence in split(clean(line))]


def pack(sentences: list[list[str]], limit: int, from_end: bool = False) -> tuple[list[str], list[list[str]]]:
    """The words of the whole sentences taken, from the start (or end) while they fit, and the sentences passed over."""
    words, passed_over = [], []
    for sentence in reversed(sentences) if from_end else sentences:
        if len(words) + len(sentence) <= limit:
            words = sentence + words if from_end else words + sentence
        else:
            passed_over.append(sentence)
    return words, passed_over


def released_pairs(conversations: list[list[str]], vocab_size: int,
                   split: SentenceSplitter | None = None) -> tuple[Vocab, list[Pair]]:
    """Pairs of consecutive lines of each conversation, in order, and their vocabulary (see the module's steps)."""
    split = split or english_punkt()
    words_of = cache(lambda line: sentences(line, split))     # short lines ("What?", "Yes.") recur thousands of times
    counts = Counter(dict.fromkeys(SPECIALS, 1))     # the released code counts its specials once, first
    packed = []
    for lines in progress.bar(conversations, desc="preprocessing as released", unit="conversation"):
        texts = [words_of(line) for line in lines]
        for context, response in pairwise(texts):
            counts.update(word for sentence in context + response for word in sentence)
            if context and response:
                context, context_passed_over = pack(context, MAX_LENGTH, from_end=True)
                response, response_passed_over = pack(response, MAX_LENGTH)
                counts.subtract(word for sentence in context_passed_over + response_passed_over for word in sentence)
                packed.append((context, response))
    kept = {word for word, count in counts.most_common(vocab_size) if count > 0}
    vocab = Vocab(SPECIALS + tuple(word for word in counts if word in kept and word not in SPECIALS))
    pairs = []
    for context, response in packed:
        unknown = sum(word not in vocab.index for word in response)
        if any(word in vocab.index for word in context) and unknown < len(response) and unknown <= MAX_UNKNOWN:
            pairs.append((context, response[:RESPONSE_LEN]))
    return vocab, pairs
