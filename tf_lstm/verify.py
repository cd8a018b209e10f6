"""Scratch LSTMs against `keras.layers.LSTM`, forward and backward, as a report (§3).

`run_verification` gives the same weights to Keras, to the NumPy reference
(`tf_lstm.numpy_lstm`) and to the TensorFlow scratch layer (`ScratchLSTM`), runs
them over a grid of cases (shapes down to batch 1, one step and one unit;
right-padded masks; `go_backwards`; given initial states) and reports the
largest differences. `make demo` prints this table and fails if any check
misses its tolerance; the §3 notebook shows it too.
"""

import collections

import keras
import numpy as np
import tensorflow as tf

from tf_lstm.numpy_lstm import article_lstm_forward, numpy_lstm_backward, numpy_lstm_forward
from tf_lstm.scratch_lstm import ScratchLSTM

Check = collections.namedtuple(
    "Check", ["name", "dtype", "value", "tolerance", "passed"])
Check.__doc__ = """One line of the report: `value` must be <= `tolerance`
(or, for the article's rule, which must *differ* from Keras, >= it)."""

# (batch, steps, input_dim, units): batch 1, one step, one unit, and larger.
SHAPES = ((1, 1, 1, 1), (1, 6, 3, 1), (2, 1, 4, 3), (3, 7, 5, 4), (8, 20, 16, 32))
TOLERANCES = {"float64": 1e-10, "float32": 1e-5}
GRADIENT_TOLERANCE = 1e-8     # NumPy BPTT vs tf.GradientTape on Keras, float64
FINITE_DIFF_TOLERANCE = 1e-6  # relative error vs centred finite differences


def random_keras_lstm(rng, units, input_dim, dtype="float64", scale=0.5, **flags):
    """A built `keras.layers.LSTM` with random normal weights instead of Keras's own.

    Keras initialises the bias to zeros (forget block ones) and the recurrent
    kernel to an orthogonal matrix; a comparison on those would miss a wrong
    gate order or a bias added twice, so every weight is drawn here.

    Args:
        rng: a `np.random.Generator`.
        units: positive integer, the size of `h` and `c`.
        input_dim: positive integer, the inputs' feature size.
        dtype: the layer's dtype, "float64" or "float32".
        scale: standard deviation of the weights.
        **flags: any other `keras.layers.LSTM` argument (`return_sequences`,
            `return_state`, `go_backwards`, ...).

    Returns:
        The built layer.

    Example:

    >>> layer = random_keras_lstm(np.random.default_rng(0), 3, 2, return_sequences=True)
    >>> [w.shape for w in layer.get_weights()], layer.return_sequences
    ([(2, 12), (3, 12), (12,)], True)
    """
    layer = keras.layers.LSTM(units, dtype=dtype, **flags)
    layer.build((None, None, input_dim))
    layer.set_weights([rng.normal(scale=scale, size=w.shape).astype(dtype)
                       for w in layer.get_weights()])
    return layer


def random_right_padded_mask(rng, batch, steps):
    """A boolean `(batch, steps)` mask of random lengths in 1..steps, padding on the right.

    Row 0 is always full, so the padded length is `steps`.

    Args:
        rng: a `np.random.Generator`.
        batch: positive integer, the number of rows.
        steps: positive integer, the padded length.

    Returns:
        A bool NumPy array: row `b` is `lengths[b]` Trues, then Falses.

    Example:

    >>> random_right_padded_mask(np.random.default_rng(0), 3, 4).astype(int)
    array([[1, 1, 1, 1],
           [1, 1, 1, 0],
           [1, 1, 1, 0]])
    """
    lengths = rng.integers(1, steps + 1, size=batch)            # (batch,)
    lengths[0] = steps  # one full row
    return np.arange(steps)[None, :] < lengths[:, None]         # (batch, steps)


