"""The registry: which model each (table, row) runs, with its full-budget config per dataset.

Paper modules in `suite/papers/` declare models with `@register_model` and map every row of every table to a
model (or to None: not implemented yet, with the reason). `reproduce list` and the harness read it from here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from suite.budgets import BUDGETS, Budget
from suite.config import RunConfig
from suite.errors import SuiteError, unknown
from suite.tables import Table, all_tables, get_table, table_errors

Sizes = Mapping[str, object]      # dotted config paths -> values, e.g. {"model.enc_hidden": 128}


@dataclass(frozen=True)
class ModelEntry:
    id: str
    paper: str
    datasets: tuple[str, ...]
    configure: Callable[[str], RunConfig]     # dataset -> the paper's (full-budget) config
    reduced: Mapping[str, Sizes]              # reduced budget -> the smaller sizes it trains instead

    def config(self, dataset: str) -> RunConfig:
        if dataset not in self.datasets:
            raise SuiteError(f"model {self.id!r} has no configuration for dataset {dataset!r} "
                             f"(it has: {', '.join(self.datasets)})")
        return self.configure(dataset)

    def run_config(self, dataset: str, budget: Budget) -> RunConfig:
        """The config a run of this model trains at `budget`: the paper's, shortened by the budget and, at a
        reduced one, with the sizes this model declares for it."""
        return budget.apply(self.config(dataset), self.reduced.get(budget.name))


@dataclass(frozen=True)
class RowEntry:
    table: str
    row: str
    model: str | None          # None: not implemented
    reason: str | None = None  # why not, when model is None


MODELS: dict[str, ModelEntry] = {}
ROWS: dict[tuple[str, str], RowEntry] = {}


def register_model(model_id: str, *, paper: str, datasets: tuple[str, ...],
                   reduced: Mapping[str, Sizes] | None = None):
    """Declare a model: `configure(dataset)` gives its full-budget config; `reduced` the sizes it trains at reduced
    budgets where the paper's are too large for a CPU (e.g. {"smoke": {"model.layers": 1, "train.batch_size": 32}})."""
    reduced = dict(reduced or {})
    for budget in reduced:
        if budget not in BUDGETS or BUDGETS[budget].judged:
            raise ValueError(f"model {model_id!r} declares sizes for {budget!r}, which is not a reduced budget")

    def decorator(configure: Callable[[str], RunConfig]):
        if model_id in MODELS:
            raise ValueError(f"model {model_id!r} registered twice")
        MODELS[model_id] = ModelEntry(model_id, paper, datasets, configure, reduced)
        return configure
    return decorator


def register_rows(table_id: str, models: dict[str, str | None], reason: str | None = None):
    """Map rows of a table to model ids; None marks a row that is not implemented yet (give the reason)."""
    for row, model in models.items():
        if (table_id, row) in ROWS:
            raise ValueError(f"row {table_id}/{row} registered twice")
        if model is None and not reason:
            raise ValueError(f"row {table_id}/{row} is not implemented but no reason is given")
        ROWS[(table_id, row)] = RowEntry(table_id, row, model, None if model else reason)


@cache
def load():
    """Import every paper module once so that their declarations run."""
    import suite.papers
    for module in pkgutil.iter_modules(suite.papers.__path__):
        importlib.import_module(f"suite.papers.{module.name}")
    for entry in ROWS.values():
        if entry.model is not None and entry.model not in MODELS:
            raise ValueError(f"row {entry.table}/{entry.row} points at unregistered model {entry.model!r}")


def get_model(model_id: str) -> ModelEntry:
    load()
    if model_id not in MODELS:
        rows = rows_named(model_id)
        if rows:
            raise SuiteError(f"unknown model: {model_id!r} is a row id, not a model id: {'; '.join(rows)}")
        raise unknown("model", model_id, MODELS)
    return MODELS[model_id]


def rows_named(row_id: str, except_model: str | None = None) -> list[str]:
    """'<table>'s row <row_id> runs model <id>' for each table row so named whose model is not `except_model`: a
    row id need not be its model's id (VMED's row `cvae` runs `vmed-cvae`; model `cvae` is the Coupled-CVAE)."""
    load()
    return [f"{e.table}'s row {e.row!r} runs model {e.model!r}" for e in ROWS.values()
            if e.row == row_id and e.model is not None and e.model != except_model]


def row_entry(table_id: str, row_id: str) -> RowEntry:
    load()
    return ROWS[(table_id, row_id)]


def table_rows(table: Table, selection: list[str] | None = None) -> list[RowEntry]:
    """Registry entries of a table's rows in the paper's order, optionally a subset (validated)."""
    load()
    ids = [r.id for r in table.rows]
    for row in selection or []:
        if row not in ids:
            raise unknown(f"row of table {table.id}", row, ids)
    missing = [r for r in ids if (table.id, r) not in ROWS]
    if missing:
        raise SuiteError(f"{table.path.name}: row(s) {', '.join(missing)} have no registry entry; declare them in "
                         f"suite/papers/ or fix the file")
    return [ROWS[(table.id, r)] for r in ids if selection is None or r in selection]


def check_consistency() -> list[str]:
    """Problems between tables/*.yaml and the registry (empty when every row maps both ways)."""
    load()
    broken = table_errors()
    problems = [str(error) for error in broken.values()]
    table_row_keys = {(t.id, r.id) for t in all_tables().values() for r in t.rows}
    for key in sorted(table_row_keys - ROWS.keys()):
        problems.append(f"{key[0]}/{key[1]} is in tables/ but not in the registry")
    for key in sorted(k for k in ROWS.keys() - table_row_keys if k[0] not in broken):
        problems.append(f"{key[0]}/{key[1]} is in the registry but not in tables/")
    for (table_id, row), entry in ROWS.items():
        if entry.model and (table_id, row) in table_row_keys:
            model = MODELS[entry.model]
            missing = [d for d in get_table(table_id).datasets if d not in model.datasets]
            if missing:
                problems.append(f"{table_id}/{row}: model {model.id} has no config for {', '.join(missing)}")
            if model.paper != get_table(table_id).paper:       # a record's stand-in flag reads the model's paper
                problems.append(f"{table_id}/{row}: model {model.id} is declared for paper {model.paper!r}, the "
                                f"table is {get_table(table_id).paper!r}'s")
    return problems
