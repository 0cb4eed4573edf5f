"""`reproduce plan`: the wall-clock layout of runs on N workers, and a packed measurement end to end."""

import re

import pytest
import torch
from click.testing import CliRunner

from suite import plan, registry
from suite.budgets import BUDGETS
from suite.cli import main
from suite.data import word2vec
from suite.data.batching import training_batches
from suite.models.lstm_autoencoder import SentenceAutoencoder
from suite.plan import (
    STEPS,
    Throughput,
    estimate,
    measure,
    probe_batches,
    uncached_word2vec,
    wall_time,
)
from suite.training.procedures import procedure_for


def test_wall_time_lays_runs_out_first_come_first_served():
    assert wall_time([5.0, 3.0, 2.0], 1) == 10.0
    assert wall_time([5.0, 3.0, 2.0], 2) == 5.0          # 3 then 2 on the second worker
    assert wall_time([1.0, 1.0, 1.0, 4.0], 2) == 5.0     # the long run starts at 1, on the worker freed first
    assert wall_time([2.0], 4) == 2.0


def test_probe_batches_stand_for_a_whole_epoch(ptb):
    """Step time grows with a batch's padded width; the timed batches must have the epoch's mean width (the
    first ten of an epoch, which the plan used to time, are 18% narrower on PTB)."""
    train = ptb.splits["train"]
    probes = probe_batches(train, 32)
    assert len(probes) == STEPS

    def mean_width(batches):
        return sum(int(train.lengths[index].max()) + 1 for index in batches) / len(batches)

    epoch = training_batches(train, 32, torch.Generator().manual_seed(0))
    assert mean_width(probes) == pytest.approx(mean_width(epoch), rel=0.03)


@pytest.fixture(scope="module")
def smoke_gru_lm_and_vae(ptb):
    """(config, measured throughput) of the GRU-LM (no latent, no gradient tracking) and the VAE (both)."""
    configs = [registry.get_model(m).run_config("ptb", BUDGETS["smoke"]) for m in ("gru-lm", "vae")]
    return [(cfg, measure(cfg, ptb, "cpu")) for cfg in configs]


def test_a_model_without_a_latent_is_costed_one_pass_per_scored_sentence(ptb, smoke_gru_lm_and_vae):
    """The GRU-LM's exact NLL takes one decoder pass per sentence whatever `nll_samples` says; the plan once
    costed its 3,761 test sentences at the config's 100 samples (0.7-1.1 min planned, 4.6 s in the full-budget run)."""
    (lm, lm_throughput), (_, vae_throughput) = smoke_gru_lm_and_vae
    assert lm_throughput.latent is False and vae_throughput.latent is True
    _, exact, _ = estimate(lm, ptb, Throughput(0.0, 1e-3, 0.0, False, 0.0), ("likelihood",))
    _, sampled, _ = estimate(lm, ptb, Throughput(0.0, 1e-3, 0.0, True, 0.0), ("likelihood",))
    assert exact == pytest.approx(min(len(ptb.splits["test"]), lm.eval.test_sentences) * 1e-3)
    assert sampled == pytest.approx(exact * lm.eval.nll_samples)


def test_gradient_tracking_at_each_validation_is_costed(ptb, smoke_gru_lm_and_vae):
    """The VAE, DAE and Coupled-VAE (λm = 10) rows track gradient norms over the test split at every validation:
    60 passes at the full budget, 12-22 s each on a 2-core CPU, which the plan once left out."""
    (lm, lm_throughput), (vae, vae_throughput) = smoke_gru_lm_and_vae
    assert vae.train.track_gradients and not lm.train.track_gradients
    assert vae_throughput.per_tracked > 0 and lm_throughput.per_tracked == 0
    untracked, _, _ = estimate(vae, ptb, Throughput(0.0, 0.0, 0.0, True, 0.0), ())
    tracked, _, _ = estimate(vae, ptb, Throughput(0.0, 0.0, 0.0, True, 1e-3), ())
    validations = vae.train.iterations // vae.train.valid_every
    sentences = min(len(ptb.splits["test"]), vae.train.track_sentences or len(ptb.splits["test"]))
    assert validations > 0 and tracked - untracked == pytest.approx(validations * sentences * 1e-3)


