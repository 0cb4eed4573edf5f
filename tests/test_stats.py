"""Statistics over seeds and the verdict that uses them."""

import numpy as np
import pytest
from scipy import stats

from suite.budgets import BUDGETS
from suite.compare import FAIL, PASS, compare, render, verdict
from suite.stats import Summary, one_sided_paired_p, summarize
from suite.tables import Metric, all_tables


def test_summary_matches_numpy_and_the_t_interval():
    values = [103.2, 104.1, 103.7, 102.9, 103.5]
    summary = summarize(values)
    assert summary.mean == pytest.approx(np.mean(values))
    assert summary.sd == pytest.approx(np.std(values, ddof=1))
    half_width = stats.t.ppf(0.975, df=4) * np.std(values, ddof=1) / np.sqrt(5)
    assert (summary.low, summary.high) == pytest.approx((np.mean(values) - half_width, np.mean(values) + half_width))
    assert summarize([5.0]) == Summary(1, 5.0, None, None, None)
    assert summarize([2.0, 2.0]).low == summarize([2.0, 2.0]).high == 2.0


def test_two_seeds_interval_is_wider_than_their_range():
    """A 95% interval from two seeds must reach well beyond them (t with 1 degree of freedom: 12.7 standard
    errors), not shrink to [min, max] as a bootstrap percentile interval does."""
    summary = summarize([103.58, 103.67])
    assert summary.low < 103.1 and summary.high > 104.1


def test_one_sided_paired_p_matches_scipy_and_handles_degenerate_cases():
    coupled, base = [103.1, 103.0, 103.4], [103.6, 103.5, 103.6]
    assert one_sided_paired_p(coupled, base, "less") == pytest.approx(
        stats.ttest_rel(coupled, base, alternative="less").pvalue)
    assert one_sided_paired_p(coupled, base, "greater") > 0.5
    assert one_sided_paired_p([1.0], [2.0], "less") is None
    assert one_sided_paired_p([1.0, 2.0], [2.0, 3.0], "less") == 0.0      # every pair differs by exactly -1
    assert one_sided_paired_p([1.0, 2.0], [2.0, 3.0], "greater") == 1.0


NLL = Metric("nll", "NLL", "lower", tolerance=1.0)


@pytest.mark.parametrize("values,expected", [
    ([103.5], PASS),                                              # one seed: tolerance only
    ([105.0], FAIL),
    ([103.4, 103.7, 103.9], PASS),                                # within tolerance, interval covers 103.6
    ([104.3, 104.4, 104.5], f"{PASS} (paper outside the 95% CI)"),
    ([100.0, 106.0, 111.0], "inconclusive (within the 95% CI, not the tolerance)"),
    ([105.5, 105.6, 105.7], FAIL),
])
def test_full_budget_verdict_uses_tolerance_and_interval(values, expected):
    assert verdict(NLL, 103.6, summarize(values), BUDGETS["full"], stand_in=False) == expected


@pytest.mark.parametrize("value,expected", [(118.5, PASS), (118.6, FAIL), (107.3, PASS), (107.2, FAIL)])
def test_a_relative_tolerance_scales_with_the_published_number(value, expected):
    ppl = Metric("ppl", "PPL", "lower", rel_tolerance=0.05)     # 5% of 112.9: 5.645 either side
    assert verdict(ppl, 112.9, summarize([value]), BUDGETS["full"], stand_in=False) == expected


def test_reduced_budgets_and_stand_ins_are_never_judged():
    ours = summarize([150.0])
    assert verdict(NLL, 103.6, ours, BUDGETS["quick"], stand_in=False) == "not judged (quick budget)"
    assert verdict(NLL, 103.6, ours, BUDGETS["full"], stand_in=True) == "stand-in corpus: not compared"


def test_a_percent_metric_over_seeds_is_scaled_summarised_and_judged_in_the_papers_unit():
    """coupled-2's BLEU-1 (percent; paper 23.4 for Coupled-VAE on PTB), three seeds, one without the metric."""
    table = all_tables()["coupled-2"]
    bleu1 = [0.231, 0.239, 0.228]
    records = [{"status": "trained", "metrics": {"bleu1": value}, "evaluations": {}} for value in bleu1]
    records.insert(1, {"status": "trained", "metrics": {"bleu1": None}, "evaluations": {}})
    comparison = compare(table, "ptb", {"coupled-vae": records}, BUDGETS["full"], [0, 1, 2, 3], False)
    [line] = [line for line in comparison.lines if line.metric == "bleu1"]
    percent = [100 * value for value in bleu1]
    low, high = stats.t.interval(0.95, df=2, loc=np.mean(percent), scale=stats.sem(percent))
    assert (line.paper, line.ours.n) == (23.4, 3)
    assert (line.ours.mean, line.ours.sd) == pytest.approx((np.mean(percent), np.std(percent, ddof=1)))
    assert (line.ours.low, line.ours.high) == pytest.approx((low, high))
    assert line.delta == pytest.approx(np.mean(percent) - 23.4) and line.verdict == PASS
    assert "23.27 ± 0.57 (3 of 4 seeds)" in render(comparison, "text")


def test_a_metric_measured_off_the_papers_scale_is_never_judged_but_says_why():
    """wae-1's PPL is scored by another LM than the paper's: a full-budget SNLI value far from or near the paper's
    gets no verdict, while the row's other metrics are judged."""
    table = all_tables()["wae-1"]
    record = {"status": "trained", "evaluations": {},
              "metrics": {"bleu": 0.8603, "ppl": 113.8, "unikl": 0.5, "entropy": 5.59, "avglen": 10.0}}
    comparison = compare(table, "snli", {"wae-d-lwae3": [record]}, BUDGETS["full"], [0], False)
    verdicts = {line.metric: line.verdict for line in comparison.lines}
    assert verdicts["ppl"] == "not comparable (see notes)"
    assert verdicts["bleu"] == PASS and verdicts["unikl"] == FAIL
    assert "PPL is never judged against the paper: the paper scores samples" in render(comparison, "text")
