"""Progress in a log file (stderr not a terminal): plain lines that name the run, for training and evaluation."""

import os
import re
import subprocess
import sys

import pytest

from suite import progress
from suite.config import ModelConfig, TrainConfig
from suite.models.build import build_model
from suite.progress import TrainingProgress, bar
from suite.training.trainer import Trainer


@pytest.fixture
def plain(monkeypatch):
    """Progress shown, stderr not a terminal (pytest captures it), a line due at every step."""
    monkeypatch.setattr(progress, "SHOW", None)
    monkeypatch.setattr(progress, "PLAIN", False)
    monkeypatch.setenv(progress.PLAIN_EVERY_ENV, "0")


def test_a_training_line_has_what_the_issue_asks_for(plain, capsys):
    training = TrainingProgress("vae seed 2", 60_000, initial=1_000)
    training.report({"loss": 101.234, "kl": 5.678, "kl_weight": 0.25})
    training.validated(110.5)
    training.step()
    line = capsys.readouterr().err.strip()
    assert line.startswith("vae seed 2: iteration 1,001/60,000, loss 101.23, KL 5.68, KL weight 0.250, "
                           "valid NLL 110.50, ")
    assert re.search(r"valid NLL 110.50, [\d.]+ steps/s, ETA \d+(h\d\dm|m\d\ds)$", line), line


def test_a_line_shows_the_mean_loss_and_kl_of_the_last_steps_and_the_latest_kl_weight(plain, capsys):
    """One step's loss swings with its batch's sentence lengths: the line averages the last steps."""
    training = TrainingProgress("vae seed 0", 1_000, every=3600)
    training.report({"loss": 999.0, "kl": 99.0, "kl_weight": 0.0})          # pushed out by the next MEAN_STEPS
    training.report(*({"loss": 20.0 if i % 2 else 150.0, "kl": 4.0 if i % 2 else 8.0, "kl_weight": i / 1000}
                      for i in range(progress.MEAN_STEPS)))
    training.line()
    line = capsys.readouterr().err
    assert "loss 85.00, KL 6.00, KL weight 0.099, " in line, line


def test_a_model_without_a_kl_term_shows_no_kl_weight(plain, capsys):
    """Seq2Seq and the GRU-LM have no KL: a weight of 1.000 on their lines would suggest one."""
    training = TrainingProgress("vmed-seq2seq seed 0", 10)
    training.report({"loss": 5.0, "kl_weight": 1.0})
    training.step()
    line = capsys.readouterr().err
    assert line.startswith("vmed-seq2seq seed 0: iteration 1/10, loss 5.00, valid NLL -, ") and "KL" not in line


def test_each_trainer_names_its_own_validation_score(plain, capsys):
    training = TrainingProgress("lagging-vae seed 0", 10, validation="valid loss")
    training.validated(98.765)
    training.step()
    assert "valid loss 98.77, " in capsys.readouterr().err


