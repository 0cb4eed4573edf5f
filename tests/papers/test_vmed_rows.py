"""VMED's rows carry the paper's setup at the full budget and a smaller, labelled one at reduced budgets, and run
end to end on Cornell files as a user supplies them."""

import math

import pytest
from nltk.tokenize.punkt import PunktSentenceTokenizer

from suite import progress, registry
from suite.budgets import BUDGETS
from suite.config import EpochStepAnneal, TFRMSProp
from suite.data import deepqa, vmed_corpora
from suite.data.datasets import get_dataset
from suite.data.vmed_corpora import load_cornell
from suite.gate import metrics_of
from suite.runner import RunSpec, run_model


@pytest.mark.parametrize("dataset, hidden", [("cornell", 768), ("opensubtitles", 1024), ("lj", 768), ("reddit", 768)])
def test_full_budget_is_the_papers_setup(dataset, hidden):
    cfg = registry.get_model("vmed-k3").run_config(dataset, BUDGETS["full"])
    m, t = cfg.model, cfg.train
    assert (m.family, m.modes, m.emb_dim, m.enc_hidden, m.dec_hidden, m.layers) == ("vmed", 3, 96, hidden, hidden, 3)
    assert (m.memory_slots, m.memory_width, m.latent_dim) == (16, 64, 32)
    assert m.teacher_forcing is False     # released qa_task.py: use_teacher=False, the decoder reads its own argmax
    assert (t.batch_size, t.context_len, t.response_len) == (256, 20, 10)
    # qa_task.py's RMSProp(1e-4, momentum 0.9), each gradient clipped alone at 10 (the supplement: Adam 1e-3)
    assert (t.rmsprop, t.lr, t.clip_norm) == (TFRMSProp(momentum=0.9), 1e-4, 10.0)
    assert t.batches == "sampled"         # the released code draws each batch at random, with replacement
    assert t.decode_past_gold == 2        # responses: the batch's longest gold + 2 steps, the first predicting <go>
    # released alpha = min(epoch / 100, 1), the epoch counted from the pairs seen: 0 through the first epoch
    assert t.kl_anneal == EpochStepAnneal(batch=256, epochs=100)       # pairs: the run's training split's
    assert t.kl_anneal.over(150_000).weight(150_000 // 256) == 0.0 and t.kl_anneal.over(150_000).weight(10**6) == 1.0
    assert registry.get_model("vmed-seq2seq").config(dataset).train.kl_anneal is None


def test_reduced_budgets_shrink_the_model_and_batch_only():
    entry = registry.get_model("vmed-k2")
    full, smoke = entry.config("chitchat"), entry.run_config("chitchat", BUDGETS["smoke"])
    assert (smoke.model.enc_hidden, smoke.model.layers, smoke.train.batch_size) == (32, 1, 32)
    assert (smoke.model.modes, smoke.model.memory_slots, smoke.train.context_len) == (2, 16, 20)
    assert smoke.model.teacher_forcing is False
    assert entry.run_config("chitchat", BUDGETS["full"]) == full


def test_chitchat_stands_in_for_every_vmed_corpus():
    assert {"cornell", "opensubtitles", "lj", "reddit"} <= set(get_dataset("chitchat").stands_in_for)
    assert all(registry.row_entry(f"vmed-{i}", "vmed-k1").model == "vmed-k1" for i in range(1, 5))


SEP = " +++$+++ "


@pytest.fixture()
def cornell_dir(tmp_path, monkeypatch):
    """Cornell Movie-Dialogs as a user supplies it (its two ` +++$+++ ` files, ISO-8859-1), its 180 exchanges
    taken for the whole corpus's; NLTK's English Punkt model is a download, so a Punkt without learned parameters
    splits the sentences."""
    monkeypatch.setattr(deepqa, "english_punkt", lambda: PunktSentenceTokenizer().tokenize)
    monkeypatch.setattr(vmed_corpora, "CORNELL_EXCHANGES", 180)
    monkeypatch.setattr(progress, "SHOW", False)
    words = "where are you going tonight ? home , I think . do you want to come with me ?".split()
    lines = [f"L{i}{SEP}u0{SEP}m0{SEP}BIANCA{SEP}" + " ".join(words[i % 7:i % 7 + 5 + i % 4]) for i in range(240)]
    conversations = [f"u0{SEP}u2{SEP}m0{SEP}{[f'L{i}' for i in range(j, j + 4)]}" for j in range(0, 240, 4)]
    (tmp_path / "cornell").mkdir()
    (tmp_path / "cornell" / "movie_lines.txt").write_bytes("\n".join(lines).encode("iso-8859-1"))
    (tmp_path / "cornell" / "movie_conversations.txt").write_text("\n".join(conversations))
    return tmp_path


@pytest.mark.parametrize("model", ["vmed-k2", "vmed-cvae"])
def test_a_row_trains_and_evaluates_on_the_supplied_cornell_files(cornell_dir, tmp_path, model):
    spec = RunSpec(model, "cornell", BUDGETS["smoke"], 0, tmp_path / "results", cornell_dir)
    record = run_model(spec, metrics_of(model))
    assert record["stand_in"] is False and record["status"] == "trained" and record["dataset"] == "cornell"
    assert record["data_checksum"] == load_cornell(cornell_dir).checksum
    assert sum(record["splits"].values()) == 60 * 3        # three consecutive-line pairs a conversation
    values = record["metrics"]
    assert set(values) >= {"bleu1", "bleu4", "a_glove", "nll_bound"}
    assert all(math.isfinite(values[m]) for m in ("bleu1", "a_glove", "nll_bound"))
    assert 0 <= values["bleu4"] <= values["bleu1"] <= 1 and -1 <= values["a_glove"] <= 1
