"""Transformer + AMI (Pan et al., ICML 2020): forward network, backward network and latent noise δ as players of
a min-max game, following the authors' dialogue trainer (ZJULearning/AMI, onmt/trainer_conv.py). Each method below
is the loss of one player's step; `suite/training/game.py` schedules the steps.

Synthetic responses: the forward network decodes the gold response's inputs (teacher forcing) from the encoding
perturbed by latent noise, h + λ·δ, δ = μ + softplus(μ)·ε with μ = MLP(h) at every source position (latent noise
sampling, λ = 0.1), and each position's most likely word is taken, up to the first <eos>.
  - forward, adversarial: REINFORCE on the synthetic responses ŷ with the backward network's log p(x | ŷ) as the
    reward: minimise mean[-log p_f(ŷ | x) · log p_b(x | ŷ)] (token-averaged NLLs, as the code's EasyLoss);
  - backward, adversarial: lower log p_b(x | ŷ) on synthetic responses, each weighted by 1 - cos(mean embedding
    of y, mean embedding of ŷ) (synthetic responses close to the real one are pushed down less), while its MLE
    steps raise log p_b(x | y) on real ones;
  - noise: minimise mean[-log p_b(x | ŷ)] - w·‖δ‖ while ‖δ‖ ≤ limit. The synthetic words are an argmax, so, as in
    the released code, only the norm term reaches δ's parameters: the noise grows up to the limit. With the
    released limit (1.0) that term is never on: each coordinate of δ has E[δ_i²] = μ² + softplus(μ)² ≥ 0.42, so
    ‖δ‖ is about 0.65·√d_model ≈ 15 > 1 (the code's norm, over the batch axis, is likewise ≈ 0.65·√64), and the noise
    keeps its initial weights throughout, as it does in the released code.
Deliberate differences from the released code: δ is scaled by λ in every step (its noise step used h + δ); ‖δ‖ is
the norm over the model dimension averaged over real positions (the code took it over the batch axis); the backward
network's per-pair weights multiply each pair's own loss (the code's broadcast multiplied every pair by every
weight); a synthetic response keeps at most as many words as the gold one has, so its <eos> always fits.
Also different from the released trainer (trainer_conv.py), not reproduced: it never clears the backward network's
gradients in the game (train_m and train_m_adv zero them only when accum_count > 1, and _accum_batches sets it to
1), so each backward step also applies the previous steps' gradients; its forward adversarial step lets gradients
reach the encoder through δ (we draw δ without them); its 1 - cos weights compare the encoder's embedded inputs
(word vectors × √d plus positions, dropout on, <s> and </s> included), ours the raw word vectors; λ is the
supplement's 0.1 where the code's default is 1.0; its preprocessing drops training pairs whose source or target
passes 50 tokens (OpenNMT-py's defaults), ours keeps them. The game's MLE steps are unsmoothed, as there (`Game`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from suite.config import Game
from suite.data.batching import Batch
from suite.data.dialogue import PairBatch
from suite.data.vocab import EOS, PAD
from suite.models.transformer import Encoded, per_sentence
from suite.models.transformer_dialogue import Backward, Forward


class LatentNoise(nn.Module):
    """δ = μ + softplus(μ)·ε, μ = Linear-ReLU-Linear(h), at every encoder position (the released `Noise`)."""

    def __init__(self, dim: int):
        super().__init__()
        self.mean = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))

    def forward(self, memory: torch.Tensor, samples: int) -> list[torch.Tensor]:
        mean = self.mean(memory)
        scale = F.softplus(mean)
        return [mean + scale * torch.randn_like(mean) for _ in range(samples)]


def strength(noise: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
    """Mean ‖δ‖₂ over the real source positions."""
    real = (~padding).float()
    return (noise.norm(dim=-1) * real).sum() / real.sum()


def first_words(predicted: torch.Tensor, limits: torch.Tensor) -> list[list[int]]:
    """Each row's ids before its first <eos>, at most `limits[i]` of them."""
    rows = []
    for ids, limit in zip(predicted.tolist(), limits.tolist(), strict=True):
        end = ids.index(EOS) if EOS in ids else len(ids)
        rows.append(ids[:min(end, limit)])
    return rows


def mean_embedding(embedding: nn.Embedding, words: torch.Tensor) -> torch.Tensor:
    """Average word vector of each padded row (B, d); an empty row gives zeros."""
    real = (words != PAD).float().unsqueeze(-1)
    return (embedding(words) * real).sum(1) / real.sum(1).clamp(min=1.0)


def token_mean(sentence_nll: torch.Tensor, target: Batch) -> torch.Tensor:
    """Per-sentence NLL divided by its number of predictions (<eos> included), as the code's EasyLoss."""
    return sentence_nll / (target.lengths + 1).to(sentence_nll.dtype)


