"""The papers' directional claims ("every Coupled-X beats X") checked on results, with a one-sided paired test
over seeds."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from suite.stats import one_sided_paired_p
from suite.tables import Table


@dataclass(frozen=True)
class ClaimCheck:
    coupled: str
    base: str
    metric: str
    relation: str                      # what the paper claims for the coupled row: "lower" | "higher"
    coupled_values: tuple[float, ...]  # one per seed, paired with base_values by seed
    base_values: tuple[float, ...]

    @property
    def coupled_mean(self) -> float | None:
        return statistics.fmean(self.coupled_values) if self.coupled_values else None

    @property
    def base_mean(self) -> float | None:
        return statistics.fmean(self.base_values) if self.base_values else None

    @property
    def holds(self) -> bool | None:
        if not self.coupled_values or not self.base_values:
            return None
        if self.relation == "lower":
            return self.coupled_mean < self.base_mean
        return self.coupled_mean > self.base_mean

    @property
    def p_value(self) -> float | None:
        """H1: the coupled row is lower (higher) than its base, paired by seed; None with one seed."""
        return one_sided_paired_p(list(self.coupled_values), list(self.base_values),
                                  "less" if self.relation == "lower" else "greater")


def coupled_pairs(table: Table) -> list[tuple[str, str]]:
    """(Coupled-X, X) row pairs of the table, by the paper's naming."""
    ids = {row.id for row in table.rows}
    return [(row.id, row.id.removeprefix("coupled-")) for row in table.rows
            if row.id.startswith("coupled-") and row.id.removeprefix("coupled-") in ids]


def check_claims(table: Table, results: dict[str, list[dict]]) -> list[ClaimCheck]:
    """`results` maps row ids to their metrics, one dict per seed in the same seed order for every row (rows that
    did not run are simply absent). A seed enters a comparison only when both rows have the metric for it, so the
    two sides stay paired by seed."""
    checks = []
    for claim in table.claims:
        for coupled, base in claim.pairs or coupled_pairs(table):
            if coupled in results and base in results:
                for metric, relation in claim.relations.items():
                    seeds = [(c, b) for c, b in zip(results[coupled], results[base], strict=True)
                             if c.get(metric) is not None and b.get(metric) is not None]
                    checks.append(ClaimCheck(coupled, base, metric, relation, tuple(c[metric] for c, _ in seeds),
                                             tuple(b[metric] for _, b in seeds)))
    return checks
