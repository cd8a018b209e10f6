"""Training the translator with a sampled softmax (Jean et al., 2015): an experiment.

The output layer of `tf_lstm.translation.model.Translator` scores every word
of the target vocabulary at every position. A sampled softmax scores each
position against its own word and `num_sampled` words drawn from the
vocabulary instead, so a training step's output layer costs `num_sampled + 1`
columns instead of `vocab`; validation and decoding still use the full softmax.

- `SampledSoftmaxTranslator`: the same model (the same weights), trained with
  `sampled_softmax_loss`; its training call returns the output layer's input,
  never the full logits;
- `build_translator`: `tf_lstm.translation.training.build_translator`, or this
  subclass when `num_sampled > 0` (the benchmarks' ``sampled_softmax=N``);
- `sampled_softmax_loss` and `log_uniform_log_probabilities`, in `keras.ops`.

It lives with the benchmarks, not in the tutorial's model:
`benchmarks.translator` (``--variant sampled_softmax=N``) and
`benchmarks.tatoeba` (``--sampled-softmax N``) train with it.
"""

import keras
import numpy as np
from keras import ops

from tf_lstm import checks
from tf_lstm.translation.model import Translator, compile_translator
from tf_lstm.translation.tokens import PAD_ID


@keras.saving.register_keras_serializable(package="benchmarks")
class SampledSoftmaxTranslator(Translator):
    """A `Translator` trained with a sampled softmax over `num_sampled` words.

    Args:
        source_vocabulary, target_vocabulary: token lists (id = index).
        config: a `TranslatorConfig` or its dict.
        num_sampled: words drawn per training batch, a positive integer below
            the target vocabulary's size.

    Call arguments:
        inputs: `(source_ids (batch, S), target_in (batch, T))`, 0 = padding.
        training: in training, return `{"hidden": (batch, T, units)}`, the
            output layer's input, which `compute_loss` scores with
            `sampled_softmax_loss`; otherwise the logits, as `Translator`.

    Returns:
        logits `(batch, T, target vocabulary size)`, or in training the dict.

    Example:

    >>> from tf_lstm.translation.config import TranslatorConfig
    >>> vocabulary = ["", "[UNK]", "[START]", "[END]", "a", "b", "c"]
    >>> model = SampledSoftmaxTranslator(vocabulary, vocabulary,
    ...                                  TranslatorConfig(embedding_dim=4, units=8), 3)
    >>> ids = np.array([[4, 5, 0]])
    >>> tuple(model((ids, ids)).shape), tuple(model((ids, ids), training=True)["hidden"].shape)
    ((1, 3, 7), (1, 3, 8))
    """

    def __init__(self, source_vocabulary, target_vocabulary, config=None, num_sampled=64,
                 **kwargs):
        super().__init__(source_vocabulary, target_vocabulary, config, **kwargs)
        self.num_sampled = checks.positive_int("num_sampled", num_sampled)
        if self.num_sampled >= len(self.target_vocabulary):
            raise ValueError(
                "Argument `num_sampled` must be smaller than the target vocabulary "
                f"({len(self.target_vocabulary)} words). "
                f"Received: num_sampled={self.num_sampled}")
        if self.config.label_smoothing:
            raise ValueError("A sampled softmax does not implement label smoothing: set "
                             "label_smoothing=0 (--set label_smoothing=0). Received: "
                             f"label_smoothing={self.config.label_smoothing}")
        self.sampler_seed = keras.random.SeedGenerator(self.config.seed)

    def call(self, inputs, training=False):
        """Logits, or in training `{"hidden": ...}` (see the class docstring)."""
        if not training:
            return super().call(inputs, training=training)
        source_ids, target_in = inputs
        hidden, _, _ = self._hidden(target_in, self.encode(source_ids, training),
                                    training)                    # (batch, T, units)
        if not self.logits.built:  # compute_loss reads its weights
            self.logits.build(hidden.shape)
        return {"hidden": hidden}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     training=True):
        """The compiled loss on logits; the sampled softmax loss on a training step."""
        if not isinstance(y_pred, dict):
            return super().compute_loss(x, y, y_pred, sample_weight, training=training)
        if sample_weight is not None:
            raise ValueError("Argument `sample_weight` is not supported with a sampled "
                             "softmax. Received a sample_weight.")
        kernel = (ops.transpose(self.target_embedding.embeddings)  # tied: E^T
                  if self.config.tie_embeddings else self.logits.kernel)
        return sampled_softmax_loss(y, y_pred["hidden"], kernel,
                                    self.logits.bias, self.num_sampled,
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

        Training steps never update token accuracy, so Keras's version would
        fail at the end of the first epoch.
        """
        results = {}
        for metric in self.metrics:
            if getattr(metric, "built", True):  # the loss tracker has no `built`
                result = metric.result()
                results.update(result if isinstance(result, dict) else
                               {metric.name: result})
        return results

    def get_config(self):
        return {**super().get_config(), "num_sampled": self.num_sampled}


def build_translator(prepared, config, num_sampled=0):
    """A compiled translator for the prepared vocabularies, its weights built.

    Args:
        prepared: a `tf_lstm.translation.training.Prepared`.
        config: a `TranslatorConfig`.
        num_sampled: 0 for `tf_lstm.translation.training.build_translator`'s
            model (full softmax), else a `SampledSoftmaxTranslator` drawing
            this many words per batch.

    Returns:
        The model, compiled with `compile_translator`.
    """
    num_sampled = checks.non_negative_int("num_sampled", num_sampled)
    if not num_sampled:
        from tf_lstm.translation import training  # TensorFlow: imported when used

        return training.build_translator(prepared, config)
    keras.utils.set_random_seed(config.seed)
    model = SampledSoftmaxTranslator(prepared.source_vocabulary,
                                     prepared.target_vocabulary, config, num_sampled)
    ids = np.ones((1, 2), "int64")  # build the weights now, as build_translator does
    model((ids, ids))
    return compile_translator(model)


def log_uniform_log_probabilities(size):
    """log q(k) of the log-uniform (Zipf) distribution over ids `0 .. size-1`.

    `q(k) = log((k + 2) / (k + 1)) / log(size + 1)`, TensorFlow's
    `log_uniform_candidate_sampler`: it suits vocabularies sorted by
    frequency, as `tf_lstm.translation.vocab.build_vocabulary` sorts them.

    Example:

    >>> q = np.exp(np.asarray(log_uniform_log_probabilities(3), dtype="float64"))
    >>> q.round(3).tolist(), round(float(q.sum()), 6)
    ([0.5, 0.292, 0.208], 1.0)
    """
    ids = ops.arange(size, dtype="float32")
    return ops.log(ops.log((ids + 2.0) / (ids + 1.0)) / ops.log(size + 1.0))


def sampled_softmax_loss(y_true, hidden, kernel, bias, num_sampled, seed=None,
                         sampled=None):
    """Sampled softmax cross-entropy over real target tokens (Jean et al., 2015).

    Each training step scores every position against its own word and
    `num_sampled` words drawn (with replacement) from the log-uniform
    distribution, shared by the batch, instead of against the whole vocabulary.
    Each logit is corrected by `-log(num_sampled * q(word))`, so the loss
    estimates the full softmax's gradient; a sampled word equal to a
    position's own word is removed for that position ("accidental hit").
    This is `tf.nn.sampled_softmax_loss` with `remove_accidental_hits=True` and
    a with-replacement log-uniform sampler, masked and averaged like
    `masked_loss` (`tests/test_benchmark_sampled_softmax.py` checks the two
    agree), except that when a position's own word is drawn several times
    every copy is removed: TensorFlow's `compute_accidental_hits` removes only
    one.

    The value is not the full cross-entropy (for the same weights it is
    lower on average); only its gradient approximates the full one's.

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
    log_q = log_uniform_log_probabilities(vocab)                 # (vocab,)
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
    hits = ops.equal(labels[:, None], sampled[None, :])          # (N, K)
    sampled_logits = ops.where(hits, ops.cast(-1e9, sampled_logits.dtype),
                               sampled_logits)
    logits = ops.concatenate([true_logits[:, None], sampled_logits], axis=-1)  # (N, K + 1)
    losses = ops.logsumexp(logits, axis=-1) - true_logits        # (N,)
    mask = ops.cast(ops.not_equal(labels, PAD_ID), losses.dtype)
    return ops.sum(losses * mask) / ops.maximum(ops.sum(mask), 1.0)
