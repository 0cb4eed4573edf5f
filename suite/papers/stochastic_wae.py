"""Bahuleyan, Mou, Zhou & Vechtomova (NAACL 2019), "Stochastic Wasserstein Autoencoder for Probabilistic
Sentence Generation". Published numbers: tables/wae-1.yaml, tables/wae-2.yaml.

Full-budget configs follow the paper (section 3, appendix C, Table 3) and, where it is silent, the released code
(HareeshBahuleyan/probabilistic_nlg):
  - single-layer layer-normalised LSTMs (the released LayerNormBasicLSTMCell); a bi-LSTM encoder (hidden h per
    direction), a 2h decoder fed z at every step from a zero state; embeddings 300, pretrained with word2vec on the
    corpus (Table 3) and frozen as the released code keeps them (suite/data/word2vec.py); dropout 0.2 on LSTM
    inputs (keep 0.8); TensorFlow's initial weights (Glorot-uniform, zero biases); the token-mean cross-entropy;
  - SNLI (wae-1): h = 100, latent 100, batch 128, 20 epochs, Adam 1e-3 fixed, 20 words then <eos>, vocab 30k;
    dialogue (wae-2): h = 500, latent 300, 200 epochs, learning rate ×0.98 per epoch down to 1e-5;
  - gradients clipped elementwise to ±5; the last epoch's weights are evaluated;
  - VAE / VED: KL weight (tanh((t − 4500)/1000) + 1)/2 frozen at step 3000 (SNLI) / 2300 (dialogue), word
    dropout rising by 0.05 per epoch to 0.5; WAEs use neither;
  - WAE: MMD with the inverse multiquadratic kernel, C = 4·d·s over s ∈ {0.1, …, 10}; WAE-D a deterministic
    encoder with λ_WAE = 3 or 10; WAE-S a Gaussian encoder with λ_WAE = 10 (Table 4's WAE-S) and the auxiliary
    KL(N(μ, σ²) ‖ N(μ, I)) weighted by λ_KL; dialogue WED-D / WED-S: the released λ_WAE = 3, λ_KL = 0.01;
  - DAE / DED (not in the released code): the deterministic encoder with no regulariser;
  - each row's loss reduced over a batch as its released model reduces it (BatchObjective: VAE/VED sum each
    sentence's token-mean cross-entropy and KL; WAE-S/WED-S's gradient is the batch's sum), since the elementwise
    clip acts on that gradient.
"""

from __future__ import annotations

from dataclasses import replace

from suite.config import (
    BatchObjective,
    ConstantKL,
    EpochAdamConfig,
    EvalConfig,
    MMDRegulariser,
    ModelConfig,
    Posterior,
    Regulariser,
    RunConfig,
    SentenceModelConfig,
    SigmoidAnneal,
    WordDropout,
)
from suite.registry import register_model, register_rows

PAPER = "stochastic-wae"
SENTENCE_DATASETS = ("snli", "ptb")              # ptb: the labelled stand-in (never compared with the paper)
DIALOGUE_DATASETS = ("dailydialog", "chitchat")  # chitchat: the labelled stand-in

SNLI_MODEL = SentenceModelConfig(family="lstm-ae", posterior=Posterior("point"), regulariser=Regulariser("none"),
                                 emb_dim=300, enc_hidden=100, dec_hidden=200, latent_dim=100, dropout=0.2)
DIALOGUE_MODEL = replace(SNLI_MODEL, family="lstm-ed", enc_hidden=500, dec_hidden=1000, latent_dim=300)
# The released loops slice a once-shuffled corpus (SNLI shuffled with seed 1337 before the split; the DailyDialog
# CSV shuffled in preprocessing) in the same order every epoch: one permutation for the run, batches mixing lengths,
# full batches only.
SNLI_TRAINING = EpochAdamConfig(epochs=20, batches="shuffled-once")
DIALOGUE_TRAINING = EpochAdamConfig(epochs=200, lr_decay=0.98, batches="shuffled-once")
# Decoding: at most 20 words (the released decoders stop after `num_tokens` = 20 steps), <unk> allowed as there;
# 100,000 prior samples for PPL/UniKL/Entropy/AvgLen: the paper does not say how many, the released README
# recommends "~100k samples" for its evaluate_latent_space.py. The quick budget decodes 10,000.
EVALUATION = EvalConfig(decode_max_len=20, mask_unk=False, dist_samples=100_000)
QUICK_PRIOR_SAMPLES = 10_000


def reduced(model: ModelConfig) -> dict:
    """Smoke runs take batches of 32 and LSTMs at most 100 wide (decoder 200), so the dialogue models
    (500/1000/300) run in seconds; the SNLI ones (100/200/100) keep their size. Reduced budgets pretrain the
    embeddings for fewer word2vec epochs (quick 5, smoke 1 of the paper's 50) and decode fewer prior samples."""
    smoke = {"train.batch_size": 32, "model.enc_hidden": min(model.enc_hidden, 100),
             "model.dec_hidden": min(model.dec_hidden, 200), "model.latent_dim": min(model.latent_dim, 100)}
    if not isinstance(model, SentenceModelConfig):      # the Corpus / Test Set rows train nothing
        return {"smoke": smoke}
    return {"quick": {"model.word2vec.epochs": 5, "eval.dist_samples": QUICK_PRIOR_SAMPLES},
            "smoke": smoke | {"model.word2vec.epochs": 1}}


