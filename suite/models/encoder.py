"""Bidirectional GRU text encoder: the encoded text e is the concatenation of both final states."""

import torch
from torch import nn

from suite.data.batching import Batch


class BiGRUEncoder(nn.Module):
    def __init__(self, embedding: nn.Embedding, hidden: int, dropout: float):
        super().__init__()
        self.embedding = embedding
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(embedding.embedding_dim, hidden, batch_first=True, bidirectional=True)
        self.output_dim = 2 * hidden

    def forward(self, batch: Batch) -> torch.Tensor:
        final = batch.packing.bidirectional_final(self.gru, self.dropout(self.embedding(batch.words)))
        return torch.cat([final[0], final[1]], dim=-1)    # (B, 2 * hidden)
