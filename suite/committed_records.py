"""Full-budget records kept in the repository (`results/records/`): the evidence behind each judged row.

The folder is laid out as a results directory (`runs/<dataset>/<model>/full-seed<k>/record.json`, weights never
kept) with the comparison tables the runs produced (`tables/`). Each table is judged again here, from its records
and today's `tables/*.yaml`, without training, so an edited published cell or tolerance shows up as a changed
verdict (`reproduce records --write` rewrites the saved tables to match).

Records of rows whose config has changed since are not deleted but kept as evidence under
`superseded/<name>/`, laid out the same way, with a `superseded.json` giving the reason and the exact config
changes (`gate.config_changes` lines) that separate them from today's rows; they are judged again like the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from suite import registry
from suite.budgets import get_budget
from suite.claims import ClaimCheck, check_claims
from suite.compare import Comparison, compare, runs_of
from suite.errors import SuiteError
from suite.evaluation.qualitative import qualitative_report
from suite.records import RECORD, read_record, run_dir
from suite.tables import get_table

RECORDS = Path(__file__).resolve().parents[1] / "results" / "records"


@dataclass(frozen=True)
class RecordSet:
    """A folder of committed records: today's rows (no changes), or superseded ones and how today's rows differ."""
    root: Path
    reason: str = ""
    changes: tuple[str, ...] = ()

    @property
    def superseded(self) -> bool:
        return bool(self.changes)

    def record_paths(self) -> list[Path]:
        return sorted(self.root.glob("runs/*/*/*/record.json"))


def record_sets(root: Path = RECORDS) -> list[RecordSet]:
    """Today's records, then each superseded set (`superseded/<name>/superseded.json`)."""
    sets = [RecordSet(root)]
    for path in sorted((root / "superseded").glob("*/superseded.json")):
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            reason, changes = info["reason"], info["changes"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise SuiteError(f"{path}: not a superseded-records file (wants \"reason\" and \"changes\"): "
                             f"{error}") from None
        if not isinstance(changes, list) or not all(isinstance(change, str) for change in changes):
            raise SuiteError(f"{path}: \"changes\" is a list of `field: old -> new` lines")
        if not reason or not changes:
            raise SuiteError(f"{path}: a superseded set names its reason and at least one config change")
        sets.append(RecordSet(path.parent, reason, tuple(changes)))
    return sets


def committed_results(saved: dict, root: Path = RECORDS) -> dict[str, list[dict]]:
    """The committed records behind a saved table's (`tables/*.json`) rows: row -> one record per seed."""
    table, budget = get_table(saved["table"]), get_budget(saved["budget"])
    rows = list(dict.fromkeys(line["row"] for line in saved["lines"]))
    results = {}
    for entry in registry.table_rows(table, rows):
        records = [read_record(run_dir(root, saved["dataset"], entry.model, budget.name, seed) / RECORD)
                   for seed in saved["seeds"]]
        if None in records:
            raise SuiteError(f"{root}: table {table.id} on {saved['dataset']} shows {entry.row}, whose records for "
                             f"seeds {saved['seeds']} are not all committed")
        results[entry.row] = records
    return results


def judged_again(saved: dict, results: dict[str, list[dict]]) -> Comparison:
    """The comparison that a saved table's records (`committed_results`) give with today's published numbers."""
    table = get_table(saved["table"])
    stand_in = saved.get("stand_in") or any(r["stand_in"] for records in results.values() for r in records)
    comparison = compare(table, saved["dataset"], results, get_budget(saved["budget"]), saved["seeds"], stand_in)
    return replace(comparison, examples=qualitative_report(table, results), runs=runs_of(results))


def claims_again(saved: dict, results: dict[str, list[dict]]) -> list[ClaimCheck]:
    """The table's directional claims checked on its records (`committed_results`; the runs may come from
    different code revisions, which `reproduce claims` would not pair)."""
    return check_claims(get_table(saved["table"]), {row: [r["metrics"] for r in records]
                                                    for row, records in results.items()})


SAVED_TABLE_KEYS = ("table", "dataset", "budget", "seeds", "lines")


def saved_tables(root: Path = RECORDS) -> list[tuple[Path, dict]]:
    """Each saved comparison (`tables/*.json`) with its contents; a damaged one fails in one line."""
    tables = []
    for path in sorted((root / "tables").glob("*.json")):
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise SuiteError(f"{path}: not a saved comparison (JSON: {error}); restore it with git checkout") from None
        missing = [key for key in SAVED_TABLE_KEYS if not isinstance(saved, dict) or key not in saved]
        if missing:
            raise SuiteError(f"{path}: not a saved comparison (no {', '.join(missing)}); restore it with git checkout")
        tables.append((path, saved))
    return tables

