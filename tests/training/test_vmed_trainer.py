"""The trainer under VMED's train config: which validated weights a run keeps (the lowest validation NLL, or, for
VMED's rows, the best BLEU-4 of greedy validation responses after `select_after` iterations, as the released
qa_task.py: every 100, from 2,000 on), the released RMSProp (also across a checkpoint), and epoch-step annealing
over the run's own training pairs."""

import copy

import pytest
import torch

from suite import registry
from suite.budgets import BUDGETS
from suite.config import DialogueTrainConfig, EpochStepAnneal, MemoryDialogueConfig, TFRMSProp
from suite.data.dialogue import pair_corpus
from suite.models.build_vmed import build_vmed_model
from suite.training import trainer as trainer_module
from suite.training.tf_rmsprop import ReleasedRMSProp
from suite.training.trainer import Trainer


def tiny_pairs():
    generator = torch.Generator().manual_seed(0)
    words = "hi hello how are you fine thanks good bye see".split()

    def text():
        return [words[int(i)] for i in torch.randint(0, len(words), (int(torch.randint(1, 5, (1,))),),
                                                       generator=generator)]

    dialogues = {split: [[text(), text()] for _ in range(n)] for split, n in (("train", 32), ("valid", 8),
                                                                               ("test", 8))}
    return pair_corpus("tiny-pairs", dialogues, [b"tiny"], stand_in=True, min_count=1)


def tiny_seq2seq(corpus):
    torch.manual_seed(0)
    return build_vmed_model(MemoryDialogueConfig(family="lstm-seq2seq", emb_dim=8, enc_hidden=8, dec_hidden=8,
                                                 layers=1), len(corpus.vocab))


def run(monkeypatch, bleu_scores, nll_scores, validated_weights=None, **train):
    """A run whose validations score `nll_scores` (and `bleu_scores`) in turn; `validated_weights` collects the
    weights each validation saw."""
    corpus = tiny_pairs()
    model = tiny_seq2seq(corpus)
    bleu, nll = iter(bleu_scores), iter(nll_scores)
    seen = [] if validated_weights is None else validated_weights

    def validation_nll(model, *args):
        seen.append(copy.deepcopy(model.state_dict()))
        return next(nll)

    monkeypatch.setattr(trainer_module, "validation_bleu", lambda *args: next(bleu))
    monkeypatch.setattr(trainer_module, "validation_nll", validation_nll)
    cfg = DialogueTrainConfig(batch_size=8, iterations=5 * len(nll_scores), finish_epoch=False, kl_anneal=None,
                              valid_every=5, batches="sampled", **train)
    return Trainer(model, corpus, cfg, seed=0).run()


def test_bleu_selection_keeps_the_best_bleu_after_select_after(monkeypatch):
    result = run(monkeypatch, [0.9, 0.2, 0.4, 0.3], [5.0, 1.0, 3.0, 2.0], select_by="bleu", select_after=5)
    assert result.best_iteration == 15          # 0.9 at iteration 5 is not after select_after; 0.4 is the best then
    assert result.best_valid_nll == 3.0         # the record's validation NLL is the kept weights' own
    assert result.curves.to_dict()["valid_bleu"] == [(5, 0.9), (10, 0.2), (15, 0.4), (20, 0.3)]


def test_nll_selection_keeps_the_weights_its_best_validation_saw(monkeypatch):
    validated = []
    result = run(monkeypatch, [], [5.0, 1.0, 3.0, 2.0], validated_weights=validated)
    assert result.best_iteration == 10 and "valid_bleu" not in result.curves.to_dict()
    for name, weights in result.best_state.items():
        assert torch.equal(weights, validated[1][name])      # iteration 10's, the second validation
    assert any(not torch.equal(result.best_state[name], validated[3][name]) for name in result.best_state)


def test_bleu_selection_keeps_weights_even_when_every_bleu_is_zero(monkeypatch):
    """The released code would save nothing (its bar starts at 0); a run here keeps the first eligible weights."""
    result = run(monkeypatch, [0.0, 0.0], [5.0, 1.0], select_by="bleu", select_after=0)
    assert result.best_iteration == 5


