"""The gate layout of Keras's fused LSTM weights, split and packed by name (§3).

Keras keeps the four gates of an LSTM in three fused tensors:

    kernel            (input_dim, 4 * units)   multiplies x_t
    recurrent_kernel  (units,     4 * units)   multiplies h_{t-1}
    bias              (4 * units,)

Along the last axis the blocks come in the order **i, f, c, o**. Keras's "c"
block is the *candidate* cell value, which this package (like most papers)
calls **g**: ``g_t = tanh(x_t W_g + h_{t-1} R_g + b_g)``. It is not the cell
state. This module is the one place that says so; everywhere else the package
writes the gates as ``i, f, g, o``.

CS231n-style code (and some hand-written LSTMs) orders the blocks i, f, o, g;
`from_ifog` and `to_ifog` convert between the two layouts.
"""

import numpy as np

# Keras's order of the four blocks along the last axis of kernel,
# recurrent_kernel and bias. Keras calls the third block "c"; we call it "g".
GATES = ("i", "f", "g", "o")
# The order used by CS231n's assignment 3 (`lstm_step_forward`).
IFOG = ("i", "f", "o", "g")


def _as_array(name, value):
    array = np.asarray(value)
    if array.ndim < 1 or array.shape[-1] % 4 or array.shape[-1] == 0:
        raise ValueError(
            f"Argument `{name}` must have a last axis of size 4 * units. "
            f"Received: {name} with shape {array.shape}"
        )
    return array


def split_gates(fused):
    """Split a fused weight tensor into its gate blocks.

    Args:
        fused: an array whose last axis is ``4 * units`` in Keras's order
            (a kernel, a recurrent kernel or a bias).

    Returns:
        A dict ``{"i": ..., "f": ..., "g": ..., "o": ...}`` of arrays whose
        last axis is ``units``.

    Example:

    >>> import numpy as np
    >>> blocks = split_gates(np.arange(8.0))
    >>> {name: block.tolist() for name, block in blocks.items()}
    {'i': [0.0, 1.0], 'f': [2.0, 3.0], 'g': [4.0, 5.0], 'o': [6.0, 7.0]}
    """
    fused = _as_array("fused", fused)
    return dict(zip(GATES, np.split(fused, 4, axis=-1)))


def pack_gates(i, f, g, o):
    """Concatenate four gate blocks into Keras's fused i, f, c(=g), o layout.

    The inverse of `split_gates`: ``pack_gates(**split_gates(w))`` equals `w`.

    Args:
        i, f, g, o: arrays of one shape, `(..., units)`, the blocks of the
            input gate, forget gate, candidate and output gate.

    Returns:
        An array `(..., 4 * units)`.

    Raises:
        ValueError: if the four blocks differ in shape.

    Example:

    >>> pack_gates(i=[0.0], f=[1.0], g=[0.0], o=[0.0]).tolist()  # a bias with forget 1
    [0.0, 1.0, 0.0, 0.0]
    """
    blocks = [np.asarray(b) for b in (i, f, g, o)]
    shapes = {b.shape for b in blocks}
    if len(shapes) != 1:
        raise ValueError(
            "Arguments `i`, `f`, `g`, `o` must all have the same shape. "
            f"Received shapes: {[b.shape for b in blocks]}"
        )
    return np.concatenate(blocks, axis=-1)


def split_lstm_weights(layer):
    """Split a built LSTM layer's weights into named gate blocks.

    Args:
        layer: a built `keras.layers.LSTM` or `tf_lstm.ScratchLSTM`.

    Returns:
        ``{"kernel": {"i", "f", "g", "o"}, "recurrent_kernel": {...},
        "bias": {...}}`` of NumPy arrays: kernel blocks `(input_dim, units)`,
        recurrent blocks `(units, units)`, bias blocks `(units,)`.

    Raises:
        ValueError: if `layer` is not built or has no bias.

    Example:

    >>> import keras
    >>> layer = keras.layers.LSTM(3)
    >>> layer.build((None, None, 2))
    >>> parts = split_lstm_weights(layer)
    >>> parts["kernel"]["g"].shape, parts["bias"]["f"].tolist()  # Keras's forget bias 1
    ((2, 3), [1.0, 1.0, 1.0])
    """
    kernel, recurrent_kernel, bias = _weights_of(layer)
    return {
        "kernel": split_gates(kernel),
        "recurrent_kernel": split_gates(recurrent_kernel),
        "bias": split_gates(bias),
    }


