"""Argument validation shared by every public entry point.

Each check raises where the input enters, with a message that names the
argument, what was expected and what was received, in the style of Keras:

    Argument `units` must be a positive integer. Received: units=0

Nothing is clamped or coerced silently: a wrong dtype, shape or value is an
error, and NaN or Inf in the arrays of the from-scratch functions is an error
(they would poison every later step of the recurrence).
"""

import numbers

import numpy as np


def _short(value):
    """A one-line description of `value` for an error message."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def positive_int(name, value):
    """Return `value` if it is a positive integer (not a bool), else raise."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value <= 0
    ):
        raise ValueError(
            f"Argument `{name}` must be a positive integer. "
            f"Received: {name}={_short(value)}"
        )
    return int(value)


def non_negative_int(name, value):
    """Return `value` if it is an integer >= 0 (not a bool), else raise."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 0
    ):
        raise ValueError(
            f"Argument `{name}` must be a non-negative integer. "
            f"Received: {name}={_short(value)}"
        )
    return int(value)


def boolean(name, value):
    """Return `value` if it is a Python or NumPy bool, else raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(
            f"Argument `{name}` must be a boolean (True or False). "
            f"Received: {name}={_short(value)}"
        )
    return bool(value)


def float_array(name, value, ndim, finite=True):
    """Convert `value` to a float64 NumPy array of rank `ndim`, or raise.

    Integer, boolean, string and object data are refused rather than cast:
    an LSTM over token ids almost always means a missing embedding layer.
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
    """Raise unless `array.shape` equals `expected` (None matches anything)."""
    shape = tuple(array.shape)
    ok = len(shape) == len(expected) and all(
        e is None or s is None or s == e for s, e in zip(shape, expected)
    )
    if not ok:
        parts = ["?" if e is None else str(e) for e in expected]
        shown = "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
        reason = f" ({why})" if why else ""
        raise ValueError(
            f"Argument `{name}` must have shape {shown}{reason}. "
            f"Received: {name} with shape {shape}"
        )


def sequence_inputs(name, shape):
    """Check a (batch, steps, features) input shape: rank 3, non-empty axes."""
    shape = tuple(shape)
    if len(shape) != 3:
        raise ValueError(
            f"Argument `{name}` must have rank 3, (batch, steps, features). "
            f"Received: {name} with shape {shape} (rank {len(shape)})"
        )
    for axis, label in ((1, "time"), (2, "feature")):
        if shape[axis] == 0:
            raise ValueError(
                f"Argument `{name}` must have a non-empty {label} axis. "
                f"Received: {name} with shape {shape}"
            )


def bool_mask(name, value, batch, steps):
    """Convert `value` to a boolean (batch, steps) NumPy array, or raise."""
    mask = np.asarray(value)
    if mask.dtype != np.bool_:
        raise TypeError(
            f"Argument `{name}` must be boolean (True marks a real step). "
            f"Received: {name}={_short(mask)}"
        )
    shape_equals(name, mask, (batch, steps), "(batch, steps) of the inputs")
    return mask
