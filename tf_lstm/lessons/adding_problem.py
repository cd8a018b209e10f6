"""The adding problem: a synthetic sequence task that needs a long memory (§2).

The article's §2.1 says an RNN's main advantage is capturing long-term
dependencies; in fact that is what a plain RNN is *bad* at, and the tasks here
measure it. The classic test is the **adding problem** of Hochreiter &
Schmidhuber (1997, "Long short-term memory", experiment 4), in the form used
by Le, Jaitly & Hinton (2015) and Arjovsky, Shah & Bengio (2016):

- each input step carries two numbers, ``[value, marker]``;
- the values are uniform in [0, 1];
- the marker is 1 at exactly two steps, one in the first half of the sequence
  and one in the second half, and 0 elsewhere;
- the target is the sum of the two marked values.

A network must remember the first marked value for up to ``steps`` steps and
ignore everything else. Always predicting the mean target, 1, gives a mean
squared error of Var(u1 + u2) = 2 * (1/12) = 1/6 ≈ 0.167
(`adding_problem_baseline_mse`); a model "solves" the task when its test error
is far below that (0.01 is the usual bar).
"""

import collections
import dataclasses
import numbers
import time

import keras
import numpy as np
import tensorflow as tf

from tf_lstm import checks

ADDING_PROBLEM_BASELINE_MSE = 1.0 / 6.0  # Var(u1 + u2) for u1, u2 ~ U(0, 1)
ADDING_PROBLEM_SOLVED_MSE = 0.01         # the usual bar for "solved"


def adding_problem(n, steps, seed=0):
    """Make `n` sequences of the adding problem (Hochreiter & Schmidhuber, 1997).

    Args:
        n: positive integer, the number of sequences.
        steps: integer >= 2, the sequence length; one marker falls in
            ``[0, steps // 2)`` and the other in ``[steps // 2, steps)``.
        seed: non-negative integer. The same `(n, steps, seed)` always gives
            the same arrays (a private `numpy.random.default_rng(seed)`; the
            global random state is neither read nor changed).

    Returns:
        A tuple `(x, y)`:
        - `x`: float32 `(n, steps, 2)`; `x[..., 0]` the values in [0, 1),
          `x[..., 1]` the markers, exactly two 1s per sequence.
        - `y`: float32 `(n, 1)`, the sum of the two marked values.

    Example:

    >>> x, y = adding_problem(4, 10, seed=0)
    >>> x.shape, y.shape, x.dtype.name
    ((4, 10, 2), (4, 1), 'float32')
    >>> x[..., 1].sum(axis=1).tolist()
    [2.0, 2.0, 2.0, 2.0]
    >>> bool(np.allclose((x[..., 0] * x[..., 1]).sum(axis=1, keepdims=True), y))
    True
    """
    checks.positive_int("n", n)
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 2:
        raise ValueError(
            "Argument `steps` must be an integer >= 2 (one marker in each half). "
            f"Received: steps={steps!r}")
    rng = np.random.default_rng(checks.non_negative_int("seed", seed))
    half = steps // 2
    values = rng.uniform(0.0, 1.0, size=(n, steps))            # (n, steps)
    first = rng.integers(0, half, size=n)                      # (n,)
    second = rng.integers(half, steps, size=n)                 # (n,)
    markers = np.zeros((n, steps))                             # (n, steps)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)  # (n, steps, 2)
    y = (values[rows, first] + values[rows, second])[:, None]    # (n, 1)
    return x, y.astype(np.float32)


def adding_problem_baseline_mse(y=None):
    """The error of always predicting the mean target of the adding problem.

    Args:
        y: optional targets `(n, 1)` from `adding_problem`. Without them the
            exact value 1/6 is returned: the target is the sum of two
            independent U(0, 1) values, mean 1 and variance 2/12. With them,
            the empirical error of predicting 1 on those targets.

    Returns:
        A Python float.

    Example:

    >>> round(adding_problem_baseline_mse(), 4)
    0.1667
    >>> _, y = adding_problem(20000, 20, seed=1)
    >>> abs(adding_problem_baseline_mse(y) - 1 / 6) < 0.005
    True
    """
    if y is None:
        return ADDING_PROBLEM_BASELINE_MSE
    y = checks.float_array("y", y, ndim=2)
    checks.shape_equals("y", y, (None, 1), "(n, 1) targets of adding_problem")
    return float(np.mean((y - 1.0) ** 2))


