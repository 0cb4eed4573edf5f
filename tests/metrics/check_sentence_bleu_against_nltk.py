"""Compare suite/metrics/sentence_bleu.py with the sentence BLEU of an NLTK release before 3.5 (the VMED authors'
time), each of the released four weight tuples with smoothing 7 on random pairs, an exception scoring 0 as in the
released data_util.bleu_score4:

    pip download --no-deps nltk==3.4.5 && unzip nltk-3.4.5.zip
    python tests/metrics/check_sentence_bleu_against_nltk.py nltk-3.4.5/nltk/translate/bleu_score.py

The old bleu_score.py is loaded on its own beside today's NLTK (it needs only nltk.util). Not a pytest test: the
old release is not a dependency of the suite. Measured with NLTK 3.3 and 3.4.5: 20,000 pairs, largest difference
2.2e-16.
"""

from __future__ import annotations

import argparse
import importlib.util
import random

from suite.metrics.sentence_bleu import WEIGHTS, pair_bleu


def old_nltk_bleu(bleu_score_py: str):
    spec = importlib.util.spec_from_file_location("old_bleu_score", bleu_score_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def score(hypothesis: list[str], reference: list[str]) -> list[float]:
        scores = []
        for weights in WEIGHTS:
            try:
                scores.append(float(module.sentence_bleu([reference], hypothesis, weights,
                                                         module.SmoothingFunction().method7)))
            except (ZeroDivisionError, ValueError):
                scores.append(0.0)
        return scores
    return score


def random_pair(rng: random.Random, words: list[str]) -> tuple[list[str], list[str]]:
    reference = [rng.choice(words) for _ in range(rng.randint(0, 12))]
    if rng.random() < 0.3:
        return [rng.choice(words) for _ in range(rng.randint(0, 12))], reference
    return [w if rng.random() < 0.5 else rng.choice(words) for w in reference][:rng.randint(0, 12)], reference


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bleu_score_py", help="nltk/translate/bleu_score.py of an NLTK release before 3.5")
    parser.add_argument("--pairs", type=int, default=20_000)
    args = parser.parse_args()
    old, rng, words = old_nltk_bleu(args.bleu_score_py), random.Random(0), list("abcdefg")
    worst = 0.0
    for _ in range(args.pairs):
        hypothesis, reference = random_pair(rng, words)
        worst = max(worst, *(abs(a - b) for a, b in zip(old(hypothesis, reference), pair_bleu(hypothesis, reference),
                                                         strict=True)))
    print(f"{args.pairs} pairs, largest difference {worst:.2g}")
    raise SystemExit(0 if worst < 1e-12 else 1)


if __name__ == "__main__":
    main()
