"""Configuration of one run: the model's composition and the paper's training setup.

Rows declare full-budget (paper) configs; budgets (`budgets.py`) derive reduced ones from them.
Everything here is frozen and JSON-serialisable, so a config can be hashed and stored with its results.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace


@dataclass(frozen=True)
class Coupling:
    """The coupled deterministic network of Coupled-VAE: λr·L^c_rec + λm·L_match."""

    lambda_rec: float = 1.0
    lambda_match: float = 0.1
    distance: str = "rq"            # "rq" (rational quadratic, 7 scales) | "euclidean"


@dataclass(frozen=True)
class Posterior:
    family: str = "gaussian"        # "gaussian" | "point" (DAE) | "vmf" | "vmf-released" | "planar-flow"
    flows: int = 0                  # planar transformations on top of a Gaussian ("planar-flow")
    # SA-VAE (Kim et al. 2018): refine the amortised Gaussian by this many SVI steps (0: no refinement)
    svi_steps: int = 0
    svi_lr: float = 1.0
    svi_momentum: float = 0.5
    svi_clip: float = 5.0


@dataclass(frozen=True)
class Decoder:
    family: str = "gru"             # "gru" | "dilated-cnn" (Yang et al. 2017)
    dilations: tuple[int, ...] = ()
    filters: int = 0


@dataclass(frozen=True)
class Regulariser:
    family: str = "kl"              # "kl" | "none" | "free-bits" | "mmd+kl" | "mmd" (Stochastic WAE: MMDRegulariser)
    free_bits: float = 0.0          # nats per sentence, spread evenly over latent dimensions ("free-bits")
    mmd_weight: float = 0.0         # weight of the MMD term ("mmd+kl"); the KL term follows the KL schedule


@dataclass(frozen=True)
class Transformer:
    """An encoder-decoder of torch's own nn.Transformer layers (pre-norm, as OpenNMT-py's Transformer) and how it
    answers: beam search, optionally reranked by a backward model (MMI, Li et al. 2016)."""

    d_model: int = 512
    inner: int = 2048               # feed-forward width
    heads: int = 8
    layers: int = 6                 # per stack
    label_smoothing: float = 0.0
    beam: int = 5                   # OpenNMT translate.py's default beam size
    n_best: int = 1                 # hypotheses kept from the beam (the MMI n-best list)
    mmi_lambda: float = 0.0         # reranking by (1 − λ)·log p(y | x) + λ·log p(x | y)


@dataclass(frozen=True)
class ModelConfig:
    """A text model as a composition: encoder -> posterior -> decoding signal -> decoder, a regulariser,
    and optionally a coupled deterministic network."""

    family: str = "autoencoder"     # "autoencoder" (DAE, VAE and variants) | "lm" (no encoder, no latent)
                                    # | "seq2seq" | "cvae" (post-conditioned dialogue models)
                                    # | "lstm-vae" (He et al. 2019's released LSTM VAE); the other papers' families
                                    # are in suite/models/build.py's dispatch
    posterior: Posterior = field(default_factory=Posterior)
    decoder: Decoder = field(default_factory=Decoder)
    regulariser: Regulariser = field(default_factory=Regulariser)
    emb_dim: int = 200
    enc_hidden: int = 128           # per direction of the bi-GRU encoder
    dec_hidden: int = 256           # twice the encoder's, as in the released code
    latent_dim: int = 32
    dropout: float = 0.2
    coupling: Coupling | None = None
    transformer: Transformer | None = None   # families "transformer", "transformer-mmi", "transformer-ami"

    @property
    def vectors_file(self) -> str | None:
        """The pretrained word-vector file in the data directory that its embedding starts from, if any."""
        return None


@dataclass(frozen=True)
class Word2Vec:
    """Word embeddings pretrained on the row's corpus with word2vec and kept frozen (suite/data/word2vec.py): the
    Stochastic WAE paper's Table 3 and its released w2v_generator.py (gensim: window 5, every word kept, 50
    epochs, seed 1), whose embedding variables are not trainable."""

    epochs: int = 50
    window: int = 5
    min_count: int = 1
    seed: int = 1


@dataclass(frozen=True)
class BatchObjective:
    """How a Stochastic WAE row reduces its loss over a batch, as its released model does. Beyond the scale, this
    decides what the elementwise gradient clip (±5) cuts. `token_mean`: "batch" divides the cross-entropy by the
    batch's tokens (sequence_loss averaged over batch and time), "sentence" takes each sentence's own token mean
    (averaged over time only), then their batch mean. `summed`: the released cost is one value per sentence (the
    VAE's reduce_sum, or a scalar loss broadcast against the WAE-S's per-sentence KL), and TensorFlow's gradient
    of it is the gradient of its sum: batch size times that of the mean objective."""

    token_mean: str = "batch"
    summed: bool = False


@dataclass(frozen=True)
class SentenceModelConfig(ModelConfig):
    """The Stochastic WAE paper's LSTM autoencoders and encoder-decoders (families "lstm-ae", "lstm-ed")."""

    word2vec: Word2Vec = field(default_factory=Word2Vec)
    objective: BatchObjective = field(default_factory=BatchObjective)