def make_case(rng, batch, steps, input_dim, units, dtype="float64",
              go_backwards=False, masked=False, with_state=False):
    """A Keras LSTM with random weights and inputs for one verification case.

    Args:
        rng: a `np.random.Generator`.
        batch, steps, input_dim, units: the case's shape.
        dtype: "float64" or "float32".
        go_backwards: the layer's flag.
        masked: draw a right-padded mask (`random_right_padded_mask`).
        with_state: draw an initial state.

    Returns:
        `(layer, inputs, mask, initial_state)`; `mask` is a right-padded
        boolean `(batch, steps)` array or None, `initial_state` `[h0, c0]`
        or None. The layer returns sequences and state.
    """
    layer = random_keras_lstm(rng, units, input_dim, dtype=dtype,
                              return_sequences=True, return_state=True,
                              go_backwards=go_backwards)
    inputs = rng.normal(size=(batch, steps, input_dim)).astype(dtype)
    mask = random_right_padded_mask(rng, batch, steps) if masked else None
    state = None
    if with_state:
        state = [rng.normal(size=(batch, units)).astype(dtype) for _ in range(2)]
    return layer, inputs, mask, state


def _cases(rng, dtype):
    for shape in SHAPES:
        for go_backwards in (False, True):
            for masked in (False, True):
                for with_state in (False, True):
                    yield make_case(rng, *shape, dtype=dtype,
                                    go_backwards=go_backwards, masked=masked,
                                    with_state=with_state)


def _max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x, np.float64) -
                                   np.asarray(y, np.float64))))
               for x, y in zip(a, b))


def forward_differences(dtype, rng):
    """Largest |Keras - NumPy| and |Keras - ScratchLSTM| over all cases.

    The cases: every shape of `SHAPES`, with and without `go_backwards`, a
    right-padded mask and an initial state (`make_case`); all three outputs
    `(sequence, h, c)` are compared.

    Args:
        dtype: "float64" or "float32", the dtype of the Keras layer and the
            scratch layer (the NumPy reference always runs in float64).
        rng: a `np.random.Generator`, drawn from in a fixed order.

    Returns:
        `(numpy_diff, scratch_diff)`, two floats.
    """
    numpy_diff = scratch_diff = 0.0
    for layer, x, mask, state in _cases(rng, dtype):
        keras_out = layer(x, initial_state=state, mask=mask)
        reference = numpy_lstm_forward(x.astype(np.float64), *layer.get_weights(),
                                       initial_state=state, mask=mask,
                                       go_backwards=layer.go_backwards)[:3]
        scratch_out = ScratchLSTM.from_keras(layer)(x, initial_state=state,
                                                    mask=mask)
        numpy_diff = max(numpy_diff, _max_diff(keras_out, reference))
        scratch_diff = max(scratch_diff, _max_diff(keras_out, scratch_out))
    return numpy_diff, scratch_diff


def _loss_weights(rng, batch, steps, units):
    return (rng.normal(size=(batch, steps, units)), rng.normal(size=(batch, units)),
            rng.normal(size=(batch, units)))


def gradient_difference(rng):
    """Largest |tf.GradientTape on Keras - numpy_lstm_backward| over all cases, float64.

    The loss is a random linear function of `(sequence, h, c)`; the gradients
    compared are those of the inputs, `h0`, `c0` and the three weights.

    Args:
        rng: a `np.random.Generator`.

    Returns:
        A float.
    """
    worst = 0.0
    for layer, x, mask, state in _cases(rng, "float64"):
        batch, steps, _ = x.shape
        if state is None:
            state = [np.zeros((batch, layer.units))] * 2
        d_seq, d_h, d_c = _loss_weights(rng, batch, steps, layer.units)
        variables = [tf.Variable(v) for v in (x, *state)]
        with tf.GradientTape() as tape:
            seq, h, c = layer(variables[0], initial_state=variables[1:], mask=mask)
            loss = (tf.reduce_sum(seq * d_seq) + tf.reduce_sum(h * d_h)
                    + tf.reduce_sum(c * d_c))
        tape_grads = tape.gradient(loss, variables + layer.trainable_weights)
        cache = numpy_lstm_forward(x, *layer.get_weights(), initial_state=state,
                                   mask=mask, go_backwards=layer.go_backwards)[3]
        ours = numpy_lstm_backward(d_seq, d_h, d_c, cache)
        keys = ("inputs", "h0", "c0", "kernel", "recurrent_kernel", "bias")
        worst = max(worst, _max_diff(tape_grads, [ours[k] for k in keys]))
    return worst


