"""Statistics over seeds: mean, spread and Student-t confidence intervals; one-sided paired tests."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    sd: float | None          # sample standard deviation (n >= 2)
    low: float | None         # Student-t interval of the mean (n >= 2)
    high: float | None

    def contains(self, value: float) -> bool | None:
        return None if self.low is None else self.low <= value <= self.high

    def scaled(self, factor: float) -> Summary:
        def scale(value: float | None) -> float | None:
            return None if value is None else value * factor
        return Summary(self.n, self.mean * factor, scale(self.sd), scale(self.low), scale(self.high))


def summarize(values: list[float]) -> Summary:
    """Mean ± sd and a 95% Student-t interval for the mean. Runs come in handfuls of seeds, where a bootstrap
    percentile interval collapses towards the range of the values (with two seeds it covers the mean half the
    time); the t interval keeps its coverage for normally distributed results."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Summary(len(values), mean, None, None, None)
    sd = statistics.stdev(values)
    if sd == 0:
        return Summary(len(values), mean, 0.0, mean, mean)
    low, high = stats.t.interval(CONFIDENCE, len(values) - 1, loc=mean, scale=sd / math.sqrt(len(values)))
    return Summary(len(values), mean, sd, float(low), float(high))


def one_sided_paired_p(first: list[float], second: list[float], alternative: str) -> float | None:
    """p-value of a paired t-test that first < second ("less") or first > second ("greater"), pairing by seed.
    None with fewer than two pairs; when every pair differs by the same amount the test degenerates, and the
    p-value is 0 if that difference points the claimed way and 1 otherwise."""
    if len(first) < 2 or len(first) != len(second):
        return None
    differences = [a - b for a, b in zip(first, second, strict=True)]
    if max(differences) == min(differences):
        pointing = differences[0] < 0 if alternative == "less" else differences[0] > 0
        return 0.0 if pointing else 1.0
    p = float(stats.ttest_rel(first, second, alternative=alternative).pvalue)
    return p if math.isfinite(p) else None