@dataclass(frozen=True)
class MemoryDialogueConfig(ModelConfig):
    """VMED's encoder-decoders (families "lstm-seq2seq", "lstm-cvae", "vlstm", "dnc", "vmed"): L-layer LSTMs,
    optional attention, an external memory of `memory_slots` x `memory_width` read by `modes` heads while
    decoding (VMED's K)."""

    layers: int = 3
    attention: bool = False
    memory_slots: int = 16
    memory_width: int = 64
    modes: int = 1
    # a word2vec binary file in the data directory whose vectors start the word embedding (reduced to emb_dim by
    # an SVD, suite/data/word_vectors.py); None: the embedding starts as every other weight
    word_vectors: str | None = None
    # training reads the gold previous word; False: the word the model predicted (the released VMED's default)
    teacher_forcing: bool = True

    @property
    def vectors_file(self) -> str | None:
        return self.word_vectors


@dataclass(frozen=True)
class Window:
    """A KL-weight schedule over iterations [start, start + steps]; reduced budgets shrink both in proportion."""

    start: int = 2000
    steps: int = 40000

    def scaled(self, scale: float):
        return replace(self, start=round(self.start * scale), steps=max(1, round(self.steps * scale)))


@dataclass(frozen=True)
class Anneal(Window):
    """Linear KL-weight annealing: weight = clip((iteration - start) / steps, 0, max_weight)."""

    max_weight: float = 1.0

    def weight(self, iteration: int) -> float:
        return min(max(round((iteration - self.start) / self.steps, 6), 0.0), self.max_weight)


@dataclass(frozen=True)
class Cyclical(Window):
    """Cyclical KL annealing (Fu et al. 2019): within [start, start + steps] the weight rises linearly from 0
    to 1 during the first `ratio` of each of `cycles` cycles and stays at 1 for the rest; 1 afterwards."""

    cycles: int = 4
    ratio: float = 0.5

    def weight(self, iteration: int) -> float:
        if iteration < self.start:
            return 0.0
        if iteration > self.start + self.steps:
            return 1.0
        period = self.steps / self.cycles
        phase = ((iteration - self.start) % int(period)) / period
        return 1.0 if phase > self.ratio else phase / self.ratio


