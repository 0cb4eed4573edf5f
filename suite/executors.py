"""Where runs execute: one after another in this process (default), several at once in worker processes on this
machine (`--jobs N`: packed onto one GPU, or sharing the CPU cores), or as Ray tasks, so a table's rows x seeds
fan out over a cluster. Every executor first checks that the files the runs start from are there, and returns
the runs' records in the order of the specs it was given."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed

from suite import progress
from suite.cpu import fix_threads, keep_large_allocations
from suite.errors import SuiteError, show_stand_in_warnings
from suite.runner import RunSpec, finished, require_inputs, run_model


class LocalExecutor:
    """Runs one after another, in this process."""

    def run(self, specs: list[RunSpec], metrics: Iterable[str], echo: Callable = print) -> list[dict]:
        require_inputs(specs)
        records = []
        for number, spec in enumerate(specs, 1):
            run = (f"[{number}/{len(specs)}] {spec.model_id} on {spec.dataset} ({spec.budget.name} budget, "
                   f"seed {spec.seed})")
            reused = finished(spec)
            echo(f"{run}: reusing the finished run" if reused else run)
            start = time.perf_counter()
            records.append(run_model(spec, metrics))
            if not reused:
                echo(f"{run}: {status(records[-1], reused)} in {time.perf_counter() - start:.0f} s")
        return records


def status(record: dict, reused: bool) -> str:
    """How a run came about, for the user: reused (a finished run of the same key) or trained (or diverged) now."""
    return f"reused ({record['status']} earlier)" if reused else record["status"]


def start_worker(threads: int, show_progress: bool | None):
    keep_large_allocations()
    fix_threads(threads)
    show_stand_in_warnings()
    progress.SHOW, progress.PLAIN = show_progress, True     # bars of several processes would overwrite each other


class PoolExecutor:
    """`jobs` runs at once, each in a worker process of its own. On a GPU they share the device: a training step
    leaves it idle while the host launches kernels, and the other runs' kernels fill those gaps. On a CPU each
    worker gets an equal share of the cores. A run's numbers do not depend on what runs beside it (its own
    process, seed and random streams); on a CPU they are those of a sequential run with the same `threads`."""

    def __init__(self, jobs: int, threads: int | None = None):
        self.jobs = jobs
        self.threads = threads or max(1, (os.cpu_count() or 1) // jobs)

    def run(self, specs: list[RunSpec], metrics: Iterable[str], echo: Callable = print) -> list[dict]:
        require_inputs(specs)
        reused = [finished(spec) for spec in specs]
        todo = len(specs) - sum(reused)
        echo(f"{todo} run(s) to train, {min(self.jobs, max(todo, 1))} at a time ({self.threads} CPU thread(s) each)"
             + (f"; reusing {sum(reused)} finished run(s)" if any(reused) else ""))
        # spawn, not fork: a forked child cannot use CUDA, and must not inherit the parent's locks
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.jobs, mp_context=context, initializer=start_worker,
                                 initargs=(self.threads, progress.SHOW)) as pool:
            futures = {pool.submit(run_model, spec, list(metrics)): i for i, spec in enumerate(specs)}
            return collect(specs, reused, ((futures[f], f.result()) for f in as_completed(futures)), echo)


def collect(specs: list[RunSpec], reused: list[bool], completions: Iterable[tuple[int, dict]],
            echo: Callable) -> list[dict]:
    """The records of `specs`, in their order, from (spec index, record) pairs in completion order; says when each
    run that trained is done."""
    records: list[dict | None] = [None] * len(specs)
    started = time.perf_counter()
    for done, (i, record) in enumerate(completions, 1):
        records[i] = record
        if not reused[i]:
            spec = specs[i]
            echo(f"[{done}/{len(specs)}] {spec.model_id} on {spec.dataset} ({spec.budget.name} budget, seed "
                 f"{spec.seed}): {status(records[i], False)} ({time.perf_counter() - started:.0f} s since the start)")
    return records


def _run_task(spec: RunSpec, metrics: list[str], threads: int, show_progress: bool | None) -> dict:
    """A Ray task: one run, with torch limited to the CPUs the task asked for, its progress in plain lines (Ray
    forwards them to the driver, prefixed with the task's process)."""
    start_worker(threads, show_progress)
    return run_model(spec, metrics)


class RayExecutor:
    """Each run is a Ray task asking for `cpus` CPUs (and `gpus` GPUs, which moves it to CUDA). All nodes must
    have the suite installed and see the same results directory (a shared filesystem)."""

    def __init__(self, address: str | None = None, cpus: int = 1, gpus: float = 0.0):
        try:
            import ray
        except ImportError:
            raise SuiteError("--executor ray needs Ray: pip install 'ray[default]'") from None
        self.ray, self.address, self.cpus, self.gpus = ray, address, cpus, gpus

    def run(self, specs: list[RunSpec], metrics: Iterable[str], echo: Callable = print) -> list[dict]:
        require_inputs(specs)
        ray = self.ray
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, include_dashboard=False)
            except (ConnectionError, ValueError, RuntimeError) as error:
                raise SuiteError(f"cannot reach a Ray cluster at {self.address or 'a new local instance'}: "
                                 f"{str(error).splitlines()[0]}") from None
        # the plain-line interval is read from the environment, which tasks on a running cluster do not inherit
        every = os.environ.get(progress.PLAIN_EVERY_ENV)
        env = {"runtime_env": {"env_vars": {progress.PLAIN_EVERY_ENV: every}}} if every else {}
        task = ray.remote(num_cpus=self.cpus, num_gpus=self.gpus, **env)(_run_task)
        device = "cuda" if self.gpus > 0 else None
        if device is not None:
            specs = [RunSpec(**{**spec.__dict__, "device": device}) for spec in specs]
        reused = [finished(spec) for spec in specs]
        futures = {task.remote(spec, list(metrics), self.cpus, progress.SHOW): i for i, spec in enumerate(specs)}
        echo(f"submitted {len(futures)} runs to Ray ({self.cpus} CPU, {self.gpus:g} GPU each)"
             + (f"; {sum(reused)} of them reuse finished runs" if any(reused) else ""))

        def completions():
            pending = list(futures)
            while pending:
                (ready,), pending = ray.wait(pending, num_returns=1)
                yield futures[ready], ray.get(ready)
        return collect(specs, reused, completions(), echo)
