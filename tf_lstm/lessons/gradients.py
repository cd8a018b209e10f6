"""Measuring gradient flow through time: SimpleRNN vs LSTM, and clipping (§2).

The article's §2.2 (and its FAQ, §6) says the LSTM "solves" (解决) the
vanishing-gradient problem of RNNs. This module measures how much is true:

- `gradient_norms_through_time` gives, for every step t, the mean over
  sequences of ``||∂ s_T / ∂ x_t||``, how strongly the output at the last
  step T still depends on the input at step t. Plotted against the distance
  ``T - t`` on a log scale, a vanishing gradient is a straight line going down.
- `recurrent_layer` and `recurrent_model` build a `SimpleRNN` and an `LSTM`
  that differ only in the cell: same units, same initializers, same seed.
- `decay_at_init` measures the decay rate of a freshly initialised layer on
  given inputs. Which fresh cell decays faster depends on the input scale:
  the SimpleRNN's per-step factor contains ``tanh'``, which shrinks as larger
  inputs saturate its units, while the LSTM's cell path is scaled by its
  forget gate, near ``sigmoid(1) = 0.73`` whatever the input.
- `gradient_step` shows what clipping does to one update: the gradient's
  global norm and each weight tensor's norm, and the size of the step an
  optimizer takes with and without clipping (Keras's ``global_clipnorm`` is
  `tf.clip_by_global_norm`, which rescales the whole gradient and keeps its
  direction; ``clipnorm`` clips each weight tensor separately).

What the measurements show (see notebooks/02_rnn_vs_lstm.ipynb): the LSTM's
gradient decays far more slowly with distance than the SimpleRNN's, because
the cell state is updated additively, ``c_t = f_t * c_{t-1} + i_t * g_t``,
so ``∂c_t / ∂c_{t-1} = f_t``, close to 1 when the forget gate is open. It
still decays (f < 1), so the LSTM *mitigates* vanishing gradients; and
nothing in it bounds a gradient from above, so exploding gradients still
call for clipping.
"""

import collections

import keras
import numpy as np
import tensorflow as tf

from tf_lstm import checks

KINDS = ("SimpleRNN", "LSTM")

GradientStep = collections.namedtuple(
    "GradientStep", ["gradient_norm", "update_norm", "loss_before", "loss_after",
                     "tensor_gradient_norms", "tensor_update_norms"])
GradientStep.__doc__ = """What one optimizer step did, by name.

Fields:
    gradient_norm: global L2 norm of the loss gradient over all weights
        (what ``global_clipnorm`` compares with its threshold).
    update_norm: global L2 norm of the change in the weights.
    loss_before: the loss on the batch before the step.
    loss_after: the loss on the same batch after it (inf or nan if it blew up).
    tensor_gradient_norms: float64 array `(tensors,)`, the gradient's norm
        for each weight tensor (what ``clipnorm`` compares with its threshold),
        in the order of `model.trainable_variables`.
    tensor_update_norms: float64 array `(tensors,)`, each tensor's change.
"""


class _ForgetBias(keras.initializers.Initializer):
    """An LSTM bias: zeros, except `value` in the forget block (i, f, c, o)."""

    def __init__(self, units, value):
        self.units, self.value = units, value

    def __call__(self, shape, dtype=None):
        bias = np.zeros(shape)                                   # (4 * units,)
        bias[self.units:2 * self.units] = self.value
        return keras.ops.convert_to_tensor(bias, dtype=dtype)

    def get_config(self):
        return {"units": self.units, "value": self.value}