@dataclass(frozen=True)
class EpochStepAnneal:
    """A KL weight raised by 1/epochs at the start of each epoch: min(epoch / epochs, 1), 0 in the first, where
    epoch = floor(iteration x batch / pairs) counts the passes over the run's training pairs (the released VMED's
    alpha, which divides by len(dialogs_list_train) although its batches are drawn at random). The trainer sets
    `pairs` from the corpus it trains on (`over`); reduced budgets compress the curve by counting a fraction of
    them as an epoch."""

    batch: int
    epochs: int = 100
    compress: float = 1.0           # reduced budgets: an epoch is this fraction of the training pairs
    pairs: int | None = None        # set by the trainer, from the training split

    def over(self, train_pairs: int) -> EpochStepAnneal:
        return replace(self, pairs=max(1, round(train_pairs * self.compress)))

    def weight(self, iteration: int) -> float:
        return min(iteration * self.batch // self.pairs / self.epochs, 1.0)

    def scaled(self, scale: float) -> EpochStepAnneal:
        return replace(self, compress=self.compress * scale)


@dataclass(frozen=True)
class TFRMSProp:
    """TensorFlow 1's RMSPropOptimizer, as the released VMED code trains with it (qa_task.py: momentum 0.9, the
    other settings TF's defaults), after clipping each parameter's gradient alone to the train config's
    `clip_norm` (vdnc.py: tf.clip_by_norm per variable). TF starts the mean square at 1, not 0, and adds epsilon
    inside the square root: suite/training/tf_rmsprop.py."""

    momentum: float = 0.9
    decay: float = 0.9
    epsilon: float = 1e-10


@dataclass(frozen=True)
class Noam:
    """The Transformer's learning-rate schedule (Vaswani et al. 2017; OpenNMT-py `decay_method: noam`):
    lr = base · scale^-0.5 · min(step^-0.5, step · warmup^-1.5)."""

    warmup: int = 8000
    scale: int = 512
    compress: float = 1.0           # reduced budgets: the same curve over fewer steps (step s reads step s / compress)

    def lr(self, base: float, step: int) -> float:
        step = max(step, 1) / self.compress
        return base * self.scale ** -0.5 * min(step ** -0.5, step * self.warmup ** -1.5)


@dataclass(frozen=True)
class Game:
    """AMI's adversarial training after forward and backward pretraining (ZJULearning/AMI, trainer_conv.py):
    `noise_iterations` of noise pretraining, then cycles of `block` forward batches, `block` backward batches and
    `block` / 2 noise batches; forward and backward take an adversarial step on every other batch of their block."""

    noise_iterations: int = 10000
    block: int = 8                  # gm_iter_count
    samples: int = 5                # noise draws per batch (wh_sample_num)
    noise_lambda: float = 0.1       # h + λ·δ: the supplement's λ of latent noise sampling
    # train.sh's game command passes no -label_smoothing (OpenNMT-py's default 0), and the released reward-weighted
    # loss only runs unsmoothed (it reshapes the criterion's per-token output, which smoothing makes per word too)
    label_smoothing: float = 0.0
    strength_weight: float = 0.1    # reward for the noise's norm (wh_disturb_ratio) ...
    strength_limit: float = 1.0     # ... while the norm is at most this (noise_l2)
    lr: float = 0.01                # SGD for forward and backward (train.sh: --learning_rate 0.01)
    clip_norm: float = 0.1          # train.sh: --max_grad_norm 0.1 (also the adversarial steps' clip in the code)
    noise_pretrain_lr: float = 0.01
    noise_pretrain_clip: float = 5.0   # OpenNMT-py's default max_grad_norm (train.sh gives none for this stage)
    noise_lr: float = 1e-4          # the noise's SGD during the game: 1% of the others' (train_single_conv.py)
    # OpenNMT-py's default SGD schedule, which train.sh leaves on: each player's learning rate is multiplied by
    # `decay` every `decay_every` of its own optimiser steps from step `decay_start` on (optimizers.py).
    decay: float = 0.5
    decay_start: int = 50_000
    decay_every: int = 10_000

    @property
    def cycle(self) -> int:
        """Batches in one round of the game: forward block, backward block, half a block of noise."""
        return int(2.5 * self.block)

    def lr_scale(self, step: int) -> float:
        """The factor on a player's learning rate at its `step`-th optimiser step (1-based, as OpenNMT-py counts)."""
        return self.decay ** (max(step - self.decay_start + self.decay_every, 0) // self.decay_every)

    def batches_for(self, steps: int) -> int:
        """Game batches (after noise pretraining) until the forward and the backward network have each taken
        `steps` optimiser steps. A network steps on every batch of its (even) block and again on every other one,
        so t batches into its block it has taken t + t // 2 steps; the backward block comes second, so it decides."""
        cycles, rest = divmod(steps, self.block + self.block // 2)
        if rest == 0:
            return (cycles - 1) * self.cycle + 2 * self.block
        return cycles * self.cycle + self.block + math.ceil(2 * rest / 3)

    def scaled(self, scale: float) -> Game:
        """The game compressed like the rest of a reduced budget, with one noise draw per step (CPU-sized)."""
        return replace(self, noise_iterations=max(1, round(self.noise_iterations * scale)), samples=1,
                       decay_start=max(1, round(self.decay_start * scale)),
                       decay_every=max(1, round(self.decay_every * scale)))


@dataclass(frozen=True)
class TrainConfig:
    batch_size: int = 32
    # How an epoch is cut into batches (suite/data/batching.py): "shuffled", as the released Coupled-VAE code
    # draws them; "length-grouped", sentences of similar length together (less padding). With
    # summed token losses and norm clipping the two weight tokens differently: clipping scales long-sentence
    # batches down more when they are grouped (tests/benchmarks/NOTES.md, section 12). "context-sorted" and
    # "response-sorted": OpenNMT-py's pools (the AMI code), dialogue pairs sorted by the source that the forward
    # (context) or backward (response) network reads, then by its target. "shuffled-once": one permutation for the
    # whole run, the same full batches every epoch (the remainder left out), as the Stochastic WAE code slices its
    # once-shuffled corpus. "sampled": each batch drawn at random with replacement, as the VMED code draws them.
    batches: str = "shuffled"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    iterations: int = 60000
    finish_epoch: bool = True       # the released code stops at the end of the epoch that reaches `iterations`
    lr_decay_start: int = 30000     # halve the learning rate every `lr_decay_every` iterations after this
    lr_decay_every: int = 2000
    clip_norm: float | None = 30.0  # None: no clipping
    kl_anneal: Anneal | Cyclical | EpochStepAnneal | None = field(default_factory=Anneal)
    # The released code lists the shared word embedding once per module that holds it in Adam's parameter
    # list, so it gets that many Adam updates per iteration and counts that often in gradient clipping.
    duplicate_embedding_updates: bool = True
    valid_every: int = 1000
    valid_samples: int = 10         # importance samples for the validation NLL (model selection)
    valid_sentences: int | None = None
    max_len: int = 200              # longer texts are truncated
    # Start from another row's trained weights, same dataset, budget and seed: PreFB (Li et al. 2019) from the
    # DAE's encoder, word embedding and posterior mean; AMI's rows from the networks they build on.
    init_from: str | None = None
    # Figure 2: gradient norms w.r.t. e on the test set at every validation (None: all test sentences).
    track_gradients: bool = False
    track_sentences: int | None = None
    adam_eps: float = 1e-8
    noam: Noam | None = None        # replaces the halving schedule when given
    keep_last: bool = False         # keep the final weights (validation only logged), not the best validated ones
    game: Game | None = None        # AMI's adversarial game (suite/training/game.py)

    def final_iteration(self, train_size: int) -> int:
        """The iteration training ends at, over `train_size` training examples."""
        if not self.finish_epoch:
            return self.iterations
        epoch = -(-train_size // self.batch_size)
        return -(-self.iterations // epoch) * epoch


@dataclass(frozen=True)
class DialogueTrainConfig(TrainConfig):
    """TrainConfig plus VMED's preprocessing window: the last `context_len` words of each context and the first
    `response_len` of each response are kept; and how the weights are selected: by the validation NLL, or
    (`select_by="bleu"`) by the mean sentence BLEU-4 of greedy validation responses, from `select_after` on.
    Greedy responses (validation and test) are decoded in batches of `batch_size` consecutive pairs, each for
    its longest gold response + `decode_past_gold` steps (the released decode_length, the first step predicting
    <go>: suite/evaluation/vmed_responses.py)."""

    context_len: int = 20
    response_len: int = 10
    decode_past_gold: int = 2
    select_by: str = "nll"          # "nll" | "bleu"
    select_after: int = 0           # no weights are selected at or before this iteration
    rmsprop: TFRMSProp | None = None    # replaces Adam and its global-norm clipping


@dataclass(frozen=True)
class EpochTrainConfig:
    """He et al. (2019)'s released training procedure (vae-lagging-encoder), which the Coupled-VAE paper
    modified for its Lagging-VAE and SA-VAE rows: plain SGD, epochs of same-length batches, the KL weight
    rising per iteration from `kl_start` by `kl_rise` over `warm_up_epochs`, and the learning rate decayed
    (with the best weights reloaded) when the validation loss stops improving."""

    batch_size: int = 32
    lr: float = 1.0
    clip_norm: float = 5.0
    epochs: int = 100
    max_iterations: int | None = None    # reduced budgets stop here
    kl_start: float = 0.1
    kl_rise: float = 0.9
    warm_up_epochs: float = 10.0
    warm_up_iterations: int | None = None   # reduced budgets give the warm-up length directly
    # He et al. count an epoch of warm-up as N / batch_size iterations; harvardnlp/sa-vae's train_text.py as the
    # epoch's batches (more: same-length batches leave partial ones)
    warm_up_over_batches: bool = False
    decay_patience: int = 2              # validation epochs without improvement before a decay
    lr_decay: float = 0.5
    max_decays: int = 5
    decay_from_epoch: int = 15           # no decay before this epoch, counted from 0 (the released `epoch >= 15`)
    separate_optimizers: bool = True     # encoder and decoder SGD optimisers (aggressive training needs them)
    aggressive: bool = False             # Lagging-VAE: encoder inner loop until validation MI stops rising
    aggressive_steps: int = 99           # at most this many encoder steps per decoder step
    aggressive_window: int = 15          # steps per loss window of the inner loop's stopping rule
    valid_sentences: int | None = None
    max_len: int | None = None


@dataclass(frozen=True)
class EvalConfig:
    """How the paper measured (../shared/METRICS.md); reduced budgets override some counts."""

    nll_samples: int = 100
    test_sentences: int | None = None
    mi_samples: int = 100
    mi_batch: int = 513             # M = 512 other sentences per estimate of q(z)
    bleu_samples: int = 10
    bleu_sentences: int | None = None
    dist_samples: int = 3200
    decode_max_len: int = 200
    mask_unk: bool = True           # the released decoder never emits <unk> when generating
    kl_estimator: str = "monte-carlo"     # "monte-carlo" (Coupled-VAE) | "closed-form" (He et al.'s code)
    mi_estimator: str = "leave-one-out"   # "leave-one-out" (Coupled-VAE) | "minibatch" (He et al.'s calc_mi)


@dataclass(frozen=True)
class RunConfig:
    model_id: str
    dataset: str
    model: ModelConfig
    train: TrainConfig | EpochTrainConfig | EpochAdamConfig      # one registered procedure each
    eval: EvalConfig = field(default_factory=EvalConfig)

    def to_dict(self) -> dict:
        return asdict(self)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

    def with_dataset(self, dataset: str) -> RunConfig:
        return replace(self, dataset=dataset)

    def with_changes(self, changes: Mapping[str, object]) -> RunConfig:
        """This config with fields changed by dotted path, e.g. {"model.transformer.layers": 2,
        "train.batch_size": 32}; a path that names no field is refused."""
        config = self
        for path, value in changes.items():
            config = _changed(config, path.split("."), value, path)
        return config


def _changed(obj, names: list[str], value, path: str):
    head, rest = names[0], names[1:]
    if not is_dataclass(obj) or head not in {f.name for f in fields(obj)}:
        raise ValueError(f"config has no field {path!r} ({type(obj).__name__} has no {head!r})")
    return replace(obj, **{head: _changed(getattr(obj, head), rest, value, path) if rest else value})


# --- Stochastic WAE (Bahuleyan et al. 2019): epoch-based Adam training of LSTM (encoder-)decoders ------------


@dataclass(frozen=True)
class MMDRegulariser(Regulariser):
    """WAE's regulariser as the released Stochastic WAE code computes it: λ_WAE · MMD between the batch's codes
    and as many prior samples (inverse multiquadratic kernel, C = kernel_base · d · s over seven scales s), plus,
    for a Gaussian encoder, λ_KL · KL(N(μ, σ²) ‖ N(μ, I)) so that σ does not collapse (WAE-S)."""

    family: str = "mmd"
    aux_kl_weight: float = 0.0
    kernel_base: float = 4.0        # released code: Cbase = 2 · latent_dim · 2σ²_p with σ²_p = 1


@dataclass(frozen=True)
class SigmoidAnneal:
    """The released VAE's 'tanh' KL schedule, (tanh((t - centre) / width) + 1) / 2 after t steps, frozen from
    step `stop` on (the paper's 'peaking annealing': annealing stopped once λ·KL peaked)."""

    centre: int = 4500
    width: int = 1000
    stop: int = 3000

    def weight(self, steps: float) -> float:
        """The weight of the step after `steps` finished steps (0 for the first, as the released loop)."""
        if steps <= 0:
            return 0.0
        return round((math.tanh((min(steps, self.stop) - self.centre) / self.width) + 1) / 2, 6)


@dataclass(frozen=True)
class ConstantKL:
    """A fixed KL weight λ from the first step (Stochastic WAE Figure 3's VAEs trained without annealing)."""

    value: float = 1.0

    def weight(self, steps: float) -> float:
        return self.value


@dataclass(frozen=True)
class WordDropout:
    """Decoder-input word dropout rising by `step` after every epoch up to `max_rate` (released VAE: keep
    probability 1.0 in the first epoch, 0.95 in the second, ... never below 0.5)."""

    step: float = 0.05
    max_rate: float = 0.5

    def rate(self, epoch: int) -> float:
        """Rate during `epoch` (0-based)."""
        return round(min(self.max_rate, self.step * epoch), 6)


@dataclass(frozen=True)
class EpochAdamConfig:
    """Epochs of Adam with per-element gradient clipping and a per-epoch learning-rate decay, as the released
    Stochastic WAE code trains (SNLI: 20 epochs, fixed 1e-3; dialogue: 200 epochs, ×0.98 a epoch down to 1e-5).
    `iterations` (reduced budgets) stops early and compresses every schedule to fit, as other budgets do."""

    batch_size: int = 128
    lr: float = 1e-3
    lr_decay: float = 1.0
    min_lr: float = 1e-5
    epochs: int = 20
    clip_value: float = 5.0
    batches: str = "shuffled"       # as TrainConfig.batches
    # The released code keeps 20 token slots (`num_tokens`): the first 20 words, then <eos> where it fits. With 20
    # words the batches hold every word the released ones hold; a sentence of 20 or more words gains an <eos>
    # target that the released slots have no room for.
    max_len: int = 20
    kl_anneal: SigmoidAnneal | ConstantKL | None = None
    word_dropout: WordDropout | None = None
    iterations: int | None = None   # None: all epochs; otherwise this many steps
    valid_sentences: int | None = None
