"""Result records: one JSON file per (model, dataset, budget, seed), always written atomically."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import torch

from suite.errors import SuiteError

SCHEMA = 1
_UMASK = os.umask(0)
os.umask(_UMASK)
RECORD = "record.json"
WEIGHTS = "model.pt"
CHECKPOINT = "checkpoint.pt"
REPLACED = "replaced"


def _atomic(path: Path, write):
    """Write to a temporary file in the same directory, fsync, then rename over `path`:
    readers see the old file or the new one, never a partial one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise _storage_error(error, path) from None
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)      # mkstemp creates 0600; results are meant to be shared
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise _storage_error(error, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _storage_error(error: OSError, path: Path) -> SuiteError:
    reason = "no space left on device" if error.errno in (errno.ENOSPC, errno.EDQUOT) else error.strerror
    return SuiteError(f"cannot write {path}: {reason}; the previous version of the file, if any, is unchanged")


@contextmanager
def run_lock(directory: Path):
    """Exclusive lock on a run directory (or a cache's), so two processes never train or write the same run at
    once: the second waits, then finds the first one's finished record. The lock file exists only while someone
    holds it: the holder removes it before releasing, and a waiter that wakes up on a removed file tries again."""
    path = directory / ".lock"
    while True:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a")
        except OSError as error:
            raise _storage_error(error, path) from None
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(handle.fileno()).st_ino:
            break                                   # locked the file that is still in place
        handle.close()                              # its holder removed it meanwhile: lock the new one
    with handle:
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def atomic_write_text(path: Path, text: str):
    _atomic(path, lambda handle: handle.write(text.encode("utf-8")))


def atomic_write_json(path: Path, payload: dict):
    atomic_write_text(path, json.dumps(payload, indent=1, sort_keys=False) + "\n")


def atomic_torch_save(payload, path: Path):
    _atomic(path, lambda handle: torch.save(payload, handle))


def read_torch(path: Path, what: str, remedy: str, **options):
    """torch.load, failing in one line that names the file and what to do when it is damaged (a disk fault, a
    copy cut short)."""
    try:
        return torch.load(path, **options)
    except Exception as error:        # a damaged file raises whatever its bytes lead the unpickler into
        message = str(error).splitlines()[0] if str(error) else ""
        raise SuiteError(f"{path}: unreadable {what} ({type(error).__name__}: {message}); {remedy}") from None


def atomic_save_figure(figure, path: Path, **options):
    """A matplotlib figure, in the format its suffix names."""
    _atomic(path, lambda handle: figure.savefig(handle, format=path.suffix.lstrip("."), **options))


def run_dir(results_dir: Path, dataset: str, model_id: str, budget: str, seed: int) -> Path:
    return results_dir / "runs" / dataset / model_id / f"{budget}-seed{seed}"


def set_aside(record: Path) -> Path | None:
    """Move a record that a retrain replaces into `replaced/` beside it, named by when it was written, so its
    results are never lost (its weights are: they are large, and the record says what they scored)."""
    if not record.exists():
        return None
    written = datetime.fromtimestamp(record.stat().st_mtime, UTC).strftime("%Y%m%dT%H%M%SZ")
    target = record.parent / REPLACED / f"{record.stem}-{written}{record.suffix}"
    number = 1
    while target.exists():             # two records written within one second
        number += 1
        target = target.with_name(f"{record.stem}-{written}-{number}{record.suffix}")
    try:
        target.parent.mkdir(exist_ok=True)
        os.replace(record, target)
    except OSError as error:
        raise _storage_error(error, target) from None
    return target


def key_changes(saved: dict | None, key: dict) -> str:
    """The parts of the run key `key` (config, code, data) that `saved`, a record's or checkpoint's key, differs in."""
    saved = saved or {}
    return ", ".join(part for part in key if saved.get(part) != key[part]) or "run"


def read_record(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SuiteError(f"{path}: unreadable result record ({error}); delete it or rerun with --force") from None
    if not isinstance(record, dict) or record.get("schema") != SCHEMA:
        raise SuiteError(f"{path}: written by an incompatible version of the suite (schema "
                         f"{record.get('schema') if isinstance(record, dict) else '?'}, expected {SCHEMA}); "
                         "move it away or rerun with --force")
    return record
