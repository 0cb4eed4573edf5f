"""Le, Tran, Nguyen & Venkatesh (NeurIPS 2018), "Variational Memory Encoder-Decoder" (VMED).
Published numbers: tables/vmed-1.yaml ... vmed-4.yaml (Cornell, OpenSubtitles, LJ, Reddit).

Full-budget configs follow the supplement (§4) and, where it is silent, the released code (thaihungle/VMED): word
embeddings 96 shared by every part and started from Google's word2vec vectors (GoogleNews 300-d, which the user
brings, reduced to 96 by an SVD as released: suite/data/word_vectors.py), LSTM controllers of 3 layers with hidden
768 (1024 on OpenSubtitles), memory 16 slots x 64, latent z_t of 32 dimensions (half the slot width, as released;
the CVAE's one z per layer is as wide as the LSTM, suite/models/lstm_cvae.py), weights initialised N(0, 0.1), each
LSTM's forget gate 1 higher (the released cell's forget bias); batch 256, gradient clipping at 10. The supplement
trains with Adam 1e-3; the released qa_task.py with TF 1's RMSProp (learning rate 1e-4, momentum 0.9), after
clipping each parameter's gradient alone (vdnc.py: tf.clip_by_norm per variable). Where paper and code disagree
the rows follow the code (../shared/METRICS.md), so they train with RMSProp (suite/training/tf_rmsprop.py);
`rmsprop=None, lr=1e-3` in the train config gives the supplement's Adam with global-norm clipping;
contexts of at most 20 words, responses of 10, preprocessed as released (suite/data/deepqa.py); training without
teacher forcing (each decoding step reads the model's own argmax at the step before, the released default).
KL annealing from 0 to 1 over 100 epochs (TOTAL_ANNEAL_EPOCH): the released weight is min(epoch / 100, 1), so
it rises by 0.01 at the start of each epoch, an epoch being the run's training pairs / 256 iterations (the
released code divides by its training split's size). The paper gives no training
length: full rows run the released default of 1M iterations, validating every 100 as released: the weights kept
are those whose greedy validation responses score the best mean sentence BLEU-4 after iteration 2,000 (the exact
NLL, or the negative ELBO of latent models, is logged at each validation).
Evaluation: one greedy response per test context, latents from the prior, no <unk> masking (a plain argmax).
Responses, in validation and test, are decoded as released: in batches of 256 consecutive pairs, each for its
longest gold response + 2 steps, the first reading a zero vector and predicting <go> (suite/models/stepwise.py).

Reduced budgets also shrink the models (3 x 768 LSTMs take seconds per step on a CPU) and the batch, and start
the embeddings at random (they run without the 3.6 GB vectors file); all is labelled by the budget's name in every
output. `chitchat` is the labelled stand-in for all four corpora.
"""

from __future__ import annotations

from dataclasses import replace

from suite.config import DialogueTrainConfig, EpochStepAnneal, EvalConfig, MemoryDialogueConfig, RunConfig, TFRMSProp
from suite.data.word_vectors import GOOGLE_NEWS
from suite.registry import register_model, register_rows

PAPER = "vmed"
DATASETS = ("cornell", "opensubtitles", "lj", "reddit", "chitchat")
HIDDEN = {"opensubtitles": 1024}             # 768 elsewhere
ANNEAL_EPOCHS = 100
BATCH = 256
ITERATIONS = 1_000_000

# CPU-sized models and batches of the reduced budgets, with random embeddings
REDUCED = {"quick": {"model.emb_dim": 96, "model.enc_hidden": 128, "model.dec_hidden": 128, "model.layers": 2,
                     "train.batch_size": 64, "model.word_vectors": None},
           "smoke": {"model.emb_dim": 32, "model.enc_hidden": 32, "model.dec_hidden": 32, "model.layers": 1,
                     "train.batch_size": 32, "model.word_vectors": None}}

# The released training feeds each decoding step the model's own previous argmax (qa_task.py: use_teacher=False)
BASE = MemoryDialogueConfig(family="lstm-seq2seq", emb_dim=96, latent_dim=32, dropout=0.0, word_vectors=GOOGLE_NEWS,
                            teacher_forcing=False)
MODELS = {
    "seq2seq": BASE,
    "seq2seq-att": replace(BASE, attention=True),
    "dnc": replace(BASE, family="dnc"),
    "cvae": replace(BASE, family="lstm-cvae"),
    "vlstm": replace(BASE, family="vlstm"),
    **{f"vmed-k{k}": replace(BASE, family="vmed", modes=k) for k in (1, 2, 3, 4)},
}
LATENT = ("lstm-cvae", "vlstm", "vmed")


def paper_setup(model_id: str, dataset: str, model: MemoryDialogueConfig) -> RunConfig:
    hidden = HIDDEN.get(dataset, 768)
    model = replace(model, enc_hidden=hidden, dec_hidden=hidden)
    anneal = (EpochStepAnneal(batch=BATCH, epochs=ANNEAL_EPOCHS)
              if model.family in LATENT else None)
    train = DialogueTrainConfig(batch_size=BATCH, lr=1e-4, rmsprop=TFRMSProp(), clip_norm=10.0,
                                iterations=ITERATIONS, finish_epoch=False,
                                lr_decay_start=ITERATIONS, lr_decay_every=ITERATIONS, kl_anneal=anneal,
                                duplicate_embedding_updates=False, max_len=20,
                                batches="sampled",    # the released code draws each batch's pairs at random
                                # and keeps the weights of the best validation BLEU, every 100 from 2,000 on
                                valid_every=100, select_by="bleu", select_after=2000)
    return RunConfig(model_id, dataset, model, train, EvalConfig(mask_unk=False))


def model_id(row: str) -> str:
    """Registry ids carry the paper's name: the Coupled-VAE paper already has a (GRU) `cvae`."""
    return f"vmed-{row}" if not row.startswith("vmed-") else row


for row, config in MODELS.items():
    register_model(model_id(row), paper=PAPER, datasets=DATASETS, reduced=REDUCED)(
        lambda d, r=row, c=config: paper_setup(model_id(r), d, c))

for table in ("vmed-1", "vmed-2", "vmed-3", "vmed-4"):
    register_rows(table, {row: model_id(row) for row in MODELS})
