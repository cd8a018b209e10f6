"""The from-scratch LSTM in TensorFlow, and `ScratchLSTM`, a Keras layer on it (§3).

`tf_lstm_forward` computes the same recurrence as `tf_lstm.numpy_lstm` (see the
equations there), but the way fast LSTM code does: the input projection
``x_t W + b`` of *every* step is one matrix product before the loop, and the
loop (a `tf.while_loop`) only does the recurrent part ``h_{t-1} R`` and the
element-wise gate arithmetic. It is differentiable and works inside
`tf.function`.

`ScratchLSTM` wraps it as a layer with the same core arguments, the same
outputs and the same weight variables (`kernel`, `recurrent_kernel`, `bias`)
as `keras.layers.LSTM`, so weights move between the two in one call
(`ScratchLSTM.from_keras`, `ScratchLSTM.to_keras`). Unlike Keras, it can also
return what happens inside the cell: the per-step gates i, f, g, o and the
cell state c (``return_gates=True``).

Activations. Like Keras, the layer takes `activation` (the candidate g and
the output squashing ``tanh(c)``; default tanh) and `recurrent_activation`
(the gates i, f, o; default sigmoid), by name, from
`tf_lstm.activations.ACTIVATIONS`, each written out as Keras 3 defines it;
the tests check every one against `keras.layers.LSTM`. Any other activation
is refused by name, by the constructor and by `from_keras`.
"""

import keras
import numpy as np
import tensorflow as tf

from tf_lstm import checks
from tf_lstm.activations import ACTIVATIONS, activation_name
from tf_lstm.gates import copy_lstm_weights

GATE_OUTPUTS = ("i", "f", "g", "o", "c")

def _recurrence(inputs, kernel, recurrent_kernel, bias, h0, c0, mask,
                go_backwards, return_gates, activation="tanh",
                recurrent_activation="sigmoid"):
    """The loop itself, with no argument checks (the layer's hot path)."""
    act, rec_act = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    x = tf.transpose(inputs, [1, 0, 2])                       # (steps, batch, input_dim)
    if go_backwards:
        x = tf.reverse(x, [0])
    steps = tf.shape(x)[0]
    z_x = tf.einsum("tbd,dk->tbk", x, kernel) + bias          # (steps, batch, 4 * units)
    z_x = tf.TensorArray(z_x.dtype, size=steps).unstack(z_x)
    if mask is not None:
        m = tf.transpose(tf.cast(mask, tf.bool))[:, :, None]  # (steps, batch, 1)
        if go_backwards:
            m = tf.reverse(m, [0])
        m = tf.TensorArray(tf.bool, size=steps).unstack(m)
    n_out = 1 + (len(GATE_OUTPUTS) if return_gates else 0)
    outs = tuple(tf.TensorArray(inputs.dtype, size=steps) for _ in range(n_out))

    def step(t, h, c, output, outs):
        z = z_x.read(t) + tf.matmul(h, recurrent_kernel)      # (batch, 4 * units)
        z_i, z_f, z_g, z_o = tf.split(z, 4, axis=-1)          # each (batch, units)
        i, f, o = rec_act(z_i), rec_act(z_f), rec_act(z_o)   # sigmoid by default
        g = act(z_g)                                          # tanh by default
        c_new = f * c + i * g
        h_new = o * act(c_new)
        if mask is None:
            h, c, output = h_new, c_new, h_new
        else:
            m_t = m.read(t)
            h = tf.where(m_t, h_new, h)
            c = tf.where(m_t, c_new, c)
            output = tf.where(m_t, h_new, output)
        values = (output, i, f, g, o, c_new)[:n_out]
        outs = tuple(ta.write(t, v) for ta, v in zip(outs, values))
        return t + 1, h, c, output, outs

    # Why the loop is written this way (the timings are in benchmarks/README.md):
    # - parallel_iterations=32 (Keras's value; the default is 10) lets the backward
    #   loop overlap the work of neighbouring steps that does not feed the recurrence;
    # - maximum_iterations makes the loop XLA-compilable (XLA must know the size of
    #   the lists that keep each step's values for the gradient);
    # - each step reads its input projection from a TensorArray: indexing `z_x[t]`
    #   instead makes the gradient a dense scatter per step.
    _, h, c, _, outs = tf.while_loop(
        lambda t, *_: t < steps, step,
        (tf.constant(0), h0, c0, tf.zeros_like(h0), outs),
        maximum_iterations=steps, parallel_iterations=32,
    )
    stacked = [tf.transpose(ta.stack(), [1, 0, 2]) for ta in outs]  # (batch, steps, units)
    gates = dict(zip(GATE_OUTPUTS, stacked[1:])) if return_gates else None
    return stacked[0], h, c, gates