def recurrent_layer(kind, units, seed=0, recurrent_gain=1.0, forget_bias=None, **kwargs):
    """Make a `SimpleRNN` or `LSTM` with seeded, otherwise default, initializers.

    Both kinds get Keras's default initializers, seeded: Glorot-uniform
    `kernel`, orthogonal `recurrent_kernel` (times `recurrent_gain`), zero
    bias, except that the LSTM's forget-gate bias starts at 1
    (`unit_forget_bias=True`, the Keras default). Two layers with the same
    `units` and `seed` therefore differ only in their cell.

    Args:
        kind: `"SimpleRNN"` or `"LSTM"`.
        units: positive integer, the size of the hidden state `h` (and `c`).
        seed: non-negative integer for the initializers.
        recurrent_gain: positive number multiplying the orthogonal recurrent
            kernel. 1 is Keras's default; above 1 with a linear activation,
            gradients explode.
        forget_bias: LSTM only: None for Keras's default (1), or a number,
            the initial bias of the forget gate (the other blocks start at 0).
            ``sigmoid(forget_bias)`` is the fraction of `c` kept per step.
        **kwargs: any other argument of the Keras layer (`activation`,
            `return_sequences`, ...), passed through.

    Returns:
        A `keras.layers.SimpleRNN` or `keras.layers.LSTM`.

    Example:

    >>> rnn = recurrent_layer("SimpleRNN", 8, seed=0)
    >>> lstm = recurrent_layer("LSTM", 8, seed=0)
    >>> type(rnn).__name__, type(lstm).__name__, rnn.units == lstm.units
    ('SimpleRNN', 'LSTM', True)
    """
    if kind not in KINDS:
        raise ValueError(
            f"Argument `kind` must be one of {KINDS}. Received: kind={kind!r}")
    checks.positive_int("units", units)
    checks.non_negative_int("seed", seed)
    checks.positive_number("recurrent_gain", recurrent_gain)
    if forget_bias is not None:
        if kind != "LSTM":
            raise ValueError("Argument `forget_bias` is for kind='LSTM' only. "
                             f"Received: forget_bias={forget_bias!r}, kind={kind!r}")
        if isinstance(forget_bias, bool) or not isinstance(forget_bias, (int, float)):
            raise ValueError("Argument `forget_bias` must be a number. "
                             f"Received: forget_bias={forget_bias!r}")
        kwargs.update(unit_forget_bias=False,
                      bias_initializer=_ForgetBias(units, float(forget_bias)))
    kwargs.setdefault("kernel_initializer", keras.initializers.GlorotUniform(seed=seed))
    kwargs.setdefault("recurrent_initializer",
                      keras.initializers.Orthogonal(gain=recurrent_gain, seed=seed + 1))
    layer_class = keras.layers.LSTM if kind == "LSTM" else keras.layers.SimpleRNN
    return layer_class(units, name=kwargs.pop("name", kind.lower()), **kwargs)


def recurrent_model(layer, input_dim, outputs=1, seed=0):
    """Wrap a recurrent layer as ``inputs -> layer -> Dense(outputs)``.

    The layer's final hidden state `h_T` is read by a linear `Dense` layer:
    the model for the adding problem (one number out).

    Args:
        layer: a `keras.layers.SimpleRNN` or `keras.layers.LSTM` returning
            only its final output (`return_sequences=False`, no state).
        input_dim: positive integer, features per step.
        outputs: positive integer, the size of the prediction.
        seed: non-negative integer for the `Dense` initializer.

    Returns:
        A `keras.Model` from `(batch, steps, input_dim)` to `(batch, outputs)`;
        the steps axis is left free, so one model takes any length.

    Example:

    >>> model = recurrent_model(recurrent_layer("LSTM", 4), input_dim=2)
    >>> model(np.zeros((3, 7, 2), "float32")).shape
    TensorShape([3, 1])
    """
    if not isinstance(layer, (keras.layers.SimpleRNN, keras.layers.LSTM)):
        raise TypeError("Argument `layer` must be a keras.layers.SimpleRNN or "
                        f"keras.layers.LSTM. Received: layer={layer!r:.80}")
    if layer.return_sequences or layer.return_state:
        raise ValueError(
            "Argument `layer` must return only its final output (return_sequences="
            f"False, return_state=False). Received: return_sequences="
            f"{layer.return_sequences}, return_state={layer.return_state}")
    checks.positive_int("input_dim", input_dim)
    checks.positive_int("outputs", outputs)
    inputs = keras.Input((None, input_dim))                     # (batch, steps, input_dim)
    h_T = layer(inputs)                                         # (batch, units)
    readout = keras.layers.Dense(
        outputs, kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        name="readout")
    return keras.Model(inputs, readout(h_T), name=f"{layer.name}_model")  # (batch, outputs)