def finite_difference_error(rng, batch=2, steps=4, input_dim=3, units=3, eps=1e-6):
    """Largest relative error of `numpy_lstm_backward` vs centred differences.

    For each gradient array: ||numeric - analytic|| / max(||numeric||, ||analytic||),
    on one masked case with an initial state.

    Args:
        rng: a `np.random.Generator`.
        batch, steps, input_dim, units: the case's shape (small: the cost is
            two forward passes per parameter).
        eps: the finite-difference step.

    Returns:
        A float; about 1e-9 for a correct backward pass.
    """
    layer, x, mask, state = make_case(rng, batch, steps, input_dim, units,
                                      masked=True, with_state=True)
    args = {"inputs": x, "h0": state[0], "c0": state[1]}
    args.update(zip(("kernel", "recurrent_kernel", "bias"), layer.get_weights()))
    d_seq, d_h, d_c = _loss_weights(rng, batch, steps, units)

    def loss(a):
        seq, h, c, cache = numpy_lstm_forward(
            a["inputs"], a["kernel"], a["recurrent_kernel"], a["bias"],
            initial_state=[a["h0"], a["c0"]], mask=mask)
        return np.sum(seq * d_seq) + np.sum(h * d_h) + np.sum(c * d_c), cache

    analytic = numpy_lstm_backward(d_seq, d_h, d_c, loss(args)[1])
    worst = 0.0
    for name, value in args.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            shifted = {k: v.copy() for k, v in args.items()}
            shifted[name][index] = value[index] + eps
            up = loss(shifted)[0]
            shifted[name][index] = value[index] - eps
            numeric[index] = (up - loss(shifted)[0]) / (2 * eps)
        scale = max(np.linalg.norm(numeric), np.linalg.norm(analytic[name]), 1e-12)
        worst = max(worst, np.linalg.norm(numeric - analytic[name]) / scale)
    return float(worst)


def article_difference(rng):
    """Largest |Keras - the article's update rule| on one case (should be large).

    Args:
        rng: a `np.random.Generator`.

    Returns:
        A float; `run_verification` requires it to be at least 1e-3.
    """
    layer, x, _, state = make_case(rng, 3, 7, 5, 4, with_state=True)
    return _max_diff(layer(x, initial_state=state),
                     article_lstm_forward(x, *layer.get_weights(), initial_state=state))


def run_verification(seed=0):
    """Run every check and return a list of `Check` rows.

    Forward (NumPy and ScratchLSTM vs Keras, float64 and float32), backward
    (NumPy vs GradientTape, NumPy vs finite differences) and the article's
    rule (which must differ from Keras): seven rows.

    Args:
        seed: seeds the weights, inputs, masks and states of every case.

    Returns:
        A list of `Check`; `all(row.passed for row in rows)` when the
        scratch LSTMs match Keras.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for dtype in ("float64", "float32"):
        tolerance = TOLERANCES[dtype]
        numpy_diff, scratch_diff = forward_differences(dtype, rng)
        rows.append(Check("forward: NumPy scratch vs Keras", dtype, numpy_diff,
                          tolerance, numpy_diff <= tolerance))
        rows.append(Check("forward: ScratchLSTM (TF) vs Keras", dtype, scratch_diff,
                          tolerance, scratch_diff <= tolerance))
    grad = gradient_difference(rng)
    rows.append(Check("backward: NumPy BPTT vs GradientTape on Keras", "float64",
                      grad, GRADIENT_TOLERANCE, grad <= GRADIENT_TOLERANCE))
    fd = finite_difference_error(rng)
    rows.append(Check("backward: NumPy BPTT vs finite differences (relative)",
                      "float64", fd, FINITE_DIFF_TOLERANCE, fd <= FINITE_DIFF_TOLERANCE))
    article = article_difference(rng)
    rows.append(Check("article's c_t rule vs Keras (must differ, >=)", "float64",
                      article, 1e-3, article >= 1e-3))
    return rows


def format_table(rows):
    """The rows as an aligned plain-text table.

    Args:
        rows: a list of `Check`.

    Returns:
        A str: a header, a rule and one line per row ending in "ok" or "FAILED".

    Example:

    >>> print(format_table([Check("forward", "float64", 1e-12, 1e-10, True)]))
    check    dtype    max difference  tolerance  result
    -------  -------  --------------  ---------  ------
    forward  float64  1.000e-12       1e-10      ok
    """
    header = ("check", "dtype", "max difference", "tolerance", "result")
    lines = [(r.name, r.dtype, f"{r.value:.3e}", f"{r.tolerance:.0e}",
              "ok" if r.passed else "FAILED") for r in rows]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt.format(*header), rule] + [fmt.format(*line) for line in lines])