@dataclasses.dataclass
class AddingConfig:
    """The training budget of `fit_adding_problem`, the same for every model.

    Raises:
        ValueError: on a size that is not a positive integer, a negative
            seed, a learning rate or clipnorm that is not positive, or
            `batch_size` > `n_train`.
    """

    units: int = 64               # size of h (and c); same for SimpleRNN and LSTM
    learning_rate: float = 1e-2   # Adam
    clipnorm: float = 1.0         # clip each weight tensor's gradient norm (Keras clipnorm; None: off)
    batch_size: int = 64          # sequences per update
    epochs: int = 20              # passes over the training set
    n_train: int = 6400           # training sequences (epochs * n_train / batch_size updates)
    n_test: int = 1000            # held-out sequences, another seed
    seed: int = 0                 # data and initializers

    def __post_init__(self):
        for name in ("units", "batch_size", "epochs", "n_train", "n_test"):
            checks.positive_int(name, getattr(self, name))
        checks.non_negative_int("seed", self.seed)
        checks.positive_number("learning_rate", self.learning_rate)
        if self.clipnorm is not None:
            checks.positive_number("clipnorm", self.clipnorm)
        if self.batch_size > self.n_train:
            raise ValueError("Argument `batch_size` must be at most `n_train`. "
                             f"Received: batch_size={self.batch_size}, n_train={self.n_train}")


AddingRun = collections.namedtuple("AddingRun", ["model", "layer", "history", "test_mse"])
AddingRun.__doc__ = """The outcome of `fit_adding_problem`, by name.

Fields:
    model: the trained `keras.Model` (inputs -> recurrent layer -> Dense(1)).
    layer: its recurrent layer.
    history: dict of NumPy arrays: "loss" (training MSE per epoch), "test_mse"
        (per epoch, after it), "gradient_norm" `(updates,)` (global norm of
        every update's raw gradient, before clipping: what ``global_clipnorm``
        would compare), "tensor_gradient_norms" `(updates, tensors)` (each
        weight tensor's raw gradient norm: what ``clipnorm`` compares, tensor
        by tensor, in the order of `model.trainable_variables`), "seconds"
        (wall time per epoch).
    test_mse: the final test mean squared error (a float).
"""


def fit_adding_problem(kind, steps, config=None, verbose=False):
    """Train a `SimpleRNN` or `LSTM` on the adding problem and test it.

    Both kinds get exactly the same data, seed, optimizer and number of
    updates (`config`), so their test errors compare the cells alone. The
    loop is a compiled `tf.GradientTape` step rather than `model.fit`, so the
    raw (pre-clipping) gradient norm of every update is recorded.

    Args:
        kind: `"SimpleRNN"` or `"LSTM"`.
        steps: integer >= 2, the sequence length.
        config: an `AddingConfig` (default: `AddingConfig()`).
        verbose: print one line per epoch.

    Returns:
        An `AddingRun(model, layer, history, test_mse)`.
    """
    from tf_lstm.lessons import gradients  # the model builders live with the measurements

    config = AddingConfig() if config is None else config
    if not isinstance(config, AddingConfig):
        raise TypeError("Argument `config` must be an AddingConfig. "
                        f"Received: config={config!r:.80}")
    x_train, y_train = adding_problem(config.n_train, steps, seed=config.seed)
    x_test, y_test = adding_problem(config.n_test, steps, seed=config.seed + 10_000)
    layer = gradients.recurrent_layer(kind, config.units, seed=config.seed)
    model = gradients.recurrent_model(layer, input_dim=2, seed=config.seed)
    optimizer = keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm)
    weights = model.trainable_variables

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        grads = tape.gradient(loss, weights)
        optimizer.apply(grads, weights)  # clips each tensor to config.clipnorm first
        tensor_norms = tf.stack([tf.norm(g) for g in grads])     # (tensors,)
        return loss, tf.linalg.global_norm(grads), tensor_norms

    @tf.function
    def test_mse_now():
        return tf.reduce_mean(tf.square(model(x_test) - y_test))

    order = np.random.default_rng(config.seed)
    history = {"loss": [], "test_mse": [], "gradient_norm": [], "tensor_gradient_norms": [],
               "seconds": []}
    for epoch in range(config.epochs):
        start = time.perf_counter()
        permutation = order.permutation(config.n_train)
        losses = []
        for first in range(0, config.n_train - config.batch_size + 1, config.batch_size):
            batch = permutation[first:first + config.batch_size]
            loss, norm, tensor_norms = train_step(x_train[batch], y_train[batch])
            losses.append(float(loss))
            history["gradient_norm"].append(float(norm))
            history["tensor_gradient_norms"].append(tensor_norms.numpy())
        history["loss"].append(float(np.mean(losses)))
        history["test_mse"].append(float(test_mse_now()))
        history["seconds"].append(time.perf_counter() - start)
        if verbose:
            print(f"{kind} steps={steps} epoch {epoch + 1}: loss {history['loss'][-1]:.4f}"
                  f"  test {history['test_mse'][-1]:.4f}", flush=True)
    history = {key: np.asarray(value) for key, value in history.items()}
    return AddingRun(model, layer, history, float(history["test_mse"][-1]))


