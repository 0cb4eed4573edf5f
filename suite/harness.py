"""Run the implemented rows of one published table on one dataset and compare them with the paper."""

from __future__ import annotations

from pathlib import Path

from suite import registry
from suite.budgets import Budget
from suite.compare import Comparison, compare, render
from suite.data.datasets import get_dataset, load_corpus
from suite.errors import SuiteError
from suite.records import atomic_write_json, atomic_write_text
from suite.runner import RunSpec, run_model
from suite.tables import get_table

EXTENSIONS = {"text": "txt", "markdown": "md", "latex": "tex"}


def run_table(table_id: str, dataset: str, budget: Budget, seed: int, results_dir: Path,
              data_dir: Path | None = None, rows: list[str] | None = None, force: bool = False,
              echo=print) -> Comparison:
    table = get_table(table_id)
    results, stand_in = run_rows(table_id, dataset, budget, seed, results_dir, data_dir, rows, force, echo)
    return compare(table, dataset, results, budget, seed, stand_in)


def run_rows(table_id: str, dataset: str, budget: Budget, seed: int, results_dir: Path,
             data_dir: Path | None = None, rows: list[str] | None = None, force: bool = False,
             echo=print) -> tuple[dict[str, dict | str], bool]:
    """Train and evaluate the table's implemented rows; each row maps to its metrics, or to why it did not run.
    Also says whether the corpus is a stand-in."""
    table = get_table(table_id)
    stands_in_for = get_dataset(dataset).stands_in_for
    if dataset not in table.datasets and stands_in_for not in table.datasets:
        raise SuiteError(f"table {table.id} has no {dataset!r} column (it has: {', '.join(table.datasets)})")
    corpus = load_corpus(dataset, data_dir)     # fails early, with a one-line message, when data is absent
    entries = registry.table_rows(table, rows)
    results: dict[str, dict | str] = {}
    runnable = [e for e in entries if e.model is not None]
    for entry in entries:
        if entry.model is None:
            results[entry.row] = "not implemented"
            continue
        echo(f"[{runnable.index(entry) + 1}/{len(runnable)}] {entry.row} on {dataset} "
             f"({budget.name} budget, seed {seed})")
        spec = RunSpec(entry.model, dataset, budget, seed, results_dir, data_dir, force)
        results[entry.row] = run_model(spec, table.metrics)["metrics"]
    return results, corpus.stand_in


def write_comparison(comparison: Comparison, fmt: str, results_dir: Path, output: Path | None = None) -> Path:
    """Write the rendered table (and its JSON twin) atomically; return the rendered file's path."""
    stem = f"{comparison.table.id}_{comparison.dataset}_{comparison.budget.name}_seed{comparison.seed}"
    path = output or results_dir / "tables" / f"{stem}.{EXTENSIONS[fmt]}"
    atomic_write_text(path, render(comparison, fmt))
    atomic_write_json(results_dir / "tables" / f"{stem}.json", comparison.to_dict())
    return path