def deterministic(model: ModelConfig, regulariser: Regulariser) -> ModelConfig:
    return replace(model, posterior=Posterior("point"), regulariser=regulariser)


def variational(model: ModelConfig) -> ModelConfig:
    """VAE / VED: the released cost sums, over the batch, each sentence's token-mean cross-entropy and its KL."""
    return replace(model, posterior=Posterior("gaussian"), regulariser=Regulariser("kl"),
                   objective=BatchObjective(token_mean="sentence", summed=True))


def stochastic_wae(model: ModelConfig, regulariser: MMDRegulariser) -> ModelConfig:
    """WAE-S / WED-S: the batch-mean cross-entropy and MMD broadcast against each sentence's auxiliary KL, so the
    released gradient is the batch's sum."""
    return replace(model, posterior=Posterior("gaussian"), regulariser=regulariser,
                   objective=BatchObjective(summed=True))


def vae_training(train: EpochAdamConfig, anneal_stop: int) -> EpochAdamConfig:
    return replace(train, kl_anneal=SigmoidAnneal(stop=anneal_stop), word_dropout=WordDropout())


def row(model_id: str, datasets: tuple[str, ...], model: ModelConfig, train: EpochAdamConfig):
    register_model(model_id, paper=PAPER, datasets=datasets, reduced=reduced(model))(
        lambda dataset: RunConfig(model_id, dataset, model, train, EVALUATION))


# --- Table 1 (wae-1): SNLI sentence generation ------------------------------------------------------------------
row("wae1-corpus", SENTENCE_DATASETS, ModelConfig(family="corpus-statistics"), replace(SNLI_TRAINING, epochs=0))
row("wae1-dae", SENTENCE_DATASETS, deterministic(SNLI_MODEL, Regulariser("none")), SNLI_TRAINING)
row("wae1-vae", SENTENCE_DATASETS, variational(SNLI_MODEL), vae_training(SNLI_TRAINING, 3000))
for lambda_wae in (3.0, 10.0):
    row(f"wae1-wae-d-lwae{lambda_wae:g}", SENTENCE_DATASETS,
        deterministic(SNLI_MODEL, MMDRegulariser(mmd_weight=lambda_wae)), SNLI_TRAINING)
for lambda_kl in (0.0, 0.01, 0.1):
    row(f"wae1-wae-s-lkl{lambda_kl}", SENTENCE_DATASETS,
        stochastic_wae(SNLI_MODEL, MMDRegulariser(mmd_weight=10.0, aux_kl_weight=lambda_kl)), SNLI_TRAINING)

# Figure 3 (appendix D): VAEs trained with a fixed KL weight λ, no annealing (word dropout as the VAE row); the
# figure's λ values are not legible in the text, these two bracket the collapse it describes.
FIGURE_3_LAMBDAS = (0.1, 1.0)
for lambda_vae in FIGURE_3_LAMBDAS:
    row(f"wae1-vae-fixed-kl{lambda_vae}", SENTENCE_DATASETS, variational(SNLI_MODEL),
        replace(SNLI_TRAINING, kl_anneal=ConstantKL(lambda_vae), word_dropout=WordDropout()))

register_rows("wae-1", {"corpus": "wae1-corpus", "dae": "wae1-dae", "vae": "wae1-vae",
                        "wae-d-lwae3": "wae1-wae-d-lwae3", "wae-d-lwae10": "wae1-wae-d-lwae10",
                        "wae-s-lkl0.0": "wae1-wae-s-lkl0.0", "wae-s-lkl0.01": "wae1-wae-s-lkl0.01",
                        "wae-s-lkl0.1": "wae1-wae-s-lkl0.1"})

# --- Table 2 (wae-2): dialogue generation, the encoder reads the context -----------------------------------------
row("wae2-test-set", DIALOGUE_DATASETS, ModelConfig(family="corpus-statistics"),
    replace(DIALOGUE_TRAINING, epochs=0))
row("wae2-ded", DIALOGUE_DATASETS, deterministic(DIALOGUE_MODEL, Regulariser("none")), DIALOGUE_TRAINING)
row("wae2-ved", DIALOGUE_DATASETS, variational(DIALOGUE_MODEL), vae_training(DIALOGUE_TRAINING, 2300))
row("wae2-wed-d", DIALOGUE_DATASETS, deterministic(DIALOGUE_MODEL, MMDRegulariser(mmd_weight=3.0)),
    DIALOGUE_TRAINING)
row("wae2-wed-s", DIALOGUE_DATASETS,
    stochastic_wae(DIALOGUE_MODEL, MMDRegulariser(mmd_weight=3.0, aux_kl_weight=0.01)), DIALOGUE_TRAINING)

register_rows("wae-2", {"test-set": "wae2-test-set", "ded": "wae2-ded", "ved": "wae2-ved", "wed-d": "wae2-wed-d",
                        "wed-s": "wae2-wed-s"})
