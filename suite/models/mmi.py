"""Transformer + MMI: maximum-mutual-information decoding by reranking (Li et al. 2016, MMI-bidi).

The forward network's beam search proposes an n-best list; each candidate y is scored by
(1 − λ)·log p(y | x) + λ·log p(x | y) with the backward network (Li et al.'s MMI-bidi), and the best is the
response. The authors' reranker (ami_data_pro/select_results.py) keeps the candidate whose backward score
(OpenNMT's gold_score: the summed log p(x | y)) is highest: λ = 1. The forward network is the
Transformer row's (trained at the same budget and seed and copied in, then frozen); only the backward network
trains here, so this row differs from the Transformer row by the reranking alone.
"""

from __future__ import annotations

import torch
from torch import nn

from suite.config import Transformer
from suite.data.batching import Batch
from suite.data.dialogue import PairBatch
from suite.models.transformer_dialogue import Backward, Forward, as_source


def mmi_scores(forward_log_p: torch.Tensor, backward_log_p: torch.Tensor, weight: float) -> torch.Tensor:
    """(1 − λ)·log p(y | x) + λ·log p(x | y) for each candidate."""
    return (1 - weight) * forward_log_p + weight * backward_log_p


def rerank(candidates: list[list[tuple[float, list[int]]]], backward_log_p: list[torch.Tensor],
           weight: float) -> list[list[int]]:
    """The best candidate of each n-best list [(log p(y | x), y), ...] given log p(x | y) of each candidate."""
    chosen = []
    for hypotheses, backward in zip(candidates, backward_log_p, strict=True):
        if not hypotheses:
            chosen.append([])
            continue
        forward = torch.tensor([score for score, _ in hypotheses], dtype=torch.float64)
        chosen.append(hypotheses[int(mmi_scores(forward, backward.double(), weight).argmax())][1])
    return chosen


class MMIResponder(nn.Module):
    likelihood = "exact"

    def __init__(self, forward: Forward, backward: Backward, shape: Transformer):
        super().__init__()
        self.forward_model, self.backward_model, self.shape = forward, backward, shape

    def initialise_from(self, transformer: nn.Module):
        """Start from the Transformer row's forward network and keep it fixed."""
        self.forward_model.load_state_dict(transformer.forward_model.state_dict())
        self.forward_model.requires_grad_(False)

    def deterministic_nll(self, batch: PairBatch) -> torch.Tensor:
        """Exact -log p(y | x) per pair (the response model's likelihood)."""
        return self.forward_model.nll(batch)

    def training_terms(self, batch: PairBatch, kl_weight: float) -> dict[str, torch.Tensor]:
        """Only the backward network learns: its label-smoothed NLL of the post, averaged over the batch."""
        return {"loss": self.backward_model.nll(batch, batch.response, self.shape.label_smoothing).mean()}

    @torch.no_grad()
    def backward_log_p(self, batch: PairBatch, candidates: list[list[tuple[float, list[int]]]]) -> list[torch.Tensor]:
        """log p(x | y) of every candidate y of every pair, in one batch of Σ n_i (pair, candidate) rows."""
        owners = torch.tensor([i for i, hypotheses in enumerate(candidates) for _ in hypotheses], dtype=torch.long)
        if len(owners) == 0:
            return [torch.zeros(0) for _ in candidates]
        responses = Batch.from_sentences([as_source(y) for hyps in candidates for _, y in hyps], owners)
        device = batch.post_words.device
        rows = PairBatch(_select(batch.post, owners), responses,
                         None if batch.earlier is None else _select(batch.earlier, owners)).to(device)
        log_p = -self.backward_model.nll(rows, rows.response).cpu()
        return list(log_p.split([len(hypotheses) for hypotheses in candidates]))

    @torch.no_grad()
    def respond(self, batch: PairBatch, max_len: int, mask_unk: bool) -> list[list[int]]:
        candidates = self.forward_model.n_best(batch, max_len, mask_unk, self.shape.n_best)
        return rerank(candidates, self.backward_log_p(batch, candidates), self.shape.mmi_lambda)


def _select(batch: Batch, rows: torch.Tensor) -> Batch:
    """The batch's sentences at `rows` (repeats allowed), as a new host batch."""
    words, lengths = batch.words.cpu(), batch.lengths.cpu()
    return Batch.from_sentences([words[i, :lengths[i]] for i in rows.tolist()], rows)
