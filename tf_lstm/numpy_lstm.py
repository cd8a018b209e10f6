"""The LSTM from scratch in NumPy float64: the reference that verifies Keras (§3).

Read this next to §3.3 of the article. One step of the recurrence is

    i_t = sigmoid(x_t W_i + h_{t-1} R_i + b_i)        input gate
    f_t = sigmoid(x_t W_f + h_{t-1} R_f + b_f)        forget gate
    g_t = tanh(x_t W_g + h_{t-1} R_g + b_g)           candidate (Keras's "c" block)
    o_t = sigmoid(x_t W_o + h_{t-1} R_o + b_o)        output gate
    c_t = f_t * c_{t-1} + i_t * g_t                   cell state
    h_t = o_t * tanh(c_t)                             hidden state = output

The four gates are computed *in parallel* from the same ``[x_t, h_{t-1}]``;
the article's step 4 instead writes ``i_t * i_t * tanh(W_i x_t + b_i + R_i
h_{t-1})`` (input gate squared, candidate with the input gate's weights). That
rule is kept here as `article_lstm_forward`, so tests and notebooks can show
it is not what Keras (or Hochreiter & Schmidhuber) computes.

Weights use Keras's fused layout (see `tf_lstm.gates`). Masking follows Keras:
at a masked step `h` and `c` keep their previous values and the output repeats
the previous output (zeros before the first real step). With `go_backwards`
the sequence is read from the last step to the first and the outputs are
returned in that processing order, as Keras does.
"""

import numpy as np

from tf_lstm import checks
from tf_lstm.gates import split_gates


