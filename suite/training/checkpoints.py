"""Training checkpoints that resume a killed run exactly: model, optimiser, schedule position, curves and the
random-number generators, stamped with the run's key so a checkpoint of another config or code is ignored."""

from __future__ import annotations

from pathlib import Path

import torch

from suite.records import atomic_torch_save


def rng_state() -> dict:
    return {"cpu": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def set_rng_state(state: dict):
    torch.set_rng_state(state["cpu"])
    if state["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path: Path | None, key: dict | None, state: dict):
    if path is not None:
        atomic_torch_save({"key": key, "rng": rng_state(), **state}, path)


def load_checkpoint(path: Path | None, key: dict | None) -> dict | None:
    """The saved state, or None when there is none or it belongs to another config, code or dataset."""
    if path is None or not path.exists():
        return None
    state = torch.load(path, weights_only=False, map_location="cpu")
    if state.get("key") != key:
        return None
    set_rng_state(state["rng"])
    return state
