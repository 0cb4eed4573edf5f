"""Where a training step's time goes on a GPU, and what candidate changes would buy (issue 10's "measure first").

For VAE and Coupled-VAE at the paper's PTB dimensions: the wall time of the forward pass alone, forward +
backward, and the whole step (PaperAdam's clipping and update included), fused (the default) and per-tensor; the
kernels launched and the GPU-busy time per step, and the operators that take the most host time (torch.profiler).
Then the gradient-norm tracking that the VAE, DAE and Coupled-VAE (λm = 10) rows do at every validation: the
vectorised Jacobian against one backward pass per signal dimension (the code before it).
    python3 tests/benchmarks/profile_step.py [--device cuda] [--steps 200]     (PYTHONPATH=.:.device on the device)
Prints a report; with $OUT set, also writes it to $OUT/profile.txt.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from suite import registry
from suite.data.batching import training_batches
from suite.data.datasets import load_corpus
from suite.evaluation import gradients
from suite.models.build import build_model
from suite.training.optim import PaperAdam

LINES: list[str] = []


def say(line: str = ""):
    print(line, flush=True)
    LINES.append(line)


def synchronize(device: str):
    if device == "cuda":
        torch.cuda.synchronize()


def timed(function, batches, device: str) -> float:
    """Mean wall seconds per batch, after a warm-up pass over a quarter of them."""
    for batch in batches[: len(batches) // 4]:
        function(batch)
    synchronize(device)
    began = time.perf_counter()
    for batch in batches:
        function(batch)
    synchronize(device)
    return (time.perf_counter() - began) / len(batches)


def step_variants(model_id: str, corpus, device: str, steps: int):
    cfg = registry.get_model(model_id).config("ptb")
    torch.manual_seed(0)
    model = build_model(cfg.model, len(corpus.vocab)).to(device).train()
    train = corpus.splits["train"]
    indices = training_batches(train, cfg.train.batch_size, torch.Generator().manual_seed(0),
                               cfg.train.batches)[:steps]
    batches = [train.batch(i, cfg.train.max_len) for i in indices]
    optimizer = PaperAdam(model, cfg.train)

    def forward(batch):
        with torch.no_grad():
            model.training_terms(batch.to(device), 0.5)

    def backward(batch):
        model.zero_grad(set_to_none=True)
        model.training_terms(batch.to(device), 0.5)["loss"].backward()

    def step(batch, optimizer=optimizer):
        terms = model.training_terms(batch.to(device), 0.5)
        optimizer.zero_grad()
        terms["loss"].backward()
        optimizer.step()

    say(f"## {model_id} on {device}, {steps} steps (ms per step)")
    for name, function in (("forward only", forward), ("forward + backward", backward), ("whole step", step)):
        say(f"{name:<36} {1000 * timed(function, batches, device):7.2f}")
    other = PaperAdam(model, cfg.train, fused=not optimizer.fused)
    name = "whole step, " + ("fused Adam and norm" if other.fused else "per-tensor loops")
    say(f"{name:<36} {1000 * timed(functools.partial(step, optimizer=other), batches, device):7.2f}")
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
    profiled = batches[:20]
    with profile(activities=activities) as profiler:
        for batch in profiled:
            step(batch)
        synchronize(device)
    events = profiler.events()
    launches = sum(1 for e in events if e.name in ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC"))
    busy = sum(e.device_time for e in events if e.device_type.name == "CUDA") / 1000
    say(f"kernel launches per step {launches / len(profiled):.0f}; GPU busy {busy / len(profiled):.2f} ms per step")
    say(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=25, max_name_column_width=50))


def loop_jacobian_ratio(signal, encoded):
    """The code before the vectorised one: one backward pass per signal dimension."""
    frobenius = sum(gradients._squared_row_norms(signal[:, k].sum(), encoded) for k in range(signal.size(1)))
    return frobenius / signal.pow(2).sum(-1)


def gradient_tracking(corpus, device: str, sentences: int):
    cfg = registry.get_model("vae").config("ptb")
    torch.manual_seed(0)
    model = build_model(cfg.model, len(corpus.vocab)).to(device)
    test = corpus.splits["test"].subset(sentences)
    full = len(corpus.splits["test"])
    say(f"## gradient-norm tracking, VAE on {device}, {sentences} test sentences (the split has {full})")
    vectorised = gradients._jacobian_ratio
    for name, ratio in (("vectorised Jacobian", vectorised), ("one pass per dimension", loop_jacobian_ratio)):
        gradients._jacobian_ratio = ratio
        gradients.evaluate_gradient_norms(model, corpus.splits["test"].subset(16), cfg.train.max_len)
        synchronize(device)
        began = time.perf_counter()
        values = gradients.evaluate_gradient_norms(model, test, cfg.train.max_len)
        seconds = time.perf_counter() - began
        say(f"{name:<24} {seconds:6.2f} s ({seconds * full / sentences:6.1f} s for the split); grad_h "
            f"{values['grad_h']:.6f}, grad_rec {values['grad_rec']:.6f}")
    gradients._jacobian_ratio = vectorised


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--sentences", type=int, default=512)
    args = parser.parse_args()
    corpus = load_corpus("ptb", None)
    say(f"torch {torch.__version__}; {torch.cuda.get_device_name() if args.device == 'cuda' else 'cpu'}")
    gradient_tracking(corpus, args.device, args.sentences)
    for model_id in ("vae", "coupled-vae"):
        step_variants(model_id, corpus, args.device, args.steps)
    if "OUT" in os.environ:
        Path(os.environ["OUT"], "profile.txt").write_text("\n".join(LINES) + "\n")


if __name__ == "__main__":
    main()
