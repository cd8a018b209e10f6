"""Variable-length, zero-valued and missing inputs, made explicit (§6, the FAQ).

The article's FAQ answers "different lengths", "zero values" and "missing
values" alike: "通过使用适当的填充和截断策略" (use a suitable padding and
truncation strategy). The helpers here are what that strategy has to be:

- `mask_from_lengths`, `pad` and `truncate`: a padded batch *and* its boolean
  mask, from lengths rather than from the values (a real all-zero step is not
  padding), with truncation an explicit choice of which end to keep.
- `is_right_padded` and `left_to_right_padding`: the cuDNN kernel of
  `keras.layers.LSTM` accepts only strictly right-padded masks (Keras checks
  with `_is_sequence_right_padded` in `keras/src/backend/tensorflow/rnn.py`).
- `from_ragged`: Keras 3's LSTM does not take a `tf.RaggedTensor`; this turns
  one into a padded batch and its mask.
- `add_missing_indicator`: NaN cannot be a mask value (NaN != NaN), so missing
  values are imputed and flagged in an extra 0/1 channel (Lipton, Kale &
  Wetzel, 2016, "Directly modeling missing data in sequences with RNNs").
- `masked_stats`: per-feature mean and standard deviation over real steps
  only, for standardising inputs without counting the padding.

The FAQ's data generators live in `tf_lstm.lessons.faq_data`.
"""

import numbers

import numpy as np

from tf_lstm import checks

PADDINGS = ("right", "left")
KEEPS = ("first", "last")
FILLS = ("forward", "constant")


def _lengths(lengths):
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError("Argument `lengths` must be a 1-D array of integers. "
                         f"Received: lengths={checks._short(lengths)}")
    if np.any(lengths < 0):
        raise ValueError("Argument `lengths` must be non-negative. "
                         f"Received: lengths={lengths.tolist()}")
    return lengths


def mask_from_lengths(lengths, steps=None):
    """The boolean mask of a right-padded batch, from the sequence lengths.

    The same as `tf.sequence_mask(lengths, steps)`, as a NumPy array.

    Args:
        lengths: 1-D integers `(batch,)`, the real length of each sequence.
        steps: the padded length; default `max(lengths)`.

    Returns:
        bool `(batch, steps)`: True at the first `lengths[b]` steps of row b.

    Example:

    >>> mask_from_lengths([3, 1], steps=4).astype(int)
    array([[1, 1, 1, 0],
           [1, 0, 0, 0]])
    """
    lengths = _lengths(lengths)
    if steps is None:
        steps = int(lengths.max(initial=0))
    elif isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or (
            steps < lengths.max(initial=0)):
        raise ValueError("Argument `steps` must be an integer >= max(lengths) = "
                         f"{lengths.max(initial=0)}. Received: steps={steps!r}")
    return np.arange(steps)[None, :] < lengths[:, None]     # (batch, steps)


def _as_list(sequences):
    if isinstance(sequences, np.ndarray) or not isinstance(sequences, (list, tuple)):
        raise TypeError("Argument `sequences` must be a list of arrays, one per "
                        f"sequence. Received: {checks._short(sequences)}")
    arrays = [np.asarray(s) for s in sequences]
    if not arrays:
        raise ValueError("Argument `sequences` must not be empty.")
    for index, array in enumerate(arrays):
        if array.ndim not in (1, 2):
            raise ValueError(
                f"Argument `sequences[{index}]` must have shape (steps,) or "
                f"(steps, features). Received: shape {array.shape}")
    return arrays


def truncate(sequences, steps, keep):
    """Cut every sequence longer than `steps` down to `steps`, explicitly.

    Args:
        sequences: list of arrays `(length,)` or `(length, features)`.
        steps: positive integer, the longest length allowed.
        keep: "first" keeps the first `steps` steps (the start matters, as in
            a sentence to translate); "last" keeps the last `steps` (the most
            recent matter, as in forecasting). No default: Keras's
            `pad_sequences` silently keeps the *last* steps.

    Returns:
        A new list; shorter sequences are returned unchanged.

    Example:

    >>> [s.tolist() for s in truncate([[1, 2, 3, 4], [5]], 2, keep="last")]
    [[3, 4], [5]]
    """
    arrays = _as_list(sequences)
    steps = checks.positive_int("steps", steps)
    if keep not in KEEPS:
        raise ValueError(f"Argument `keep` must be one of {KEEPS}. Received: keep={keep!r}")
    return [a[:steps] if keep == "first" else a[len(a) - min(len(a), steps):]
            for a in arrays]