def sigmoid(z):
    """The logistic function ``1 / (1 + exp(-z))``, written to avoid overflow for large |z|.

    Args:
        z: a float array (or scalar).

    Returns:
        An array of the same shape, in [0, 1].

    Example:

    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    return np.exp(-np.logaddexp(0.0, -z))


def _validate(inputs, kernel, recurrent_kernel, bias, initial_state, mask):
    """Check every argument of the forward functions; return them as float64 arrays.

    Shapes and dtypes are checked by `tf_lstm.checks`, as for the TensorFlow
    LSTMs; on top of that NaN and Inf are refused (`checks.float_array`).
    """
    inputs = np.asarray(inputs)
    batch, steps, input_dim = checks.lstm_inputs(inputs)
    weights = {"kernel": np.asarray(kernel),
               "recurrent_kernel": np.asarray(recurrent_kernel),
               "bias": np.asarray(bias)}
    units = checks.lstm_weights(*weights.values(), input_dim)
    inputs = checks.float_array("inputs", inputs, ndim=3)
    kernel, recurrent_kernel, bias = (checks.float_array(name, w, ndim=w.ndim)
                                      for name, w in weights.items())
    if initial_state is None:
        h0, c0 = np.zeros((batch, units)), np.zeros((batch, units))
    else:
        h0, c0 = (checks.float_array(f"initial_state[{k}]", state, ndim=2)
                  for k, state in enumerate(checks.lstm_initial_state(
                      initial_state, batch, units)))
    if mask is None:
        mask = np.ones((batch, steps), dtype=bool)
    else:
        mask = np.asarray(checks.lstm_mask(mask, batch, steps))
    return inputs, kernel, recurrent_kernel, bias, h0, c0, mask


def numpy_lstm_forward(inputs, kernel, recurrent_kernel, bias,
                       initial_state=None, mask=None, go_backwards=False):
    """Run an LSTM over a batch of sequences, step by step, in float64.

    Args:
        inputs: float array `(batch, steps, input_dim)`.
        kernel: `(input_dim, 4 * units)`, gate blocks in Keras's order i, f, g, o.
        recurrent_kernel: `(units, 4 * units)`.
        bias: `(4 * units,)`.
        initial_state: optional `[h0, c0]`, each `(batch, units)`; zeros if None.
        mask: optional boolean `(batch, steps)`; False marks padding.
        go_backwards: read the sequence from the last step to the first.

    Returns:
        `(sequence, h, c, cache)`: `sequence` is `(batch, steps, units)` in
        processing order (as Keras returns it), `h` and `c` the final states
        `(batch, units)`, and `cache` a dict for `numpy_lstm_backward` whose
        entries "i", "f", "g", "o", "c" are `(batch, steps, units)` arrays of
        per-step gate values and cell states, in processing order.

    Raises:
        TypeError: if an array is not floating-point, or the mask not boolean.
        ValueError: if a shape does not fit (see `tf_lstm.checks`), an array
            holds NaN or Inf, or `go_backwards` is not a bool.

    Example:

    >>> import numpy as np
    >>> x = np.ones((2, 3, 4))
    >>> w, r, b = np.full((4, 20), 0.1), np.full((5, 20), 0.1), np.zeros(20)
    >>> sequence, h, c, cache = numpy_lstm_forward(x, w, r, b)
    >>> sequence.shape, h.shape, cache["g"].shape
    ((2, 3, 5), (2, 5), (2, 3, 5))
    >>> bool(np.all(sequence[:, -1] == h))
    True
    """
    inputs, kernel, recurrent_kernel, bias, h0, c0, mask = _validate(
        inputs, kernel, recurrent_kernel, bias, initial_state, mask)
    checks.boolean("go_backwards", go_backwards)
    if go_backwards:
        inputs, mask = inputs[:, ::-1], mask[:, ::-1]
    batch, steps, _ = inputs.shape
    units = recurrent_kernel.shape[0]
    W, R, b = split_gates(kernel), split_gates(recurrent_kernel), split_gates(bias)

    cache = {name: np.zeros((batch, steps, units)) for name in "ifgoc"}
    cache["h_prev"] = np.zeros((batch, steps, units))
    cache["c_prev"] = np.zeros((batch, steps, units))
    sequence = np.zeros((batch, steps, units))
    h, c = h0, c0
    output = np.zeros((batch, units))  # what a masked step repeats
    for t in range(steps):
        x_t = inputs[:, t]                                       # (batch, input_dim)
        i = sigmoid(x_t @ W["i"] + h @ R["i"] + b["i"])          # (batch, units)
        f = sigmoid(x_t @ W["f"] + h @ R["f"] + b["f"])
        g = np.tanh(x_t @ W["g"] + h @ R["g"] + b["g"])
        o = sigmoid(x_t @ W["o"] + h @ R["o"] + b["o"])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        for name, value in (("i", i), ("f", f), ("g", g), ("o", o),
                            ("c", c_new), ("h_prev", h), ("c_prev", c)):
            cache[name][:, t] = value
        m = mask[:, t, None]                                     # (batch, 1)
        h = np.where(m, h_new, h)
        c = np.where(m, c_new, c)
        output = np.where(m, h_new, output)
        sequence[:, t] = output
    cache.update(inputs=inputs, mask=mask, kernel=kernel,
                 recurrent_kernel=recurrent_kernel, go_backwards=go_backwards)
    return sequence, h, c, cache


def numpy_lstm_backward(d_sequence, d_h, d_c, cache):
    """Backpropagation through time for `numpy_lstm_forward`.

    Args:
        d_sequence: gradient of the loss with respect to the returned
            `sequence`, `(batch, steps, units)`, or None for zeros.
        d_h: gradient with respect to the final `h`, `(batch, units)`, or None.
        d_c: gradient with respect to the final `c`, `(batch, units)`, or None.
        cache: the `cache` returned by `numpy_lstm_forward`.

    Returns:
        A dict of gradients with keys "inputs" `(batch, steps, input_dim)`
        (in the order the inputs were given, also with `go_backwards`),
        "h0", "c0" `(batch, units)`, "kernel", "recurrent_kernel" and "bias"
        (Keras's fused layout).

    Raises:
        ValueError: if `cache` is not a forward cache, or a gradient's shape
            does not match the forward pass.

    Example:

    >>> x = np.ones((2, 3, 4))
    >>> w, r, b = np.full((4, 20), 0.1), np.full((5, 20), 0.1), np.zeros(20)
    >>> cache = numpy_lstm_forward(x, w, r, b)[3]
    >>> grads = numpy_lstm_backward(None, np.ones((2, 5)), None, cache)  # loss = sum(h)
    >>> grads["inputs"].shape, grads["kernel"].shape, grads["h0"].shape
    ((2, 3, 4), (4, 20), (2, 5))
    """
    if not isinstance(cache, dict) or "inputs" not in cache:
        raise ValueError(
            "Argument `cache` must be the dict returned by numpy_lstm_forward. "
            f"Received: cache of type {type(cache).__name__}"
        )
    inputs, mask = cache["inputs"], cache["mask"]
    kernel, recurrent_kernel = cache["kernel"], cache["recurrent_kernel"]
    batch, steps, _ = inputs.shape
    units = recurrent_kernel.shape[0]
    grads_in = {}
    for name, value, shape in (("d_sequence", d_sequence, (batch, steps, units)),
                               ("d_h", d_h, (batch, units)),
                               ("d_c", d_c, (batch, units))):
        if value is None:
            grads_in[name] = np.zeros(shape)
        else:
            grads_in[name] = checks.float_array(name, value, ndim=len(shape))
            checks.shape_equals(name, grads_in[name], shape)

    dz = np.zeros((batch, steps, 4 * units))  # gradient at the gate pre-activations
    dh, dc = grads_in["d_h"], grads_in["d_c"]  # w.r.t. the carried h_t, c_t
    d_output = np.zeros((batch, units))        # w.r.t. the carried output
    for t in reversed(range(steps)):
        m = mask[:, t, None]
        d_out = grads_in["d_sequence"][:, t] + d_output
        d_output = np.where(m, 0.0, d_out)     # a masked step passes it back
        d_h_new = np.where(m, d_out + dh, 0.0)
        d_c_new = np.where(m, dc, 0.0)
        i, f, g, o = (cache[k][:, t] for k in "ifgo")
        tanh_c = np.tanh(cache["c"][:, t])
        d_o = d_h_new * tanh_c
        d_c_new = d_c_new + d_h_new * o * (1.0 - tanh_c ** 2)
        d_i, d_f, d_g = d_c_new * g, d_c_new * cache["c_prev"][:, t], d_c_new * i
        dz[:, t] = np.concatenate([d_i * i * (1 - i), d_f * f * (1 - f),
                                   d_g * (1 - g ** 2), d_o * o * (1 - o)], axis=-1)
        dh = dz[:, t] @ recurrent_kernel.T + np.where(m, 0.0, dh)
        dc = d_c_new * f + np.where(m, 0.0, dc)

    d_inputs = dz @ kernel.T                                     # (batch, steps, input_dim)
    if cache["go_backwards"]:
        d_inputs = d_inputs[:, ::-1]
    return {
        "inputs": d_inputs,
        "h0": dh,
        "c0": dc,
        "kernel": np.einsum("btd,btk->dk", inputs, dz),          # (input_dim, 4 * units)
        "recurrent_kernel": np.einsum("btu,btk->uk", cache["h_prev"], dz),
        "bias": dz.sum(axis=(0, 1)),                              # (4 * units,)
    }


def article_lstm_forward(inputs, kernel, recurrent_kernel, bias,
                         initial_state=None):
    """The article's §3.2 update rule, implemented as written, for comparison.

    ``c_t = f_t * c_{t-1} + i_t * i_t * tanh(W_i x_t + b_i + R_i h_{t-1})``:
    the input gate appears twice and the candidate reuses the input gate's
    weights, so the g block of the weights is never used.

    Args:
        inputs, kernel, recurrent_kernel, bias, initial_state: as in
            `numpy_lstm_forward` (no mask, no `go_backwards`).

    Returns:
        `(sequence, h, c)`: `(batch, steps, units)`, `(batch, units)`,
        `(batch, units)`.

    Raises:
        The same errors as `numpy_lstm_forward`.

    Example:

    >>> x = np.ones((1, 2, 1))
    >>> w, r, b = np.full((1, 4), 0.5), np.full((1, 4), 0.5), np.zeros(4)
    >>> article = article_lstm_forward(x, w, r, b)[0]
    >>> correct = numpy_lstm_forward(x, w, r, b)[0]
    >>> bool(np.allclose(article, correct))  # i * i * tanh(...) != i * g
    False
    """
    inputs, kernel, recurrent_kernel, bias, h, c, _ = _validate(
        inputs, kernel, recurrent_kernel, bias, initial_state, None)
    W, R, b = split_gates(kernel), split_gates(recurrent_kernel), split_gates(bias)
    outputs = []
    for t in range(inputs.shape[1]):
        x_t = inputs[:, t]
        i = sigmoid(x_t @ W["i"] + h @ R["i"] + b["i"])
        f = sigmoid(x_t @ W["f"] + h @ R["f"] + b["f"])
        o = sigmoid(x_t @ W["o"] + h @ R["o"] + b["o"])
        c = f * c + i * i * np.tanh(x_t @ W["i"] + b["i"] + h @ R["i"])
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c
