"""Run the implemented rows of one published table on one dataset (over seeds) and compare them with the paper."""

from __future__ import annotations

from dataclasses import replace
from hashlib import sha256
from pathlib import Path

from suite import registry
from suite.budgets import Budget
from suite.compare import Comparison, compare, render, runs_of
from suite.data.datasets import DATASETS, load_corpus, stands_in
from suite.errors import DataMissing, SuiteError
from suite.evaluation.qualitative import qualitative_report
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
    comparison = compare(table, dataset, results, budget, seeds, stand_in)
    return replace(comparison, examples=qualitative_report(table, results), runs=runs_of(results))


def run_rows(table_id: str, dataset: str, budget: Budget, seeds: list[int], results_dir: Path,
             data_dir: Path | None = None, rows: list[str] | None = None, force: bool = False,
             device: str = "cpu", executor=None, echo=print) -> tuple[dict[str, list[dict] | str], bool]:
    """Train and evaluate the table's implemented rows for every seed; each row maps to its records (one per
    seed) or to why it did not run. Also says whether the corpus is a stand-in: another table's corpus, or files
    under the table's own dataset name that are not the paper's (`Corpus.stand_in`)."""
    table = get_table(table_id)
    try:
        stand_in = stands_in(dataset, table.datasets)
    except SuiteError as error:
        raise SuiteError(f"table {table.id}: {error}") from None
    entries = implemented_rows(table, rows, echo)     # before the data: an unimplemented row is not a data problem
    corpus = table_corpus(table, dataset, data_dir)     # fails early, with a one-line message, when data is absent
    stand_in = stand_in or corpus.stand_in
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


def implemented_rows(table, rows: list[str] | None = None, echo=print) -> list[registry.RowEntry]:
    """The registry entries of the requested rows. Says which of them are not implemented yet, and fails with
    that (not with a missing dataset) when none of them is."""
    entries = registry.table_rows(table, rows)
    missing = [e for e in entries if e.model is None]
    if missing and len(missing) == len(entries):
        reasons = sorted({e.reason for e in missing})
        which = "none of its rows" if rows is None else "none of the requested rows"
        raise SuiteError(f"table {table.id}: {which} is implemented yet "
                         f"({', '.join(e.row for e in missing)}: {'; '.join(reasons)}); nothing to run")
    if missing:
        echo(f"not implemented yet, shown without results: {', '.join(e.row for e in missing)}")
    return entries


def table_corpus(table, dataset: str, data_dir: Path | None):
    """The corpus of a table's column; when it is absent, the error names a packaged stand-in the table can run
    on instead."""
    try:
        return load_corpus(dataset, data_dir)
    except DataMissing as error:
        stand_ins = [d.name for d in DATASETS.values() if d.packaged and set(d.stands_in_for) & set(table.datasets)]
        if not stand_ins or dataset in stand_ins:
            raise
        raise DataMissing(f"{error}; or try table {table.id} now on the packaged stand-in with "
                          f"--dataset {stand_ins[0]}") from None


def seeds_label(seeds: list[int]) -> str:
    return f"seed{seeds[0]}" if len(seeds) == 1 else f"seeds{seeds[0]}-{seeds[-1]}"


def rows_label(comparison: Comparison) -> str:
    """'' for a whole table; for some of its rows, their ids (or how many, and a digest of them, when the ids
    would make a long file name), so a run of a few rows never overwrites the whole table's file."""
    shown = list(dict.fromkeys(line.row for line in comparison.lines))
    if set(shown) >= {row.id for row in comparison.table.rows}:
        return ""
    listed = "+".join(shown)
    return f"_rows-{listed}" if len(listed) <= 80 else f"_{len(shown)}-rows-{sha256(listed.encode()).hexdigest()[:8]}"


def write_comparison(comparison: Comparison, fmt: str, results_dir: Path, output: Path | None = None) -> list[Path]:
    """Write the rendered table, its JSON twin and its examples report (both next to the rendered table) atomically;
    return their paths, the rendered table's first."""
    stem = (f"{comparison.table.id}_{comparison.dataset}_{comparison.budget.name}_"
            f"{seeds_label(list(comparison.seeds))}{rows_label(comparison)}")
    path = output or results_dir / "tables" / f"{stem}.{EXTENSIONS[fmt]}"
    written = [path, path.with_suffix(".json")]
    atomic_write_text(path, render(comparison, fmt))
    atomic_write_json(written[1], comparison.to_dict())
    if comparison.examples:
        written.append(examples_path(path))
        atomic_write_text(written[2], comparison.examples)
    return written


def examples_path(table_path: Path) -> Path:
    """Where the examples report of a rendered table goes: next to it."""
    return table_path.with_name(f"{table_path.stem}_examples.txt")
