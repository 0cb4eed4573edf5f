"""VMED's rows carry the paper's setup at the full budget and a smaller, labelled one at reduced budgets."""

import pytest

from suite import registry
from suite.budgets import BUDGETS
from suite.config import EpochStepAnneal, TFRMSProp
from suite.data.datasets import get_dataset


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
