"""An LSTM encoder–decoder with Luong attention for translation (§1, §4 applied).

    source ids -> Embedding -> encoder LSTM (return_sequences + return_state)
                                   |  memory (every step)      | final (h, c)
    target ids -> Embedding -> decoder LSTM, initial_state = encoder's (h, c)
                                   |
                     Luong attention over the memory (source padding masked)
                                   |
          h~ = tanh(W_c [context; h_t]) -> Dense(vocabulary) = logits

The encoder's final `(h, c)` comes from `return_state` via `tf_lstm.run_lstm`:
this is how the article's §4 flag hands the source's memory to the decoder.
Attention scores are scaled by 1/sqrt(units), as in Vaswani et al. (2017):
the dot product of two `units`-long vectors grows with `units`, and unscaled
scores push the softmax towards a single source position.

The levers of `TranslatorConfig` (all off by default: the picture above)
change it in five places:

- `bidirectional`: the encoder is a `keras.layers.Bidirectional` LSTM,
  `units // 2` units each way; the memory at each source position is
  [forward; backward] (`units` long), and the decoder starts from both
  directions' final `(h, c)` concatenated. Padding is at the end of each
  row, and the backward direction starts at the row's last real token.
- `input_feeding` (Luong et al., 2015): the decoder's input at step t is
  [embedding(y_{t-1}); h~_{t-1}], so the decoder runs one step at a time with
  attention inside the loop (`tf_lstm.translation.decoder`), and the decoding
  state carries h~ as "feed".
- `attention_scale=False`: the scores are not divided by sqrt(units).
- `tie_embeddings` (Press & Wolf, 2017): logits = h~ E^T + b, E the target
  embedding matrix, so h~ has `embedding_dim` units and there is no
  separate output kernel.
- `precision="mixed_bfloat16"`: every layer computes in bfloat16 with float32
  variables; the output layer (logits), attention's softmax and the loss
  compute in float32.

Padding is id 0 everywhere (`tf_lstm.translation.vocab`); `masked_loss` and
`MaskedAccuracy` never count it.

The model is written in `keras.ops` only and imports no TensorFlow (except
`global_token_count` and the multi-worker workarounds, on the TensorFlow
backend, for `tf.distribute`), so it runs on any Keras 3 backend
(`benchmarks/gpu.py` trains it with PyTorch and JAX).
"""

import dataclasses

import keras
from keras import ops

from tf_lstm import checks
from tf_lstm.layers import lstm, run_lstm
from tf_lstm.translation import distribute
from tf_lstm.translation.config import TranslatorConfig
from tf_lstm.translation.decoder import run_input_feeding
from tf_lstm.translation.tokens import PAD_ID, START_ID, UNK_ID


