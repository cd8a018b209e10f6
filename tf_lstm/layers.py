"""Keras's LSTM layer with its return modes made explicit (§4).

The article's §4 writes::

    lstm_layer = tf.keras.layers.LSTM(units=128, return_sequences=True,
                                      return_state=True)
    outputs, states = lstm_layer(inputs)

but Keras returns *three* values in that configuration, ``(sequence, h, c)``,
so the unpacking raises ``ValueError: too many values to unpack``. What a call
returns depends on two flags, which is exactly how such bugs happen:

    return_sequences  return_state   the call returns
    False             False          h                   (batch, units)
    True              False          sequence            (batch, steps, units)
    False             True           (h, h, c)
    True              True           (sequence, h, c)

`run_lstm` removes the guesswork: whatever the flags, it returns an
`LSTMOutputs(sequence, h, c)` named tuple, asking Keras itself for the
final states when the layer was built without `return_state`.
"""

import collections
import weakref

import keras

from tf_lstm import checks

LSTMOutputs = collections.namedtuple("LSTMOutputs", ["sequence", "h", "c"])
LSTMOutputs.__doc__ = """What an LSTM computes, by name.

Fields:
    sequence: `(batch, steps, units)`, the output at every step, or None when
        the layer was built with `return_sequences=False`.
    h: `(batch, units)`, the final hidden state (equal to the last output).
    c: `(batch, units)`, the final cell state (never part of the output).
"""

# Twin layers that share a layer's cell (hence its weights) and return
# everything; made once per layer, dropped when the layer is.
_TWINS = weakref.WeakKeyDictionary()


def lstm(units, **kwargs):
    """Make a `keras.layers.LSTM`, validating the arguments users get wrong.

    Args:
        units: positive integer, the size of `h` and `c`.
        **kwargs: any other `keras.layers.LSTM` argument, passed through
            unchanged (`return_sequences`, `return_state`, `go_backwards`,
            `dropout`, `unit_forget_bias`, ...).

    Returns:
        A `keras.layers.LSTM`.

    Raises:
        ValueError: if `units` is not a positive integer, a boolean flag is
            not a bool, or `dropout` / `recurrent_dropout` is not in [0, 1).

    Example:

    >>> layer = lstm(8, return_sequences=True)
    >>> layer.units, layer.return_sequences, layer.return_state
    (8, True, False)
    """
    checks.positive_int("units", units)
    for flag in ("return_sequences", "return_state", "go_backwards",
                 "unit_forget_bias", "use_bias", "stateful", "unroll"):
        if flag in kwargs:
            checks.boolean(flag, kwargs[flag])
    for rate in ("dropout", "recurrent_dropout"):
        value = kwargs.get(rate, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                0.0 <= value < 1.0):
            raise ValueError(
                f"Argument `{rate}` must be a number in [0, 1). "
                f"Received: {rate}={value!r}")
    return keras.layers.LSTM(units, **kwargs)


def _twin(layer):
    """A `keras.layers.LSTM` sharing `layer`'s cell that returns (sequence, h, c)."""
    twin = _TWINS.get(layer)
    if twin is None:
        config = layer.get_config()
        config.update(return_sequences=True, return_state=True,
                      name=f"{layer.name}_all_outputs")
        twin = keras.layers.LSTM.from_config(config)
        twin._tracker.unlock()
        twin.cell = layer.cell  # same variables: Keras computes, we only ask
        twin._tracker.lock()
        _TWINS[layer] = twin
    return twin


def run_lstm(layer, inputs, initial_state=None, mask=None, training=None):
    """Call an LSTM layer and return its outputs by name.

    Args:
        layer: a `keras.layers.LSTM`, with any `return_sequences` and
            `return_state`.
        inputs: `(batch, steps, features)` float tensor.
        initial_state: optional `[h0, c0]`, each `(batch, units)`.
        mask: optional boolean `(batch, steps)`; False marks padding.
        training: passed to the layer (dropout).

    Returns:
        `LSTMOutputs(sequence, h, c)`; `sequence` is None unless the layer
        returns sequences. `h` and `c` are always the final states, computed
        by Keras with the layer's own weights.

    Raises:
        TypeError: if `layer` is not a `keras.layers.LSTM`, if `inputs` or a
            state is not floating-point, or if `mask` is not boolean.
        ValueError: if a shape does not fit: `inputs` not rank 3 or with an
            empty axis (batch 0 included), a feature size the layer was not
            built for, a state that is not `(batch, units)`, a mask that is
            not `(batch, steps)`. All are checked by `tf_lstm.checks` before
            Keras sees the call.

    Example:

    >>> import numpy as np
    >>> layer = lstm(4)  # neither return_sequences nor return_state
    >>> out = run_lstm(layer, np.ones((2, 3, 5), "float32"))
    >>> out.sequence is None, tuple(out.h.shape), tuple(out.c.shape)
    (True, (2, 4), (2, 4))
    """
    if not isinstance(layer, keras.layers.LSTM):
        raise TypeError(
            "Argument `layer` must be a keras.layers.LSTM (make one with "
            f"tf_lstm.lstm). Received: layer={layer!r:.80}")
    if not isinstance(inputs, keras.KerasTensor):
        inputs = keras.ops.convert_to_tensor(inputs)
    batch, steps, _ = checks.lstm_inputs(inputs)
    if layer.built:
        checks.shape_equals("inputs", inputs,
                            (None, None, layer.cell.kernel.shape[0]),
                            "the last axis must match the layer's kernel")
    if mask is not None:
        mask = checks.lstm_mask(mask, batch, steps)
    if initial_state is not None:
        initial_state = checks.lstm_initial_state(initial_state, batch, layer.units)
    if not layer.built:
        layer.build(inputs.shape)
    full = layer if (layer.return_sequences and layer.return_state) else _twin(layer)
    sequence, h, c = full(inputs, initial_state=initial_state, mask=mask,
                          training=training)
    return LSTMOutputs(sequence if layer.return_sequences else None, h, c)