def _history(history, key):
    if not isinstance(history, dict) or key not in history:
        raise ValueError(f"Argument `history` must be the history dict of an AddingRun, "
                         f"with a {key!r} entry. Received: history={history!r:.80}")
    return np.asarray(history[key], dtype=float)


def clipped_fraction(history, clipnorm):
    """The fraction of updates that Keras's per-tensor ``clipnorm`` clipped.

    ``clipnorm=c`` clips each weight tensor's gradient whose own norm is
    above `c` (`tf.clip_by_norm` per variable). An update is counted as
    clipped when at least one tensor was; comparing the *global* norm with
    `c` instead would count updates in which no tensor was touched (the
    global norm of 5 tensors each of norm 0.9 is 2.0).

    Args:
        history: the `history` dict of an `AddingRun` (its
            "tensor_gradient_norms", `(updates, tensors)`).
        clipnorm: the positive threshold the optimizer used.

    Returns:
        A tuple `(any_tensor, per_tensor)`: the fraction of updates in which
        at least one tensor was clipped (a float), and for each tensor the
        fraction of updates in which it was (a float64 array `(tensors,)`).

    Raises:
        ValueError: if `history` has no per-tensor norms, or `clipnorm` is
            not a positive number.

    Example:

    >>> history = {"tensor_gradient_norms": [[0.9, 0.9, 0.9, 0.9], [1.5, 0.1, 0.1, 0.1]]}
    >>> any_tensor, per_tensor = clipped_fraction(history, 1.0)
    >>> any_tensor, per_tensor.tolist()
    (0.5, [0.5, 0.0, 0.0, 0.0])
    """
    norms = _history(history, "tensor_gradient_norms")
    if norms.ndim != 2 or not norms.size:
        raise ValueError("Argument `history` must have non-empty 'tensor_gradient_norms' of "
                         f"shape (updates, tensors). Received: shape {norms.shape}")
    checks.positive_number("clipnorm", clipnorm)
    clipped = norms > clipnorm                                   # (updates, tensors)
    return float(np.mean(clipped.any(axis=1))), clipped.mean(axis=0)


def plateau_updates(history, updates_per_epoch, level=ADDING_PROBLEM_BASELINE_MSE / 2):
    """How many updates a run's test error stayed on the baseline plateau.

    Read from the curve: the number of updates done at the end of the first
    epoch whose test error is below `level` (by default half the
    mean-prediction error, 1/12), minus one epoch: the plateau lasted at
    least that long, and the drop came within the next epoch. The resolution
    is one epoch.

    Args:
        history: the `history` dict of an `AddingRun` (its "test_mse").
        updates_per_epoch: positive integer.
        level: positive float, the error below which the run has left the plateau.

    Returns:
        An integer number of updates, or None if the error never got below `level`.

    Raises:
        ValueError: on a history without "test_mse", or a bad count or level.

    Example:

    >>> plateau_updates({"test_mse": [0.17, 0.16, 0.05, 0.001]}, 100)
    200
    >>> plateau_updates({"test_mse": [0.17, 0.16]}, 100) is None
    True
    """
    mse = _history(history, "test_mse")
    checks.positive_int("updates_per_epoch", updates_per_epoch)
    checks.positive_number("level", level)
    below = np.flatnonzero(mse < level)
    return None if not below.size else int(below[0]) * updates_per_epoch
