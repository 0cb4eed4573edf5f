"""CI regression gate: smoke-budget results of every implemented model, recorded under baselines/.

`record` trains each model at the smoke budget with several seeds and stores the seed-0 values with a
tolerance derived from the seed spread, and the config they were trained with; `check` retrains with seed 0 and
reports every metric that moved outside its tolerance, and `config_drift` every config field changed since.

A small seed sample can understate how far another CPU lands: a greedy decode after 30 steps flips on the last bits
of the arithmetic. Coupled-cnn-vae's BLEU-1 for seed 0 is 0.096 on an AMD EPYC and 0.073-0.081 on an Intel Xeon
(1-2 threads); its three seeds spanned 0.094-0.100 on the AMD and 0.077-0.109 on the Intel. Re-recording on a
machine with another CPU therefore keeps the seed-0 values the earlier CPUs gave for the same config
(`other_cpus`), and they count in the spread like seeds do.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from suite import registry
from suite.budgets import BUDGETS
from suite.cpu import threads_fixed_at
from suite.errors import SuiteError
from suite.provenance import REPO, provenance
from suite.records import atomic_write_json
from suite.runner import RunSpec, run_model
from suite.tables import all_tables

BASELINES = REPO / "baselines"
GATE_DATASETS = ("ptb", "chitchat")   # each model is gated on the first of these it has a config for
SPREAD_FACTOR = 3.0          # tolerance = 3 sd of the seed spread ...
RELATIVE_FLOOR = 1e-3        # ... but at least 0.1% of the value (arithmetic differences between CPUs)
DEFAULT_METRICS = ("nll", "kl", "ppl", "rec", "nll_bound")   # nll_bound: VMED's rows (exact NLL or -ELBO)


def gate_models() -> list[str]:
    registry.load()
    return sorted(registry.MODELS)


def gate_dataset(model_id: str) -> str:
    """PTB for every unconditional model; the chitchat stand-in for the dialogue models (Coupled-VAE Table 8,
    VMED, AMI, Stochastic WAE Table 2)."""
    datasets = registry.get_model(model_id).datasets
    gated = [d for d in GATE_DATASETS if d in datasets]
    if not gated:
        raise SuiteError(f"model {model_id} has a config for none of the packaged corpora the gate runs on "
                         f"({', '.join(GATE_DATASETS)}); give it one (a stand-in) in its paper module")
    return gated[0]


def metrics_of(model_id: str) -> list[str]:
    """Every metric the model is asked for in some table, and the likelihood metrics (`DEFAULT_METRICS`)."""
    registry.load()
    tables = all_tables()
    keys = {m for (table, _), entry in registry.ROWS.items() if entry.model == model_id
            for m in tables[table].metrics}
    return sorted(keys | set(DEFAULT_METRICS))


def baseline_path(dataset: str, model_id: str) -> Path:
    return BASELINES / dataset / f"{model_id}.json"


def read_baseline(model_id: str, dataset: str) -> dict | None:
    """The model's recorded baseline (None if it has none); an unreadable or incomplete file is refused in one line."""
    path = baseline_path(dataset, model_id)
    if not path.exists():
        return None
    rerecord = f"re-record it with `reproduce baseline record --models {model_id}`"
    try:
        baseline = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SuiteError(f"{path}: unreadable baseline ({error}); {rerecord}") from None
    missing = [key for key in ("seed", "config", "metrics", "provenance")
               if not isinstance(baseline, dict) or key not in baseline]
    if missing:
        raise SuiteError(f"{path}: not a complete baseline (no {', '.join(missing)}); {rerecord}")
    malformed = _malformed_fields(baseline)
    if malformed:
        raise SuiteError(f"{path}: malformed baseline ({'; '.join(malformed)}); {rerecord}")
    return baseline


