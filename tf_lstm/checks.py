"""Argument validation shared by every public entry point.

Each check raises where the input enters, with a message that names the
argument, what was expected and what was received, in the style of Keras:

    Argument `units` must be a positive integer. Received: units=0

Nothing is clamped or coerced silently: a wrong dtype, shape or value is an
error, and NaN or Inf in the arrays of the from-scratch functions is an error
(they would poison every later step of the recurrence).

Two groups of checks:

- scalars and arrays: `positive_int`, `non_negative_int`, `one_of`, `boolean`,
  `float_array`, `shape_equals`;
- an LSTM's arguments, one validator for every implementation (the NumPy
  reference, `tf_lstm_forward`, `ScratchLSTM`, `run_lstm`): `lstm_inputs`
  (and `lstm_input_shape`), `lstm_weights`, `lstm_initial_state`, `lstm_mask`.

This module needs only NumPy, so the translation model, which imports it
through `tf_lstm.layers`, runs on any Keras backend.
"""

import numbers

import numpy as np


def _short(value):
    """A one-line description of `value` for an error message."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)) and any(hasattr(v, "shape") for v in value):
        shapes = [tuple(v.shape) if hasattr(v, "shape") else type(v).__name__
                  for v in value]
        return f"{type(value).__name__} of {len(value)} with shapes {shapes}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def positive_int(name, value):
    """Return `value` as an int if it is a positive integer (not a bool).

    Args:
        name: the argument's name, for the message (as in every check here).
        value: the received value.

    Returns:
        `int(value)`.

    Raises:
        ValueError: otherwise, naming `name` and the received value.

    Example:

    >>> positive_int("units", 4)
    4
    >>> positive_int("units", 0)
    Traceback (most recent call last):
    ValueError: Argument `units` must be a positive integer. Received: units=0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"Argument `{name}` must be a positive integer. "
                         f"Received: {name}={_short(value)}")
    return int(value)


def non_negative_int(name, value):
    """Return `value` as an int if it is an integer >= 0 (not a bool).

    Raises:
        ValueError: otherwise, naming `name` and the received value.

    Example:

    >>> non_negative_int("seed", -1)
    Traceback (most recent call last):
    ValueError: Argument `seed` must be a non-negative integer. Received: seed=-1
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"Argument `{name}` must be a non-negative integer. "
                         f"Received: {name}={_short(value)}")
    return int(value)


def positive_number(name, value):
    """Return `value` as a float if it is a real number > 0 (not a bool; NaN refused).

    Raises:
        ValueError: otherwise, naming `name` and the received value.

    Example:

    >>> positive_number("clipnorm", 0.5)
    0.5
    >>> positive_number("clipnorm", 0)
    Traceback (most recent call last):
    ValueError: Argument `clipnorm` must be a positive number. Received: clipnorm=0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"Argument `{name}` must be a positive number. "
                         f"Received: {name}={_short(value)}")
    return float(value)


def one_of(name, value, allowed):
    """Return `value` if it is one of `allowed` (a tuple of choices).

    >>> one_of("tokenizer", "words", ("words", "wordpiece"))
    'words'
    >>> one_of("tokenizer", "bpe", ("words", "wordpiece"))
    Traceback (most recent call last):
    ...
    ValueError: Argument `tokenizer` must be one of ('words', 'wordpiece'). Received: tokenizer='bpe'
    """
    if value not in allowed:
        raise ValueError(f"Argument `{name}` must be one of {tuple(allowed)}. "
                         f"Received: {name}={value!r}")
    return value


