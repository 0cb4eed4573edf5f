"""VMED's models end to end on tiny sizes: finite objectives, decoding consistent with teacher forcing,
padding that changes nothing."""

from dataclasses import replace

import pytest
import torch

from suite.config import MemoryDialogueConfig
from suite.data.dialogue import PairSet
from suite.models.build_vmed import VMED_FAMILIES, build_vmed_model

VOCAB = 30
TINY = MemoryDialogueConfig(family="lstm-seq2seq", emb_dim=8, enc_hidden=12, dec_hidden=12, latent_dim=4, layers=2,
                            memory_slots=5, memory_width=6)
CONFIGS = {"seq2seq": TINY, "seq2seq-att": replace(TINY, attention=True), "cvae": replace(TINY, family="lstm-cvae"),
           "vlstm": replace(TINY, family="vlstm"), "dnc": replace(TINY, family="dnc"),
           "vmed-k3": replace(TINY, family="vmed", modes=3)}
PAIRS = PairSet.from_lists([[5, 6, 7, 8], [9, 10], [11, 12, 13]], [[14, 15, 16], [17], [18, 19]])


def model(name: str):
    torch.manual_seed(0)
    return build_vmed_model(CONFIGS[name], VOCAB)


def test_every_family_is_covered():
    assert {c.family for c in CONFIGS.values()} == set(VMED_FAMILIES)


@pytest.mark.parametrize("name", CONFIGS)
def test_objective_is_finite_and_trains(name):
    net = model(name)
    batch = PAIRS.batch(torch.arange(3))
    terms = net.training_terms(batch, kl_weight=0.5)
    assert all(torch.isfinite(v) for v in terms.values())
    assert ("kl" in terms) == (net.likelihood == "elbo")
    terms["loss"].backward()
    assert all(p.grad is not None for n, p in net.named_parameters() if "response_encoder" not in n)
    assert net.deterministic_nll(batch).shape == (3,)


@pytest.mark.parametrize("name", ["seq2seq", "seq2seq-att", "dnc"])
def test_greedy_responses_are_the_argmax_of_teacher_forcing_on_themselves(name):
    net = model(name).eval()
    batch = PAIRS.batch(torch.arange(3))
    responses = net.respond(batch, max_len=6, mask_unk=False)
    for i, response in enumerate(responses):
        if len(response) == 6 or not response:       # cut by max_len (no <eos> to check) or empty
            continue
        own = PairSet.from_lists([PAIRS.pair(i)[0].tolist()], [response]).batch(torch.arange(1))
        state, _ = net.start(own, posterior=False)
        words = net.embedding(own.inputs)
        for t, token in enumerate(response):
            logits, state, _ = net.step(words[:, t], state)
            assert int(logits.argmax(-1)) == token


@pytest.mark.parametrize("name", ["seq2seq-att", "dnc", "vmed-k3"])
def test_padding_the_context_changes_nothing(name):
    net = model(name).eval()
    alone = PAIRS.batch(torch.tensor([1]))           # the short context on its own ...
    padded = PAIRS.batch(torch.tensor([1, 0]))       # ... and padded next to a longer one (first: same noise)
    assert padded.post_words.shape[1] > alone.post_words.shape[1]
    torch.manual_seed(1)
    nll_alone, _ = net.unroll(alone)
    torch.manual_seed(1)
    nll_padded, _ = net.unroll(padded)
    assert torch.allclose(nll_alone[0, :2], nll_padded[0, :2], atol=1e-3)
