"""PersonaChat (Zhang et al. 2018) in ParlAI's text format, as the AMI authors used it: `personachat/
{train,valid,test}_self_original.txt` from `parlai display_data -t personachat` (data/Persona-Chat/personachat/).

Each line is "<n> <text>"; n = 1 starts an episode. Persona lines ("your persona: ...") are not dialogue and are
skipped; a dialogue line is "<n> <partner's utterance>\\t<response>\\t\\t<candidates>", so an episode's utterances
are partner, response, partner, response, ... Utterances are lowercased and split on spaces and punctuation (B.1);
every consecutive pair is a (post, response) pair with up to `HISTORY` turns of history, as for chitchat.
"""

from __future__ import annotations

from pathlib import Path

from suite.data.corpus import SPLITS, Corpus
from suite.data.dialogue import HISTORY, pair_corpus, tokenize
from suite.errors import DataMissing, SuiteError

FILES = {split: f"personachat/{split}_self_original.txt" for split in SPLITS}
SOURCE = "download it with ParlAI (`parlai display_data -t personachat`) and copy data/Persona-Chat/personachat/"
SILENCE = "__SILENCE__"     # ParlAI's placeholder when the partner has not spoken yet


def read_episodes(text: str, name: str) -> list[list[str]]:
    """The utterances of every episode, in order."""
    episodes: list[list[str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        index, _, content = line.partition(" ")
        if not index.isdigit():
            raise SuiteError(f"{name}: line {number} does not start with a turn number (ParlAI format expected)")
        if index == "1" or not episodes:
            episodes.append([])
        if content.startswith(("your persona:", "partner's persona:")):
            continue
        fields = content.split("\t")
        if len(fields) < 2:
            raise SuiteError(f"{name}: line {number} has no tab-separated response (ParlAI format expected)")
        episodes[-1] += [u for u in fields[:2] if u != SILENCE]
    return episodes


def utf8_text(raw: bytes, name: str) -> str:
    """The file `name`'s bytes as text; a one-line error when they are not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SuiteError(f"{name}: not UTF-8 text ({error}); {SOURCE}") from None


def load_personachat(data_dir: Path | None) -> Corpus:
    """Every word is kept (OpenNMT-py's default vocabulary of up to 50k words holds all of PersonaChat's)."""
    missing = [f for f in FILES.values() if data_dir is None or not (data_dir / f).is_file()]
    if missing:
        where = "no --data-dir given" if data_dir is None else f"missing under {data_dir}"
        raise DataMissing(f"dataset 'personachat' not found ({where}: {', '.join(missing)}); {SOURCE}")
    raws = {split: (data_dir / f).read_bytes() for split, f in FILES.items()}
    dialogues = {}
    for split, raw in raws.items():
        episodes = read_episodes(utf8_text(raw, FILES[split]), FILES[split])
        dialogues[split] = [[tokenize(u) for u in episode] for episode in episodes]
    return pair_corpus("personachat", dialogues, list(raws.values()), stand_in=False, min_count=1,
                       history=HISTORY)
