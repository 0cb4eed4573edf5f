"""Progress for long work: a tqdm bar on a terminal; in a log file or a cluster's captured stderr (not a
terminal), a plain line at a steady pace, so a 45-minute row does not look like a hung one."""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from statistics import fmean

from tqdm import tqdm

SHOW: bool | None = None      # None: a bar on a terminal, plain lines elsewhere; False: nothing
PLAIN = False                 # plain lines even on a terminal (worker processes that share one)
PLAIN_EVERY_ENV = "REPRODUCE_PROGRESS_EVERY"
PLAIN_EVERY = 30.0            # seconds between plain lines
RATE_WINDOW = 600.0           # a training line's steps/s and ETA come from the last ten minutes (validations included)
MEAN_STEPS = 100              # a training line's loss and KL: the mean of the last steps, not one batch's
RUN = ""                      # the run whose work the bars measure, named in plain lines ("vae seed 0")


def bar(iterable=None, **kwargs):
    """A tqdm bar over `iterable`; as plain lines where those are due (evaluation of a full-budget row can take
    minutes on a CPU)."""
    if iterable is not None and plain_lines():
        return plain(iterable, kwargs.get("desc", ""), kwargs.get("total"),
                     f"{kwargs['unit']}s" if "unit" in kwargs else "batches")
    disable = PLAIN or (None if SHOW is None else not SHOW)
    return tqdm(iterable, disable=disable, dynamic_ncols=True, leave=False, **kwargs)


def plain_interval() -> float:
    """Seconds between plain lines."""
    return float(os.environ.get(PLAIN_EVERY_ENV, PLAIN_EVERY))


@contextmanager
def running(label: str):
    """Name the run in the plain lines of the work inside."""
    global RUN
    previous, RUN = RUN, label
    try:
        yield
    finally:
        RUN = previous


def plain(iterable: Iterable, desc: str, total: int | None = None, units: str = "batches") -> Iterator:
    """Yield the items of `iterable`, with a line '<run>: <desc>, <done>/<total> batches, <rate> batches/s, ETA'
    every `plain_interval()` seconds (the items counted as `units`)."""
    total = len(iterable) if total is None and hasattr(iterable, "__len__") else total
    interval = plain_interval()
    started = last = time.monotonic()
    for done, item in enumerate(iterable):
        now = time.monotonic()
        if done and now - last >= interval:
            last = now
            rate = done / max(now - started, 1e-9)
            parts = [f"{RUN}: {desc}" if RUN else desc,
                     f"{done:,}/{total:,} {units}" if total else f"{done:,} {units}", f"{rate:.2f} {units}/s"]
            if total:
                parts.append(f"ETA {duration(max(total - done, 0) / rate)}")
            print(", ".join(parts), file=sys.stderr, flush=True)
        yield item


def plain_lines() -> bool:
    """Whether progress goes out as plain lines: shown, but stderr is not a terminal (or is shared by workers)."""
    return SHOW is None and (PLAIN or not sys.stderr.isatty())


def duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class TrainingProgress:
    """Training progress of one run (`label`, e.g. "vae seed 0"). `step()` after every iteration costs nothing
    on the device; `report(*steps)` passes the steps' values once they are read back from it (every few hundred
    iterations at most, so reporting never adds a host-device synchronisation of its own)."""

    def __init__(self, label: str, total: int, initial: int = 0, every: float | None = None,
                 validation: str = "valid NLL", valid_score: float | None = None):
        self.label, self.total, self.iteration, self.validation = label, total, initial, validation
        self.bar = bar(total=total, initial=initial, desc=label)
        self.plain = plain_lines()
        self.every = plain_interval() if every is None else every
        self.values: dict[str, float] = {}
        self.recent_steps: deque[dict[str, float]] = deque(maxlen=MEAN_STEPS)
        self.valid_score = valid_score      # `validation`'s last value (a resumed run's checkpoint has one)
        self.last_line = time.monotonic()
        self.recent = deque([(self.last_line, initial)])    # (time, iteration) at each line, over RATE_WINDOW

    def step(self):
        self.iteration += 1
        self.bar.update()
        if self.plain and time.monotonic() - self.last_line >= self.every:
            self.line()

    def report(self, *steps: dict[str, float]):
        """The values of training steps, in order. The loss and KL shown are the mean of the last MEAN_STEPS
        steps: the loss is summed over a batch's tokens, so one step's loss swings with its sentences' length
        (from about 20 to 150 on PTB when batches group lengths). The KL weight shown is the latest."""
        self.recent_steps.extend(steps)
        self.values = {**steps[-1], **{name: fmean(step[name] for step in self.recent_steps)
                                       for name in ("loss", "kl") if name in steps[-1]}}
        self.bar.set_postfix(loss=f"{self.values.get('loss', 0.0):.2f}", kl=f"{self.values.get('kl', 0.0):.2f}",
                             w=f"{self.values.get('kl_weight', 0.0):.3f}", refresh=False)

    def validated(self, score: float | None):
        """A validation score just computed: the next line shows it, without waiting for the next read-back."""
        self.valid_score = score

    def line(self):
        """A pause (a suspended process, a busy machine) leaves the rate after RATE_WINDOW, not hours later."""
        self.last_line = now = time.monotonic()
        self.recent.append((now, self.iteration))
        while len(self.recent) > 2 and now - self.recent[1][0] >= RATE_WINDOW:
            self.recent.popleft()
        since, then = self.recent[0]
        rate = (self.iteration - then) / max(now - since, 1e-9)
        parts = [f"{self.label}: iteration {self.iteration:,}/{self.total:,}"]
        for name, label in (("loss", "loss"), ("kl", "KL"), ("kl_weight", "KL weight")):
            if name in self.values and (name != "kl_weight" or "kl" in self.values):     # no KL, no weight
                parts.append(f"{label} {self.values[name]:.3f}" if name == "kl_weight"
                             else f"{label} {self.values[name]:.2f}")
        parts.append(f"{self.validation} {self.valid_score:.2f}" if self.valid_score is not None
                     else f"{self.validation} -")
        parts.append(f"{rate:.1f} steps/s")
        if rate > 0:
            parts.append(f"ETA {duration(max(self.total - self.iteration, 0) / rate)}")
        print(", ".join(parts), file=sys.stderr, flush=True)

    def close(self):
        self.bar.close()