@pytest.mark.slow
def test_plan_with_jobs_measures_packed_and_reports_wall_clock(tmp_path, monkeypatch):
    monkeypatch.setattr(plan, "busy_machine", lambda: None)   # a busy machine's measurement is not cached
    args = ["plan", "coupled-9", "--dataset", "ptb", "--rows", "vae", "--budget", "smoke", "--seeds", "2",
            "--results-dir", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "[1/1] measuring vae on cpu, 2 at once" in result.output
    assert "2 runs to do" in result.output and "2 at a time" in result.output and "wall-clock" in result.output
    again = CliRunner().invoke(main, [*args, "--jobs", "2"])
    assert "measuring" not in again.output                 # the packed measurement is cached


def test_the_probe_steps_train_on_sentences_cut_as_the_trainer_cuts_them(ptb, monkeypatch):
    """The Stochastic WAE rows train on the first 19 words of a sentence; the plan once timed whole PTB sentences
    (up to 82 words) through their step-by-step LSTMs, and costed a quick wae1-dae run at twice its time."""
    cfg = registry.get_model("wae1-dae").run_config("ptb", BUDGETS["smoke"])
    widths, real_terms = [], SentenceAutoencoder.training_terms

    def recording(model, batch, weight):
        widths.append(batch.words.size(1))
        return real_terms(model, batch, weight)

    monkeypatch.setattr(SentenceAutoencoder, "training_terms", recording)
    measure(cfg, ptb, "cpu")
    assert widths and max(widths) == cfg.train.max_len < int(ptb.splits["train"].lengths.max())


def test_an_epoch_of_full_batches_only_is_costed_as_such(ptb):
    """The Stochastic WAE rows train 20 epochs of 42068 // 128 = 328 full batches, not 329."""
    cfg = registry.get_model("wae1-vae").run_config("ptb", BUDGETS["full"])
    assert procedure_for(cfg.train).steps(cfg.train, len(ptb.splits["train"])) == (20 * 328, False)


def test_an_epoch_trained_row_is_costed_a_validation_pass_at_each_real_epoch_end(ptb):
    """wae1 at the full budget: 20 epochs of 328 steps, the 3,370 validation sentences scored after each."""
    cfg = registry.get_model("wae1-dae").run_config("ptb", BUDGETS["full"])
    unvalidated, _, _ = estimate(cfg, ptb, Throughput(1.0, 0.0, 0.0, True, 0.0), ())
    validated, _, _ = estimate(cfg, ptb, Throughput(1.0, 1e-3, 0.0, True, 0.0), ())
    assert unvalidated == 20 * 328 and validated - unvalidated == pytest.approx(20 * 3370 * 1e-3)
    quick = registry.get_model("wae1-dae").run_config("ptb", BUDGETS["quick"])    # 1,500 steps: 4 ends, the last
    steps, _ = procedure_for(quick.train).steps(quick.train, len(ptb.splits["train"]))
    cost, _, _ = estimate(quick, ptb, Throughput(0.0, 1e-3, 0.0, True, 0.0), ())
    valid = min(3370, quick.train.valid_sentences or 3370)
    assert steps == 1500 and cost == pytest.approx(5 * valid * 1e-3)


def test_the_shared_word2vec_vectors_are_to_train_until_cached(ptb, tmp_path):
    cfg = registry.get_model("wae1-dae").run_config("ptb", BUDGETS["smoke"])
    path = uncached_word2vec(cfg, ptb, tmp_path)
    assert path == word2vec.cache_path(ptb, cfg.model.word2vec, cfg.model.emb_dim, tmp_path / word2vec.CACHE_DIR)
    assert uncached_word2vec(registry.get_model("wae1-vae").run_config("ptb", BUDGETS["smoke"]), ptb,
                             tmp_path) == path                                     # one file for every row
    path.parent.mkdir()
    path.touch()
    assert uncached_word2vec(cfg, ptb, tmp_path) is None
    assert uncached_word2vec(registry.get_model("vae").run_config("ptb", BUDGETS["smoke"]), ptb, tmp_path) is None


@pytest.mark.slow
def test_a_plan_costs_the_shared_word2vec_vectors_once(tmp_path):
    args = ["plan", "wae-1", "--dataset", "ptb", "--rows", "dae,vae", "--budget", "smoke", "--results-dir",
            str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("timing word2vec on ptb") == 1
    assert re.search(r"^word2vec vectors \(shared\) +1 +0 ", result.output, re.MULTILINE)


def test_word2vec_time_is_extrapolated_from_a_slice_to_the_text_and_epochs(ptb, monkeypatch):
    """A stand-in gensim whose time is 2 µs per word for the vocabulary and 5 µs per word and epoch: the estimate
    from its probes on the first 200k words is exactly that cost for the whole text and 50 epochs."""
    clock = [0.0]

    def fake_word2vec(sentences, epochs, **settings):
        words = sum(map(len, sentences))
        clock[0] += 2e-6 * words + 5e-6 * words * epochs

    monkeypatch.setattr("gensim.models.Word2Vec", fake_word2vec)
    monkeypatch.setattr(word2vec.time, "perf_counter", lambda: clock[0])
    settings = registry.get_model("wae1-dae").run_config("ptb", BUDGETS["full"]).model.word2vec
    words = sum(map(len, word2vec.training_sentences(ptb)))
    assert settings.epochs == 50 and words > 5 * word2vec.PROBE_WORDS
    assert word2vec.training_seconds(ptb, settings, 300) == pytest.approx((2e-6 + 50 * 5e-6) * words)


def test_a_plan_of_rows_whose_word_vectors_are_absent_fails_before_measuring(tmp_path):
    result = CliRunner().invoke(main, ["plan", "vmed-1", "--dataset", "chitchat", "--budget", "full",
                                       "--data-dir", str(tmp_path), "--results-dir", str(tmp_path)])
    assert result.exit_code == 2 and "measuring" not in result.output, result.output
    assert "GoogleNews-vectors-negative300.bin not found" in result.output


def test_a_busy_machine_is_other_works_share_of_the_cores_over_the_window(monkeypatch):
    readings = iter([(100, 1000), (160, 1100), (100, 1000), (120, 1100)])     # (busy, total) ticks
    monkeypatch.setattr(plan, "cpu_jiffies", lambda: next(readings))
    assert "60% of its" in plan.busy_machine(window=0)
    assert plan.busy_machine(window=0) is None                                 # 20%: free enough


def test_a_plan_measured_on_a_busy_machine_says_so_and_caches_nothing(tmp_path, monkeypatch):
    """Probes timed beside other work run several times slower; cached, they would mislead every later plan."""
    monkeypatch.setattr(plan, "measure", lambda cfg, corpus, device: Throughput(0.1, 0.001, 0.0, True, 0.0))
    args = ["plan", "coupled-9", "--dataset", "ptb", "--rows", "vae", "--budget", "smoke", "--results-dir",
            str(tmp_path)]
    monkeypatch.setattr(plan, "busy_machine", lambda: "90% of its 2 cores busy with other work")
    busy = CliRunner().invoke(main, args)
    assert busy.exit_code == 0, busy.output
    assert "(busy machine, 90% of its 2 cores busy with other work: not cached)" in busy.output
    assert "busy as the plan began (90% of its 2 cores busy with other work)" in busy.output
    assert not (tmp_path / plan.CACHE).exists()
    monkeypatch.setattr(plan, "busy_machine", lambda: None)
    free = CliRunner().invoke(main, args)
    assert "measuring vae" in free.output and "busy" not in free.output and (tmp_path / plan.CACHE).exists()
    monkeypatch.setattr(plan, "busy_machine", lambda: "90% of its 2 cores busy with other work")
    cached = CliRunner().invoke(main, args).output
    assert "measuring" not in cached and "busy" not in cached      # nothing measured now: nothing to warn of