class AMIResponder(nn.Module):
    likelihood = "exact"

    def __init__(self, forward: Forward, backward: Backward, noise: LatentNoise):
        super().__init__()
        self.forward_model, self.backward_model, self.noise = forward, backward, noise

    def initialise_from(self, mmi: nn.Module):
        """Start from the pretrained forward and backward networks (the MMI row's)."""
        self.forward_model.load_state_dict(mmi.forward_model.state_dict())
        self.backward_model.load_state_dict(mmi.backward_model.state_dict())

    def deterministic_nll(self, batch: PairBatch) -> torch.Tensor:
        return self.forward_model.nll(batch)

    @torch.no_grad()
    def respond(self, batch: PairBatch, max_len: int, mask_unk: bool) -> list[list[int]]:
        """AMI answers with its forward network alone (beam search)."""
        return self.forward_model.best(batch, max_len, mask_unk)

    # --- synthetic responses ------------------------------------------------------------------------------

    def synthetic(self, batch: PairBatch, encoded: Encoded, noise: torch.Tensor, game: Game):
        """Teacher-forced decoder states under h + λ·δ, and the synthetic responses read from them as a batch."""
        net = self.forward_model.net
        states = net.decode(encoded.perturbed(game.noise_lambda * noise), batch.response.inputs)
        with torch.no_grad():
            words = first_words(net.generator(states).argmax(-1), batch.response.lengths)
        fakes = Batch.from_sentences([torch.tensor(w, dtype=torch.long) for w in words],
                                     batch.response.index.cpu()).to(states.device)
        return states, fakes

    def backward_nll_of(self, batch: PairBatch, fakes: Batch) -> torch.Tensor:
        """-log p_b(x | ŷ) per pair; an empty ŷ reads as a lone <eos>."""
        sources = Batch.from_sentences([fakes.words[i, :n].cpu() if n else torch.tensor([EOS])
                                        for i, n in enumerate(fakes.lengths.tolist())], fakes.index.cpu())
        return self.backward_model.nll(batch, sources.to(fakes.words.device))

    # --- the players' losses ---------------------------------------------------------------------------------

    def forward_mle(self, batch: PairBatch, game: Game) -> torch.Tensor:
        return self.forward_model.nll(batch, game.label_smoothing).mean()

    def backward_mle(self, batch: PairBatch, game: Game) -> torch.Tensor:
        return self.backward_model.nll(batch, batch.response, game.label_smoothing).mean()

    def forward_adversarial(self, batch: PairBatch, game: Game) -> torch.Tensor:
        """mean over noise draws of mean[-log p_f(ŷ | x) · log p_b(x | ŷ)]; only the forward network learns."""
        encoded = self.forward_model.encode(batch)
        with torch.no_grad():
            noises = self.noise(encoded.memory, game.samples)
        total = 0.0
        for noise in noises:
            states, fakes = self.synthetic(batch, encoded, noise, game)
            fake_nll = per_sentence(self.forward_model.net.token_nll(states[:, :fakes.mask.size(1)], fakes), fakes)
            with torch.no_grad():
                reward = -token_mean(self.backward_nll_of(batch, fakes), batch.post)
            total = total + (token_mean(fake_nll, fakes) * reward).mean()
        return total / game.samples

    def backward_adversarial(self, batch: PairBatch, game: Game) -> torch.Tensor:
        """-mean over draws of mean[(1 - cos(ȳ, ŷ̄)) · (-log p_b(x | ŷ))]: the backward network learns to doubt ŷ."""
        with torch.no_grad():
            encoded = self.forward_model.encode(batch)
            drawn = [self.synthetic(batch, encoded, noise, game)[1]
                     for noise in self.noise(encoded.memory, game.samples)]
            embedding = self.forward_model.net.source_embedding
            gold = mean_embedding(embedding, batch.response.words)
            weights = [1 - F.cosine_similarity(gold, mean_embedding(embedding, fakes.words), dim=1)
                       for fakes in drawn]
        total = 0.0
        for fakes, weight in zip(drawn, weights, strict=True):
            total = total - (weight * self.backward_nll_of(batch, fakes)).mean()
        return total / game.samples

    def noise_loss(self, batch: PairBatch, game: Game) -> torch.Tensor:
        """mean over draws of mean[-log p_b(x | ŷ)] - w·‖δ‖ (the norm term only while ‖δ‖ ≤ limit)."""
        with torch.no_grad():
            encoded = self.forward_model.encode(batch)
        total = 0.0
        for noise in self.noise(encoded.memory, game.samples):
            with torch.no_grad():
                _, fakes = self.synthetic(batch, encoded, noise, game)
                critic = token_mean(self.backward_nll_of(batch, fakes), batch.post).mean()
            size = strength(noise, encoded.padding)
            reward = size if float(size.detach()) <= game.strength_limit else 0.0 * size   # 0·size: zero gradient
            total = total + critic - game.strength_weight * reward
        return total / game.samples
