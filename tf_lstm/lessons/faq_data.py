"""Small seeded data sets for the FAQ's demonstrations (§6).

Each generator has a private `numpy.random.default_rng(seed)`, so it never
touches the global random state:

- `zero_step_counting`: sequences with real all-zero steps (a zero is not padding);
- `noisy_sine`: forecasting, optionally with missing values (NaN);
- `brackets`: are a string's brackets balanced? (07_challenges finds a counting cell).
"""

import numbers

import numpy as np

from tf_lstm import checks
from tf_lstm.lessons.masks import mask_from_lengths


def _rng(seed):
    return np.random.default_rng(checks.non_negative_int("seed", seed))


def _probability(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            0.0 <= value < 1.0):
        raise ValueError(f"Argument `{name}` must be a number in [0, 1). "
                         f"Received: {name}={value!r}")
    return float(value)


def _noise(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"Argument `noise` must be a number >= 0. Received: noise={value!r}")
    return float(value)


def zero_step_counting(n, max_steps=20, features=2, p_zero=0.3, seed=0):
    """Count the real all-zero steps of a right-padded batch.

    Each real step is, with probability `p_zero`, exactly zero in every
    feature (a silent frame, a day without sales); otherwise its features are
    drawn from U(0.5, 1.5). Lengths are uniform in `[max_steps // 2,
    max_steps]`. A model that treats zero steps as padding (`Masking(0.0)`)
    never sees them and cannot learn the target.

    Args:
        n: positive int, number of sequences.
        max_steps: positive int, the padded length.
        features: positive int, features per step.
        p_zero: probability in [0, 1) that a real step is all zeros.
        seed: non-negative int.

    Returns:
        `(x, mask, y)`: float32 `(n, max_steps, features)` padded with zeros,
        bool `(n, max_steps)` from the lengths, float32 `(n, 1)` counts.

    Raises:
        ValueError: on a non-positive size, `p_zero` outside [0, 1) or a
            negative seed.

    Example:

    >>> x, mask, y = zero_step_counting(3, max_steps=6, seed=1)
    >>> x.shape, mask.shape, y.shape
    ((3, 6, 2), (3, 6), (3, 1))
    >>> bool(np.all(y[:, 0] == (np.all(x == 0, axis=-1) & mask).sum(axis=1)))
    True
    """
    n, max_steps = checks.positive_int("n", n), checks.positive_int("max_steps", max_steps)
    features = checks.positive_int("features", features)
    p_zero, rng = _probability("p_zero", p_zero), _rng(seed)
    lengths = rng.integers(max(1, max_steps // 2), max_steps + 1, size=n)
    mask = mask_from_lengths(lengths, max_steps)                   # (n, steps)
    values = rng.uniform(0.5, 1.5, size=(n, max_steps, features))
    zero = (rng.uniform(size=(n, max_steps)) < p_zero) & mask      # (n, steps)
    x = values * (mask & ~zero)[..., None]                         # (n, steps, features)
    return x.astype(np.float32), mask, zero.sum(axis=1, keepdims=True).astype(np.float32)


def noisy_sine(n, steps=40, noise=0.1, missing=0.0, seed=0):
    """Forecast the next value of a noisy sine wave.

    Each sequence is ``sin(2 pi f t + phase) + noise * N(0, 1)``, with `f`
    uniform in [0.02, 0.1] cycles per step; the target is the noise-free value
    at step `steps`. With `missing > 0`, that fraction of inputs is NaN.

    Args:
        n: positive int, number of sequences.
        steps: positive int, the input length.
        noise: standard deviation of the noise, >= 0.
        missing: fraction in [0, 1) of input values replaced by NaN.
        seed: non-negative int.

    Returns:
        `(x, y)`: float32 `(n, steps, 1)` and `(n, 1)`.

    Raises:
        ValueError: on a non-positive size, a negative `noise`, `missing`
            outside [0, 1) or a negative seed.

    Example:

    >>> x, y = noisy_sine(2, steps=5, missing=0.5, seed=3)
    >>> x.shape, y.shape, bool(np.isnan(x).any())
    ((2, 5, 1), (2, 1), True)
    """
    n, steps = checks.positive_int("n", n), checks.positive_int("steps", steps)
    missing, noise, rng = _probability("missing", missing), _noise(noise), _rng(seed)
    freq = rng.uniform(0.02, 0.1, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.arange(steps + 1)[None, :]
    clean = np.sin(2 * np.pi * freq * t + phase)                   # (n, steps + 1)
    x = clean[:, :steps] + noise * rng.normal(size=(n, steps))     # (n, steps)
    x[rng.uniform(size=x.shape) < missing] = np.nan
    return x[..., None].astype(np.float32), clean[:, steps:].astype(np.float32)


def _balanced(text):
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def brackets(n, max_length=20, letters="ab", seed=0):
    """A text task: are the brackets of a string balanced (1) or not (0)?

    Positives are random balanced strings of 2 to `max_length` brackets with
    letters sprinkled in; negatives are a positive with one bracket flipped
    (the count no longer ends at 0) or a "(" and a later ")" swapped (it ends
    at 0 but dips below). Half of each.

    Args:
        n: positive int, number of strings.
        max_length: int >= 2, the most brackets in a string.
        letters: the letters sprinkled between brackets ("" for none).
        seed: non-negative int.

    Returns:
        `(texts, y)`: a list of `n` strings and int32 `(n,)`.

    Raises:
        ValueError: on a non-positive `n`, `max_length` < 2 or a negative seed.

    Example:

    >>> texts, y = brackets(4, max_length=8, seed=0)
    >>> all(_balanced(t) == bool(label) for t, label in zip(texts, y))
    True
    """
    n, max_length = checks.positive_int("n", n), checks.positive_int("max_length", max_length)
    if max_length < 2:
        raise ValueError(f"Argument `max_length` must be >= 2. Received: max_length={max_length}")
    rng, texts = _rng(seed), []
    y = (np.arange(n) % 2).astype(np.int32)[rng.permutation(n)]
    for label in y:
        while True:
            pairs = int(rng.integers(1, max_length // 2 + 1))
            chars, depth, opens = [], 0, pairs
            while opens or depth:                       # a random balanced string
                if opens and (depth == 0 or rng.uniform() < 0.5):
                    chars, depth, opens = chars + ["("], depth + 1, opens - 1
                else:
                    chars, depth = chars + [")"], depth - 1
            if not label:
                if rng.uniform() < 0.5:
                    k = int(rng.integers(len(chars)))
                    chars[k] = "(" if chars[k] == ")" else ")"
                else:
                    i, j = sorted(rng.choice(len(chars), size=2, replace=False))
                    chars[i], chars[j] = chars[j], chars[i]
            text = "".join(c if rng.uniform() < 0.7 or not letters else c + rng.choice(
                list(letters)) for c in chars)
            if _balanced(text) == bool(label):
                texts.append(text)
                break
    return texts, y


SHAPES = ("plus", "cross", "square")
