"""An LSTM encoder–decoder with Luong attention for translation (§1, §4 applied).

    source ids -> Embedding -> encoder LSTM (return_sequences + return_state)
                                   |  memory (every step)      | final (h, c)
    target ids -> Embedding -> decoder LSTM, initial_state = encoder's (h, c)
                                   |
                     Luong attention over the memory (source padding masked)
                                   |
                 tanh(W_c [context; h_t]) -> Dense(vocabulary) = logits

The encoder's final `(h, c)` comes from `return_state` via `tf_lstm.run_lstm`:
this is how the article's §4 flag hands the source's memory to the decoder.
Scores are scaled by 1/sqrt(units): without it, attention collapses onto one
source position early in training.

Padding is id 0 everywhere (`tf_lstm.text`); `masked_loss` and
`MaskedAccuracy` never count it. Training may instead use a sampled softmax
(`TranslatorConfig.sampled_softmax`, `sampled_softmax_loss`): the same model,
scored in training against a sample of the target vocabulary.

The model is written in `keras.ops` only, so it runs on any Keras 3 backend
(TensorFlow here; `benchmarks/gpu.py` trains it with PyTorch and JAX on a GPU).
"""

import dataclasses
import numbers

import keras
from keras import ops

from tf_lstm import checks
from tf_lstm.layers import lstm, run_lstm
from tf_lstm.text import GROUPINGS, PAD_ID, START_ID, UNK_ID


@dataclasses.dataclass
class TranslatorConfig:
    """Every hyperparameter of the translator, with the demo's defaults."""

    embedding_dim: int = 128       # size of the word embeddings, both languages
    units: int = 256               # LSTM units of encoder and decoder (h and c size)
    dropout: float = 0.1           # dropout on embeddings and the attentional layer
    max_source_vocabulary: int = 8000   # English vocabulary cap, reserved ids included
    max_target_vocabulary: int = 8000   # French vocabulary cap, reserved ids included
    max_length: int = 40           # longest sentence (tokens) used in training/decoding
    batch_size: int = 64           # sentence pairs per training batch
    length_grouping: str = "buckets"  # "buckets", "sorted" or "padded": tf_lstm.text.make_dataset
    learning_rate: float = 2e-3    # Adam learning rate of the first epoch
    lr_decay: float = 1.0          # multiply the learning rate by this after each epoch
    clipnorm: float = 1.0          # clip each weight gradient's norm (Keras clipnorm is per tensor)
    sampled_softmax: int = 0       # train on a softmax over this many sampled words (0 = full)
    epochs: int = 10               # upper bound; early stopping usually ends sooner
    patience: int = 2              # epochs without validation improvement before stopping
    seed: int = 0                  # seeds weights, dropout and shuffling

    def __post_init__(self):
        for name in ("embedding_dim", "units", "max_source_vocabulary",
                     "max_target_vocabulary", "max_length", "batch_size",
                     "epochs", "patience"):
            checks.positive_int(name, getattr(self, name))
        if self.length_grouping not in GROUPINGS:
            raise ValueError(f"Argument `length_grouping` must be one of {GROUPINGS}. "
                             f"Received: length_grouping={self.length_grouping!r}")
        if (isinstance(self.sampled_softmax, bool)
                or not isinstance(self.sampled_softmax, numbers.Integral)
                or self.sampled_softmax < 0):
            raise ValueError("Argument `sampled_softmax` must be an int >= 0 (0 = full "
                             f"softmax). Received: sampled_softmax={self.sampled_softmax!r}")
        for name in ("dropout",):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"Argument `{name}` must be in [0, 1). "
                                 f"Received: {name}={value!r}")
        if not 0.0 < self.lr_decay <= 1.0:
            raise ValueError("Argument `lr_decay` must be in (0, 1]. "
                             f"Received: lr_decay={self.lr_decay!r}")
        for name in ("learning_rate", "clipnorm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Argument `{name}` must be positive. "
                                 f"Received: {name}={getattr(self, name)!r}")