@keras.saving.register_keras_serializable(package="tf_lstm")
class LuongAttention(keras.layers.Layer):
    """Luong "general" attention: score(h_t, s) = h_t W s / sqrt(units).

    Args:
        scale: True divides the scores by sqrt(units) (the default); False
            leaves them unscaled, as Luong et al. (2015) wrote them.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        query: decoder states `(batch, target_steps, units)`.
        memory: encoder outputs `(batch, source_steps, units)`.
        memory_mask: boolean `(batch, source_steps)`; False marks padding,
            which gets zero weight.

    Returns:
        `(context, weights)`: `(batch, target_steps, units)` and
        `(batch, target_steps, source_steps)`, each row of weights summing to 1.
        The scores and weights are float32 whatever the layer's dtype policy
        (the context is in its compute dtype).

    Raises:
        ValueError: if `scale` is not a bool.

    Example:

    >>> import numpy as np
    >>> query, memory = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
    >>> mask = np.array([[True] * 5, [True, True, False, False, False]])
    >>> context, weights = LuongAttention()(query, memory, mask)
    >>> tuple(context.shape), np.asarray(weights[1, 0]).round(2).tolist()
    ((2, 3, 4), [0.5, 0.5, 0.0, 0.0, 0.0])
    """

    def __init__(self, scale=True, **kwargs):
        super().__init__(**kwargs)
        self.scale = checks.boolean("scale", scale)
        self.supports_masking = True  # takes the source mask explicitly instead

    def compute_mask(self, *args, **kwargs):
        return None

    def build(self, query_shape, memory_shape=None, memory_mask_shape=None):
        units = query_shape[-1]
        self.W = self.add_weight(shape=(units, units), name="W",
                                 initializer="glorot_uniform")

    def call(self, query, memory, memory_mask):
        keys = ops.einsum("bsu,vu->bsv", memory, self.W)                     # (batch, source, units)
        scores = ops.cast(ops.einsum("btu,bsu->bts", query, keys), "float32")
        if self.scale:
            scores = scores / ops.sqrt(ops.cast(ops.shape(query)[-1], "float32"))
        scores = ops.where(memory_mask[:, None, :], scores, -1e9)  # (batch, target, source)
        weights = ops.softmax(scores, axis=-1)
        return ops.einsum("bts,bsu->btu", ops.cast(weights, memory.dtype), memory), weights

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="tf_lstm")
class Translator(keras.Model):
    """The encoder–decoder. Inputs are id sequences; see `tf_lstm.translation.vocab`.

    The config's levers (module docstring) choose the encoder (one LSTM of
    `units`, or a bidirectional one of `units // 2` each way), the decoder
    (the LSTM over the whole target, then attention; or, with
    `input_feeding`, one step at a time with attention inside), the output
    layer (its own kernel, or the target embedding transposed with
    `tie_embeddings`: the attentional vector h~ then has `embedding_dim`
    units instead of `units`) and the layers' dtype policy (`precision`).

    Args:
        source_vocabulary, target_vocabulary: token lists (id = index).
        config: a `TranslatorConfig` or its dict (a dict saved before a field
            existed gets that field's default).

    Call arguments:
        inputs: `(source_ids (batch, S), target_in (batch, T))`, 0 = padding.

    Returns:
        float32 logits `(batch, T, target vocabulary size)`.

    Example:

    >>> import numpy as np
    >>> from tf_lstm.translation.config import TranslatorConfig
    >>> reserved = ["", "[UNK]", "[START]", "[END]"]
    >>> model = Translator(reserved + ["hi"], reserved + ["salut"],
    ...                    TranslatorConfig(embedding_dim=4, units=8))
    >>> tuple(model((np.array([[4, 0]]), np.array([[2, 4, 0]]))).shape)
    (1, 3, 5)
    """

    def __init__(self, source_vocabulary, target_vocabulary, config=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(config, dict):
            config = TranslatorConfig(**config)
        self.config = config or TranslatorConfig()
        self.source_vocabulary = list(source_vocabulary)
        self.target_vocabulary = list(target_vocabulary)
        c = self.config
        # bfloat16: every layer's policy (the logits stay float32); float32: None, so the
        # layers follow Keras's global dtype policy as they did before `precision` existed
        dtype = None if c.precision == "float32" else c.precision
        self.source_embedding = keras.layers.Embedding(len(self.source_vocabulary),
                                                       c.embedding_dim, dtype=dtype)
        self.target_embedding = keras.layers.Embedding(len(self.target_vocabulary),
                                                       c.embedding_dim, dtype=dtype)
        self.embedding_dropout = keras.layers.Dropout(c.dropout, dtype=dtype)
        if c.bidirectional:
            self.encoder = keras.layers.Bidirectional(
                lstm(c.units // 2, return_sequences=True, return_state=True, dtype=dtype),
                dtype=dtype)
        else:
            self.encoder = lstm(c.units, return_sequences=True, return_state=True,
                                dtype=dtype)
        # With input feeding, only its cell is used, one step at a time.
        self.decoder = lstm(c.units, return_sequences=True, return_state=True, dtype=dtype)
        self.attention = LuongAttention(scale=c.attention_scale, dtype=dtype)
        self.attentional = keras.layers.Dense(
            c.embedding_dim if c.tie_embeddings else c.units, activation="tanh",
            dtype=dtype)
        self.output_dropout = keras.layers.Dropout(c.dropout, dtype=dtype)
        if c.tie_embeddings:
            self.logits = TiedLogits(len(self.target_vocabulary), dtype="float32")
        else:
            self.logits = keras.layers.Dense(len(self.target_vocabulary), dtype="float32")

    def encode(self, source_ids, training=False):
        """Encode source ids into the decoder's initial state.

        Args:
            source_ids: int `(batch, S)`, 0 = padding.
            training: whether dropout is on.

        Returns:
            A dict: "h" and "c" `(batch, units)`, the encoder's final states
            (with `bidirectional`, forward and backward concatenated);
            "memory" `(batch, S, units)`, its outputs for attention (forward
            and backward at each source position); "mask" bool `(batch, S)`,
            False at padding. With `input_feeding`, also "feed": zeros
            `(batch, A)`, the attentional vector before the first step (A =
            `embedding_dim` with `tie_embeddings`, else `units`). Float
            tensors are in the layers' compute dtype (bfloat16 under
            `mixed_bfloat16`).
        """
        mask = ops.not_equal(source_ids, PAD_ID)                 # (batch, S)
        x = self.embedding_dropout(self.source_embedding(source_ids),
                                   training=training)            # (batch, S, emb)
        if self.config.bidirectional:
            memory, h, c, h_back, c_back = self.encoder(x, mask=mask, training=training)
            state = {"h": ops.concatenate([h, h_back], axis=-1),
                     "c": ops.concatenate([c, c_back], axis=-1)}
        else:
            out = run_lstm(self.encoder, x, mask=mask, training=training)
            memory, state = out.sequence, {"h": out.h, "c": out.c}
        state.update(memory=memory, mask=mask)
        if self.config.input_feeding:
            state["feed"] = ops.zeros((ops.shape(x)[0], self.attentional.units), x.dtype)
        return state

    def decode(self, target_in, state, training=False):
        """Teacher-forced (or one-step) decoding from `state`.

        Args:
            target_in: int `(batch, T)`, starting with `[START]`; 0 = padding.
            state: a dict from `encode` (or from a previous `decode`).
            training: whether dropout is on.

        Returns:
            `(logits (batch, T, vocab), new_state, attention (batch, T, S))`;
            `new_state` is `state` with the decoder's final "h" and "c" (and
            with `input_feeding`, "feed": the last attentional vector), as
            they were after each row's last real token.
        """
        hidden, state, weights = self._hidden(target_in, state, training)
        return self._logits(hidden), state, weights

    def _hidden(self, target_in, state, training):
        """`decode` up to the output layer: its (dropped-out) input h~ `(batch, T, A)`."""
        x = self.embedding_dropout(self.target_embedding(target_in),
                                   training=training)            # (batch, T, emb)
        mask = ops.not_equal(target_in, PAD_ID)                  # (batch, T)
        if self.config.input_feeding:
            # The fed h~ is the attentional layer's output before dropout.
            self._build_fed_decoder(x.shape[-1])
            hidden, weights, state = run_input_feeding(
                self.decoder.cell, lambda h: self._attend(h, state), x, mask, state)
        else:
            out = run_lstm(self.decoder, x, initial_state=[state["h"], state["c"]],
                           mask=mask, training=training)
            hidden, weights = self._attend(out.sequence, state)
            state = dict(state, h=out.h, c=out.c)
        return self.output_dropout(hidden, training=training), state, weights

    def _attend(self, h, state):
        """Attention over `state`'s memory: `(h~ (batch, T, A), weights (batch, T, S))`."""
        context, weights = self.attention(h, state["memory"], state["mask"])
        return self.attentional(ops.concatenate([context, h], axis=-1)), weights

    def _build_fed_decoder(self, embedding_dim):
        """Build the layers the input-feeding loop calls (none may make weights inside it)."""
        units, fed = self.config.units, self.attentional.units
        if not self.decoder.built:
            self.decoder.build((None, None, embedding_dim + fed))
        if not self.attention.built:
            self.attention.build((None, None, units))
        if not self.attentional.built:
            self.attentional.build((None, None, 2 * units))

    def decode_step(self, tokens, state):
        """One decoding step for `tf_lstm.translation.decode`: `(batch,)` ids -> `(batch, vocab)`.

        Padding, `[UNK]` and `[START]` are never generated (their logits are
        set to -1e9): an `[UNK]` in a translation tells the reader nothing, so
        the decoder commits to the most likely real word instead.

        Args:
            tokens: int `(batch,)`, the previous token of each sentence.
            state: a dict from `encode` or from the previous step.

        Returns:
            `(logits (batch, vocab), new_state)`.
        """
        logits, state, _ = self.decode(tokens[:, None], state)
        return never_generated(logits[:, 0]), state

    def call(self, inputs, training=False):
        """Teacher-forced logits `(batch, T, vocab)` for `(source_ids, target_in)`."""
        source_ids, target_in = inputs
        hidden, _, _ = self._hidden(target_in, self.encode(source_ids, training),
                                    training)
        return self._logits(hidden)

    def _logits(self, hidden):
        """The output layer on h~ `(batch, T, A)`: float32 logits `(batch, T, vocab)`."""
        if self.config.tie_embeddings:
            return self.logits(hidden, self.target_embedding.embeddings)
        return self.logits(hidden)

    # Keras 3.15's `fit` and `evaluate` fail under MultiWorkerMirroredStrategy
    # with several workers; `_maybe_symbolic_build`, `train_step` and
    # `test_step` work around its two bugs (see `distribute.multi_worker_build_spec`
    # and `distribute.multi_worker_logs`) and change nothing on one worker,
    # under "mirrored" or on another backend.
    def _multi_worker(self):
        return (keras.backend.backend() == "tensorflow"
                and distribute.multi_worker(self.distribute_strategy))

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        if iterator is not None and self._multi_worker():
            data_batch, iterator = distribute.multi_worker_build_spec(iterator), None
        return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def train_step(self, *args):  # (data), or (state, data) on JAX
        logs = super().train_step(*args)
        return distribute.multi_worker_logs(logs) if self._multi_worker() else logs

    def test_step(self, *args):
        logs = super().test_step(*args)
        return distribute.multi_worker_logs(logs) if self._multi_worker() else logs

    def compile_from_config(self, config):  # a loaded model: as `compile_translator`
        super().compile_from_config(config)
        use_loss_tracker(self)

    def get_config(self):
        return {"source_vocabulary": self.source_vocabulary,
                "target_vocabulary": self.target_vocabulary,
                "config": dataclasses.asdict(self.config), "name": self.name}


@keras.saving.register_keras_serializable(package="tf_lstm")
class TiedLogits(keras.layers.Layer):
    """The output layer of tied embeddings (Press & Wolf, 2017): logits = h~ E^T + b.

    E is the target embedding matrix `(vocab, embedding_dim)`, passed at each
    call (it belongs to the embedding layer); this layer owns only the bias.

    Args:
        vocabulary_size: positive int, the number of logits (E's rows).
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        hidden: `(..., embedding_dim)`.
        embeddings: `(vocabulary_size, embedding_dim)`.

    Returns:
        logits `(..., vocabulary_size)`.

    Example:

    >>> import numpy as np
    >>> layer = TiedLogits(3)
    >>> E = np.array([[1, 0], [0, 1], [1, 1]], "float32")
    >>> np.asarray(layer(np.array([[2, 5]], "float32"), E)).tolist()  # bias starts at 0
    [[2.0, 5.0, 7.0]]
    """

    def __init__(self, vocabulary_size, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = checks.positive_int("vocabulary_size", vocabulary_size)

    def build(self, hidden_shape, embeddings_shape=None):
        self.bias = self.add_weight(shape=(self.vocabulary_size,), name="bias",
                                    initializer="zeros")

    def call(self, hidden, embeddings):
        embeddings = ops.cast(embeddings, self.compute_dtype)
        # A matmul, not einsum("...e,ve->...v"): Keras's TensorFlow einsum
        # broadcasts that to (..., vocab, embedding_dim) first (15 GB at
        # batch 64, 24 steps, 10,000 words, 256 dimensions).
        return ops.matmul(hidden, ops.transpose(embeddings)) + self.bias

    def get_config(self):
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size}


def never_generated(logits):
    """`logits` with padding, `[UNK]` and `[START]` set to -1e9: what decoding never writes.

    Args:
        logits: `(..., vocab)`.

    Returns:
        The same shape and dtype.

    Example:

    >>> import numpy as np
    >>> np.asarray(never_generated(np.zeros((1, 5), "float32"))).tolist()
    [[-1000000000.0, -1000000000.0, -1000000000.0, 0.0, 0.0]]
    """
    banned = ops.sum(ops.one_hot(ops.convert_to_tensor([PAD_ID, UNK_ID, START_ID]),
                                 ops.shape(logits)[-1]), axis=0) > 0   # (vocab,)
    return ops.where(banned, ops.cast(-1e9, logits.dtype), logits)


@keras.saving.register_keras_serializable(package="tf_lstm")
def masked_loss(y_true, logits, label_smoothing=0.0):
    """Cross-entropy averaged over real (non-padding) target tokens only.

    With `label_smoothing` = ε > 0 (Szegedy et al., 2016), each real token's
    target is no longer one-hot: it keeps 1 - ε and ε is spread uniformly
    over the V words of the vocabulary, as Keras's `label_smoothing`
    (`keras.losses.categorical_crossentropy`) does::

        loss = (1 - ε) * -log p(y) + ε * mean over the V words of -log p(w)

    Padding still never counts.

    Under a `tf.distribute` strategy with several replicas, each replica
    divides the sum of its own tokens' losses by the number of real tokens of
    the GLOBAL batch (`global_token_count`); the optimizer sums the replicas'
    gradients, so the update is exactly one device's on the same global
    batch, whatever the split of tokens between replicas. (Keras's
    `SparseCategoricalCrossentropy(ignore_class=0)` would average each
    replica's own tokens and then the replicas: equal only when every
    replica holds as many real tokens.) On one device nothing changes.

    Args:
        y_true: int `(batch, T)` target ids, 0 = padding.
        logits: `(batch, T, vocab)`.
        label_smoothing: ε, a float in [0, 1) (`TranslatorConfig` checks it).

    Returns:
        A scalar: the sum of the real tokens' losses over their number in the
        global batch (1 if there are none), so padding neither adds loss nor
        dilutes it.

    Example:

    >>> import numpy as np
    >>> logits = np.log(np.array([[[0.5, 0.5], [0.9, 0.1]]], "float32"))
    >>> round(float(masked_loss(np.array([[1, 0]]), logits)), 4)  # -log(0.5)
    0.6931
    """
    mask = ops.cast(ops.not_equal(y_true, PAD_ID), logits.dtype)
    losses = keras.losses.sparse_categorical_crossentropy(
        y_true, logits, from_logits=True)                        # (batch, T)
    if label_smoothing:
        spread = -ops.mean(ops.log_softmax(logits, axis=-1), axis=-1)  # (batch, T)
        losses = (1.0 - label_smoothing) * losses + label_smoothing * spread
    return ops.sum(losses * mask) / ops.maximum(global_token_count(mask), 1.0)


@keras.saving.register_keras_serializable(package="tf_lstm")
class MaskedLoss(keras.losses.Loss):
    """`masked_loss` with a label smoothing, as a Keras loss that saves its setting.

    Args:
        label_smoothing: ε, a float in [0, 1); see `masked_loss`.
        name: the loss's name.
        **kwargs: `keras.losses.Loss` arguments (`dtype`, ...).

    Call arguments:
        y_true, logits: as `masked_loss`.

    Returns:
        `masked_loss(y_true, logits, label_smoothing)`, a scalar (Keras's
        reduction leaves a scalar unchanged, so the `tf.distribute`
        semantics of `masked_loss` hold).

    Raises:
        ValueError: if `label_smoothing` is not a number in [0, 1).

    Example:

    >>> import numpy as np
    >>> logits = np.log(np.array([[[0.5, 0.5], [0.9, 0.1]]], "float32"))
    >>> round(float(MaskedLoss(0.2)(np.array([[1, 0]]), logits)), 4)  # as -log(0.5)
    0.6931
    """

    def __init__(self, label_smoothing=0.0, name="masked_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        if (isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float))
                or not 0.0 <= label_smoothing < 1.0):
            raise ValueError("Argument `label_smoothing` must be a number in [0, 1). "
                             f"Received: label_smoothing={label_smoothing!r}")
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, logits):
        return masked_loss(y_true, logits, self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


class LossTracker(keras.metrics.Mean):
    """The "loss" log: the batches' losses averaged, each weighted by its pairs.

    Keras's trainer feeds its loss tracker, on each replica, `replicas ×` the
    replica's loss weighted by the replica's pairs `b_r`: right for a loss
    that is a mean over the replica's own pairs. `masked_loss` is instead the
    replica's share of the global batch's loss (the shares sum to it), so
    when a batch splits unevenly (a batch of 9 pairs: 5 and 4) Keras's log
    drifts from one device's. This tracker weights each share by the global
    batch's pairs `B` instead (the replicas' `b_r` summed): the log is
    `sum(B * loss) / sum(B)` over the batches, exactly one device's. With one
    replica it is Keras's `Mean`.

    Example:

    >>> tracker = LossTracker()
    >>> tracker.update_state(2.0, sample_weight=3)
    >>> tracker.update_state(4.0, sample_weight=1)
    >>> float(tracker.result())
    2.5
    """

    def update_state(self, values, sample_weight=None):
        replicas = _replicas_in_sync()
        if replicas > 1 and sample_weight is not None:
            pairs = ops.cast(sample_weight, self.dtype)                    # b_r
            share = ops.cast(values, self.dtype) / replicas                # this replica's share
            values = ops.where(pairs > 0, share * replica_sum(pairs)
                               / ops.maximum(pairs, 1.0), 0.0)          # share * B / b_r
        return super().update_state(values, sample_weight=sample_weight)


def use_loss_tracker(model):
    """Make a compiled model's "loss" log a `LossTracker` instead of Keras's `Mean`.

    Keras's `compile` sets its tracker untracked (so `metrics` lists it once);
    this does the same. Not an override of `compile`, which would stop Keras
    from compiling a loaded model.
    """
    object.__setattr__(model, "_loss_tracker", LossTracker(name="loss"))


def _replicas_in_sync():
    """The replicas of the current `tf.distribute` replica context (1 outside one)."""
    if keras.backend.backend() != "tensorflow":
        return 1
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    return context.num_replicas_in_sync if context is not None else 1


def replica_sum(value):
    """`value` summed over every replica of a `tf.distribute` strategy (itself on one).

    Outside a replica context, with one replica, or on another Keras backend,
    it is `value`.
    """
    if _replicas_in_sync() > 1:
        import tensorflow as tf

        value = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM,
                                                               value)
    return value


def global_token_count(mask):
    """`sum(mask)` over every replica of a `tf.distribute` strategy (here, if one).

    Keras's loss reduction divides a per-element loss by the replica count
    (`keras.src.losses.loss.scale_loss_for_distribution`) but leaves a scalar
    loss as it is, and the replicas' gradients are summed: a scalar loss must
    therefore be a share of the global batch's loss. The count is summed
    across replicas with the replica context's `all_reduce`; outside a
    replica context, with one replica, or on another Keras backend, it is the
    local `sum(mask)`.

    Args:
        mask: float `(batch, T)`, 1 at real tokens.

    Returns:
        A float scalar.
    """
    return replica_sum(ops.sum(mask))


@keras.saving.register_keras_serializable(package="tf_lstm")
class MaskedAccuracy(keras.metrics.Metric):
    """Token accuracy over real target tokens (padding never counts).

    Args:
        name: the metric's name in logs.

    Example:

    >>> import numpy as np
    >>> metric = MaskedAccuracy()
    >>> metric.update_state(np.array([[1, 2, 0]]), np.eye(3)[None, [1, 0, 0]])
    >>> float(metric.result())  # 1 of 2 real tokens right; the padding is ignored
    0.5
    """

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
    """Compile `model` with Adam (clipnorm), `MaskedLoss`, `MaskedAccuracy` and a `LossTracker`.

    The loss is `MaskedLoss` with the config's `label_smoothing` (saved with
    the model, so a loaded model trains with the same smoothing). Keras computes the validation
    loss with the same compiled loss: with `label_smoothing` > 0, "val_loss"
    (which early stopping watches) is the smoothed loss too, not the
    validation cross-entropy, and is higher than a run without smoothing
    would log for the same predictions.

    Args:
        model: a `Translator`; its `config` gives the learning rate, clipnorm
            and label smoothing.

    Returns:
        `model`, compiled.
    """
    c = model.config
    model.compile(optimizer=keras.optimizers.Adam(c.learning_rate, clipnorm=c.clipnorm),
                  loss=MaskedLoss(c.label_smoothing), metrics=[MaskedAccuracy()])
    use_loss_tracker(model)
    return model
