"""How gradient clipping weighs batches of each batch order, at a checkpoint of a full-budget run.

For the same trained weights: each batch's gradient norm before clipping (as PaperAdam counts it, the shared
embedding once per module holding it), the clip factor min(1, clip_norm / norm), and how the factor follows the
batch's mean sentence length, for length-grouped batches and for shuffled ones (the released loader's). Losses
are summed over tokens, so a batch's norm grows with its sentences' length: where batches group lengths, clipping
scales the long ones down most, and a long sentence's tokens count for less than a short one's.
    python3 tests/benchmarks/clip_by_length.py MODEL CHECKPOINT [--batches 60]
    python3 tests/benchmarks/clip_by_length.py MODEL model.pt --iteration 45000   (a run's best weights)
"""

from __future__ import annotations

import argparse

import torch

from suite import registry
from suite.data.batching import training_batches
from suite.data.datasets import load_corpus
from suite.models.build import build_model
from suite.training.optim import PaperAdam


def clip_factors(model, train, batches, cfg, kl_weight: float) -> torch.Tensor:
    """Rows of (tokens per sentence, norm before clipping, clip factor), one per batch."""
    optimizer = PaperAdam(model, cfg.train)     # for its norm only: no step is taken
    rows = []
    for index in batches:
        batch = train.batch(index, cfg.train.max_len)
        optimizer.zero_grad()
        model.training_terms(batch, kl_weight)["loss"].backward()
        norm = float(optimizer.gradient_norm(*optimizer.gradients()))
        rows.append((batch.n_predictions / len(index), norm, min(1.0, cfg.train.clip_norm / norm)))
    return torch.tensor(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("checkpoint")
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--iteration", type=int, default=None, help="For weights alone: the KL weight's iteration.")
    args = parser.parse_args()
    cfg = registry.get_model(args.model).config("ptb")
    ptb = load_corpus("ptb", None)
    model = build_model(cfg.model, len(ptb.vocab)).train()
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    if "model" in state:        # a training checkpoint
        state, iteration = state["model"], state["iteration"]
    elif args.iteration is None:
        parser.error("weights alone need --iteration")
    else:
        iteration = args.iteration
    model.load_state_dict(state)
    train = ptb.splits["train"]
    torch.manual_seed(0)
    for order in ("length-grouped", "shuffled"):
        batches = training_batches(train, cfg.train.batch_size, torch.Generator().manual_seed(1), order)
        lengths, norms, factors = clip_factors(model, train, batches[:args.batches], cfg,
                                               cfg.train.kl_anneal.weight(iteration)).T
        print(f"{args.model} at iteration {iteration}, {order} ({args.batches} batches): tokens per sentence "
              f"{lengths.min():.1f}-{lengths.max():.1f}; norm before clipping median {norms.median():.1f} "
              f"({norms.min():.1f}-{norms.max():.1f}); clipped {(factors < 1).float().mean():.0%}; clip factor "
              f"{factors.min():.2f}-{factors.max():.2f}" + (f"; its correlation with length "
              f"{torch.corrcoef(torch.stack([lengths, factors]))[0, 1]:.2f}" if factors.std() > 0 else ""))


if __name__ == "__main__":
    main()