def pad(sequences, steps=None, padding="right", truncating=None, value=0.0,
        dtype="float32"):
    """Pad a list of sequences into one batch and return its mask too.

    Unlike `keras.utils.pad_sequences` (left padding, keep-the-last-steps
    truncation and an int32 dtype by default, so 0.5 becomes 0), everything
    here is explicit, and the mask comes from the lengths, never from `value`.

    Args:
        sequences: list of arrays `(length,)` or `(length, features)`.
        steps: padded length; default the longest sequence.
        padding: "right" (real steps first; what cuDNN requires) or "left".
        truncating: None (a sequence longer than `steps` is an error), or
            "first"/"last" as in `truncate`.
        value: the padding value; it never decides the mask.
        dtype: dtype of the batch.

    Returns:
        `(x, mask)`: `x` is `(batch, steps)` or `(batch, steps, features)`,
        `mask` is bool `(batch, steps)`, True at real steps.

    Example:

    >>> x, mask = pad([[1.5, 0.0, 2.0], [3.5]], padding="left")
    >>> x.tolist(), mask.tolist()
    ([[1.5, 0.0, 2.0], [0.0, 0.0, 3.5]], [[True, True, True], [False, False, True]])
    """
    arrays = _as_list(sequences)
    if padding not in PADDINGS:
        raise ValueError(f"Argument `padding` must be one of {PADDINGS}. "
                         f"Received: padding={padding!r}")
    longest = max(len(a) for a in arrays)
    steps = longest if steps is None else checks.positive_int("steps", steps)
    if longest > steps:
        if truncating is None:
            raise ValueError(
                f"A sequence has {longest} steps, more than steps={steps}; pass "
                "`truncating='first'` or `'last'` to say which end to keep.")
        arrays = truncate(arrays, steps, keep=truncating)
    tails = {a.shape[1:] for a in arrays}
    if len(tails) != 1:
        raise ValueError("Argument `sequences` must all have the same feature "
                         f"shape. Received feature shapes {sorted(tails)}")
    x = np.full((len(arrays), steps) + tails.pop(), value, dtype=dtype)
    lengths = np.array([len(a) for a in arrays])
    for row, a in enumerate(arrays):
        start = 0 if padding == "right" else steps - len(a)
        x[row, start:start + len(a)] = a
    mask = mask_from_lengths(lengths, steps)
    return x, (mask if padding == "right" else mask[:, ::-1].copy())


def _mask(mask):
    return np.asarray(checks.lstm_mask(np.asarray(mask), None, None))  # bool (batch, steps)


def is_right_padded(mask):
    """True when every row of `mask` is some Trues followed only by Falses.

    The test Keras applies before its cuDNN LSTM kernel
    (`_is_sequence_right_padded` in `keras/src/backend/tensorflow/rnn.py`):
    the mask must equal `mask_from_lengths(mask.sum(axis=1))`.

    Args:
        mask: bool `(batch, steps)`, True at real steps.

    Returns:
        A Python bool.

    Raises:
        TypeError: if `mask` is not boolean.
        ValueError: if it is not 2-D.

    Example:

    >>> is_right_padded([[True, True, False]]), is_right_padded([[False, True, True]])
    (True, False)
    >>> is_right_padded([[True, False, True]])  # a hole is not right padding
    False
    """
    mask = _mask(mask)
    lengths = mask.sum(axis=1)                               # (batch,)
    return bool(np.array_equal(mask, mask_from_lengths(lengths, mask.shape[1])))


def left_to_right_padding(x, mask):
    """Move each row's real steps to the front, keeping their order.

    Turns a left-padded batch (or one with masked holes) into a right-padded
    one. The generic Keras LSTM skips masked steps wherever they are, so its
    final `h, c` are the same before and after; the cuDNN kernel needs after.

    Args:
        x: `(batch, steps, ...)` array.
        mask: bool `(batch, steps)`, True at real steps.

    Returns:
        `(x_right, mask_right)`, same shapes; padded positions of `x_right`
        hold the values that were at padded positions of `x`.

    Example:

    >>> x = np.array([[0., 0., 7., 8.]])
    >>> x_right, mask_right = left_to_right_padding(x, x != 0)
    >>> x_right.tolist(), mask_right.tolist()
    ([[7.0, 8.0, 0.0, 0.0]], [[True, True, False, False]])
    """
    mask = _mask(mask)
    x = np.asarray(x)
    checks.shape_equals("x", x, mask.shape + (None,) * (x.ndim - 2),
                        "(batch, steps, ...) matching the mask")
    # A stable sort on "is padding" puts real steps first, in their order.
    order = np.argsort(~mask, axis=1, kind="stable")         # (batch, steps)
    rows = np.arange(mask.shape[0])[:, None]
    return x[rows, order], mask[rows, order]


