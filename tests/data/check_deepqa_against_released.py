"""Compare suite/data/deepqa.py with VMED's released preprocessing, run as released (its textdata.py, in a
subprocess) on the same files: the vocabulary (words and order) and every (context, response) pair must agree.

    python tests/data/check_deepqa_against_released.py --released PATH/TO/VMED --corpus cornell [--data DIR]

PATH/TO/VMED is a checkout of github.com/thaihungle/VMED (textdata.py needs numpy, nltk, tqdm); DIR holds the
corpus as the suite reads it (cornell/movie_lines.txt ..., or opensubtitles/**.xml.gz); without it a synthetic
corpus in that format is written. Both sides need NLTK's English Punkt model (punkt_tab). Not a pytest test: the
released code is not part of the suite.
"""

from __future__ import annotations

import argparse
import gzip
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from suite.data.deepqa import released_pairs
from suite.data.vmed_corpora import CORNELL_SEPARATOR, cornell_conversations, opensubtitles_conversations

WORDS = ("I'm sure you're right , Mr. Smith . What's that ? It's 3.5 miles from here ! Don't go . We can't stay... "
         "He'll be fine , won't he ? Dr. Jones said 'no' . Gonna sleep . Ok . Yes . No . Isn't he ? I'd go at 5 p.m. "
         "today .").split() + [f"rare{i}" for i in range(60)]


def synthetic_text(rng: random.Random) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.choice([1, 2, 3, 5, 8, 12, 25])))
    return text.upper() if rng.random() < 0.1 else text


def clock(second: int) -> str:
    return f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"


def write_synthetic(corpus: str, root: Path, rng: random.Random):
    if corpus == "cornell":
        (root / "cornell").mkdir(parents=True)
        lines, conversations = [], []
        for _ in range(1500):
            ids = [f"L{len(lines) + i}" for i in range(rng.randint(2, 6))]
            lines += [CORNELL_SEPARATOR.join([i, "u0", "m0", "X", synthetic_text(rng)]) for i in ids]
            conversations.append(CORNELL_SEPARATOR.join(["u0", "u1", "m0", str(ids)]))
        (root / "cornell" / "movie_lines.txt").write_text("\n".join(lines) + "\n", encoding="iso-8859-1")
        (root / "cornell" / "movie_conversations.txt").write_text("\n".join(conversations) + "\n")
        return
    spans, second = [], 0
    for i in range(1500):
        start, second = second + rng.choice([0, 1, 2, 5]), second + rng.choice([1, 2, 3, 6])
        words = "".join(f"<w>{w}</w>" for w in synthetic_text(rng).split())
        end = f'<time id="T{i}E" value="{clock(second)},500"/>' if rng.random() < 0.7 else ""     # else: runs on
        spans.append(f'<s id="{i}"><time id="T{i}S" value="{clock(start)},250"/>{words}{end}</s>')
    (root / "opensubtitles").mkdir(parents=True)
    (root / "opensubtitles" / "a.xml.gz").write_bytes(gzip.compress(f"<document>{''.join(spans)}</document>".encode()))


def ours(corpus: str, root: Path, vocab_size: int):
    if corpus == "cornell":
        raw = [(root / "cornell" / f).read_bytes().decode("iso-8859-1")
               for f in ("movie_lines.txt", "movie_conversations.txt")]
        return released_pairs(cornell_conversations(*raw), vocab_size)
    files = [(str(p), p.read_bytes()) for p in sorted((root / "opensubtitles").rglob("*.gz"))]
    return released_pairs(opensubtitles_conversations(files), vocab_size)


def theirs(corpus: str, root: Path, released: Path, vocab_size: int, work: Path):
    """The released textdata.py's pickle (str2tok, tok2str, pairs of ids), from its own layout of the files."""
    source = root / corpus
    layout = work / "raw" / ("cornell" if corpus == "cornell" else "opensubs")
    shutil.copytree(source, layout)
    subprocess.run([sys.executable, "textdata.py", "--corpus", layout.name, "--rootDir", str(layout.parent),
                    "--save_file_dir", str(work), "--vocabularySize", str(vocab_size), "--maxLength", "20",
                    "--filterVocab", "0", "--filterUknown", "1", "--maxLengthEnco", "20", "--maxLengthDeco", "10"],
                   cwd=released, check=True, stdout=subprocess.DEVNULL)
    return pickle.loads((work / f"single_{layout.name}.pkl").read_bytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--released", type=Path, required=True)
    parser.add_argument("--corpus", choices=("cornell", "opensubtitles"), required=True)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--vocab", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = args.data or work / "data"
        if args.data is None:
            write_synthetic(args.corpus, root, random.Random(args.seed))
        _, tok2str, dialogs = theirs(args.corpus, root, args.released, args.vocab, work)
        vocab, pairs = ours(args.corpus, root, args.vocab)
    released_words = [tok2str[i] for i in sorted(tok2str)][4:]        # after <pad> <go> <eos> <unknown>
    same_vocab = released_words == list(vocab.words[4:])

    def words(ids):
        return [tok2str[i] if i != 3 else "<unk>" for i in ids]

    released = [(words(c), words(r)) for c, r in dialogs]
    ours_known = [(vocab.decode(vocab.encode(c)), vocab.decode(vocab.encode(r))) for c, r in pairs]
    same_pairs = released == ours_known
    print(f"vocabulary: {len(released_words)} released, {len(vocab) - 4} ours, same words in the same order: "
          f"{same_vocab}; pairs: {len(released)} released, {len(pairs)} ours, identical: {same_pairs}")
    sys.exit(0 if same_vocab and same_pairs else 1)


if __name__ == "__main__":
    main()