def tf_lstm_forward(inputs, kernel, recurrent_kernel, bias, initial_state=None,
                    mask=None, go_backwards=False, return_gates=False,
                    activation="tanh", recurrent_activation="sigmoid"):
    """Run the LSTM recurrence in TensorFlow with a single input projection.

    Args:
        inputs: float tensor `(batch, steps, input_dim)`.
        kernel, recurrent_kernel, bias: Keras's fused weights (see `tf_lstm.gates`).
        initial_state: optional `[h0, c0]`, each `(batch, units)`.
        mask: optional boolean `(batch, steps)`; False marks padding.
        go_backwards: process the sequence in reverse, as Keras does.
        return_gates: also return the per-step gates and cell states.
        activation, recurrent_activation: names from `ACTIVATIONS` (see the
            module docstring), for g and tanh(c), and for i, f, o.

    Returns:
        `(sequence, h, c, gates)`: `sequence` `(batch, steps, units)` in
        processing order, final `h` and `c` `(batch, units)`, and `gates` a
        dict of `(batch, steps, units)` tensors "i", "f", "g", "o", "c" (or
        None when `return_gates` is False).

    Raises:
        TypeError: if `inputs`, a weight or a state is not floating-point, or
            `mask` is not boolean.
        ValueError: if a shape does not fit (the same checks and messages as
            the other LSTMs, `tf_lstm.checks`), a flag is not a bool, or an
            activation is not one of `ACTIVATIONS`.
        tf.errors.InvalidArgumentError: naming the argument, when `inputs`
            or a weight holds NaN or Inf (checked at run time).

    Example:

    >>> x = np.ones((2, 3, 4), "float32")
    >>> w, r, b = np.full((4, 20), 0.1), np.full((5, 20), 0.1), np.zeros(20)
    >>> sequence, h, c, gates = tf_lstm_forward(x, w, r, b, return_gates=True)
    >>> tuple(sequence.shape), tuple(h.shape), sorted(gates)
    ((2, 3, 5), (2, 5), ['c', 'f', 'g', 'i', 'o'])
    >>> from tf_lstm.numpy_lstm import numpy_lstm_forward
    >>> bool(np.allclose(h, numpy_lstm_forward(x, w, r, b)[1], atol=1e-6))
    True
    """
    inputs = tf.convert_to_tensor(inputs)
    batch, steps, input_dim = checks.lstm_inputs(inputs)
    dtype = inputs.dtype
    weights = [tf.convert_to_tensor(w) for w in (kernel, recurrent_kernel, bias)]
    units = checks.lstm_weights(*weights, input_dim)
    kernel, recurrent_kernel, bias = (tf.cast(w, dtype) for w in weights)
    for name, value in (("inputs", inputs), ("kernel", kernel),
                        ("recurrent_kernel", recurrent_kernel), ("bias", bias)):
        tf.debugging.assert_all_finite(
            value, f"Argument `{name}` must contain only finite values")
    if initial_state is None:
        h0 = tf.zeros((tf.shape(inputs)[0], units), dtype)
        c0 = h0
    else:
        h0, c0 = (tf.cast(s, dtype) for s in checks.lstm_initial_state(
            initial_state, batch, units,
            convert=lambda name, value: tf.convert_to_tensor(value)))
    if mask is not None:
        mask = checks.lstm_mask(tf.convert_to_tensor(mask), batch, steps)
    return _recurrence(inputs, kernel, recurrent_kernel, bias, h0, c0, mask,
                       checks.boolean("go_backwards", go_backwards),
                       checks.boolean("return_gates", return_gates),
                       activation_name("activation", activation),
                       activation_name("recurrent_activation", recurrent_activation))


