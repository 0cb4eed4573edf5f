"""Bahuleyan, Mou, Zhou & Vechtomova (NAACL 2019), "Stochastic Wasserstein Autoencoder for Probabilistic
Sentence Generation". Published numbers: tables/wae-1.yaml, tables/wae-2.yaml. No model is implemented yet."""

from suite.registry import register_rows

REASON = "Stochastic WAE models not implemented yet"

register_rows("wae-1", {row: None for row in (
    "corpus", "dae", "vae", "wae-d-lwae3", "wae-d-lwae10", "wae-s-lkl0.0", "wae-s-lkl0.01", "wae-s-lkl0.1")},
    reason=REASON)
register_rows("wae-2", {row: None for row in ("test-set", "ded", "ved", "wed-d", "wed-s")}, reason=REASON)