def _weights_of(layer):
    cell = getattr(layer, "cell", layer)
    if not getattr(layer, "built", False) or getattr(cell, "bias", None) is None:
        raise ValueError(
            "Argument `layer` must be a built LSTM layer with a bias "
            "(call it on an input first, and keep use_bias=True). "
            f"Received: layer={layer!r}"
        )
    return (
        np.asarray(cell.kernel),
        np.asarray(cell.recurrent_kernel),
        np.asarray(cell.bias),
    )


def from_ifog(fused):
    """Reorder a fused tensor from the i, f, o, g layout to Keras's i, f, g, o.

    Args:
        fused: an array whose last axis is ``4 * units``, blocks i, f, o, g.

    Returns:
        The same array with the blocks in Keras's order i, f, g, o.

    Raises:
        ValueError: if the last axis is not a positive multiple of 4.

    Example:

    >>> import numpy as np
    >>> from_ifog(np.array([1.0, 2.0, 3.0, 4.0])).tolist()  # i f o g
    [1.0, 2.0, 4.0, 3.0]
    """
    i, f, o, g = np.split(_as_array("fused", fused), 4, axis=-1)
    return np.concatenate([i, f, g, o], axis=-1)


def to_ifog(fused):
    """Reorder a fused tensor from Keras's i, f, g, o layout to i, f, o, g.

    The inverse of `from_ifog`; same arguments and errors.

    Example:

    >>> import numpy as np
    >>> to_ifog(np.array([1.0, 2.0, 3.0, 4.0])).tolist()  # i f g o
    [1.0, 2.0, 4.0, 3.0]
    """
    i, f, g, o = np.split(_as_array("fused", fused), 4, axis=-1)
    return np.concatenate([i, f, o, g], axis=-1)


def copy_lstm_weights(source, target):
    """Copy kernel, recurrent_kernel and bias from one LSTM layer to another.

    Works in every direction between `keras.layers.LSTM` and
    `tf_lstm.ScratchLSTM`, since both store the same three variables in the
    same layout. Both layers must be built with the same shapes.

    Args:
        source: a built `keras.layers.LSTM` or `tf_lstm.ScratchLSTM`.
        target: a built layer of either kind, with the same shapes.

    Returns:
        `target`, for chaining.

    Raises:
        ValueError: if a layer is not built, or a weight's shape differs
            (the message names the weight and both shapes).

    Example:

    >>> import keras, numpy as np
    >>> source, target = keras.layers.LSTM(2), keras.layers.LSTM(2)
    >>> source.build((None, None, 3)); target.build((None, None, 3))
    >>> _ = copy_lstm_weights(source, target)
    >>> all(np.array_equal(a, b) for a, b in zip(source.get_weights(), target.get_weights()))
    True
    """
    weights = _weights_of(source)
    target_weights = _weights_of(target)
    for name, w, t in zip(("kernel", "recurrent_kernel", "bias"), weights,
                          target_weights):
        if w.shape != t.shape:
            raise ValueError(
                f"Cannot copy `{name}`: source has shape {w.shape}, target "
                f"has shape {t.shape}. Build both layers on the same input size "
                "with the same `units`."
            )
    cell = getattr(target, "cell", target)
    for var, w in zip((cell.kernel, cell.recurrent_kernel, cell.bias), weights):
        var.assign(w.astype(var.dtype))
    return target

