"""Run the implemented rows of one published table on one dataset (over seeds) and compare them with the paper."""

from __future__ import annotations

from pathlib import Path

from suite import registry
from suite.budgets import Budget
from suite.compare import Comparison, compare, render
from suite.data.datasets import load_corpus, stands_in
from suite.errors import SuiteError
from suite.executors import LocalExecutor
from suite.records import RECORD, atomic_write_json, atomic_write_text, read_record
from suite.runner import RunSpec
from suite.tables import get_table

EXTENSIONS = {"text": "txt", "markdown": "md", "latex": "tex"}


def run_table(table_id: str, dataset: str, budget: Budget, seeds: list[int], results_dir: Path,
              data_dir: Path | None = None, rows: list[str] | None = None, force: bool = False,
              device: str = "cpu", executor=None, echo=print) -> Comparison:
    table = get_table(table_id)
    results, stand_in = run_rows(table_id, dataset, budget, seeds, results_dir, data_dir, rows, force, device,
                                 executor, echo)
    return compare(table, dataset, results, budget, seeds, stand_in)


def run_rows(table_id: str, dataset: str, budget: Budget, seeds: list[int], results_dir: Path,
             data_dir: Path | None = None, rows: list[str] | None = None, force: bool = False,
             device: str = "cpu", executor=None, echo=print) -> tuple[dict[str, list[dict] | str], bool]:
    """Train and evaluate the table's implemented rows for every seed; each row maps to its records (one per
    seed) or to why it did not run. Also says whether the corpus is a stand-in."""
    table = get_table(table_id)
    try:
        stand_in = stands_in(dataset, table.datasets)
    except SuiteError as error:
        raise SuiteError(f"table {table.id}: {error}") from None
    corpus = load_corpus(dataset, data_dir)     # fails early, with a one-line message, when data is absent
    entries = registry.table_rows(table, rows)
    models = list(dict.fromkeys(e.model for e in entries if e.model is not None))
    specs = [RunSpec(model, dataset, budget, seed, results_dir, data_dir, force, device)
             for model in models for seed in seeds]
    if not force:     # refuse unreadable or foreign records before any work starts
        for spec in specs:
            read_record(spec.directory / RECORD)
    records = dict(zip([(s.model_id, s.seed) for s in specs],
                       (executor or LocalExecutor()).run(specs, table.metrics, echo), strict=True))
    results = {e.row: [records[(e.model, seed)] for seed in seeds] if e.model else "not implemented"
               for e in entries}
    return results, stand_in


def seeds_label(seeds: list[int]) -> str:
    return f"seed{seeds[0]}" if len(seeds) == 1 else f"seeds{seeds[0]}-{seeds[-1]}"


def write_comparison(comparison: Comparison, fmt: str, results_dir: Path, output: Path | None = None) -> Path:
    """Write the rendered table (and its JSON twin) atomically; return the rendered file's path."""
    stem = (f"{comparison.table.id}_{comparison.dataset}_{comparison.budget.name}_"
            f"{seeds_label(list(comparison.seeds))}")
    path = output or results_dir / "tables" / f"{stem}.{EXTENSIONS[fmt]}"
    atomic_write_text(path, render(comparison, fmt))
    atomic_write_json(results_dir / "tables" / f"{stem}.json", comparison.to_dict())
    return path
