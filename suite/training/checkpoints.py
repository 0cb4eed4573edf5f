"""Training checkpoints that resume a killed run exactly: model, optimiser, schedule position, curves and the
random-number generators, stamped with the run's key so a checkpoint of another config or code is ignored. Each
resume is remembered (the iteration it restarted from), so a record says whether its run was interrupted."""

from __future__ import annotations

import sys

import torch

from suite.records import atomic_torch_save, key_changes, read_torch


def rng_state() -> dict:
    return {"cpu": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def set_rng_state(state: dict):
    torch.set_rng_state(state["cpu"])
    if state["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(trainer, **extra):
    """The trainer's `RESUMED` attributes, its model, the random-number generators and `extra`, stamped with
    its run key, to `trainer.checkpoint` (if it has one)."""
    if trainer.checkpoint is None:
        return
    state = {name: getattr(trainer, name) for name in trainer.RESUMED}
    state.update(extra, seconds=trainer.elapsed(), model=trainer.model.state_dict(), key=trainer.key,
                 rng=rng_state(), resumed_at=trainer.resumed_at)
    atomic_torch_save(state, trainer.checkpoint)


def restore_checkpoint(trainer) -> dict | None:
    """Put the trainer's saved model, `RESUMED` attributes and random-number generators back, add the iteration
    it resumes from to `trainer.resumed_at`, and return the saved state (for what only the trainer knows how to
    restore); None, touching nothing, when there is no checkpoint or it belongs to another config, code or dataset."""
    path = trainer.checkpoint
    if path is None or not path.exists():
        return None
    state = read_torch(path, "training checkpoint", "delete it to train from the start (or rerun with --force)",
                       weights_only=False, map_location="cpu")
    if state.get("key") != trainer.key:
        print(f"{path}: a checkpoint of other {key_changes(state.get('key'), trainer.key)} than this run's; "
              "training from the start",
              file=sys.stderr, flush=True)
        return None
    set_rng_state(state["rng"])
    trainer.model.load_state_dict(state["model"])
    for name in trainer.RESUMED:
        setattr(trainer, name, state[name])
    trainer.resumed_at = [*state["resumed_at"], trainer.iteration]
    return state