def test_vmed_rows_select_as_released_at_every_budget():
    full = registry.get_model("vmed-k1").run_config("cornell", BUDGETS["full"]).train
    assert (full.select_by, full.select_after, full.valid_every) == ("bleu", 2000, 100)
    quick = registry.get_model("vmed-k1").run_config("cornell", BUDGETS["quick"]).train
    assert quick.select_by == "bleu" and quick.select_after == round(2000 * quick.iterations / full.iterations)


def test_validation_bleu_is_the_mean_sentence_bleu4_of_the_greedy_responses():
    from suite.evaluation.vmed_responses import validation_bleu
    from suite.metrics.sentence_bleu import pair_bleu

    class Parrot(torch.nn.Module):
        """Answers each context with its gold response, cut to its first two words."""

        def __init__(self):
            super().__init__()
            self.anchor = torch.nn.Parameter(torch.zeros(1))      # a device to run on

        def respond(self, batch, max_len, mask_unk):
            return [batch.words[i, :min(2, int(n))].tolist() for i, n in enumerate(batch.lengths)]

    corpus = tiny_pairs()
    valid = corpus.splits["valid"]
    golds = [corpus.vocab.decode(valid.pair(i)[1].tolist()) for i in range(len(valid))]
    expected = sum(pair_bleu(g[:2], g)[3] for g in golds)
    assert validation_bleu(Parrot(), valid, corpus.vocab, 4, 1, 20) == pytest.approx(expected / len(golds))


def test_a_config_with_rmsprop_trains_with_the_released_rmsprop():
    corpus = tiny_pairs()
    cfg = DialogueTrainConfig(batch_size=8, iterations=3, finish_epoch=False, kl_anneal=None, valid_every=3,
                              batches="sampled", lr=1e-4, rmsprop=TFRMSProp())
    trainer = Trainer(tiny_seq2seq(corpus), corpus, cfg, seed=0)
    assert isinstance(trainer.optimizer, ReleasedRMSProp)
    trainer.run()
    assert all(not torch.equal(ms, torch.ones_like(ms)) for ms in trainer.optimizer.mean_square)   # it stepped


def test_epoch_step_annealing_counts_epochs_over_the_runs_training_pairs():
    corpus = tiny_pairs()                     # 32 training pairs: batches of 8 make an epoch of 4 iterations
    cfg = DialogueTrainConfig(batch_size=8, iterations=3, finish_epoch=False, valid_every=3, batches="sampled",
                              kl_anneal=EpochStepAnneal(batch=8, epochs=10))
    trainer = Trainer(tiny_seq2seq(corpus), corpus, cfg, seed=0)
    weights = []
    for trainer.iteration in (3, 4, 7, 8, 40):
        weights.append(trainer.kl_weight())
    assert weights == pytest.approx([0.0, 0.1, 0.1, 0.2, 1.0])


def test_a_run_killed_after_its_first_checkpoint_resumes_to_the_same_weights(monkeypatch, tmp_path):
    """RMSProp's mean square and momentum go through the checkpoint file and back (torch.save, then read_torch)."""
    corpus = tiny_pairs()
    cfg = DialogueTrainConfig(batch_size=8, iterations=4, finish_epoch=False, kl_anneal=None, valid_every=2,
                              batches="sampled", lr=1e-2, rmsprop=TFRMSProp())
    straight = Trainer(tiny_seq2seq(corpus), corpus, cfg, seed=0).run().best_state

    save = trainer_module.save_checkpoint

    def save_then_die(trainer, **extra):
        save(trainer, **extra)
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer_module, "save_checkpoint", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        Trainer(tiny_seq2seq(corpus), corpus, cfg, seed=0, checkpoint=tmp_path / "c.pt", key={"k": 1}).run()
    monkeypatch.setattr(trainer_module, "save_checkpoint", save)
    resumed = Trainer(tiny_seq2seq(corpus), corpus, cfg, seed=0, checkpoint=tmp_path / "c.pt", key={"k": 1})
    result = resumed.run()
    assert result.resumed_at == [2]         # it went on from the checkpoint, not from the start
    state = result.best_state
    for name in straight:
        torch.testing.assert_close(state[name], straight[name], rtol=0, atol=0)
