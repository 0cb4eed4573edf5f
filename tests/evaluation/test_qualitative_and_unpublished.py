"""AMI's table has no published values: its comparison says so (and why) instead of a verdict; its examples
report lines up each row's response to the same contexts with the human one."""

from suite.budgets import BUDGETS
from suite.compare import compare, render
from suite.evaluation.qualitative import qualitative_report, speakers
from suite.tables import get_table


def record(responses: list[str], metrics: dict) -> dict:
    examples = [{"context": ["i teach a kindergarten class .", "that must be fun ."], "response": r, "gold": "it is"}
                for r in responses]
    return {"metrics": metrics, "status": "trained", "seed": 0, "dataset": "chitchat", "stand_in": True,
            "budget": {"name": "smoke"}, "evaluations": {"replies": {"settings": {}, "examples": examples}}}


METRICS = {"bleu4": 0.01, "dist1": 0.2, "dist2": 0.3, "ent4": 4.0}


def test_rows_without_published_values_say_so_and_why():
    table = get_table("ami-dialog")
    results = {"transformer": [record(["i do it for a living ."], METRICS)], "mmi": "not implemented"}
    for dataset, stand_in in (("chitchat", True), ("personachat", False)):
        for budget in ("smoke", "full"):
            comparison = compare(table, dataset, results, BUDGETS[budget], [0], stand_in)
            verdicts = {line.verdict for line in comparison.lines if line.row == "transformer"}
            assert verdicts == {"no published value"}
            text = render(comparison, "text")
            assert "No published values: Only the supplementary material is available" in text
    assert {line.verdict for line in comparison.lines if line.row == "mmi"} == {"not implemented"}


def test_tables_with_published_values_are_unchanged():
    table = get_table("coupled-8")
    comparison = compare(table, "chitchat", {"cvae": [record([], {"nll": 50.0})]}, BUDGETS["full"], [0], True)
    assert "No published values" not in render(comparison, "text")
    assert {line.verdict for line in comparison.lines if line.metric == "nll"} == {"stand-in corpus: not compared"}


def test_speakers_end_with_b():
    assert speakers(["x", "y", "z"]) == ["[B]: x", "[A]: y", "[B]: z"]


def test_qualitative_report_lines_up_rows_and_human():
    table = get_table("ami-dialog")
    results = {"transformer": [record(["i do it for a living .", ""], METRICS)],
               "mmi": [record(["do you watch game of thrones ?", "hm"], METRICS)], "ami": "not implemented"}
    report = qualitative_report(table, results)
    assert "[STAND-IN CORPUS]" in report and "Example 2" in report
    block = report.split("Example 1")[1].split("Example 2")[0].splitlines()
    assert [line.strip() for line in block if line.strip()] == [
        "[A]: i teach a kindergarten class .", "[B]: that must be fun .",
        "Transformer:       i do it for a living .", "Transformer + MMI: do you watch game of thrones ?",
        "Human:             it is"]
    assert "Transformer:       (empty)" in report.split("Example 2")[1]
    assert qualitative_report(table, {"ami": "not implemented"}) is None