def gradient_norms_through_time(layer_or_model, inputs):
    """Mean over sequences of ``||∂ s_T / ∂ x_t||`` for every step t.

    What is measured: for each sequence b, let ``s_T`` be the **sum of the
    components** of the final output (a `(batch, k)` output, or the last step
    of a `(batch, steps, k)` one). One `tf.GradientTape.gradient` of
    ``sum_b s_T[b]`` gives every ``∂ s_T[b] / ∂ x[b, t, :]`` at once, because
    sequence b's output does not depend on sequence b'≠b's inputs; no Jacobian
    is formed. Its L2 norm over the features is the sensitivity of the final
    output to step t, i.e. the norm of the vector-Jacobian product
    ``1ᵀ ∂y_T / ∂x_t``. With ``y_T = h_T`` and
    ``h_t = φ(x_t W + h_{t-1} R + b)``, it is a product of ``T - t`` step
    Jacobians ``diag(φ') R``, which is why it vanishes (or explodes)
    geometrically with the distance ``T - t``.

    Args:
        layer_or_model: a Keras layer or model taking `(batch, steps,
            features)`: a recurrent layer (its final `h` is used) or a model
            built with `recurrent_model`. If it returns a list (return_state),
            the first element is used.
        inputs: float array `(batch, steps, features)`.

    Returns:
        A float64 NumPy array `(steps,)`: entry `t` is the mean over the
        batch of ``||∂ s_T / ∂ x_t||``; the distance of entry `t` is
        ``steps - 1 - t`` (the last entry is the last step, distance 0).

    Example:

    >>> layer = recurrent_layer("SimpleRNN", 4, seed=0)
    >>> norms = gradient_norms_through_time(layer, np.ones((2, 5, 3), "float32"))
    >>> norms.shape
    (5,)
    """
    if not callable(layer_or_model):
        raise TypeError("Argument `layer_or_model` must be a Keras layer or model. "
                        f"Received: layer_or_model={layer_or_model!r:.80}")
    x = tf.convert_to_tensor(checks.float_array("inputs", inputs, ndim=3),
                             dtype=tf.float32)                   # (batch, steps, features)
    checks.lstm_input_shape(x.shape)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer_or_model(x)
        if isinstance(y, (list, tuple)):
            y = y[0]
        if len(y.shape) == 3:
            y = y[:, -1]                                         # (batch, k)
        s = tf.reduce_sum(y)                                     # sum over batch and k
    grad = tape.gradient(s, x)                                   # (batch, steps, features)
    if grad is None:
        raise ValueError("The output does not depend on `inputs`.")
    norms = tf.norm(grad, axis=-1)                               # (batch, steps)
    return tf.reduce_mean(norms, axis=0).numpy().astype(np.float64)  # (steps,)


def decay_per_step(norms, skip=1):
    """The geometric rate at which gradient norms shrink per step of distance.

    Fits ``log(norm) = a + distance * log(rate)`` by least squares over the
    distances ``skip .. steps - 1`` (distance 0 is often off the line).
    Entries that are exactly 0 (a float32 gradient below ~1e-45 underflows)
    have no logarithm and are left out of the fit, so for a gradient that
    vanished that far the rate describes the distances before it did.

    Args:
        norms: `(steps,)` non-negative array from `gradient_norms_through_time`.
        skip: non-negative integer, the smallest distances to leave out.

    Returns:
        A float: below 1 the gradient vanishes, above 1 it explodes; the norm
        changes by ``rate ** 10`` over ten steps.

    Example:

    >>> round(decay_per_step(0.5 ** np.arange(10.0)[::-1]), 6)
    0.5
    """
    norms = checks.float_array("norms", norms, ndim=1)
    if np.any(norms < 0):
        raise ValueError("Argument `norms` must be non-negative (they are norms). "
                         f"Received: min(norms)={norms.min()!r}")
    if isinstance(skip, bool) or not isinstance(skip, int) or not 0 <= skip < len(norms) - 1:
        raise ValueError("Argument `skip` must be an integer in [0, steps - 1). "
                         f"Received: skip={skip!r} for {len(norms)} steps")
    distance = np.arange(len(norms))[::-1]                       # (steps,)
    keep = (distance >= skip) & (norms > 0)
    if np.count_nonzero(keep) < 2:
        raise ValueError("Argument `norms` must have at least two positive entries at "
                         f"distance >= skip={skip} to fit a rate. Received: "
                         f"{np.count_nonzero(keep)} positive of {len(norms)}")
    slope = np.polyfit(distance[keep], np.log(norms[keep]), 1)[0]
    return float(np.exp(slope))


