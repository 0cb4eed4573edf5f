"""Stochastic WAE figures drawn from run records: Figure 2 (histograms of the posterior σ of WAE-S at each λ_KL,
200 buckets on (0, 1), over the test sentences) and Figure 3 (λ·KL during training of VAEs with a fixed λ and
of the annealed VAE)."""

from __future__ import annotations

from matplotlib.figure import Figure


def sigma_histograms(fig: Figure, records: dict[str, dict]) -> str:
    """One panel per model; returns the values as tab-separated text (model, bucket start, count)."""
    axes = fig.subplots(1, len(records), squeeze=False)[0]
    lines = ["model\tbucket_low\tbucket_high\tcount"]
    for axis, (model_id, record) in zip(axes, records.items(), strict=True):
        histogram = record["evaluations"]["mean_reconstruction"]["examples"]["sigma_histogram"]
        low, high = histogram["range"]
        width = (high - low) / histogram["bins"]
        starts = [low + i * width for i in range(histogram["bins"])]
        axis.bar(starts, histogram["counts"], width=width, align="edge")
        axis.set_title(f"{model_id}: mean σ {record['metrics']['sigma_mean']:.3f}", fontsize=8)
        axis.set_xlabel("posterior σ")
        lines += [f"{model_id}\t{s:.3f}\t{s + width:.3f}\t{c}" for s, c in zip(starts, histogram["counts"],
                                                                                strict=True)]
        lines.append(f"{model_id}\t{high:.3f}\tinf\t{histogram['above_range']}")
    axes[0].set_ylabel("count (test sentences × dimensions)")
    return "\n".join(lines) + "\n"


def weighted_kl_curves(fig: Figure, records: dict[str, dict]) -> str:
    """λ·KL (training-window means) against the iteration, one line per model."""
    axis = fig.subplots()
    lines = ["model\titeration\tweighted_kl\tkl_weight"]
    for model_id, record in records.items():
        curves = record["training"]["curves"]
        axis.plot(curves["iteration"], curves["weighted_kl"], label=model_id)
        lines += [f"{model_id}\t{it}\t{value:.5f}\t{weight:.5f}" for it, value, weight in
                  zip(curves["iteration"], curves["weighted_kl"], curves["kl_weight"], strict=True)]
    axis.set_xlabel("iteration")
    axis.set_ylabel("λ · KL")
    axis.legend(fontsize=8)
    return "\n".join(lines) + "\n"
