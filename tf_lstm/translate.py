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
`MaskedAccuracy` never count it.

The model is written in `keras.ops` only, so it runs on any Keras 3 backend
(TensorFlow here; `benchmarks/gpu.py` trains it with PyTorch and JAX on a GPU).
"""

import dataclasses

import keras
from keras import ops

from tf_lstm import checks
from tf_lstm.layers import lstm, run_lstm
from tf_lstm.text import PAD_ID, START_ID, UNK_ID


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
    length_grouping: str = "buckets"  # "buckets" or "sorted": see tf_lstm.text.make_dataset
    learning_rate: float = 2e-3    # Adam learning rate of the first epoch
    lr_decay: float = 1.0          # multiply the learning rate by this after each epoch
    clipnorm: float = 1.0          # clip each weight gradient's norm (Keras clipnorm is per tensor)
    epochs: int = 10               # upper bound; early stopping usually ends sooner
    patience: int = 2              # epochs without validation improvement before stopping
    seed: int = 0                  # seeds weights, dropout and shuffling

    def __post_init__(self):
        for name in ("embedding_dim", "units", "max_source_vocabulary",
                     "max_target_vocabulary", "max_length", "batch_size",
                     "epochs", "patience"):
            checks.positive_int(name, getattr(self, name))
        if self.length_grouping not in ("buckets", "sorted"):
            raise ValueError("Argument `length_grouping` must be 'buckets' or 'sorted'. "
                             f"Received: length_grouping={self.length_grouping!r}")
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
        logits `(batch, T, target vocabulary size)`.
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
        x = self.embedding_dropout(self.target_embedding(target_in),
                                   training=training)            # (batch, T, emb)
        out = run_lstm(self.decoder, x, initial_state=[state["h"], state["c"]],
                       mask=ops.not_equal(target_in, PAD_ID), training=training)
        context, weights = self.attention(out.sequence, state["memory"], state["mask"])
        hidden = self.attentional(ops.concatenate([context, out.sequence], axis=-1))
        logits = self.logits(self.output_dropout(hidden, training=training))
        return logits, dict(state, h=out.h, c=out.c), weights

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
        source_ids, target_in = inputs
        logits, _, _ = self.decode(target_in, self.encode(source_ids, training),
                                   training)
        return logits

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