def decay_at_init(kind, units, inputs, seed=0, **kwargs):
    """The decay rate per step of a freshly initialised layer's gradient on `inputs`.

    Builds `recurrent_layer(kind, units, seed, **kwargs)` and returns
    `decay_per_step(gradient_norms_through_time(layer, inputs))`. The rate
    depends on the inputs, not only on the cell: scaling the inputs up
    saturates a SimpleRNN's tanh units (``tanh' = 1 - h²`` shrinks, and so
    does its rate), while a fresh LSTM's rate stays near its forget gate's
    ``sigmoid(1) ≈ 0.73`` plus what flows through `h`. So with small inputs a
    fresh LSTM's gradient decays faster than a fresh SimpleRNN's, with large
    ones slower.

    Args:
        kind: `"SimpleRNN"` or `"LSTM"`.
        units: positive integer, the size of the hidden state.
        inputs: float array `(batch, steps, features)`, steps >= 3.
        seed: non-negative integer for the initializers.
        **kwargs: passed to `recurrent_layer` (`forget_bias`, `activation`, ...).

    Returns:
        A float, the fitted factor per step (below 1: the gradient vanishes).

    Example:

    >>> x = np.random.default_rng(0).uniform(size=(8, 30, 2)).astype("float32")
    >>> small = decay_at_init("SimpleRNN", 16, x)
    >>> large = decay_at_init("SimpleRNN", 16, 10 * x)
    >>> bool(large < small < 1)
    True
    """
    layer = recurrent_layer(kind, units, seed=seed, **kwargs)
    return decay_per_step(gradient_norms_through_time(layer, inputs))


def gradient_step(model, x, y, learning_rate=0.01, clipnorm=None, global_clipnorm=None):
    """Take one SGD step on `(x, y)` with mean squared error, then undo it.

    Shows what clipping does. Keras has two kinds:

    - ``global_clipnorm=c`` rescales the whole gradient so that its global
      norm is at most `c` (`tf.clip_by_global_norm`): the direction is kept
      and an SGD step is at most ``learning_rate * c`` long.
    - ``clipnorm=c`` clips *each weight tensor's* gradient to norm `c`
      separately (`tf.clip_by_norm` per variable): each tensor's step is at
      most ``learning_rate * c``, the whole step at most
      ``learning_rate * c * sqrt(number of tensors)``, and the direction
      may change.

    Args:
        model: a built `keras.Model`; its weights are restored afterwards.
        x: inputs of the model.
        y: float targets, the shape of the model's output.
        learning_rate: positive number.
        clipnorm: None, or a positive number passed to `keras.optimizers.SGD`.
        global_clipnorm: None, or a positive number passed to it.

    Returns:
        A `GradientStep(gradient_norm, update_norm, loss_before, loss_after,
        tensor_gradient_norms, tensor_update_norms)`. With SGD, tensor k moves
        by ``learning_rate * tensor_gradient_norms[k]`` scaled by
        ``min(1, clipnorm / tensor_gradient_norms[k])`` under `clipnorm`, and by
        ``min(1, global_clipnorm / gradient_norm)`` under `global_clipnorm`.

    Raises:
        TypeError: if `model` is not a `keras.Model`.
        ValueError: if a rate or threshold is not a positive number.

    Example:

    >>> model = recurrent_model(recurrent_layer("LSTM", 2), input_dim=2)
    >>> x, y = np.ones((4, 3, 2), "float32"), np.full((4, 1), 100.0, "float32")
    >>> step = gradient_step(model, x, y, learning_rate=0.1, global_clipnorm=1.0)
    >>> round(step.update_norm, 4), step.tensor_gradient_norms.shape
    (0.1, (5,))
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"Argument `model` must be a keras.Model. Received: model={model!r:.80}")
    for name, value in (("learning_rate", learning_rate), ("clipnorm", clipnorm),
                        ("global_clipnorm", global_clipnorm)):
        if name == "learning_rate" or value is not None:
            checks.positive_number(name, value)
    weights = model.trainable_variables
    saved = [w.numpy() for w in weights]

    def loss_now():
        return tf.reduce_mean(tf.square(model(x) - y))

    with tf.GradientTape() as tape:
        loss_before = loss_now()
    grads = tape.gradient(loss_before, weights)
    gradient_norm = float(tf.linalg.global_norm(grads))
    tensor_gradient_norms = np.array([float(tf.norm(g)) for g in grads])  # (tensors,)
    optimizer = keras.optimizers.SGD(learning_rate, clipnorm=clipnorm,
                                     global_clipnorm=global_clipnorm)
    optimizer.apply(grads, weights)
    tensor_update_norms = np.array([np.sqrt(np.sum((w.numpy() - s) ** 2))
                                    for w, s in zip(weights, saved)])  # (tensors,)
    update_norm = float(np.sqrt(np.sum(tensor_update_norms ** 2)))
    loss_after = float(loss_now())
    for w, s in zip(weights, saved):
        w.assign(s)
    return GradientStep(gradient_norm, update_norm, float(loss_before), loss_after,
                        tensor_gradient_norms, tensor_update_norms)