def _einsum_keys(memory, W):
    """`einsum("bsu,vu->bsv", memory, W)`, the attention keys.

    Keras's TensorFlow backend rewrites this einsum as a transpose and a
    matmul, whose gradient rounds differently in the last bit from `tf.einsum`'s.
    The committed notebooks and the README's numbers were trained with
    `tf.einsum`, so on TensorFlow it is called directly and they reproduce bit
    for bit; the other backends get `keras.ops.einsum`.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # only on this backend: the others need no TF

        return tf.einsum("bsu,vu->bsv", memory, W)
    return ops.einsum("bsu,vu->bsv", memory, W)


@keras.saving.register_keras_serializable(package="tf_lstm")
class LuongAttention(keras.layers.Layer):
    """Luong "general" attention: score(h_t, s) = h_t W s / sqrt(units).

    Call arguments:
        query: decoder states `(batch, target_steps, units)`.
        memory: encoder outputs `(batch, source_steps, units)`.
        memory_mask: boolean `(batch, source_steps)`; False marks padding,
            which gets zero weight.

    Returns:
        `(context, weights)`: `(batch, target_steps, units)` and
        `(batch, target_steps, source_steps)`, each row of weights summing to 1.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # takes the source mask explicitly instead

    def compute_mask(self, *args, **kwargs):
        return None

    def build(self, query_shape, memory_shape=None, memory_mask_shape=None):
        units = query_shape[-1]
        self.W = self.add_weight(shape=(units, units), name="W",
                                 initializer="glorot_uniform")

    def call(self, query, memory, memory_mask):
        units = ops.cast(ops.shape(query)[-1], query.dtype)
        keys = _einsum_keys(memory, self.W)                       # (batch, source, units)
        scores = ops.einsum("btu,bsu->bts", query, keys) / ops.sqrt(units)
        scores = ops.where(memory_mask[:, None, :], scores,
                           ops.cast(-1e9, scores.dtype))         # (batch, target, source)
        weights = ops.softmax(scores, axis=-1)
        return ops.einsum("bts,bsu->btu", weights, memory), weights


