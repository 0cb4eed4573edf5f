"""Diff results against the published numbers and render the comparison (text, Markdown, LaTeX).

With several seeds a cell shows mean ± sd and a 95% Student-t interval; the verdict (full budget, real corpus
only) asks both whether the mean lands within the table's tolerance and whether the interval covers the paper.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tabulate import tabulate

from suite.budgets import Budget
from suite.stats import Summary, summarize
from suite.tables import Metric, Table

PASS, FAIL = "pass", "FAIL"


@dataclass(frozen=True)
class Line:
    row: str
    label: str
    metric: str
    paper: float | None
    ours: Summary | None      # over seeds, in the paper's unit
    delta: float | None       # mean - paper
    verdict: str


@dataclass(frozen=True)
class Comparison:
    table: Table
    dataset: str
    budget: Budget
    seeds: tuple[int, ...]
    stand_in: bool
    lines: tuple[Line, ...]
    notes: tuple[str, ...] = ()     # how a measurement differs from the paper's (from the records' evaluations)
    examples: str | None = None     # a text report of generated examples, for tables that show some
    runs: tuple[dict, ...] = ()     # which run gave each row's numbers (`runs_of`)

    def to_dict(self) -> dict:
        return {"table": self.table.id, "dataset": self.dataset, "budget": self.budget.name,
                "judged": self.budget.judged and not self.stand_in, "seeds": list(self.seeds),
                "stand_in": self.stand_in, "lines": [asdict(line) for line in self.lines], "notes": list(self.notes),
                "runs": list(self.runs)}


def runs_of(results: dict[str, list[dict] | str]) -> tuple[dict, ...]:
    """Which run gave each row's numbers for each seed: its model, when and by which revision it was trained,
    and its key (config, code and data digests)."""
    return tuple({"row": row, "model": record["model"], "seed": record["seed"],
                  "created": record["provenance"]["created"], "revision": record["provenance"]["git"]["revision"],
                  "key": record["key"]}
                 for row, result in results.items() if not isinstance(result, str) for record in result)


def verdict(metric: Metric, paper: float | None, ours: Summary | None, budget: Budget, stand_in: bool) -> str:
    if ours is None:
        return "n/a" if paper is None else "not measured"
    if stand_in:
        return "stand-in corpus: not compared"
    if paper is None:
        return "no published value"
    if metric.not_comparable:
        return "not comparable (see notes)"
    if not budget.judged:
        return f"not judged ({budget.name} budget)"
    within = abs(ours.mean - paper) <= metric.allowed_gap(paper)
    covered = ours.contains(paper)
    if within:
        return PASS if covered is not False else f"{PASS} (paper outside the 95% CI)"
    return "inconclusive (within the 95% CI, not the tolerance)" if covered else FAIL


def has_published(row) -> bool:
    """Whether the paper prints a value for the row in any column (AMI's rows have none)."""
    return any(value is not None for cells in row.values.values() for value in cells.values())


def divergence(records: list[dict]) -> str | None:
    diverged = [r for r in records if r["status"] == "diverged"]
    if not diverged:
        return None
    where = ", ".join(f"seed {r['seed']} at iteration {r['training']['diverged']['iteration']}" for r in diverged)
    return f"diverged ({where}); last good weights" if all(r["metrics"] for r in diverged) else f"diverged ({where})"


def compare(table: Table, dataset: str, results: dict[str, list[dict] | str], budget: Budget, seeds: list[int],
            stand_in: bool) -> Comparison:
    """`results` maps each row id to its records (one per seed), or to a string saying why it did not run."""
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
            values = [r["metrics"][key] for r in result if r["metrics"].get(key) is not None]
            ours = summarize(values).scaled(metric.scale) if values else None
            delta = None if ours is None or paper is None else ours.mean - paper
            note = divergence(result)
            judged = verdict(metric, paper, ours, budget, stand_in)
            if ours is not None and not has_published(row):
                judged = "no published value"
            lines.append(Line(row.id, row.label, key, paper, ours, delta, f"{note}: {judged}" if note else judged))
    notes = dict.fromkeys(evaluation["settings"]["note"] for result in results.values() if not isinstance(result, str)
                          for record in result for evaluation in record["evaluations"].values()
                          if evaluation["settings"].get("note"))
    return Comparison(table, dataset, budget, tuple(seeds), stand_in, tuple(lines), tuple(notes))


def _decimals(table: Table, metric: str) -> int:
    """One more decimal than the paper prints for this metric."""
    printed = [v for row in table.rows for cells in row.values.values() if (v := cells.get(metric)) is not None]
    places = max((len(repr(v).split(".")[1]) if "." in repr(v) else 0 for v in printed), default=2)
    return places + 1


def _number(value: float | None, places: int, sign: str = "") -> str:
    return "–" if value is None else f"{value:{sign}.{places}f}"


def _ours(summary: Summary | None, places: int, seeds: int) -> str:
    if summary is None:
        return "–"
    shown = _number(summary.mean, places)
    if summary.sd is not None:
        shown += f" ± {summary.sd:.{places}f}"
    return shown if summary.n == seeds else f"{shown} ({summary.n} of {seeds} seeds)"    # a seed lacks the metric


def _interval(summary: Summary | None, places: int) -> str:
    return "–" if summary is None or summary.low is None else f"[{summary.low:.{places}f}, {summary.high:.{places}f}]"


def _cells(comparison: Comparison) -> list[list[str]]:
    rows = []
    for line in comparison.lines:
        places = _decimals(comparison.table, line.metric)
        cells = [line.label, comparison.table.metrics[line.metric].label, _number(line.paper, places),
                 _ours(line.ours, places, len(comparison.seeds))]
        if len(comparison.seeds) > 1:
            cells.append(_interval(line.ours, places))
        rows.append(cells + [_number(line.delta, places, "+"), line.verdict])
    return rows


def headers(comparison: Comparison) -> list[str]:
    ours = "Ours" if len(comparison.seeds) == 1 else f"Ours (mean ± sd, {len(comparison.seeds)} seeds)"
    middle = [ours, "95% CI"] if len(comparison.seeds) > 1 else [ours]
    return ["Row", "Metric", "Paper", *middle, "Δ", "Verdict"]


def heading(comparison: Comparison) -> list[str]:
    table = comparison.table
    seeds = ", ".join(map(str, comparison.seeds))
    lines = [f"Table {table.id}: {table.title} ({table.source})",
             f"dataset: {comparison.dataset}" + ("  [STAND-IN CORPUS: never compared with the paper]"
                                                if comparison.stand_in else ""),
             f"budget: {comparison.budget.label}; seed{'s' if len(comparison.seeds) > 1 else ''} {seeds}"]
    if not comparison.budget.judged:
        lines.append("Reduced budget: numbers are shown but not judged against the paper.")
    if not any(has_published(row) for row in table.rows):
        lines.append("No published values: " + (table.notes[0] if table.notes else "the paper prints none."))
    measured = [f"{table.metrics[metric].label} as the paper measures it: {how}"
                for metric, how in table.evaluation.items()]
    measured += [f"{metric.label} is never judged against the paper: {metric.not_comparable}"
                 for metric in table.metrics.values() if metric.not_comparable]
    shown = {line.row for line in comparison.lines}
    row_notes = [f"{row.label}: {row.note}" for row in table.rows if row.id in shown and row.note]
    return lines + measured + row_notes + [f"Note: {note}" for note in comparison.notes]


def render(comparison: Comparison, fmt: str) -> str:
    cells, header = _cells(comparison), headers(comparison)
    if fmt == "markdown":
        head = "\n".join(f"- {line}" for line in heading(comparison)[1:])
        return (f"### {heading(comparison)[0]}\n\n{head}\n\n"
                f"{tabulate(cells, header, tablefmt='pipe', disable_numparse=True)}\n")
    if fmt == "latex":     # the heading becomes comments, so the column itself says what is not judged
        comments = "\n".join(f"% {line}" for line in heading(comparison))
        caveat = ("stand-in corpus, not compared" if comparison.stand_in else
                  None if comparison.budget.judged else f"{comparison.budget.name} budget, not judged")
        header = [f"{h} ({caveat})" if h.startswith("Ours") and caveat else h for h in header]
        body = tabulate(cells, header, tablefmt="latex_booktabs", disable_numparse=True)
        return f"{comments}\n{body}\n"
    return "\n".join(heading(comparison)) + "\n\n" + tabulate(cells, header, tablefmt="simple",
                                                              disable_numparse=True) + "\n"
