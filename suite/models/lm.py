"""GRU language model (the GRU-LM row): the decoder alone, without a latent variable; its NLL is exact."""

from __future__ import annotations

import torch
from torch import nn

from suite.data.batching import Batch
from suite.models.decoder import OutputHead


class GRULanguageModel(nn.Module):
    likelihood = "exact"

    def __init__(self, vocab_size: int, emb_dim: int, hidden: int, dropout: float):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(emb_dim, hidden, batch_first=True)
        self.head = OutputHead(hidden, emb_dim, vocab_size, dropout)

    def deterministic_nll(self, batch: Batch) -> torch.Tensor:
        """Exact -log p(x) per sentence."""
        # <go> and the words: length + 1 steps
        states = batch.packing.unidirectional(self.gru, self.dropout(self.embedding(batch.inputs)), extra=1)
        return self.head.sentence_nll(states, batch)

    def training_terms(self, batch: Batch, kl_weight: float) -> dict[str, torch.Tensor]:
        rec = self.deterministic_nll(batch).mean()
        return {"loss": rec, "rec": rec}
