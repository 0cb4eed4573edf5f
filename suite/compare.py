"""Diff results against the published numbers and render the comparison (text, Markdown, LaTeX)."""

from __future__ import annotations

from dataclasses import dataclass

from tabulate import tabulate

from suite.budgets import Budget
from suite.tables import Metric, Table

PASS, FAIL = "pass", "FAIL"


@dataclass(frozen=True)
class Line:
    row: str
    label: str
    metric: str
    paper: float | None
    ours: float | None        # in the paper's unit
    delta: float | None
    verdict: str


@dataclass(frozen=True)
class Comparison:
    table: Table
    dataset: str
    budget: Budget
    seed: int
    stand_in: bool
    lines: tuple[Line, ...]

    def to_dict(self) -> dict:
        return {"table": self.table.id, "dataset": self.dataset, "budget": self.budget.name,
                "judged": self.budget.judged and not self.stand_in, "seed": self.seed, "stand_in": self.stand_in,
                "lines": [line.__dict__ for line in self.lines]}


def verdict(metric: Metric, paper: float | None, ours: float | None, budget: Budget, stand_in: bool) -> str:
    if ours is None:
        return "n/a" if paper is None else "not measured"
    if stand_in:
        return "stand-in corpus: not compared"
    if paper is None:
        return "no published value"
    if not budget.judged:
        return f"not judged ({budget.name} budget)"
    return PASS if abs(ours - paper) <= metric.allowed_gap(paper) else FAIL


def compare(table: Table, dataset: str, results: dict[str, dict | str], budget: Budget, seed: int,
            stand_in: bool) -> Comparison:
    """`results` maps each row id to its record's metrics, or to a string saying why it did not run."""
    lines = []
    for row in table.rows:
        if row.id not in results:
            continue
        result = results[row.id]
        for key, metric in table.metrics.items():
            paper = None if stand_in else row.values[dataset][key]
            if isinstance(result, str):
                lines.append(Line(row.id, row.label, key, paper, None, None, result))
                continue
            value = result.get(key)
            ours = None if value is None else value * metric.scale
            delta = None if ours is None or paper is None or stand_in else ours - paper
            lines.append(Line(row.id, row.label, key, paper, ours, delta,
                              verdict(metric, paper, ours, budget, stand_in)))
    return Comparison(table, dataset, budget, seed, stand_in, tuple(lines))


def _decimals(table: Table, metric: str) -> int:
    """One more decimal than the paper prints for this metric."""
    printed = [v for row in table.rows for cells in row.values.values() if (v := cells.get(metric)) is not None]
    places = max((len(repr(v).split(".")[1]) if "." in repr(v) else 0 for v in printed), default=2)
    return places + 1


def _number(value: float | None, places: int, sign: str = "") -> str:
    return "–" if value is None else f"{value:{sign}.{places}f}"


def _cells(comparison: Comparison) -> list[list[str]]:
    rows = []
    for line in comparison.lines:
        places = _decimals(comparison.table, line.metric)
        rows.append([line.label, comparison.table.metrics[line.metric].label, _number(line.paper, places),
                     _number(line.ours, places), _number(line.delta, places, "+"), line.verdict])
    return rows


HEADERS = ["Row", "Metric", "Paper", "Ours", "Δ", "Verdict"]


def heading(comparison: Comparison) -> list[str]:
    table = comparison.table
    lines = [f"Table {table.id}: {table.title} ({table.source})",
             f"dataset: {comparison.dataset}" + ("  [STAND-IN CORPUS: never compared with the paper]"
                                                if comparison.stand_in else ""),
             f"budget: {comparison.budget.label}; seed {comparison.seed}"]
    if not comparison.budget.judged:
        lines.append("Reduced budget: numbers are shown but not judged against the paper.")
    return lines


def render(comparison: Comparison, fmt: str) -> str:
    cells = _cells(comparison)
    if fmt == "markdown":
        head = "\n".join(f"- {line}" for line in heading(comparison)[1:])
        return (f"### {heading(comparison)[0]}\n\n{head}\n\n"
                f"{tabulate(cells, HEADERS, tablefmt='pipe', disable_numparse=True)}\n")
    if fmt == "latex":
        comments = "\n".join(f"% {line}" for line in heading(comparison))
        body = tabulate(cells, HEADERS, tablefmt="latex_booktabs", disable_numparse=True)
        return f"{comments}\n{body}\n"
    return "\n".join(heading(comparison)) + "\n\n" + tabulate(cells, HEADERS, tablefmt="simple",
                                                              disable_numparse=True) + "\n"