@keras.saving.register_keras_serializable(package="tf_lstm")
class Translator(keras.Model):
    """The encoder–decoder. Inputs are id sequences; see `tf_lstm.text`.

    Args:
        source_vocabulary, target_vocabulary: token lists (id = index).
        config: a `TranslatorConfig` or its dict.

    Call arguments:
        inputs: `(source_ids (batch, S), target_in (batch, T))`, 0 = padding.

    Returns:
        logits `(batch, T, target vocabulary size)`; except that with
        `config.sampled_softmax > 0` a training call returns
        `{"hidden": (batch, T, units)}`, the output layer's input, which
        `compute_loss` scores with `sampled_softmax_loss` so that the full
        logits are never computed in training.
    """

    def __init__(self, source_vocabulary, target_vocabulary, config=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(config, dict):
            config = TranslatorConfig(**config)
        self.config = config or TranslatorConfig()
        self.source_vocabulary = list(source_vocabulary)
        self.target_vocabulary = list(target_vocabulary)
        c = self.config
        self.source_embedding = keras.layers.Embedding(len(self.source_vocabulary),
                                                       c.embedding_dim)
        self.target_embedding = keras.layers.Embedding(len(self.target_vocabulary),
                                                       c.embedding_dim)
        self.embedding_dropout = keras.layers.Dropout(c.dropout)
        self.encoder = lstm(c.units, return_sequences=True, return_state=True)
        self.decoder = lstm(c.units, return_sequences=True, return_state=True)
        self.attention = LuongAttention()
        self.attentional = keras.layers.Dense(c.units, activation="tanh")
        self.output_dropout = keras.layers.Dropout(c.dropout)
        self.logits = keras.layers.Dense(len(self.target_vocabulary))
        if c.sampled_softmax:
            if c.sampled_softmax >= len(self.target_vocabulary):
                raise ValueError(
                    "Argument `sampled_softmax` must be smaller than the target "
                    f"vocabulary ({len(self.target_vocabulary)} words), or 0 for the "
                    f"full softmax. Received: sampled_softmax={c.sampled_softmax}")
            self.sampler_seed = keras.random.SeedGenerator(c.seed)

    def encode(self, source_ids, training=False):
        """Encode source ids; returns the decoder's initial state (a dict)."""
        mask = ops.not_equal(source_ids, PAD_ID)                 # (batch, S)
        x = self.embedding_dropout(self.source_embedding(source_ids),
                                   training=training)            # (batch, S, emb)
        out = run_lstm(self.encoder, x, mask=mask, training=training)
        return {"h": out.h, "c": out.c, "memory": out.sequence, "mask": mask}

    def decode(self, target_in, state, training=False):
        """Teacher-forced (or one-step) decoding from `state`.

        Returns:
            `(logits (batch, T, vocab), new_state, attention (batch, T, S))`.
        """
        hidden, state, weights = self._hidden(target_in, state, training)
        return self.logits(hidden), state, weights

    def _hidden(self, target_in, state, training):
        """`decode` up to the output layer: its (dropped-out) input `(batch, T, units)`."""
        x = self.embedding_dropout(self.target_embedding(target_in),
                                   training=training)            # (batch, T, emb)
        out = run_lstm(self.decoder, x, initial_state=[state["h"], state["c"]],
                       mask=ops.not_equal(target_in, PAD_ID), training=training)
        context, weights = self.attention(out.sequence, state["memory"], state["mask"])
        hidden = self.attentional(ops.concatenate([context, out.sequence], axis=-1))
        hidden = self.output_dropout(hidden, training=training)
        return hidden, dict(state, h=out.h, c=out.c), weights

    def decode_step(self, tokens, state):
        """One decoding step for `tf_lstm.decode`: `(batch,)` ids -> `(batch, vocab)`.

        Padding, `[UNK]` and `[START]` are never generated (their logits are
        set to -1e9): an `[UNK]` in a translation tells the reader nothing, so
        the decoder commits to the most likely real word instead.
        """
        logits, state, _ = self.decode(tokens[:, None], state)
        banned = ops.sum(ops.one_hot(ops.convert_to_tensor([PAD_ID, UNK_ID, START_ID]),
                                     ops.shape(logits)[-1]), axis=0) > 0
        return ops.where(banned, ops.cast(-1e9, logits.dtype), logits[:, 0]), state

    def call(self, inputs, training=False):
        """Logits `(batch, T, vocab)`; see the class docstring for the sampled case."""
        source_ids, target_in = inputs
        hidden, _, _ = self._hidden(target_in, self.encode(source_ids, training),
                                    training)
        if training and self.config.sampled_softmax:
            if not self.logits.built:  # compute_loss reads its weights
                self.logits.build(hidden.shape)
            return {"hidden": hidden}  # the sampled loss needs no full logits
        return self.logits(hidden)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     training=True):
        """The compiled loss, or the sampled softmax loss on a sampled training step."""
        if not isinstance(y_pred, dict):
            return super().compute_loss(x, y, y_pred, sample_weight, training=training)
        if sample_weight is not None:
            raise ValueError("Argument `sample_weight` is not supported with "
                             "`sampled_softmax` training. Received a sample_weight.")
        return sampled_softmax_loss(y, y_pred["hidden"], self.logits.kernel,
                                    self.logits.bias, self.config.sampled_softmax,
                                    seed=self.sampler_seed)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Keras's metrics; a sampled training step reports its loss only.

        Token accuracy needs every word's logit, which is what sampling avoids
        computing; validation (full softmax) still reports it.
        """
        if not isinstance(y_pred, dict):
            return super().compute_metrics(x, y, y_pred, sample_weight)
        loss = next(metric for metric in self.metrics if metric.name == "loss")
        return {"loss": loss.result()}

    def get_metrics_result(self):
        """Keras's, leaving out compiled metrics that no step has updated yet.

        With `sampled_softmax`, training steps never update token accuracy, so
        Keras's version would fail at the end of the first epoch.
        """
        if not self.config.sampled_softmax:
            return super().get_metrics_result()
        results = {}
        for metric in self.metrics:
            if getattr(metric, "built", True):  # the loss tracker has no `built`
                result = metric.result()
                results.update(result if isinstance(result, dict) else
                               {metric.name: result})
        return results

    def get_config(self):
        return {"source_vocabulary": self.source_vocabulary,
                "target_vocabulary": self.target_vocabulary,
                "config": dataclasses.asdict(self.config), "name": self.name}


@keras.saving.register_keras_serializable(package="tf_lstm")
def masked_loss(y_true, logits):
    """Cross-entropy averaged over real (non-padding) target tokens only."""
    mask = ops.cast(ops.not_equal(y_true, PAD_ID), logits.dtype)
    losses = keras.losses.sparse_categorical_crossentropy(
        y_true, logits, from_logits=True)                        # (batch, T)
    return ops.sum(losses * mask) / ops.maximum(ops.sum(mask), 1.0)


def log_uniform_log_probabilities(size):
    """log q(k) of the log-uniform (Zipf) distribution over ids `0 .. size-1`.

    `q(k) = log((k + 2) / (k + 1)) / log(size + 1)`, TensorFlow's
    `log_uniform_candidate_sampler`: it suits vocabularies sorted by
    frequency, as `tf_lstm.text.build_vocabulary` sorts them.
    """
    ids = ops.arange(size, dtype="float32")
    return ops.log(ops.log((ids + 2.0) / (ids + 1.0)) / ops.log(size + 1.0))


def sampled_softmax_loss(y_true, hidden, kernel, bias, num_sampled, seed=None,
                         sampled=None):
    """Sampled softmax cross-entropy over real target tokens (Jean et al., 2015).

    Each training step scores every position against its own word and
    `num_sampled` words drawn (with replacement) from the log-uniform
    distribution, shared by the batch, instead of against the whole vocabulary:
    the output layer's cost falls from `vocab` to `num_sampled + 1` columns.
    Each logit is corrected by `-log(num_sampled * q(word))`, so the loss
    estimates the full softmax's gradient; a sampled word equal to a
    position's own word is removed for that position ("accidental hit").
    This is `tf.nn.sampled_softmax_loss` with `remove_accidental_hits=True` and
    a with-replacement log-uniform sampler, masked and averaged like
    `masked_loss` (`tests/test_sampled_softmax.py` checks the two agree), except
    that when a position's own word is drawn several times every copy is
    removed: TensorFlow's `compute_accidental_hits` removes only one.

    The value is not the full cross-entropy (for the same weights it is
    lower on average); only its gradient approximates the full one's.
    Validation uses the full softmax.

    Args:
        y_true: target ids `(batch, T)`; 0 (padding) is not counted.
        hidden: the output layer's input `(batch, T, units)`.
        kernel, bias: the output layer's weights `(units, vocab)` and `(vocab,)`.
        num_sampled: words drawn per batch, below `vocab`.
        seed: an int or `keras.random.SeedGenerator` for the draw.
        sampled: optional `(num_sampled,)` ids to use instead of drawing.

    Returns:
        A scalar: the mean over non-padding positions.
    """
    vocab = ops.shape(kernel)[-1]
    log_q = log_uniform_log_probabilities(vocab)
    if sampled is None:
        sampled = keras.random.categorical(log_q[None, :], num_sampled, seed=seed)[0]
    log_k = ops.log(ops.cast(num_sampled, "float32"))
    units = ops.shape(hidden)[-1]
    labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")       # (N,)
    sampled = ops.cast(sampled, "int32")                         # (K,)
    h = ops.reshape(hidden, (-1, units))                         # (N, units)
    true_w = ops.transpose(ops.take(kernel, labels, axis=1))     # (N, units)
    true_logits = (ops.sum(h * true_w, axis=-1) + ops.take(bias, labels)
                   - log_k - ops.take(log_q, labels))            # (N,)
    sampled_logits = (ops.matmul(h, ops.take(kernel, sampled, axis=1))
                      + ops.take(bias, sampled) - log_k
                      - ops.take(log_q, sampled))                # (N, K)
    hits = ops.equal(labels[:, None], sampled[None, :])
    sampled_logits = ops.where(hits, ops.cast(-1e9, sampled_logits.dtype),
                               sampled_logits)
    logits = ops.concatenate([true_logits[:, None], sampled_logits], axis=-1)
    losses = ops.logsumexp(logits, axis=-1) - true_logits        # (N,)
    mask = ops.cast(ops.not_equal(labels, PAD_ID), losses.dtype)
    return ops.sum(losses * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="tf_lstm")
class MaskedAccuracy(keras.metrics.Metric):
    """Token accuracy over real target tokens (padding never counts)."""

    def __init__(self, name="token_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, y_true, logits, sample_weight=None):
        mask = ops.not_equal(y_true, PAD_ID)
        hits = ops.equal(ops.cast(y_true, "int32"), ops.argmax(logits, axis=-1))
        self.correct.assign_add(ops.sum(ops.cast(ops.logical_and(hits, mask), self.dtype)))
        self.total.assign_add(ops.sum(ops.cast(mask, self.dtype)))

    def result(self):
        return self.correct / ops.maximum(self.total, 1.0)


def compile_translator(model):
    """Adam with gradient clipping, the masked loss and masked accuracy."""
    c = model.config
    model.compile(optimizer=keras.optimizers.Adam(c.learning_rate, clipnorm=c.clipnorm),
                  loss=masked_loss, metrics=[MaskedAccuracy()])
    return model
