"""Outputs that are not comparison tables, drawn from finished runs: the Coupled-VAE paper's Figure 2 (training
dynamics of gradient norms) and Table 7 interpolation (decoded text), the Stochastic WAE paper's Figures 2-3."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from suite.budgets import Budget
from suite.errors import unknown
from suite.evaluation.interpolation import TABLE_7, interpolate, random_pairs
from suite.records import atomic_save_figure, atomic_write_text
from suite.runner import is_stand_in, trained_model
from suite.wae_figures import sigma_histograms, weighted_kl_curves

PANELS = (("grad_rec", "‖∂L_rec/∂e‖² (Coupled: ‖∂(L_rec + L^c_rec)/∂e‖²)"),
          ("grad_reg", "‖∂L_reg/∂e‖²"),
          ("grad_h", "‖∂h/∂e‖_F² / ‖h‖²"))
MARKERS = ("o", "s", "^", "D")


def panel_value(values: dict, panel: str) -> float | None:
    """The figure's reconstruction panel shows L_rec + L^c_rec for coupled models (paper, Section 5.7)."""
    if panel == "grad_rec" and values.get("grad_rec_sum") is not None:
        return values["grad_rec_sum"]
    return values.get(panel)


def _series(record: dict, panel: str) -> tuple[list[int], list[float]]:
    points = [(it, panel_value(values, panel)) for it, values in record["training"]["curves"].get("gradient_norms", [])]
    kept = [(it, v) for it, v in points if v is not None]
    return [it for it, _ in kept], [v for _, v in kept]


def gradient_norm_panels(fig: Figure, records: dict[str, dict]) -> str:
    """One panel per gradient norm, one line per model; returns the values as tab-separated text."""
    axes = fig.subplots(1, len(PANELS))
    for axis, (panel, label) in zip(axes, PANELS, strict=True):
        for number, (model_id, record) in enumerate(records.items()):
            iterations, values = _series(record, panel)
            if values:    # one colour and marker per model across panels (the DAE has no L_reg panel)
                axis.plot(iterations, values, marker=MARKERS[number], color=f"C{number}", markersize=3,
                          label=model_id)
        axis.set_xlabel("iteration")
        axis.set_title(label, fontsize=9)
        axis.legend(fontsize=8)
    lines = ["model\titeration\t" + "\t".join(p for p, _ in PANELS)]
    for model_id, record in records.items():
        for iteration, values in record["training"]["curves"].get("gradient_norms", []):
            cells = [panel_value(values, panel) for panel, _ in PANELS]
            lines.append("\t".join([model_id, str(iteration)] + ["–" if c is None else f"{c:.4f}" for c in cells]))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FigureSpec:
    id: str
    title: str
    models: tuple[str, ...]
    plot: Callable[[Figure, dict[str, dict]], str]     # draws into the figure, returns its values as text
    metrics: tuple[str, ...] = ()                       # evaluated before plotting
    width: float = 15.0


FIGURES = {f.id: f for f in [
    FigureSpec("coupled-fig2", "Training dynamics of DAE, VAE and Coupled-VAE (λm = 10) on the test set",
               ("dae", "vae", "coupled-vae-lm10.0"), gradient_norm_panels),
    FigureSpec("wae-fig2", "Histograms of the posterior σ of WAE-S (test sentences)",
               ("wae1-wae-s-lkl0.0", "wae1-wae-s-lkl0.01", "wae1-wae-s-lkl0.1"), sigma_histograms, ("bleu",)),
    FigureSpec("wae-fig3", "λ·KL during training: VAE with fixed λ and with annealing",
               ("wae1-vae-fixed-kl0.1", "wae1-vae-fixed-kl1.0", "wae1-vae"), weighted_kl_curves, (), 10.0),
]}


def get_figure(figure_id: str) -> FigureSpec:
    if figure_id not in FIGURES:
        raise unknown("figure", figure_id, FIGURES)
    return FIGURES[figure_id]


def draw_figure(figure: FigureSpec, records: dict[str, dict], dataset: str, budget: Budget, seed: int,
                results_dir: Path) -> Path:
    """Plot `figure` from the finished records of its models (by model id) and write its values beside it."""
    fig = Figure(figsize=(figure.width, 4))     # no pyplot: no display backend, no global state
    values = figure.plot(fig, records)
    stand_in = any(r["stand_in"] for r in records.values())
    title = f"{figure.title} — {dataset}{' [STAND-IN]' if stand_in else ''}, budget {budget.label}"
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path = results_dir / "figures" / f"{figure.id}_{dataset}_{budget.name}_seed{seed}.png"
    atomic_save_figure(fig, path, dpi=120)
    atomic_write_text(path.with_suffix(".txt"), f"# {title}, seed {seed}\n{values}")
    return path


def interpolation_report(specs, pairs: int) -> str:
    """Table 7 for the models of `specs` (same dataset, budget and seed; trained here unless finished): the
    paper's PTB pair, then `pairs` random test pairs, each path decoded by every model."""
    trained = {spec.model_id: trained_model(spec) for spec in specs}
    first = specs[0]
    corpus = next(iter(trained.values()))[1]
    stand_in = any(is_stand_in(spec.model_id, spec.dataset, corpus) for spec in specs)
    texts = ([TABLE_7] if first.dataset == "ptb" else []) + random_pairs(corpus, pairs, first.seed)
    lines = [f"Latent-space interpolation (Table 7), dataset {first.dataset}"
             f"{' [STAND-IN]' if stand_in else ''}, budget {first.budget.label}, seed {first.seed}"]
    for text_a, text_b in texts:
        lines += ["", f"Text A: {text_a}", f"Text B: {text_b}"]
        for model_id, (model, _, cfg) in trained.items():
            path = interpolate(model, corpus, text_a, text_b, cfg.eval.decode_max_len, cfg.eval.mask_unk)
            lines += [f"  {model_id}:"] + [f"    {i}. {text}" for i, text in enumerate(path)]
    return "\n".join(lines) + "\n"
