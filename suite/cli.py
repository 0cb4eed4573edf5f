"""`reproduce`: list the papers' tables, run them, gate changes against recorded baselines."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, replace
from functools import wraps
from pathlib import Path

import click
import torch
from tabulate import tabulate

from suite import gate, progress, registry, runs
from suite.analyses import draw_figure, get_figure, interpolation_report
from suite.budgets import BUDGETS, Budget, get_budget
from suite.claims import check_claims
from suite.committed_records import RECORDS, claims_again, committed_results, judged_again, record_sets, saved_tables
from suite.compare import render
from suite.cpu import fix_threads, keep_large_allocations
from suite.data.datasets import (
    DATA_DIR_ENV,
    DATASETS,
    data_dir_from,
    get_dataset,
    stands_in,
)
from suite.errors import SuiteError, show_stand_in_warnings
from suite.evaluation.groups import known_metrics
from suite.executors import LocalExecutor, PoolExecutor, RayExecutor, status
from suite.harness import (
    EXTENSIONS,
    implemented_rows,
    run_rows,
    run_table,
    table_corpus,
    write_comparison,
)
from suite.plan import plan_table
from suite.records import atomic_write_text
from suite.runner import RunSpec, finished
from suite.tables import PAPERS, all_tables, get_table, table_errors

RESULTS = Path("results")


def _echo(message: str):
    click.echo(message, err=True)


def _list(option: str | None) -> list[str] | None:
    return [r.strip() for r in option.split(",") if r.strip()] if option else None


def _names(option: str, what: str) -> list[str]:
    """A comma-separated option that must name at least one thing."""
    names = _list(option)
    if not names:
        raise SuiteError(f"{what} names nothing: give a comma-separated list")
    return names


class SuiteGroup(click.Group):
    """Prints SuiteError and bad command-line input as one `error:` line and exits 2, instead of a traceback or
    click's usage block."""

    def parse_args(self, ctx, args):       # the group's own options (--threads) are parsed here
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            _usage_error(error, ctx)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SuiteError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        except click.UsageError as error:
            _usage_error(error, ctx)


def _usage_error(error: click.UsageError, ctx):
    if isinstance(error, click.exceptions.NoArgsIsHelpError):       # a bare command: its help, as click prints it
        raise error
    where = error.ctx.command_path if error.ctx is not None else ctx.command_path
    message = " ".join(error.format_message().split())
    click.echo(f"error: {message} (see: {where} --help)", err=True)
    sys.exit(2)


@dataclass(frozen=True)
class Options:
    """What every command that trains shares: budget, seeds, where things are, and where runs execute."""

    budget: Budget
    seeds: list[int]
    results_dir: Path
    data_dir: Path | None
    force: bool
    device: str
    executor: LocalExecutor | PoolExecutor | RayExecutor

    def spec(self, model_id: str, dataset: str, seed: int) -> RunSpec:
        return RunSpec(model_id, dataset, self.budget, seed, self.results_dir, self.data_dir, self.force, self.device)


