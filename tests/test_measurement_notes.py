"""A measurement that differs from the paper's (Stochastic WAE's PPL from another LM) says so in every table."""

from suite.budgets import BUDGETS
from suite.compare import compare, render
from suite.tables import all_tables


def record(ppl: float, note: str | None) -> dict:
    settings = {"note": note} if note else {}
    return {"status": "trained", "metrics": {"ppl": ppl, "bleu": 0.5},
            "evaluations": {"prior_statistics": {"settings": settings}}}


def test_notes_of_the_records_appear_once_in_every_format():
    note = "PPL from a Kneser-Ney 3-gram LM trained on ptb-train, not the paper's Wikipedia LM"
    table = all_tables()["wae-1"]
    comparison = compare(table, "ptb", {"dae": [record(10.0, note)], "vae": [record(12.0, note)],
                                        "wae-d-lwae3": [record(11.0, None)]}, BUDGETS["smoke"], [0], True)
    assert comparison.notes == (note,) and comparison.to_dict()["notes"] == [note]
    for fmt in ("text", "markdown", "latex"):
        assert render(comparison, fmt).count(note) == 1


def test_the_notes_of_the_rows_shown_appear_once_in_every_format():
    """A row's note explains its symbols and empty cells (GRU-LM's '-' KL); rows not shown bring no notes."""
    table = all_tables()["coupled-1"]
    results = {"gru-lm": [{"status": "trained", "metrics": {"nll": 105.0, "ppl": 125.0}, "evaluations": {}}]}
    comparison = compare(table, "ptb", results, BUDGETS["full"], [0], False)
    gru_lm = next(row for row in table.rows if row.id == "gru-lm")
    for fmt in ("text", "markdown", "latex"):
        rendered = render(comparison, fmt)
        assert rendered.count(f"GRU-LM*: {gru_lm.note}") == 1
        assert "modified open-source implementation" not in rendered          # SA-VAE's note: not shown
