"""Wu, Wang & Wang (ACL 2020), "On the Encoder-Decoder Incompatibility in Variational Text Modeling and
Beyond" (Coupled-VAE). Published numbers: tables/coupled-*.yaml.

Full-budget configs follow appendix C and, where it is silent, the released code (METRICS.md): bi-GRU encoder
(hidden 128 on PTB, 256 on Yelp/Yahoo), decoder hidden twice that, embeddings 200, latent 32, dropout 0.2;
Adam 1e-3, batch 32, 60k iterations, halving the learning rate every 2k after 30k, clip 30; linear KL
annealing over 40k iterations from 2k (from 1k on Yelp for VAE, Coupled-VAE, β-VAE and Coupled-β-VAE);
λr = 1, λm = 0.1 with the rational-quadratic distance unless a row says otherwise.
"""

from __future__ import annotations

from dataclasses import replace

from suite.config import Anneal, Coupling, ModelConfig, Posterior, Regulariser, RunConfig, TrainConfig
from suite.registry import register_model, register_rows

PAPER = "coupled-vae"
DATASETS = ("ptb", "yelp", "yahoo")
ENCODER_HIDDEN = {"ptb": 128, "yelp": 256, "yahoo": 256}

LM = ModelConfig(family="lm")
DAE = ModelConfig(posterior=Posterior("point"), regulariser=Regulariser("none"))
VAE = ModelConfig()


def coupled(model: ModelConfig, lambda_match: float = 0.1, lambda_rec: float = 1.0,
            distance: str = "rq") -> ModelConfig:
    return replace(model, coupling=Coupling(lambda_rec, lambda_match, distance))


def paper_setup(model_id: str, dataset: str, model: ModelConfig, anneal_start: int = 2000) -> RunConfig:
    hidden = ENCODER_HIDDEN[dataset]
    model = replace(model, enc_hidden=hidden, dec_hidden=2 * hidden)
    anneal = Anneal(start=anneal_start) if model.regulariser.family != "none" else None
    return RunConfig(model_id, dataset, model, TrainConfig(kl_anneal=anneal))


def yelp_early_anneal(dataset: str) -> int:
    """The paper starts KL annealing at 1k instead of 2k on Yelp for (Coupled-)VAE and (Coupled-)β-VAE,
    because the KL otherwise explodes early in training (appendix C)."""
    return 1000 if dataset == "yelp" else 2000


@register_model("gru-lm", paper=PAPER, datasets=DATASETS)
def gru_lm(dataset: str) -> RunConfig:
    return paper_setup("gru-lm", dataset, LM)


@register_model("dae", paper=PAPER, datasets=DATASETS)
def dae(dataset: str) -> RunConfig:
    return paper_setup("dae", dataset, DAE)


@register_model("vae", paper=PAPER, datasets=DATASETS)
def vae(dataset: str) -> RunConfig:
    return paper_setup("vae", dataset, VAE, yelp_early_anneal(dataset))


@register_model("coupled-vae", paper=PAPER, datasets=DATASETS)
def coupled_vae(dataset: str) -> RunConfig:
    return paper_setup("coupled-vae", dataset, coupled(VAE), yelp_early_anneal(dataset))


@register_model("coupled-vae-lm10.0", paper=PAPER, datasets=DATASETS)
def coupled_vae_lm10(dataset: str) -> RunConfig:
    """λm = 10 for the diversity analysis (Table 9) and the training-dynamics figure."""
    return paper_setup("coupled-vae-lm10.0", dataset, coupled(VAE, lambda_match=10.0), yelp_early_anneal(dataset))


LATER = "model family not implemented yet"

register_rows("coupled-1", {"gru-lm": "gru-lm", "vae": "vae", "coupled-vae": "coupled-vae"})
register_rows("coupled-1", {row: None for row in (
    "beta0.8-vae", "coupled-beta0.8-vae", "beta1.2-vae", "coupled-beta1.2-vae", "vmf-vae", "coupled-vmf-vae",
    "cnn-vae", "coupled-cnn-vae", "wae", "coupled-wae", "vae-nf", "coupled-vae-nf", "wae-nf", "coupled-wae-nf",
    "cycann-vae", "coupled-cycann-vae", "prefb-vae", "coupled-prefb-vae", "sa-vae", "lagging-vae",
    "coupled-lagging-vae")}, reason=LATER)

register_rows("coupled-2", {"vae": "vae", "coupled-vae": "coupled-vae"})
register_rows("coupled-2", {row: None for row in (
    "beta0.8-vae", "coupled-beta0.8-vae", "beta1.2-vae", "coupled-beta1.2-vae", "vmf-vae", "coupled-vmf-vae",
    "cnn-vae", "coupled-cnn-vae", "wae", "coupled-wae", "vae-nf", "coupled-vae-nf", "wae-nf", "coupled-wae-nf",
    "cycann-vae", "coupled-cycann-vae", "prefb-vae", "coupled-prefb-vae", "lagging-vae",
    "coupled-lagging-vae")}, reason=LATER)

register_rows("coupled-3", {row: None for row in (
    "coupled-vae-rq-lm0.1-lr1.0", "coupled-vae-rq-lm1.0-lr1.0", "coupled-vae-rq-lm5.0-lr1.0",
    "coupled-vae-rq-lm0.1-lr0.0", "coupled-vae-rq-lm0.1-lr0.5", "coupled-vae-rq-lm0.1-lr5.0",
    "coupled-vae-eucl-lm0.1-lr1.0", "coupled-vae-eucl-lm1.0-lr1.0", "coupled-vae-eucl-lm5.0-lr1.0",
    "vae")}, reason="hyperparameter sweep not declared yet")

register_rows("coupled-4", {row: None for row in (
    "coupled-vae", "coupled-vae-lm0", "coupled-vae-nf", "coupled-vae-nf-lm0", "coupled-vmf-vae",
    "coupled-vmf-vae-lm0")}, reason="signal-matching ablation not declared yet")

register_rows("coupled-5", {row: None for row in ("dae", "vae", "coupled-vae")},
              reason="gradient-norm analysis not implemented yet")

register_rows("coupled-8", {row: None for row in (
    "gru-encoder-decoder", "cvae", "coupled-cvae-lm0.1", "coupled-cvae-lm0.5", "coupled-cvae-lm1.0",
    "coupled-cvae-lm2.0")}, reason="conditional (dialogue) models not implemented yet")

register_rows("coupled-9", {"vae": "vae", "coupled-vae-lm10.0": "coupled-vae-lm10.0"})