def with_options(function):
    """Adds the common options and hands the command an `Options` instead of them."""
    @click.option("--budget", type=click.Choice(list(BUDGETS)), default="quick", show_default=True,
                  help="full = the paper's setup; quick = CPU-sized; smoke = seconds (CI).")
    @click.option("--seed", type=int, default=0, show_default=True, help="First seed.")
    @click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
                  help="Run every row with this many seeds (seed, seed+1, ...); tables show mean ± sd and a 95% CI.")
    @click.option("--results-dir", type=click.Path(path_type=Path), default=RESULTS, show_default=True)
    @click.option("--data-dir", type=click.Path(path_type=Path), default=None,
                  help=f"Where user-provided datasets live (default: ${DATA_DIR_ENV}).")
    @click.option("--force", is_flag=True, help="Retrain even if a finished run with this key exists.")
    @click.option("--device", default="cpu", show_default=True, help="torch device, e.g. cuda.")
    @click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                  help="Runs at once on this machine, each in its own process (several share one GPU).")
    @click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True)
    @click.option("--address", default=None, help="Ray cluster address (default: start a local instance).")
    @click.option("--cpus-per-run", type=click.IntRange(min=1), default=1, show_default=True,
                  help="CPUs each Ray task asks for.")
    @click.option("--gpus-per-run", type=click.FloatRange(min=0), default=0.0, show_default=True,
                  help="GPUs each Ray task asks for (> 0 runs it on CUDA).")
    @click.option("--no-progress", is_flag=True, help="Hide progress bars.")
    @wraps(function)
    def wrapper(budget, seed, seeds, results_dir, data_dir, force, device, jobs, executor, address, cpus_per_run,
                gpus_per_run, no_progress, **kwargs):
        progress.SHOW = False if no_progress else None
        if device != "cpu" and not _device_available(device):
            raise SuiteError(f"device {device!r} is not available on this machine")
        if executor == "ray":
            if jobs > 1:
                raise SuiteError("--jobs packs runs on this machine; with --executor ray, Ray places the runs")
            runner = RayExecutor(address, cpus_per_run, gpus_per_run)
        elif jobs > 1:
            runner = PoolExecutor(jobs, click.get_current_context().find_root().params.get("threads"))
        else:
            runner = LocalExecutor()
        options = Options(get_budget(budget), list(range(seed, seed + seeds)), results_dir, data_dir_from(data_dir),
                          force, device, runner)
        return function(options=options, **kwargs)
    return wrapper


def _device_available(device: str) -> bool:
    try:
        torch.empty(0, device=device)
        return True
    except (RuntimeError, AssertionError):
        return False


