"""What is under <results-dir>/runs/: an index of every run (one line each) and a plot of a run's training
curves."""

from __future__ import annotations

import json
from pathlib import Path

from matplotlib.figure import Figure

from suite.errors import SuiteError
from suite.records import RECORD, atomic_save_figure, read_record

CURVES = "curves.png"


def index(results_dir: Path) -> list[dict]:
    """One entry per run directory holding a record: where it is, what it is, how it ended, what it measured."""
    entries = []
    for path in sorted((results_dir / "runs").glob(f"*/*/*/{RECORD}")):
        try:
            record = read_record(path)
        except SuiteError as error:
            entries.append({"path": str(path.parent), "status": f"unreadable: {error}"})
            continue
        training = record.get("training", {})
        entries.append({"path": str(path.parent), "dataset": record.get("dataset"),
                        "stand_in": record.get("stand_in"), "model": record.get("model"),
                        "budget": record.get("budget", {}).get("name"), "seed": record.get("seed"),
                        "status": record.get("status"), "iterations": training.get("iterations"),
                        "seconds": training.get("seconds"), "created": record.get("provenance", {}).get("created"),
                        "metrics": record.get("metrics", {})})
    return entries


def plot_curves(run_directory: Path) -> Path:
    """Training curves of one run (loss terms, KL weight, learning rate, validation score against iterations) as
    curves.png."""
    record = read_record(run_directory / RECORD)
    if record is None:
        raise SuiteError(f"{run_directory}: no {RECORD} (has the run finished?)")
    curves = record.get("training", {}).get("curves", {})
    iterations = curves.get("iteration", [])
    series = {k: v for k, v in curves.items() if k != "iteration" and isinstance(v, list) and len(v) == len(iterations)
              and all(isinstance(x, (int, float)) for x in v)}
    valid = [(i, v) for i, v in curves.get("valid_nll", []) if v is not None]
    panels = [k for k in series if k not in ("kl_weight", "lr")] + (["valid_nll"] if valid else [])
    panels += [k for k in ("kl_weight", "lr") if k in series]
    if not panels:
        raise SuiteError(f"{run_directory}: the record holds no training curves")
    figure = Figure(figsize=(4 * min(3, len(panels)), 2.8 * -(-len(panels) // 3)))
    for number, name in enumerate(panels, 1):
        axes = figure.add_subplot(-(-len(panels) // 3), min(3, len(panels)), number)
        if name == "valid_nll":
            axes.plot(*zip(*valid, strict=True), marker="o")
        else:
            axes.plot(iterations, series[name])
        axes.set_title(name, fontsize=9)
        axes.set_xlabel("iteration", fontsize=8)
        axes.tick_params(labelsize=7)
    figure.suptitle(f"{record['model']} on {record['dataset']}{' [STAND-IN]' if record.get('stand_in') else ''}, "
                    f"{record['budget']['name']} budget, "
                    f"seed {record['seed']} ({record['status']})", fontsize=10)
    figure.tight_layout()
    path = run_directory / CURVES
    atomic_save_figure(figure, path, dpi=100)
    return path


def index_json(entries: list[dict]) -> str:
    return json.dumps(entries, indent=1) + "\n"