@keras.saving.register_keras_serializable(package="tf_lstm")
class ScratchLSTM(keras.layers.Layer):
    """An LSTM layer written from scratch that matches `keras.layers.LSTM`.

    Args:
        units: positive integer, size of `h` and `c`.
        return_sequences: return the whole output sequence, not only the last.
        return_state: also return the final `h` and `c`.
        go_backwards: process the input sequence backwards.
        return_gates: also return a dict of per-step "i", "f", "g", "o", "c",
            each `(batch, steps, units)`, after everything else.
        kernel_initializer, recurrent_initializer, bias_initializer,
        unit_forget_bias: as in `keras.layers.LSTM`.
        activation: for the candidate g and for tanh(c), a name from
            `ACTIVATIONS` (or its `keras.activations` function; None means
            "linear", as in Keras). Default "tanh".
        recurrent_activation: for the gates i, f, o, likewise. Default
            "sigmoid".

    Call arguments:
        inputs: `(batch, steps, input_dim)` float tensor.
        initial_state: optional `[h0, c0]`.
        mask: optional boolean `(batch, steps)` (or propagated by Keras).

    Returns:
        Like `keras.layers.LSTM`: the output (sequence or last step), then
        `h, c` if `return_state`, then the gate dict if `return_gates`.

    Raises:
        ValueError: on a bad constructor argument, and, when called, on
            inputs, an initial state or a mask that do not fit; TypeError on
            a wrong dtype. The checks and messages are those of every LSTM in
            the package (`tf_lstm.checks`), made before TensorFlow runs.

    Example:

    >>> import numpy as np
    >>> layer = ScratchLSTM(4, return_sequences=True, return_state=True)
    >>> sequence, h, c = layer(np.zeros((2, 3, 5), "float32"))
    >>> tuple(sequence.shape), tuple(h.shape), tuple(c.shape)
    ((2, 3, 4), (2, 4), (2, 4))
    >>> [w.shape for w in layer.get_weights()]
    [(5, 16), (4, 16), (16,)]
    """

    def __init__(self, units, return_sequences=False, return_state=False,
                 go_backwards=False, return_gates=False,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, activation="tanh",
                 recurrent_activation="sigmoid", **kwargs):
        super().__init__(**kwargs)
        self.units = checks.positive_int("units", units)
        self.activation = activation_name("activation", activation)
        self.recurrent_activation = activation_name("recurrent_activation",
                                                    recurrent_activation)
        self.return_sequences = checks.boolean("return_sequences", return_sequences)
        self.return_state = checks.boolean("return_state", return_state)
        self.go_backwards = checks.boolean("go_backwards", go_backwards)
        self.return_gates = checks.boolean("return_gates", return_gates)
        self.unit_forget_bias = checks.boolean("unit_forget_bias", unit_forget_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = checks.lstm_input_shape(input_shape)[-1]
        if input_dim is None:
            raise ValueError(
                "The feature axis of `inputs` must be known to build "
                f"ScratchLSTM. Received: input shape {tuple(input_shape)}")
        units = self.units
        self.kernel = self.add_weight(shape=(input_dim, 4 * units), name="kernel",
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(
            shape=(units, 4 * units), name="recurrent_kernel",
            initializer=self.recurrent_initializer)
        bias_init = self.bias_initializer
        if self.unit_forget_bias:
            def bias_init(shape, dtype=None):  # forget block 1, the rest as asked
                return keras.ops.concatenate([
                    self.bias_initializer((units,), dtype=dtype),
                    keras.ops.ones((units,), dtype=dtype),
                    self.bias_initializer((2 * units,), dtype=dtype)])
        self.bias = self.add_weight(shape=(4 * units,), name="bias",
                                    initializer=bias_init)

    def _check_call(self, inputs, initial_state, mask):
        """Validate a call's arguments (`tf_lstm.checks`); return `[h0, c0]` or None."""
        batch, steps, _ = checks.lstm_inputs(inputs)
        if self.built:
            checks.shape_equals("inputs", inputs, (None, None, self.kernel.shape[0]),
                                "the last axis must match the layer's kernel")
        if mask is not None:
            checks.lstm_mask(mask, batch, steps)
        if initial_state is None:
            return None
        return checks.lstm_initial_state(initial_state, batch, self.units)

    def __call__(self, inputs, *args, **kwargs):
        # Check concrete inputs before Keras's call machinery, which would wrap
        # our one-line message in "Exception encountered when calling ...".
        if not args and not isinstance(inputs, keras.KerasTensor):
            if not (hasattr(inputs, "shape") and hasattr(inputs, "dtype")):
                inputs = keras.ops.convert_to_tensor(inputs)
            self._check_call(inputs, kwargs.get("initial_state"), kwargs.get("mask"))
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, initial_state=None, mask=None, training=None):
        initial_state = self._check_call(inputs, initial_state, mask)
        if initial_state is None:
            h0 = tf.zeros((tf.shape(inputs)[0], self.units), self.compute_dtype)
            c0 = h0
        else:
            h0, c0 = (tf.cast(s, self.compute_dtype) for s in initial_state)
        sequence, h, c, gates = _recurrence(
            inputs, tf.cast(self.kernel, inputs.dtype),
            tf.cast(self.recurrent_kernel, inputs.dtype),
            tf.cast(self.bias, inputs.dtype), h0, c0, mask,
            self.go_backwards, self.return_gates, self.activation,
            self.recurrent_activation)
        output = sequence if self.return_sequences else sequence[:, -1]
        result = [output, h, c] if self.return_state else [output]
        if self.return_gates:
            result.append(gates)
        return result[0] if len(result) == 1 else tuple(result)

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        extra = (2 if self.return_state else 0) + (1 if self.return_gates else 0)
        return [output_mask] + [None] * extra if extra else output_mask

    def compute_output_spec(self, inputs, initial_state=None, mask=None,
                            training=None):
        self._check_call(inputs, initial_state, mask)
        batch, steps = inputs.shape[0], inputs.shape[1]
        spec = lambda shape: keras.KerasTensor(shape, dtype=self.compute_dtype)
        output = spec((batch, steps, self.units) if self.return_sequences
                      else (batch, self.units))
        result = [output]
        if self.return_state:
            result += [spec((batch, self.units)), spec((batch, self.units))]
        if self.return_gates:
            result.append({k: spec((batch, steps, self.units))
                           for k in GATE_OUTPUTS})
        return result[0] if len(result) == 1 else tuple(result)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, return_sequences=self.return_sequences,
            return_state=self.return_state, go_backwards=self.go_backwards,
            return_gates=self.return_gates, unit_forget_bias=self.unit_forget_bias,
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            recurrent_initializer=keras.initializers.serialize(
                self.recurrent_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer))
        return config

    @classmethod
    def from_keras(cls, layer, return_gates=False):
        """A `ScratchLSTM` with the flags and a copy of the weights of `layer`.

        Args:
            layer: a built `keras.layers.LSTM`.
            return_gates: the new layer's `return_gates`.

        Returns:
            A built `ScratchLSTM` (same units, `return_sequences`,
            `return_state`, `go_backwards`, `activation`,
            `recurrent_activation` and dtype) that computes what `layer`
            computes (dropout aside, which only acts in training).

        Raises:
            TypeError: if `layer` is not a `keras.layers.LSTM`.
            ValueError: if `layer` is not built, is stateful, has no bias,
                or uses an activation ScratchLSTM does not implement (named
                in the message).

        Example:

        >>> import keras
        >>> keras_layer = keras.layers.LSTM(3, return_sequences=True)
        >>> keras_layer.build((None, None, 2))
        >>> x = np.ones((1, 4, 2), "float32")
        >>> bool(np.allclose(ScratchLSTM.from_keras(keras_layer)(x), keras_layer(x), atol=1e-6))
        True
        """
        if not isinstance(layer, keras.layers.LSTM):
            raise TypeError("Argument `layer` must be a keras.layers.LSTM. "
                            f"Received: layer={layer!r}")
        if layer.stateful:
            raise ValueError("Argument `layer` must not be stateful: ScratchLSTM "
                             "keeps no state between calls. Received: "
                             f"layer={layer!r} with stateful=True")
        try:
            activations = {name: activation_name(name, getattr(layer.cell, name))
                           for name in ("activation", "recurrent_activation")}
        except ValueError as error:
            raise ValueError(f"Cannot copy {layer!r}: {error}") from None
        scratch = cls(layer.units, return_sequences=layer.return_sequences,
                      return_state=layer.return_state,
                      go_backwards=layer.go_backwards, return_gates=return_gates,
                      dtype=layer.dtype_policy, **activations)
        scratch.build((None, None, _built_input_dim(layer)))
        return copy_lstm_weights(layer, scratch)

    def to_keras(self):
        """A `keras.layers.LSTM` with this layer's flags and a copy of its weights.

        `return_gates` has no Keras counterpart and is dropped.

        Returns:
            A built `keras.layers.LSTM`.

        Raises:
            ValueError: if this layer is not built.
        """
        layer = keras.layers.LSTM(self.units,
                                  return_sequences=self.return_sequences,
                                  return_state=self.return_state,
                                  go_backwards=self.go_backwards,
                                  activation=self.activation,
                                  recurrent_activation=self.recurrent_activation,
                                  dtype=self.dtype_policy)
        layer.build((None, None, _built_input_dim(self)))
        return copy_lstm_weights(self, layer)


def _built_input_dim(layer):
    cell = getattr(layer, "cell", layer)
    if not layer.built:
        raise ValueError("Argument `layer` must be built (call it once on an "
                         f"input) before its weights can be copied. Received: {layer!r}")
    return int(np.shape(cell.kernel)[0])