def boolean(name, value):
    """Return `value` as a bool if it is a Python or NumPy bool.

    Raises:
        ValueError: otherwise (``"yes"``, 1 and None are refused).

    Example:

    >>> boolean("return_state", "yes")
    Traceback (most recent call last):
    ValueError: Argument `return_state` must be a boolean (True or False). Received: return_state='yes'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Argument `{name}` must be a boolean (True or False). "
                         f"Received: {name}={_short(value)}")
    return bool(value)


def _dtype_name(value):
    """The dtype of an array or tensor of any backend as a plain name ("float32")."""
    dtype = getattr(value, "dtype", None)
    name = getattr(dtype, "name", None)
    return (name if isinstance(name, str) else str(dtype)).rsplit(".", 1)[-1]


def float_array(name, value, ndim, finite=True):
    """Convert `value` to a float64 NumPy array of rank `ndim`, or raise.

    Integer, boolean, string and object data are refused rather than cast:
    an LSTM over token ids almost always means a missing embedding layer.

    Args:
        name: the argument's name, for the message.
        value: anything `np.asarray` accepts.
        ndim: the required rank.
        finite: also refuse NaN and Inf.

    Returns:
        A float64 `np.ndarray`.

    Raises:
        TypeError: if the data is not floating-point.
        ValueError: on the wrong rank, or NaN or Inf when `finite`.

    Example:

    >>> float_array("x", [[1.0, 2.0]], ndim=2).dtype
    dtype('float64')
    >>> float_array("x", [1, 2], ndim=1)
    Traceback (most recent call last):
    TypeError: Argument `x` must hold floating-point numbers. Received: x=array of shape (2,) and dtype int64
    """
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"Argument `{name}` must hold floating-point numbers. "
            f"Received: {name}={_short(array)}"
        )
    if array.ndim != ndim:
        raise ValueError(
            f"Argument `{name}` must have rank {ndim}. "
            f"Received: {name} with shape {array.shape} (rank {array.ndim})"
        )
    if finite and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"Argument `{name}` must contain only finite values; "
            f"found {bad} NaN or Inf entries. Received: {name}={_short(array)}"
        )
    return array.astype(np.float64, copy=False)


def shape_equals(name, array, expected, why=""):
    """Raise unless `array.shape` equals `expected` (None matches anything).

    Args:
        name: the argument's name, for the message.
        array: anything with a `.shape`.
        expected: a tuple of ints and None.
        why: where `expected` comes from: the axes' names, such as
            ``"(batch, units)"``, or a short reason.

    Raises:
        ValueError: naming `name`, the expected and the received shape.

    Example:

    >>> shape_equals("bias", np.zeros(6), (8,), "4 * units")
    Traceback (most recent call last):
    ValueError: Argument `bias` must have shape (8,) (4 * units). Received: bias with shape (6,)
    """
    shape = tuple(array.shape)
    ok = len(shape) == len(expected) and all(
        e is None or s is None or s == e for s, e in zip(shape, expected)
    )
    if not ok:
        parts = ["?" if e is None else str(e) for e in expected]
        shown = "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        # "(2, 2) = (batch, units)" names the axes; other reasons go in brackets.
        reason = (f" = {why}" if why.startswith("(") else f" ({why})") if why else ""
        raise ValueError(
            f"Argument `{name}` must have shape {shown}{reason}. "
            f"Received: {name} with shape {shape}"
        )


def _floating(name, value, hint=""):
    if "float" not in _dtype_name(value):
        raise TypeError(
            f"Argument `{name}` must hold floating-point numbers{hint}. "
            f"Received: {name} with dtype {_dtype_name(value)}"
        )


# The LSTM's arguments: one validator for every implementation (the NumPy
# reference, `tf_lstm_forward`, `ScratchLSTM` and `run_lstm`). These functions
# read only `.shape` and `.dtype`, so they accept NumPy arrays, tensors of any
# Keras backend and symbolic `keras.KerasTensor`s (whose unknown axes are None
# and match anything). Converting (and, for NumPy, the finiteness check) is
# the caller's job, done before these are called.

def lstm_input_shape(shape, name="inputs"):
    """Check a `(batch, steps, features)` shape: rank 3, no empty axis.

    Args:
        shape: a tuple, `tf.TensorShape` or the like; None marks an axis
            unknown until the call, which passes.
        name: the argument's name, for the message.

    Returns:
        `(batch, steps, features)`, each an int or None.

    Raises:
        ValueError: on a rank other than 3, or an axis of size 0.

    Example:

    >>> lstm_input_shape((None, 5, 3))
    (None, 5, 3)
    >>> lstm_input_shape((0, 5, 3))
    Traceback (most recent call last):
    ValueError: Argument `inputs` must have a non-empty batch axis. Received: inputs with shape (0, 5, 3)
    """
    shape = tuple(shape)
    if len(shape) != 3:
        raise ValueError(
            f"Argument `{name}` must have rank 3, (batch, steps, features). "
            f"Received: {name} with shape {shape} (rank {len(shape)})"
        )
    for axis, label in enumerate(("batch", "time", "feature")):
        if shape[axis] == 0:
            raise ValueError(
                f"Argument `{name}` must have a non-empty {label} axis. "
                f"Received: {name} with shape {shape}"
            )
    return tuple(None if s is None else int(s) for s in shape)


def lstm_inputs(inputs, name="inputs"):
    """Check an LSTM's inputs: floating-point, `(batch, steps, features)`.

    Args:
        inputs: an array or tensor (anything with `.shape` and `.dtype`).
        name: the argument's name, for the message.

    Returns:
        `(batch, steps, features)`, each an int or None (unknown).

    Raises:
        TypeError: if `inputs` does not hold floating-point numbers (token
            ids need an embedding first).
        ValueError: as `lstm_input_shape`.

    Example:

    >>> lstm_inputs(np.zeros((2, 3, 4)))
    (2, 3, 4)
    >>> lstm_inputs(np.zeros((2, 3, 4), "int32"))
    Traceback (most recent call last):
    TypeError: Argument `inputs` must hold floating-point numbers (embed token ids first). Received: inputs with dtype int32
    """
    _floating(name, inputs, " (embed token ids first)")
    return lstm_input_shape(inputs.shape, name)


def lstm_weights(kernel, recurrent_kernel, bias, input_dim):
    """Check Keras's fused LSTM weights against each other and the inputs.

    `units` is read from the kernel's last axis, ``4 * units``.

    Args:
        kernel: `(input_dim, 4 * units)`.
        recurrent_kernel: `(units, 4 * units)`.
        bias: `(4 * units,)`.
        input_dim: the inputs' feature size (None if unknown).

    Returns:
        `units`, an int.

    Raises:
        TypeError: if a weight is not floating-point.
        ValueError: if a shape does not fit; the message says which size
            it was compared with.

    Example:

    >>> lstm_weights(np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(8), input_dim=3)
    2
    >>> lstm_weights(np.zeros((3, 8)), np.zeros((3, 8)), np.zeros(8), input_dim=3)
    Traceback (most recent call last):
    ValueError: Argument `recurrent_kernel` must have shape (2, 8) (units=2 from `kernel`). Received: recurrent_kernel with shape (3, 8)
    """
    for name, value in (("kernel", kernel), ("recurrent_kernel", recurrent_kernel),
                        ("bias", bias)):
        _floating(name, value)
    shape = tuple(kernel.shape)
    if len(shape) != 2 or shape[1] is None or shape[1] == 0 or shape[1] % 4:
        raise ValueError(
            "Argument `kernel` must have shape (input_dim, 4 * units). "
            f"Received: kernel with shape {shape}"
        )
    units = int(shape[1]) // 4
    shape_equals("kernel", kernel, (input_dim, 4 * units),
                 f"input_dim={input_dim} is the last axis of `inputs`")
    shape_equals("recurrent_kernel", recurrent_kernel, (units, 4 * units),
                 f"units={units} from `kernel`")
    shape_equals("bias", bias, (4 * units,), f"units={units} from `kernel`")
    return units


def _shaped(value):
    """`value` itself if it has a shape and a dtype, else a NumPy array of it."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    return np.asarray(value)


