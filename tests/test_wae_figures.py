"""Stochastic WAE Figures 2 and 3 from records (synthetic records here; `reproduce figure wae-fig2|wae-fig3` trains
the models): every plotted value is written to the text twin."""

from matplotlib.figure import Figure

from suite.analyses import FIGURES
from suite.wae_figures import sigma_histograms, weighted_kl_curves


def sigma_record(counts):
    return {"metrics": {"sigma_mean": 0.5},
            "evaluations": {"mean_reconstruction": {"examples": {"sigma_histogram": {
                "range": [0.0, 1.0], "bins": len(counts), "counts": counts, "above_range": 1}}}}}


def test_figure_2_writes_every_bucket_of_every_model():
    records = {"a": sigma_record([5, 0, 1, 2]), "b": sigma_record([0, 0, 0, 8])}
    header, *lines = sigma_histograms(Figure(), records).splitlines()
    assert header.split("\t") == ["model", "bucket_low", "bucket_high", "count"]
    assert lines[:4] == ["a\t0.000\t0.250\t5", "a\t0.250\t0.500\t0", "a\t0.500\t0.750\t1", "a\t0.750\t1.000\t2"]
    assert lines[4] == "a\t1.000\tinf\t1" and len(lines) == 10


def test_figure_3_plots_the_weighted_kl_of_each_model():
    curves = {"iteration": [1, 2], "weighted_kl": [0.5, 0.25], "kl_weight": [0.1, 0.1]}
    text = weighted_kl_curves(Figure(), {"vae": {"training": {"curves": curves}}})
    assert text.splitlines()[1:] == ["vae\t1\t0.50000\t0.10000", "vae\t2\t0.25000\t0.10000"]


def test_the_figures_name_the_papers_models():
    assert FIGURES["wae-fig2"].models == ("wae1-wae-s-lkl0.0", "wae1-wae-s-lkl0.01", "wae1-wae-s-lkl0.1")
    assert "wae1-vae" in FIGURES["wae-fig3"].models