def from_ragged(ragged, value=0.0):
    """A right-padded batch and its mask from a `tf.RaggedTensor`.

    Args:
        ragged: `tf.RaggedTensor` of shape `(batch, None, features)` (or
            `(batch, None)`), ragged in the time axis only.
        value: the padding value.

    Returns:
        `(x, mask)` NumPy arrays, as `pad` returns.

    Example:

    >>> import tensorflow as tf
    >>> x, mask = from_ragged(tf.ragged.constant([[1.0, 2.0], [3.0]]))
    >>> x.tolist(), mask.tolist()
    ([[1.0, 2.0], [3.0, 0.0]], [[True, True], [True, False]])
    """
    import tensorflow as tf

    if not isinstance(ragged, tf.RaggedTensor) or ragged.ragged_rank != 1:
        raise TypeError("Argument `ragged` must be a tf.RaggedTensor with "
                        f"ragged_rank=1 (ragged in time). Received: {checks._short(ragged)}")
    lengths = ragged.row_lengths().numpy()
    x = ragged.to_tensor(default_value=value).numpy()        # (batch, steps, ...)
    return x, mask_from_lengths(lengths, x.shape[1])


def add_missing_indicator(x, fill="forward", fill_value=0.0):
    """Impute missing (NaN) inputs and append a 0/1 "was missing" channel.

    Args:
        x: float `(batch, steps, features)`, NaN where a value is missing.
            Infinities are an error: they are not "missing", they are wrong.
        fill: "forward" carries the last observed value of the same sequence
            and feature forward (steps before the first observation get
            `fill_value`); "constant" puts `fill_value` everywhere.
        fill_value: a number, or one per feature (e.g. the training means).

    Returns:
        float `(batch, steps, 2 * features)`: the imputed features, then one
        indicator per feature, 1.0 where the value was missing.

    Example:

    >>> x = np.array([[[1.0], [np.nan], [3.0]]])
    >>> add_missing_indicator(x)[0].tolist()
    [[1.0, 0.0], [1.0, 1.0], [3.0, 0.0]]
    >>> add_missing_indicator(x, fill="constant", fill_value=-1.0)[0, :, 0].tolist()
    [1.0, -1.0, 3.0]
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating) or x.ndim != 3:
        raise ValueError("Argument `x` must be a float (batch, steps, features) "
                         f"array with NaN for missing values. Received: x={checks._short(x)}")
    if np.any(np.isinf(x)):
        raise ValueError(f"Argument `x` holds {int(np.isinf(x).sum())} infinite "
                         "values; only NaN means missing. Received: x with "
                         f"shape {x.shape}")
    if fill not in FILLS:
        raise ValueError(f"Argument `fill` must be one of {FILLS}. Received: fill={fill!r}")
    fill_value = np.asarray(fill_value, dtype=x.dtype)
    if fill_value.ndim > 1 or fill_value.size not in (1, x.shape[2]) or not np.all(
            np.isfinite(fill_value)):
        raise ValueError("Argument `fill_value` must be a finite number or one per "
                         f"feature ({x.shape[2]}). Received: fill_value={fill_value!r}")
    missing = np.isnan(x)                                    # (batch, steps, features)
    filled = np.where(missing, np.broadcast_to(fill_value, x.shape), x)
    if fill == "forward":
        steps = np.arange(x.shape[1])[None, :, None]
        last_seen = np.maximum.accumulate(np.where(missing, -1, steps), axis=1)
        carried = np.take_along_axis(filled, np.maximum(last_seen, 0), axis=1)
        filled = np.where(last_seen >= 0, carried, filled)
    return np.concatenate([filled, missing.astype(x.dtype)], axis=-1)


def masked_stats(x, mask=None):
    """Per-feature mean and standard deviation over the real steps only.

    Args:
        x: float `(batch, steps, features)`.
        mask: optional bool `(batch, steps)`; padded steps are left out, so
            padding zeros do not drag the mean to 0.

    Returns:
        `(mean, std)`, each `(features,)`; use `(x - mean) / std`.

    Example:

    >>> x = np.array([[[2.0], [4.0], [0.0]]])
    >>> mean, std = masked_stats(x, mask=np.array([[True, True, False]]))
    >>> mean.tolist(), std.tolist()
    ([3.0], [1.0])
    """
    x = checks.float_array("x", x, ndim=3)
    if mask is None:
        mask = np.ones(x.shape[:2], bool)
    mask = np.asarray(checks.lstm_mask(np.asarray(mask), *x.shape[:2]))
    if not mask.any():
        raise ValueError("Argument `mask` marks no real step; nothing to average.")
    real = x[mask]                                           # (real steps, features)
    return real.mean(axis=0), real.std(axis=0)