def _malformed_fields(baseline: dict) -> list[str]:
    """What in a baseline's seed, config and metrics does not have the shape the gate reads."""
    def number(value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    problems = []
    if not isinstance(baseline["seed"], int) or isinstance(baseline["seed"], bool):
        problems.append("seed is not an integer")
    if not isinstance(baseline["config"], dict):
        problems.append("config is not an object")
    hardware = baseline["provenance"].get("hardware") if isinstance(baseline["provenance"], dict) else None
    if not (isinstance(hardware, dict) and isinstance(hardware.get("cpu"), str)
            and isinstance(hardware.get("torch_threads"), int) and hardware["torch_threads"] >= 1):
        problems.append("provenance.hardware lacks its cpu or torch_threads")
    if not isinstance(baseline["metrics"], dict):
        return problems + ["metrics is not an object"]
    for key, spec in baseline["metrics"].items():
        if not (isinstance(spec, dict) and number(spec.get("value")) and number(spec.get("tolerance"))):
            problems.append(f"metric {key} lacks a numeric value and tolerance")
    return problems


def config_as_recorded(model_id: str, dataset: str, budget: str = "smoke") -> dict:
    """The config a run of the model trains at `budget` (the gate's: smoke), as its JSON file holds it (tuples read
    back as lists)."""
    config = registry.get_model(model_id).run_config(dataset, BUDGETS[budget]).to_dict()
    return json.loads(json.dumps(config))


def measure(model_id: str, dataset: str, seed: int, results_dir: Path) -> dict[str, float]:
    spec = RunSpec(model_id, dataset, BUDGETS["smoke"], seed, results_dir, force=True)
    record = run_model(spec, metrics_of(model_id))
    return {k: v for k, v in record["metrics"].items() if v is not None}


def tolerance(values: list[float]) -> float:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return max(SPREAD_FACTOR * spread, RELATIVE_FLOOR * abs(values[0]))


def other_cpus(model_id: str, dataset: str, cpu: str) -> list[dict]:
    """Seed-0 values that the model's baseline holds from CPUs other than `cpu`, for today's config."""
    previous = read_baseline(model_id, dataset)
    if previous is None or config_changes(previous["config"], config_as_recorded(model_id, dataset)):
        return []
    recorded_on = previous["provenance"]["hardware"]
    seen = [{"cpu": recorded_on["cpu"], "torch_threads": recorded_on["torch_threads"],
             "values": {key: spec["value"] for key, spec in previous["metrics"].items()}}]
    return [entry for entry in previous.get("other_cpus", []) + seen if entry["cpu"] != cpu]


def record_baseline(model_id: str, dataset: str, seeds: list[int]) -> Path:
    here = provenance()
    others = other_cpus(model_id, dataset, here["hardware"]["cpu"])
    with tempfile.TemporaryDirectory() as scratch:
        runs = [measure(model_id, dataset, seed, Path(scratch)) for seed in seeds]
    metrics = {}
    for key in runs[0]:
        values = [r[key] for r in runs] + [o["values"][key] for o in others if key in o["values"]]
        metrics[key] = {"value": runs[0][key], "tolerance": tolerance(values), "seed_values": [r[key] for r in runs]}
    path = baseline_path(dataset, model_id)
    spread = f"sd over seeds {seeds}" + (" and seed 0 on the other CPUs" if others else "")
    atomic_write_json(path, {
        "model": model_id, "dataset": dataset, "budget": "smoke", "seed": seeds[0], "seeds": seeds,
        "tolerance_rule": f"max({SPREAD_FACTOR:g} x {spread}, {RELATIVE_FLOOR:g} x |value|)",
        "config": config_as_recorded(model_id, dataset), "metrics": metrics,
        **({"other_cpus": others} if others else {}), "provenance": here})
    return path


@dataclass(frozen=True)
class Check:
    model: str
    metric: str
    recorded: float | None
    tolerance: float | None
    now: float | None

    @property
    def ok(self) -> bool:
        return (self.recorded is not None and self.now is not None
                and abs(self.now - self.recorded) <= self.tolerance)


def check_baseline(model_id: str, dataset: str) -> list[Check]:
    baseline = read_baseline(model_id, dataset)
    if baseline is None:
        return [Check(model_id, "(no baseline recorded)", None, None, None)]
    # Smoke numbers move with the thread count (cnn-vae's BLEU-2 went from 0.0028 to 0.0004 at 2 threads against 1),
    # so the gate measures on the count the baseline was recorded with, whatever the caller's.
    recorded_threads = baseline["provenance"]["hardware"]["torch_threads"]
    with tempfile.TemporaryDirectory() as scratch, threads_fixed_at(recorded_threads):
        now = measure(model_id, dataset, baseline["seed"], Path(scratch))
    checks = [Check(model_id, key, spec["value"], spec["tolerance"], now.get(key))
              for key, spec in baseline["metrics"].items()]
    checks += [Check(model_id, key, None, None, value) for key, value in now.items() if key not in baseline["metrics"]]
    return checks


def config_drift(model_id: str, dataset: str) -> list[str]:
    """Each config field that differs between the model's baseline and the run the gate makes today."""
    baseline = read_baseline(model_id, dataset)
    return [] if baseline is None else config_changes(baseline["config"], config_as_recorded(model_id, dataset))


# Config fields added after some baselines and records were made, with the value every run before them had.
INTRODUCED = {"train.batches": "length-grouped", "train.warm_up_over_batches": False}


def config_changes(recorded: dict, now: dict) -> list[str]:
    """'path: old -> new' for each dotted field path whose value differs, fields added or removed included (a
    field in INTRODUCED that the recorded config predates counts as its earlier value)."""
    new = _leaves(now)
    old = {path: value for path, value in INTRODUCED.items() if path in new} | _leaves(recorded)
    return [f"{path}: {_shown(old, path)} -> {_shown(new, path)}" for path in sorted(old.keys() | new.keys())
            if (path in old, old.get(path)) != (path in new, new.get(path))]


def _leaves(config: dict, prefix: str = "") -> dict[str, object]:
    leaves = {}
    for key, value in config.items():
        if isinstance(value, dict):
            leaves |= _leaves(value, f"{prefix}{key}.")
        else:
            leaves[f"{prefix}{key}"] = value
    return leaves


def _shown(leaves: dict[str, object], path: str) -> str:
    return json.dumps(leaves[path]) if path in leaves else "(absent)"
