"""`reproduce`: list the papers' tables, run them, gate changes against recorded baselines."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import torch
from tabulate import tabulate

from suite import gate, progress, registry
from suite.budgets import BUDGETS, get_budget
from suite.claims import check_claims
from suite.compare import render
from suite.cpu import keep_large_allocations
from suite.data.datasets import DATA_DIR_ENV, DATASETS, data_dir_from, get_dataset
from suite.errors import SuiteError
from suite.evaluation.interpolation import TABLE_7, interpolate, random_pairs
from suite.figures import draw_figure
from suite.harness import EXTENSIONS, run_rows, run_table, write_comparison
from suite.records import atomic_write_text
from suite.runner import RunSpec, run_model, trained_model
from suite.tables import all_tables, get_table

RESULTS = Path("results")


def _echo(message: str):
    click.echo(message, err=True)


def _rows(option: str | None) -> list[str] | None:
    return [r.strip() for r in option.split(",") if r.strip()] if option else None


class SuiteGroup(click.Group):
    """Prints SuiteError as one line and exits 2, instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SuiteError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)


common = [
    click.option("--budget", type=click.Choice(list(BUDGETS)), default="quick", show_default=True,
                 help="full = the paper's setup; quick = CPU-sized; smoke = seconds (CI)."),
    click.option("--seed", type=int, default=0, show_default=True),
    click.option("--results-dir", type=click.Path(path_type=Path), default=RESULTS, show_default=True),
    click.option("--data-dir", type=click.Path(path_type=Path), default=None,
                 help=f"Where user-provided datasets live (default: ${DATA_DIR_ENV})."),
    click.option("--force", is_flag=True, help="Retrain even if a finished run with this config exists."),
    click.option("--no-progress", is_flag=True, help="Hide progress bars."),
]


def with_common(function):
    for option in reversed(common):
        function = option(function)
    return function


@click.group(cls=SuiteGroup)
@click.option("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice).")
def main(threads: int | None):
    """Reproduce the tables of four variational text-generation papers."""
    keep_large_allocations()
    if threads:
        torch.set_num_threads(threads)


def _availability(name: str, data_dir: Path | None) -> str:
    text = f"{name} ({'present' if get_dataset(name).is_present(data_dir) else 'absent'})"
    stand_ins = [d for d in DATASETS.values() if d.stands_in_for == name]
    return text + "".join(f" [stand-in: {d.name} ({'present' if d.is_present(data_dir) else 'absent'})]"
                          for d in stand_ins)


