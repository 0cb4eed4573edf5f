"""Le, Tran, Nguyen & Venkatesh (NeurIPS 2018), "Variational Memory Encoder-Decoder".
Published numbers: tables/vmed-1.yaml ... vmed-4.yaml. No model is implemented yet."""

from suite.registry import register_rows

ROWS = ("seq2seq", "seq2seq-att", "dnc", "cvae", "vlstm", "vmed-k1", "vmed-k2", "vmed-k3", "vmed-k4")

for table in ("vmed-1", "vmed-2", "vmed-3", "vmed-4"):
    register_rows(table, {row: None for row in ROWS}, reason="VMED and its baselines not implemented yet")