def lstm_initial_state(initial_state, batch, units, convert=None):
    """Check an initial state `[h0, c0]`, each floating-point `(batch, units)`.

    Args:
        initial_state: a list or tuple of two arrays or tensors.
        batch: the inputs' batch size (None if unknown).
        units: the layer's units.
        convert: optional `convert(name, value)` applied to `h0` and `c0`
            before the checks (e.g. `float_array` for the NumPy reference);
            by default values without a shape become NumPy arrays.

    Returns:
        `[h0, c0]`, converted.

    Raises:
        TypeError: if a state is not floating-point.
        ValueError: if `initial_state` is not two states, or a state's shape
            is not `(batch, units)`.

    Example:

    >>> h0, c0 = lstm_initial_state([np.zeros((2, 4)), np.zeros((2, 4))], 2, 4)
    >>> lstm_initial_state([np.zeros((3, 4)), np.zeros((2, 4))], 2, 4)
    Traceback (most recent call last):
    ValueError: Argument `initial_state[0]` must have shape (2, 4) = (batch, units). Received: initial_state[0] with shape (3, 4)
    """
    if not isinstance(initial_state, (list, tuple)) or len(initial_state) != 2:
        raise ValueError(
            "Argument `initial_state` must be a list [h0, c0] of two "
            f"(batch, units) states. Received: initial_state={_short(initial_state)}"
        )
    states = []
    for k, value in enumerate(initial_state):
        name = f"initial_state[{k}]"
        value = convert(name, value) if convert else _shaped(value)
        _floating(name, value)
        shape_equals(name, value, (batch, units), "(batch, units)")
        states.append(value)
    return states


def lstm_mask(mask, batch, steps, name="mask"):
    """Check a mask: boolean `(batch, steps)`, True marking a real step.

    Args:
        mask: an array or tensor; a list becomes a NumPy array.
        batch, steps: the inputs' first two axes (None if unknown).
        name: the argument's name, for the message.

    Returns:
        The mask (a NumPy array if it was given as a list).

    Raises:
        TypeError: if the mask is not boolean (a 0/1 float mask is refused:
            Keras would read any nonzero value as True).
        ValueError: if its shape is not `(batch, steps)`.

    Example:

    >>> lstm_mask([[True, False]], 1, 2).dtype
    dtype('bool')
    >>> lstm_mask(np.ones((1, 2)), 1, 2)
    Traceback (most recent call last):
    TypeError: Argument `mask` must be boolean (True marks a real step). Received: mask with dtype float64
    """
    mask = _shaped(mask)
    if _dtype_name(mask) != "bool":
        raise TypeError(
            f"Argument `{name}` must be boolean (True marks a real step). "
            f"Received: {name} with dtype {_dtype_name(mask)}"
        )
    shape_equals(name, mask, (batch, steps), "(batch, steps) of the inputs")
    return mask
