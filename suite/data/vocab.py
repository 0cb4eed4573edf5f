"""Word vocabulary with the released Coupled-VAE code's special-token layout."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

SPECIALS = ("<pad>", "<go>", "<eos>", "<unk>")
PAD, GO, EOS, UNK = range(len(SPECIALS))


@dataclass(frozen=True)
class Vocab:
    words: tuple[str, ...]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "index", {w: i for i, w in enumerate(self.words)})

    @classmethod
    def build(cls, sentences: list[list[str]], min_count: int = 1) -> Vocab:
        """Specials first, then training words in order of first occurrence (as the released code does)."""
        counts = Counter(w for sentence in sentences for w in sentence if w not in SPECIALS)
        return cls(SPECIALS + tuple(w for w, c in counts.items() if c >= min_count))

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.index.get(t, UNK) for t in tokens]

    def decode(self, ids) -> list[str]:
        return [self.words[i] for i in ids]