@click.group(cls=SuiteGroup)
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads for torch (default: torch's choice).")
def main(threads: int | None):
    """Reproduce the tables of four variational text-generation papers."""
    keep_large_allocations()
    fix_threads(threads)
    show_stand_in_warnings()


def _availability(name: str, data_dir: Path | None) -> str:
    text = f"{name} ({'present' if get_dataset(name).is_present(data_dir) else 'absent'})"
    stand_ins = [d for d in DATASETS.values() if name in d.stands_in_for]
    return text + "".join(f" [stand-in: {d.name} ({'present' if d.is_present(data_dir) else 'absent'})]"
                          for d in stand_ins)


def _word_vectors(table, data_dir: Path | None) -> str:
    """The word-vector files the table's rows start from at the full budget (VMED's), each present or absent."""
    names = {registry.get_model(r.model).config(table.datasets[0]).model.vectors_file
             for r in registry.table_rows(table) if r.model}
    names.discard(None)
    return "".join(f"\n  full budget also needs: {name} "
                   f"({'present' if data_dir is not None and (data_dir / name).is_file() else 'absent'})"
                   for name in sorted(names))


@main.command("list")
@click.option("--paper", type=click.Choice(PAPERS), default=None, help="Only this paper's tables.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
def list_tables(paper: str | None, data_dir: Path | None):
    """Every table, row and dataset of the four papers: implemented? data present?"""
    registry.load()
    data_dir = data_dir_from(data_dir)
    tables = [t for t in all_tables().values() if paper is None or t.paper == paper]
    if not tables:
        raise SuiteError(f"no readable table file for paper {paper!r}")
    for table in tables:
        datasets = ", ".join(_availability(d, data_dir) for d in table.datasets)
        click.echo(f"\n{table.id}  [{table.paper}] {table.title}\n  datasets: {datasets}"
                   f"{_word_vectors(table, data_dir)}")
        cells = [[r.row, r.model or "-", "implemented" if r.model else f"not implemented: {r.reason}"]
                 for r in registry.table_rows(table)]
        click.echo(tabulate(cells, ["row", "model", "status"], tablefmt="plain"))
    click.echo("\nbudgets: " + "; ".join(f"{b.name} = {b.description}" for b in BUDGETS.values()))
    click.echo("\ndatasets:")
    for dataset in DATASETS.values():
        present = dataset.is_present(data_dir)
        click.echo(f"  {dataset.name}: {dataset.description} ({'present' if present else 'absent'})"
                   + ("" if present else f"\n    files under --data-dir: {dataset.expected}"
                      + (f" (or {dataset.alternative})" if dataset.alternative else "") + f"; {dataset.how_to_get}"))
    for error in table_errors().values():
        _echo(f"warning: left out a malformed table file: {error}")


def _table_dataset(table_id: str, dataset: str | None) -> str:
    table = get_table(table_id)
    if dataset is not None:
        return dataset
    if len(table.datasets) > 1:
        raise SuiteError(f"table {table.id} has several datasets; choose one with --dataset "
                         f"({', '.join(table.datasets)})")
    return table.datasets[0]


@main.command("table")
@click.argument("table_id")
@click.option("--dataset", default=None, help="Dataset column (optional when the table has one).")
@click.option("--rows", default=None, help="Comma-separated row ids (default: all rows).")
@click.option("--format", "fmt", type=click.Choice(list(EXTENSIONS)), default="text", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="File for the rendered table (default: under <results-dir>/tables/).")
@with_options
def table_command(table_id, dataset, rows, fmt, output, options: Options):
    """Train and evaluate the implemented rows of TABLE_ID and compare them with the paper."""
    dataset = _table_dataset(table_id, dataset)
    if output is not None and output.suffix == ".json":
        raise SuiteError(f"--output {output}: that is where the table's JSON twin goes (beside the rendered table); "
                         "name the rendered file (.txt, .md or .tex)")
    comparison = run_table(table_id, dataset, options.budget, options.seeds, options.results_dir, options.data_dir,
                           _list(rows), options.force, options.device, options.executor, echo=_echo)
    written = write_comparison(comparison, fmt, options.results_dir, output)
    click.echo(render(comparison, fmt))
    if comparison.examples:
        click.echo(comparison.examples)
    for path in written:
        _echo(f"written: {path}")


@main.command("plan")
@click.argument("table_id")
@click.option("--dataset", default=None, help="Dataset column (optional when the table has one).")
@click.option("--rows", default=None, help="Comma-separated row ids (default: all rows).")
@with_options
def plan_command(table_id, dataset, rows, options: Options):
    """How many runs TABLE_ID needs and how long they should take, from throughput measured here."""
    dataset = _table_dataset(table_id, dataset)
    click.echo(plan_table(table_id, dataset, options, _list(rows), echo=_echo))


@main.command("claims")
@click.argument("table_id")
@click.option("--dataset", default=None, help="Dataset column (optional when the table has one).")
@click.option("--rows", default=None, help="Comma-separated row ids (default: all implemented rows).")
@click.option("--train", is_flag=True, help="Train the rows and seeds that have no finished run (default: use "
                                            "finished runs only and list the missing ones).")
@with_options
def claims_command(table_id, dataset, rows, train, options: Options):
    """Check the paper's directional claims (every Coupled-X beats X; each row against its base where the table
    pairs them) on your finished results for TABLE_ID, with a one-sided paired t-test over seeds."""
    table = get_table(table_id)
    if not table.claims:
        raise SuiteError(f"table {table.id} carries no directional claims (tables with claims: "
                         f"{', '.join(t.id for t in all_tables().values() if t.claims)})")
    if options.force and not train:      # e.g. from reproduce.sh, after the tables retrained the runs
        _echo("note: --force retrains only with --train; checking the finished runs")
        options = replace(options, force=False)
    dataset = _table_dataset(table_id, dataset)
    try:
        stands_in(dataset, table.datasets)        # a dataset the table has no column for fails here, in one line
    except SuiteError as error:
        raise SuiteError(f"table {table.id}: {error}") from None
    entries = [e for e in implemented_rows(table, _list(rows), _echo) if e.model]
    table_corpus(table, dataset, options.data_dir)     # absent data fails before the finished runs are sought
    missing = {e.row: [s.seed for s in (options.spec(e.model, dataset, seed) for seed in options.seeds)
                       if not finished(s)] for e in entries}
    missing = {row: seeds for row, seeds in missing.items() if seeds}
    if missing:
        listing = "; ".join(f"{row} (seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))})"
                            for row, seeds in missing.items())
        runs = sum(map(len, missing.values()))
        if train:
            _echo(f"--train: {runs} run(s) to train at the {options.budget.name} budget: {listing}")
            _echo(plan_table(table_id, dataset, options, list(missing), echo=_echo))
        else:
            _echo(f"no finished {options.budget.name}-budget run for {runs} run(s), left out of the check: {listing}\n"
                  f"train them with --train (`reproduce plan {table.id} --dataset {dataset} --budget "
                  f"{options.budget.name} --rows {','.join(missing)}` estimates how long that takes)")
    ready = [e.row for e in entries if train or e.row not in missing]
    if not ready:
        raise SuiteError(f"nothing to check: no row of table {table.id} has a finished {options.budget.name}-budget "
                         f"run for seeds {', '.join(map(str, options.seeds))} (another --budget, or --train)")
    results, stand_in = run_rows(table_id, dataset, options.budget, options.seeds, options.results_dir,
                                 options.data_dir, ready, options.force, options.device, options.executor, echo=_echo)
    checks = check_claims(table, {row: [r["metrics"] for r in records] for row, records in results.items()
                                  if isinstance(records, list)})
    for claim in table.claims:
        click.echo(f"{table.id} ({claim.source}): \"{claim.text}\"")
    click.echo(f"dataset {dataset}{' (STAND-IN)' if stand_in else ''}, budget {options.budget.label}, "
               f"seeds {', '.join(map(str, options.seeds))}\n")
    click.echo(_claims_table(table, checks, len(options.seeds)))


def _claims_table(table, checks, seeds: int) -> str:
    verdicts = {True: "holds", False: "DOES NOT HOLD", None: "not measured"}
    lead = "row" if any(claim.pairs for claim in table.claims) else "coupled"     # row-versus-row claims
    cells = tabulate([[c.coupled, c.base, c.metric, f"{lead} {c.relation}", _num(c.coupled_mean),
                       _num(c.base_mean), verdicts[c.holds], _num(c.p_value)] for c in checks],
                     [f"{lead} row" if lead == "coupled" else "row", "base row", "metric", "claim",
                      f"{lead} (mean)", "base (mean)", "result", "one-sided p"], tablefmt="simple",
                     disable_numparse=True)
    held = sum(bool(c.holds) for c in checks)
    return (f"{cells}\n\n{held} of {len(checks)} comparisons agree with the paper's claim"
            + ("" if seeds > 1 else " (with one seed there are no p-values)"))


@main.command("interpolate")
@click.option("--dataset", default="ptb", show_default=True)
@click.option("--models", default="vae,coupled-vae-lm10.0", show_default=True,
              help="Comma-separated model ids (Table 7 compares VAE with Coupled-VAE, λm = 10).")
@click.option("--pairs", default=3, show_default=True, help="Random test-sentence pairs besides Table 7's.")
@with_options
def interpolate_command(dataset, models, pairs, options: Options):
    """Decode along the line between two sentences' posterior means (Table 7), a report per seed in
    <results-dir>/interpolation/<dataset>_<budget>_seed<k>.txt."""
    get_dataset(dataset)
    specs = [options.spec(m, dataset, seed) for seed in options.seeds for m in _names(models, "--models")]
    options.executor.run(specs, (), echo=_echo)       # trains (or retrains, --force) them as `table` would
    for seed in options.seeds:
        report = interpolation_report([replace(s, force=False) for s in specs if s.seed == seed], pairs)
        path = options.results_dir / "interpolation" / f"{dataset}_{options.budget.name}_seed{seed}.txt"
        atomic_write_text(path, report)
        click.echo(report)
        _echo(f"written: {path}")


@main.command("run")
@click.argument("model_id")
@click.option("--dataset", required=True)
@click.option("--metrics", default=None,
              help="Comma-separated metric keys (default: every metric the model's tables report, and its likelihood).")
@with_options
def run_command(model_id, dataset, metrics, options: Options):
    """Train and evaluate one registered model outside any table (e.g. the DAE)."""
    get_dataset(dataset)
    registry.get_model(model_id)
    keys = known_metrics(_names(metrics, "--metrics")) if metrics is not None else gate.metrics_of(model_id)
    for other in registry.rows_named(model_id, except_model=model_id):      # before training: a user may mean it
        _echo(f"note: this runs model {model_id!r}; {other}")
    specs = [options.spec(model_id, dataset, seed) for seed in options.seeds]
    reused = [finished(spec) for spec in specs]
    records = options.executor.run(specs, keys, echo=_echo)
    for spec, was_reused, record in zip(specs, reused, records, strict=True):
        click.echo(f"{model_id} on {dataset}{' (STAND-IN)' if record['stand_in'] else ''}, "
                   f"budget {options.budget.label}, seed {spec.seed}, "
                   f"{status(record, was_reused)}")
        click.echo(tabulate([[k, _num(v)] for k, v in record["metrics"].items()], ["metric", "value"],
                            tablefmt="simple", disable_numparse=True))
        for note in dict.fromkeys(e["settings"]["note"] for e in record["evaluations"].values()
                                  if e["settings"].get("note")):
            click.echo(f"Note: {note}")
        _echo(f"record: {spec.directory / 'record.json'}")


@main.command("figure")
@click.argument("figure_id")
@click.option("--dataset", default="ptb", show_default=True)
@with_options
def figure_command(figure_id, dataset, options: Options):
    """Train (or reuse) a figure's models and plot it per seed, e.g. coupled-fig2 (gradient-norm dynamics), to
    <results-dir>/figures/<figure>_<dataset>_<budget>_seed<k>.png, its values beside it in a .txt file."""
    get_dataset(dataset)
    figure = get_figure(figure_id)
    specs = [options.spec(m, dataset, seed) for seed in options.seeds for m in figure.models]
    records = iter(options.executor.run(specs, figure.metrics, echo=_echo))
    for seed in options.seeds:
        path = draw_figure(figure, {m: next(records) for m in figure.models}, dataset, options.budget, seed,
                           options.results_dir)
        click.echo(f"written: {path} (values: {path.with_suffix('.txt')})")


@main.command("runs")
@click.option("--results-dir", type=click.Path(path_type=Path), default=RESULTS, show_default=True)
@click.option("--plot", is_flag=True, help="Also plot each run's training curves (curves.png beside its record).")
def runs_command(results_dir: Path, plot: bool):
    """Index of the finished runs under <results-dir>/runs/ (also written to runs/index.json)."""
    entries = runs.index(results_dir)
    if not entries:
        raise SuiteError(f"no runs under {results_dir / 'runs'}")
    atomic_write_text(results_dir / "runs" / "index.json", runs.index_json(entries))
    cells = [[f"{e.get('dataset', '?')}{' (STAND-IN)' if e.get('stand_in') else ''}", e.get("model", "?"),
              e.get("budget", "?"), e.get("seed", "?"), e["status"],
              e.get("iterations", "–"), e.get("seconds", "–"),
              ", ".join(f"{k} {v:.4g}" for k, v in (e.get("metrics") or {}).items() if isinstance(v, (int, float)))]
             for e in entries]
    click.echo(tabulate(cells, ["dataset", "model", "budget", "seed", "status", "iterations", "train s", "metrics"],
                        tablefmt="simple", disable_numparse=True))
    _echo(f"written: {results_dir / 'runs' / 'index.json'}")
    if plot:
        for entry in entries:
            if "model" in entry:
                _echo(f"written: {runs.plot_curves(Path(entry['path']))}")


@main.command("records")
@click.option("--write", is_flag=True, help="Rewrite the saved tables to match (after a published cell or tolerance "
                                            "changed in tables/).")
def records_command(write: bool):
    """The judged full-budget runs committed under results/records/, judged again (without training) against
    today's published numbers; then the superseded ones (results/records/superseded/), each under its reason."""
    sets = [(records, saved_tables(records.root)) for records in record_sets()]
    if not any(saved for _, saved in sets):
        raise SuiteError(f"no saved tables under {RECORDS / 'tables'} or {RECORDS / 'superseded' / '*' / 'tables'}")
    for records, saved in sets:
        where = records.root.relative_to(RECORDS.parents[1])
        if not records.superseded and not saved:
            click.echo(f"no saved tables of today's row configs under {where}/ yet")
        if records.superseded and saved:
            click.echo(f"\n=== superseded ({where}): {records.reason}\n"
                       f"=== today's rows differ in: {'; '.join(records.changes)}\n")
        for path, table in saved:
            results = committed_results(table, records.root)
            comparison = judged_again(table, results)
            click.echo(render(comparison, "text"))
            checks = claims_again(table, results)
            if checks:
                click.echo(f"\nclaims of {table['table']}, on these records:\n"
                           f"{_claims_table(get_table(table['table']), checks, len(table['seeds']))}\n")
            if write:
                _echo(f"written: {write_comparison(comparison, 'markdown', records.root, path.with_suffix('.md'))[0]}")


@main.group("baseline")
def baseline():
    """CI regression gate over smoke-budget results (baselines/)."""


@baseline.command("check")
@click.option("--models", default=None, help="Comma-separated model ids (default: all implemented).")
def baseline_check(models):
    """Rerun the smoke budget and fail if a metric moved outside its recorded tolerance or the model's config
    changed since its baseline was recorded (each model on PTB, the dialogue models on the chitchat stand-in)."""
    progress.SHOW = False
    datasets = {model: gate.gate_dataset(model) for model in _list(models) or gate.gate_models()}
    drift = {model: gate.config_drift(model, dataset) for model, dataset in datasets.items()}
    checks = []
    for number, (model, dataset) in enumerate(datasets.items(), 1):      # minutes in all: say what runs
        _echo(f"[{number}/{len(datasets)}] {model} on {dataset} (smoke budget)")
        checks += gate.check_baseline(model, dataset)
    cells = [[c.model, c.metric, _num(c.recorded), _num(c.tolerance), _num(c.now),
              _num(None if c.recorded is None or c.now is None else c.now - c.recorded),
              "ok" if c.ok else "NEW" if c.recorded is None else "MISSING" if c.now is None else "MOVED"]
             for c in checks]
    on = Counter(datasets.values())
    click.echo(f"budget: smoke (REDUCED), against this suite's own recorded baselines, never a paper's numbers; "
               f"{', '.join(f'{n} model(s) on {d}' for d, n in on.items())} (stand-ins: chitchat, and PTB for the "
               "rows whose papers used other corpora)\n")
    click.echo(tabulate(cells, ["model", "metric", "recorded", "±tol", "now", "Δ", "status"], tablefmt="simple",
                        disable_numparse=True))
    for model, changes in drift.items():
        if changes:
            click.echo(f"\nconfig of {model} changed since its baseline was recorded: {'; '.join(changes)}")
    failed = sorted({c.model for c in checks if not c.ok} | {model for model, changes in drift.items() if changes})
    if failed:
        click.echo(f"\n{len(failed)} of {len(datasets)} models failed the gate; if the change is intended, re-record "
                   f"with `reproduce baseline record --models {','.join(failed)}`", err=True)
        sys.exit(1)
    click.echo(f"\nall {len(checks)} checks within tolerance")


@baseline.command("record")
@click.option("--models", default=None, help="Comma-separated model ids (default: all implemented).")
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Seeds 0..N-1; tolerances come from their spread.")
def baseline_record(models, seeds):
    """Deliberately re-record smoke-budget baselines."""
    progress.SHOW = False
    for model in _list(models) or gate.gate_models():
        path = gate.record_baseline(model, gate.gate_dataset(model), list(range(seeds)))
        click.echo(f"recorded {path}")


def _num(value) -> str:
    return "–" if value is None else f"{value:.4f}"


if __name__ == "__main__":
    main()
