"""Expected-value files (tables/*.yaml): the published numbers, validated on load.

Every cell was transcribed from ../shared/papers/; see tables/README.md for the format.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from suite.errors import SuiteError, unknown

TABLES_DIR = Path(__file__).resolve().parent.parent / "tables"
PAPERS = ("coupled-vae", "stochastic-wae", "vmed", "ami")
DIRECTIONS = ("lower", "higher", "target", "none")
SLUG = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    direction: str
    tolerance: float | None = None
    rel_tolerance: float | None = None
    unit: str | None = None
    not_comparable: str | None = None     # why no value of this suite's can be judged against the paper's

    def allowed_gap(self, published: float) -> float:
        """How far a full-budget result may land from `published` and still count as reproduced."""
        if self.tolerance is not None:
            return self.tolerance
        return self.rel_tolerance * abs(published)

    @property
    def scale(self) -> float:
        """Factor from the suite's native value (ratios as fractions in [0, 1]) to the paper's printed unit."""
        return 100.0 if self.unit == "percent" else 1.0


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    values: dict[str, dict[str, float | None]]
    note: str | None = None
    kind: str = "model"


@dataclass(frozen=True)
class Claim:
    """A directional claim of the paper about this table: every Coupled-X row beats its X row, or (`pairs`) each
    named row beats its named base row."""

    text: str
    source: str
    relations: dict[str, str]      # metric -> "lower" | "higher" (for Coupled-X relative to X)
    pairs: tuple[tuple[str, str], ...] = ()     # (row, base) pairs; empty: every (Coupled-X, X) of the table


@dataclass(frozen=True)
class Table:
    id: str
    paper: str
    source: str
    title: str
    datasets: tuple[str, ...]
    metrics: dict[str, Metric]
    rows: tuple[Row, ...]
    evaluation: dict[str, str]
    notes: tuple[str, ...]
    path: Path
    claims: tuple[Claim, ...] = ()

    def row(self, row_id: str) -> Row:
        for row in self.rows:
            if row.id == row_id:
                return row
        raise unknown(f"row of table {self.id}", row_id, [r.id for r in self.rows])

    def published(self, row_id: str, dataset: str) -> dict[str, float | None]:
        return self.row(row_id).values[dataset]


class TableFileError(SuiteError):
    pass


def _fail(path: Path, message: str, line: int | None = None) -> TableFileError:
    return TableFileError(f"{path.name}: {f'line {line}: ' if line else ''}{message}")


def _lines(text: str) -> dict:
    """Where the parts of a table file start (1-based lines): top-level keys, each metric, each row."""
    try:
        root = yaml.compose(text)
    except Exception:          # noqa: BLE001 - positions only improve messages; parsing reports real errors
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    lines = {"top": {}, "metrics": {}, "rows": []}
    for key, value in root.value:
        name = getattr(key, "value", None)
        if not isinstance(name, str):
            continue
        lines["top"][name] = key.start_mark.line + 1
        if name == "metrics" and isinstance(value, yaml.MappingNode):
            lines["metrics"] = {getattr(k, "value", None): k.start_mark.line + 1 for k, _ in value.value}
        if name == "rows" and isinstance(value, yaml.SequenceNode):
            lines["rows"] = [item.start_mark.line + 1 for item in value.value]
    return lines


def _require(path: Path, mapping: dict, where: str, required: set, optional: set = frozenset(),
             line: int | None = None):
    if not isinstance(mapping, dict):
        raise _fail(path, f"{where} must be a mapping, got {type(mapping).__name__}", line)
    missing = required - mapping.keys()
    if missing:
        raise _fail(path, f"{where} is missing {', '.join(sorted(missing))}", line)
    extra = mapping.keys() - required - optional
    if extra:
        raise _fail(path, f"{where} has unknown key(s) {', '.join(sorted(map(str, extra)))}", line)


def _number(path: Path, value, where: str, line: int | None = None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(path, f"{where} must be a finite number or null, got {value!r}", line)
    return float(value)


def _metric(path: Path, key: str, spec, line: int | None = None) -> Metric:
    where = f"metric {key!r}"
    _require(path, spec, where, {"label", "direction"}, {"tolerance", "rel_tolerance", "unit", "not_comparable"},
             line)
    if spec["direction"] not in DIRECTIONS:
        raise _fail(path, f"{where}: direction must be one of {', '.join(DIRECTIONS)}", line)
    if sum(k in spec for k in ("tolerance", "rel_tolerance", "not_comparable")) != 1:
        raise _fail(path, f"{where}: give exactly one of tolerance / rel_tolerance / not_comparable", line)
    if "not_comparable" in spec and not (isinstance(spec["not_comparable"], str) and spec["not_comparable"].strip()):
        raise _fail(path, f"{where}: not_comparable must say why, as text", line)
    tolerances = [_number(path, spec.get(k), f"{where} {k}", line) for k in ("tolerance", "rel_tolerance")]
    if any(t is not None and t <= 0 for t in tolerances):
        raise _fail(path, f"{where}: tolerance must be positive", line)
    return Metric(key, str(spec["label"]), spec["direction"], *tolerances, spec.get("unit"), spec.get("not_comparable"))


def _row(path: Path, spec, datasets: tuple[str, ...], metrics: dict[str, Metric], line: int | None = None) -> Row:
    _require(path, spec, "a row", {"id", "label", "values"}, {"note", "kind"}, line)
    row_id = spec["id"]
    if not isinstance(row_id, str) or not SLUG.match(row_id):
        raise _fail(path, f"row id {row_id!r} is not a lowercase slug", line)
    where = f"row {row_id!r}"
    if spec.get("kind", "model") not in ("model", "statistics"):
        raise _fail(path, f"{where}: kind must be model or statistics", line)
    values = spec["values"]
    _require(path, values, f"{where} values", set(datasets), line=line)
    parsed = {}
    for dataset in datasets:
        cells = values[dataset] or {}
        _require(path, cells, f"{where} values for {dataset}", set(metrics), line=line)
        parsed[dataset] = {k: _number(path, cells[k], f"{where} {dataset}.{k}", line) for k in metrics}
    has_null = any(v is None for cells in parsed.values() for v in cells.values())
    if has_null and not spec.get("note"):
        raise _fail(path, f"{where} has a null cell but no note saying why", line)
    return Row(row_id, str(spec["label"]), parsed, spec.get("note"), spec.get("kind", "model"))


def load_table(path: Path) -> Table:
    """Parse and validate one expected-value file; any defect raises a one-line TableFileError."""
    try:
        text = path.read_text(encoding="utf-8")
        spec = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None)
        first_line = problem or (str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
        raise _fail(path, f"cannot be read as YAML ({first_line})",
                    mark.line + 1 if mark is not None else None) from None
    lines = _lines(text)
    top, metric_lines, row_lines = lines.get("top", {}), lines.get("metrics", {}), lines.get("rows", [])
    _require(path, spec, "the file", {"table", "paper", "source", "title", "datasets", "metrics", "rows"},
             {"evaluation", "notes", "claims"})
    if spec["table"] != path.stem:
        raise _fail(path, f"declares table {spec['table']!r} but the file is named {path.stem!r}", top.get("table"))
    if spec["paper"] not in PAPERS:
        raise _fail(path, f"unknown paper {spec['paper']!r}", top.get("paper"))
    datasets = spec["datasets"]
    if not isinstance(datasets, list) or not datasets or not all(isinstance(d, str) for d in datasets):
        raise _fail(path, "datasets must be a non-empty list of names", top.get("datasets"))
    datasets = tuple(datasets)
    metrics_spec = spec["metrics"] or {}
    if not isinstance(metrics_spec, dict):
        raise _fail(path, "metrics must be a mapping", top.get("metrics"))
    metrics = {key: _metric(path, key, m, metric_lines.get(key) if isinstance(key, str) else None)
               for key, m in metrics_spec.items()}
    if not isinstance(spec["rows"], list) or not spec["rows"]:
        raise _fail(path, "rows must be a non-empty list", top.get("rows"))
    rows = tuple(_row(path, r, datasets, metrics, row_lines[i] if i < len(row_lines) else None)
                 for i, r in enumerate(spec["rows"]))
    ids = [r.id for r in rows]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _fail(path, f"duplicate row id(s) {', '.join(duplicates)}")
    if any(m.direction == "target" for m in metrics.values()) and not any(r.kind == "statistics" for r in rows):
        raise _fail(path, "a metric with direction 'target' needs a statistics row holding the target")
    evaluation = spec.get("evaluation") or {}
    notes = spec.get("notes") or []
    if not isinstance(evaluation, dict) or not isinstance(notes, list):
        raise _fail(path, "evaluation must be a mapping and notes a list")
    if not isinstance(spec.get("claims") or [], list):
        raise _fail(path, "claims must be a list")
    claims = tuple(_claim(path, c, metrics) for c in spec.get("claims") or [])
    unknown_rows = sorted({r for c in claims for pair in c.pairs for r in pair} - set(ids))
    if unknown_rows:
        raise _fail(path, f"claim: unknown row(s) {', '.join(unknown_rows)}")
    return Table(spec["table"], spec["paper"], str(spec["source"]), str(spec["title"]), datasets, metrics,
                 rows, {str(k): str(v) for k, v in evaluation.items()}, tuple(map(str, notes)), path, claims)


def _claim(path: Path, spec, metrics: dict[str, Metric]) -> Claim:
    if isinstance(spec, dict) and "row_vs_base" in spec:
        return _pairs_claim(path, spec)
    _require(path, spec, "a claim", {"text", "source", "coupled_vs_base"})
    relations = spec["coupled_vs_base"]
    if not isinstance(relations, dict) or not relations:
        raise _fail(path, "a claim's coupled_vs_base must map metrics to lower/higher")
    for metric, relation in relations.items():
        if metric not in metrics or relation not in ("lower", "higher"):
            raise _fail(path, f"claim: {metric}: {relation} is not a metric of the table with lower/higher")
    return Claim(str(spec["text"]), str(spec["source"]), dict(relations))


def _pairs_claim(path: Path, spec) -> Claim:
    """`row_vs_base: {pairs: [[row, base], ...], metrics: {metric: lower|higher}}`; a metric may be one the runs
    record without the table printing it (e.g. the posterior σ behind a figure)."""
    _require(path, spec, "a claim", {"text", "source", "row_vs_base"})
    body = spec["row_vs_base"]
    pairs, relations = (body.get("pairs"), body.get("metrics")) if isinstance(body, dict) else (None, None)
    if (not isinstance(pairs, list) or not pairs or not all(isinstance(p, list) and len(p) == 2 for p in pairs)
            or not isinstance(relations, dict) or not relations
            or not all(r in ("lower", "higher") for r in relations.values())):
        raise _fail(path, "a claim's row_vs_base needs pairs: [[row, base], ...] and metrics: {metric: lower|higher}")
    return Claim(str(spec["text"]), str(spec["source"]), dict(relations), tuple((str(a), str(b)) for a, b in pairs))


@cache
def _load_all(directory: Path) -> tuple[dict[str, Table], dict[str, TableFileError]]:
    if not directory.is_dir():
        raise SuiteError(f"expected-value directory {directory} not found; run from a clone installed with "
                         "`pip install -e .`")
    tables, broken = [], {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            tables.append(load_table(path))
        except TableFileError as error:       # one bad file must not take the other tables down
            broken[path.stem] = error
    tables.sort(key=lambda t: (PAPERS.index(t.paper), [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", t.id)]))
    return {t.id: t for t in tables}, broken


def all_tables(directory: Path | None = None) -> dict[str, Table]:
    """Every valid table; a malformed file is left out (see `table_errors`) and fails only when it is asked for."""
    return _load_all(directory or TABLES_DIR)[0]


def table_errors(directory: Path | None = None) -> dict[str, TableFileError]:
    """File stem -> the one-line error of every table file that does not load."""
    return _load_all(directory or TABLES_DIR)[1]


def get_table(table_id: str) -> Table:
    tables, broken = _load_all(TABLES_DIR)
    if table_id in broken:
        raise broken[table_id]
    if table_id not in tables:
        raise unknown("table", table_id, tables)
    return tables[table_id]
