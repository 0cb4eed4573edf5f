"""Every table says how the paper measured each metric, and a measurement that differs from the paper's
(Stochastic WAE's PPL from another LM) says so."""

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


def test_how_the_paper_measured_each_metric_appears_once_in_every_format():
    table = all_tables()["coupled-1"]
    results = {"vae": [{"status": "trained", "metrics": {"nll": 103.0, "kl": 9.0, "ppl": 112.0}, "evaluations": {}}]}
    comparison = compare(table, "ptb", results, BUDGETS["full"], [0], False)
    for fmt in ("text", "markdown", "latex"):
        rendered = render(comparison, fmt)
        assert rendered.count("NLL as the paper measures it: importance sampling with N = 100 samples") == 1
        assert rendered.count("KL as the paper measures it: Monte Carlo mean") == 1
        assert rendered.count("PPL as the paper measures it: exp(sum of NLL / sum of (length + 1))") == 1
