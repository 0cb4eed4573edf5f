"""The qualitative table of the AMI supplement (Table 7): for a few test contexts, each row's response and the
human one, read from the examples the `replies` evaluation keeps in each record (the same first test contexts
for every row)."""

from __future__ import annotations

from suite.tables import Table


def speakers(turns: list[str]) -> list[str]:
    """'[A]: ...' / '[B]: ...' lines, the last turn by [B]; the responses answer as [A]."""
    return [f"[{'B' if (len(turns) - i) % 2 else 'A'}]: {turn}" for i, turn in enumerate(turns)]


def qualitative_report(table: Table, results: dict[str, list[dict] | str]) -> str | None:
    """The examples of each row's first seed, side by side; None when no row has any."""
    examples = {row.label: records[0]["evaluations"]["replies"]["examples"] for row in table.rows
                if isinstance(records := results.get(row.id), list) and records
                and (records[0]["evaluations"].get("replies") or {}).get("examples")}
    if not examples:
        return None
    first = next(iter(examples.values()))
    record = next(r[0] for r in results.values() if isinstance(r, list) and r)
    stand_in = "  [STAND-IN CORPUS]" if record["stand_in"] else ""
    title = (f"Examples of dialogue generation ({table.id}; as the AMI supplement's Table 7): the first "
             f"{len(first)} test contexts of {record['dataset']}{stand_in}, {record['budget']['name']} budget, "
             f"seed {record['seed']}")
    lines = [title]
    width = max(len(label) for label in [*examples, "Human"]) + 1
    for i, case in enumerate(first):
        lines += ["", f"Example {i + 1}", *(f"  {line}" for line in speakers(case["context"]))]
        lines += [f"  {label + ':':<{width}} {(cases[i]['response'] or '(empty)') if i < len(cases) else '–'}"
                  for label, cases in examples.items()]
        lines.append(f"  {'Human:':<{width}} {case['gold']}")
    return "\n".join(lines) + "\n"