@main.command("list")
@click.option("--paper", default=None, help="Only this paper's tables.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
def list_tables(paper: str | None, data_dir: Path | None):
    """Every table, row and dataset of the four papers: implemented? data present?"""
    registry.load()
    data_dir = data_dir_from(data_dir)
    tables = [t for t in all_tables().values() if paper is None or t.paper == paper]
    if not tables:
        raise SuiteError(f"no tables for paper {paper!r} (papers: coupled-vae, stochastic-wae, vmed, ami)")
    for table in tables:
        datasets = ", ".join(_availability(d, data_dir) for d in table.datasets)
        click.echo(f"\n{table.id}  [{table.paper}] {table.title}\n  datasets: {datasets}")
        cells = [[r.row, r.model or "-", "implemented" if r.model else f"not implemented: {r.reason}"]
                 for r in registry.table_rows(table)]
        click.echo(tabulate(cells, ["row", "model", "status"], tablefmt="plain"))
    click.echo("\nbudgets: " + "; ".join(f"{b.name} = {b.description}" for b in BUDGETS.values()))


@main.command("table")
@click.argument("table_id")
@click.option("--dataset", default=None, help="Dataset column (optional when the table has one).")
@click.option("--rows", default=None, help="Comma-separated row ids (default: all rows).")
@click.option("--format", "fmt", type=click.Choice(list(EXTENSIONS)), default="text", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="File for the rendered table (default: under <results-dir>/tables/).")
@with_common
def table_command(table_id, dataset, rows, fmt, output, budget, seed, results_dir, data_dir, force, no_progress):
    """Train and evaluate the implemented rows of TABLE_ID and compare them with the paper."""
    progress.SHOW = False if no_progress else None
    table = get_table(table_id)
    if dataset is None:
        if len(table.datasets) > 1:
            raise SuiteError(f"table {table.id} has several datasets; choose one with --dataset "
                             f"({', '.join(table.datasets)})")
        dataset = table.datasets[0]
    comparison = run_table(table_id, dataset, get_budget(budget), seed, results_dir, data_dir_from(data_dir),
                           _rows(rows), force, echo=_echo)
    path = write_comparison(comparison, fmt, results_dir, output)
    click.echo(render(comparison, fmt))
    _echo(f"written: {path}")


@main.command("claims")
@click.argument("table_id")
@click.option("--dataset", required=True)
@click.option("--rows", default=None, help="Comma-separated row ids (default: all implemented rows).")
@with_common
def claims_command(table_id, dataset, rows, budget, seed, results_dir, data_dir, force, no_progress):
    """Check the paper's directional claims (every Coupled-X beats X) on your results for TABLE_ID."""
    progress.SHOW = False if no_progress else None
    table = get_table(table_id)
    if not table.claims:
        raise SuiteError(f"table {table.id} carries no directional claims (tables with claims: "
                         f"{', '.join(t.id for t in all_tables().values() if t.claims)})")
    results, stand_in = run_rows(table_id, dataset, get_budget(budget), seed, results_dir, data_dir_from(data_dir),
                                 _rows(rows), force, echo=_echo)
    checks = check_claims(table, {row: values for row, values in results.items() if isinstance(values, dict)})
    for claim in table.claims:
        click.echo(f"{table.id} ({claim.source}): \"{claim.text}\"")
    click.echo(f"dataset {dataset}{' (STAND-IN)' if stand_in else ''}, budget {get_budget(budget).label}, "
               f"seed {seed}\n")
    verdicts = {True: "holds", False: "DOES NOT HOLD", None: "not measured"}
    click.echo(tabulate([[c.coupled, c.base, c.metric, f"coupled {c.relation}", _num(c.coupled_value),
                          _num(c.base_value), verdicts[c.holds]] for c in checks],
                        ["coupled row", "base row", "metric", "claim", "coupled", "base", "result"],
                        tablefmt="simple", disable_numparse=True))
    held = sum(bool(c.holds) for c in checks)
    click.echo(f"\n{held} of {len(checks)} comparisons agree with the paper's claim")


@main.command("interpolate")
@click.option("--dataset", default="ptb", show_default=True)
@click.option("--models", default="vae,coupled-vae-lm10.0", show_default=True,
              help="Comma-separated model ids (Table 7 compares VAE with Coupled-VAE, λm = 10).")
@click.option("--pairs", default=3, show_default=True, help="Random test-sentence pairs besides Table 7's.")
@with_common
def interpolate_command(dataset, models, pairs, budget, seed, results_dir, data_dir, force, no_progress):
    """Decode along the line between two sentences' posterior means (Table 7); writes a text file."""
    progress.SHOW = False if no_progress else None
    get_dataset(dataset)
    budget = get_budget(budget)
    trained = {m: trained_model(RunSpec(m, dataset, budget, seed, results_dir, data_dir_from(data_dir), force))
               for m in _rows(models)}
    corpus = next(iter(trained.values()))[1]
    texts = ([TABLE_7] if dataset == "ptb" else []) + random_pairs(corpus, pairs, seed)
    lines = [f"Latent-space interpolation (Table 7), dataset {dataset}"
             f"{' [STAND-IN]' if corpus.stand_in else ''}, budget {budget.label}, seed {seed}"]
    for text_a, text_b in texts:
        lines += ["", f"Text A: {text_a}", f"Text B: {text_b}"]
        for model_id, (model, _, cfg) in trained.items():
            lines.append(f"  {model_id}:")
            lines += [f"    {i}. {t}" for i, t in enumerate(interpolate(model, corpus, text_a, text_b,
                                                                      cfg.eval.decode_max_len, cfg.eval.mask_unk))]
    path = results_dir / "interpolation" / f"{dataset}_{budget.name}_seed{seed}.txt"
    atomic_write_text(path, "\n".join(lines) + "\n")
    click.echo("\n".join(lines))
    _echo(f"written: {path}")


@main.command("run")
@click.argument("model_id")
@click.option("--dataset", required=True)
@click.option("--metrics", default="nll,kl,ppl,rec", show_default=True, help="Comma-separated metric keys.")
@with_common
def run_command(model_id, dataset, metrics, budget, seed, results_dir, data_dir, force, no_progress):
    """Train and evaluate one registered model outside any table (e.g. the DAE)."""
    progress.SHOW = False if no_progress else None
    get_dataset(dataset)
    spec = RunSpec(model_id, dataset, get_budget(budget), seed, results_dir, data_dir_from(data_dir), force)
    registry.get_model(model_id)
    record = run_model(spec, _rows(metrics))
    click.echo(f"{model_id} on {dataset}, budget {get_budget(budget).label}, seed {seed}")
    click.echo(tabulate([[k, "–" if v is None else f"{v:.4f}"] for k, v in record["metrics"].items()],
                        ["metric", "value"], tablefmt="simple"))
    _echo(f"record: {spec.directory / 'record.json'}")


@main.command("figure")
@click.argument("figure_id")
@click.option("--dataset", default="ptb", show_default=True)
@with_common
def figure_command(figure_id, dataset, budget, seed, results_dir, data_dir, force, no_progress):
    """Train (or reuse) a figure's models and plot it, e.g. coupled-fig2 (gradient-norm dynamics)."""
    progress.SHOW = False if no_progress else None
    get_dataset(dataset)
    path = draw_figure(figure_id, dataset, get_budget(budget), seed, results_dir, data_dir_from(data_dir), echo=_echo)
    click.echo(f"written: {path} (values: {path.with_suffix('.txt')})")


@main.group("baseline")
def baseline():
    """CI regression gate over smoke-budget results (baselines/)."""


@baseline.command("check")
@click.option("--models", default=None, help="Comma-separated model ids (default: all implemented).")
@click.option("--dataset", default="ptb", show_default=True)
def baseline_check(models, dataset):
    """Rerun the smoke budget and fail if a metric moved outside its recorded tolerance."""
    progress.SHOW = False
    checks = [c for model in (_rows(models) or gate.gate_models()) for c in gate.check_baseline(model, dataset)]
    cells = [[c.model, c.metric, _num(c.recorded), _num(c.tolerance), _num(c.now),
              _num(None if c.recorded is None or c.now is None else c.now - c.recorded),
              "ok" if c.ok else "MOVED" if c.recorded is not None and c.now is not None else "MISSING"]
             for c in checks]
    click.echo(tabulate(cells, ["model", "metric", "recorded", "±tol", "now", "Δ", "status"], tablefmt="simple",
                        disable_numparse=True))
    failed = [c for c in checks if not c.ok]
    if failed:
        click.echo(f"\n{len(failed)} of {len(checks)} checks failed; if the change is intended, re-record with "
                   f"`reproduce baseline record --models {','.join(sorted({c.model for c in failed}))}`", err=True)
        sys.exit(1)
    click.echo(f"\nall {len(checks)} checks within tolerance")


@baseline.command("record")
@click.option("--models", default=None, help="Comma-separated model ids (default: all implemented).")
@click.option("--dataset", default="ptb", show_default=True)
@click.option("--seeds", default=3, show_default=True, help="Seeds 0..N-1; tolerances come from their spread.")
def baseline_record(models, dataset, seeds):
    """Deliberately re-record smoke-budget baselines."""
    progress.SHOW = False
    for model in _rows(models) or gate.gate_models():
        registry.get_model(model)
        path = gate.record_baseline(model, dataset, list(range(seeds)))
        click.echo(f"recorded {path}")


def _num(value) -> str:
    return "–" if value is None else f"{value:.4f}"


if __name__ == "__main__":
    main()
