"""The papers' directional claims ("every Coupled-X beats X") checked on results."""

from __future__ import annotations

from dataclasses import dataclass

from suite.tables import Table


@dataclass(frozen=True)
class ClaimCheck:
    coupled: str
    base: str
    metric: str
    relation: str                  # what the paper claims for the coupled row: "lower" | "higher"
    coupled_value: float | None
    base_value: float | None

    @property
    def holds(self) -> bool | None:
        if self.coupled_value is None or self.base_value is None:
            return None
        if self.relation == "lower":
            return self.coupled_value < self.base_value
        return self.coupled_value > self.base_value


def coupled_pairs(table: Table) -> list[tuple[str, str]]:
    """(Coupled-X, X) row pairs of the table, by the paper's naming."""
    ids = {row.id for row in table.rows}
    return [(row.id, row.id.removeprefix("coupled-")) for row in table.rows
            if row.id.startswith("coupled-") and row.id.removeprefix("coupled-") in ids]


def check_claims(table: Table, results: dict[str, dict]) -> list[ClaimCheck]:
    """`results` maps row ids to metric values (rows that did not run are simply absent)."""
    checks = []
    for claim in table.claims:
        for coupled, base in coupled_pairs(table):
            if coupled in results and base in results:
                for metric, relation in claim.relations.items():
                    checks.append(ClaimCheck(coupled, base, metric, relation, results[coupled].get(metric),
                                             results[base].get(metric)))
    return checks