def test_the_rate_is_the_last_ten_minutes(plain, capsys, monkeypatch):
    """An hour at 1 step/s (say, the machine was busy), then twenty minutes at 10 steps/s: the line says 10, where
    the mean since the start (about 3.3) would put the ETA three times too far."""
    clock = [0.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    training = TrainingProgress("vae seed 0", 100_000, every=30)
    for seconds, per_second in ((3600, 1), (1200, 10)):
        for _ in range(seconds * per_second):
            clock[0] += 1 / per_second
            training.step()
    rate = float(re.search(r"([\d.]+) steps/s", capsys.readouterr().err.strip().splitlines()[-1]).group(1))
    assert rate == pytest.approx(10, rel=0.01)


def test_the_lines_count_to_the_end_of_the_epoch_that_training_finishes(plain, capsys, tiny_corpus):
    """The released code stops at the end of the epoch that reaches `iterations` (PTB: 60,490 for 60,000), so the
    lines count to there, not past their own total."""
    train = TrainConfig(batch_size=32, iterations=4, valid_every=100, kl_anneal=None)     # 96 sentences: 3 a epoch
    model = build_model(ModelConfig(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3, dropout=0.0),
                        len(tiny_corpus.vocab))
    result = Trainer(model, tiny_corpus, train, seed=0).run()
    assert result.iterations == train.final_iteration(96) == 6
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("train: iteration 6/6, ")
    assert TrainConfig().final_iteration(42_068) == 60_490


def test_the_line_after_a_validation_shows_its_nll(plain, capsys, tiny_corpus):
    """Values are read back from the device only every few hundred iterations; the validation NLL is already on
    the host, so the first line after a validation shows it instead of the one before."""
    train = TrainConfig(batch_size=32, iterations=3, valid_every=2, valid_sentences=32, kl_anneal=None)
    model = build_model(ModelConfig(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3, dropout=0.0),
                        len(tiny_corpus.vocab))
    result = Trainer(model, tiny_corpus, train, seed=0).run()
    (_, nll), = result.curves.valid
    line = next(line for line in capsys.readouterr().err.splitlines() if line.startswith("train: iteration 3/"))
    assert f"valid NLL {nll:.2f}, " in line, line


def test_the_trainer_reports_every_step_it_reads_back(plain, capsys, tiny_corpus):
    """Read back every 3 steps: the last line's loss is the mean of all 6 steps (two windows of 3 in the curves),
    not the last step's."""
    train = TrainConfig(batch_size=32, iterations=6, valid_every=100, kl_anneal=None)
    model = build_model(ModelConfig(emb_dim=6, enc_hidden=5, dec_hidden=10, latent_dim=3, dropout=0.0),
                        len(tiny_corpus.vocab))
    result = Trainer(model, tiny_corpus, train, seed=0, log_points=2).run()
    assert result.curves.iteration == [3, 6]
    last = capsys.readouterr().err.strip().splitlines()[-1]
    mean = sum(result.curves.terms["loss"]) / 2
    assert f"loss {mean:.2f}, " in last, last


def test_training_lines_keep_their_pace(plain, capsys):
    training = TrainingProgress("vae seed 0", 100, every=3600)
    for _ in range(10):
        training.step()
    assert capsys.readouterr().err == ""


def test_evaluation_lines_name_the_run_and_pass_every_batch_through(plain, capsys):
    batches = [[0, 1], [2, 3], [4]]
    with progress.running("coupled-vae seed 1"):
        seen = list(bar(batches, desc="mi (N=500)"))
    assert seen == batches
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(", ")[:2] for line in lines] == [["coupled-vae seed 1: mi (N=500)", "1/3 batches"],
                                                       ["coupled-vae seed 1: mi (N=500)", "2/3 batches"]]
    assert all("batches/s, ETA " in line for line in lines)
    assert progress.RUN == ""                         # the name goes with the run


def test_no_lines_when_progress_is_off(plain, monkeypatch, capsys):
    monkeypatch.setattr(progress, "SHOW", False)
    assert list(bar(range(3), desc="nll")) == [0, 1, 2]
    TrainingProgress("vae seed 0", 10).step()
    assert capsys.readouterr().err == ""


def test_a_run_logged_to_a_file_reports_training_and_evaluation(tmp_path):
    log = tmp_path / "log.txt"
    with open(log, "w") as stderr:
        subprocess.run([sys.executable, "-m", "suite.cli", "run", "vae", "--dataset", "ptb", "--budget", "smoke",
                        "--results-dir", str(tmp_path), "--metrics", "nll"], check=True, stdout=subprocess.DEVNULL,
                       stderr=stderr, env={**os.environ, progress.PLAIN_EVERY_ENV: "0"})
    lines = log.read_text().splitlines()
    assert any(line.startswith("vae seed 0: iteration ") and "ETA" in line for line in lines)
    assert any(line.startswith("vae seed 0: ") and "batches/s" in line for line in lines)
