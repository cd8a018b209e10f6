"""What an LSTM costs, as formulas, and a timer to check them against (§5).

The article's §5 names the LSTM's "computational complexity" and "parameter
count" as challenges. Both have exact formulas (input_dim ``D``, units ``U``,
batch ``B``, steps ``T``):

- parameters: ``4 * (U * (D + U) + U)``, the four gate blocks i, f, g, o each
  with ``U * D`` input weights, ``U * U`` recurrent weights and ``U`` biases
  (`lstm_param_count`; equals Keras's ``count_params()``);
- FLOPs of one step, forward (`lstm_step_flops`):

  * ``2 * B * (D + U) * 4 * U`` for the two matrix products
    ``x_t W`` and ``h_{t-1} R`` (a multiply and an add per weight and row);
  * ``12 * B * U`` element-wise: ``x_t W + h_{t-1} R + b`` (8 per unit, over
    the 4 blocks), ``c_t = f * c_{t-1} + i * g`` (3), ``h_t = o * tanh(c_t)`` (1);
  * ``5 * B * U`` activations (3 sigmoids, 2 tanh), counted as one FLOP each.

  The backward pass costs about twice the forward (each product ``X W``
  needs ``dX = dY W^T`` and ``dW = X^T dY``), so forward+backward is ``3x``.
  A layer over ``T`` steps costs ``T`` times one step: linear in ``T``,
  quadratic in ``U`` once ``U >> D``.

Of the products, ``x_t W`` (the input projection) takes the share
``D / (D + U)`` and ``h_{t-1} R`` the rest (`input_projection_share`): half only
when ``D == U``. The input projection does not depend on ``h_{t-1}``, so it can
be computed for all steps at once; the recurrent product cannot.

The benchmarks (`benchmarks/layers.py`, `benchmarks/gpu.py`) count FLOPs with
`lstm_step_flops`, times the number of steps. `count_graph_flops` asks
TensorFlow's graph profiler for the same number; it counts the products and
the element-wise arithmetic but not the activations.

Timing on a shared machine is noisy: `time_interleaved` runs several
functions in turns, after warm-up runs, and keeps every run and the median,
so that functions measured together can be compared by their ratio. It is
the one timer of the notebooks and the benchmarks.

`lstm_and_matmul` builds the functions the lessons time against each other:
Keras's LSTM, `ScratchLSTM` with the same weights, and one matrix product with
the same FLOPs as the LSTM's products, all compiled with `tf.function`.

Only `count_graph_flops` and `lstm_and_matmul` use TensorFlow, and import it
when called: the GPU check (`benchmarks/gpu.py`) uses this module on Keras
backends without it.
"""

import dataclasses
import statistics
import time

from tf_lstm import checks

ELEMENTWISE_PER_UNIT = 12  # additions and products per unit and row (see above)
ACTIVATIONS_PER_UNIT = 5   # 3 sigmoids (i, f, o) and 2 tanh (g, c) per unit and row
BACKWARD_FACTOR = 2        # backward FLOPs / forward FLOPs


def lstm_param_count(input_dim, units):
    """Number of weights of an LSTM layer: ``4 * (units * (input_dim + units) + units)``.

    Example:

    >>> lstm_param_count(input_dim=300, units=128)  # the article's layer on 300-d vectors
    219648
    """
    input_dim = checks.positive_int("input_dim", input_dim)
    units = checks.positive_int("units", units)
    return 4 * (units * (input_dim + units) + units)


@dataclasses.dataclass(frozen=True)
class StepFlops:
    """The FLOPs of one LSTM step over a batch, by kind (see the module docstring)."""

    matmul: int       # 2 * batch * (input_dim + units) * 4 * units: x_t W and h_{t-1} R
    elementwise: int  # 12 * batch * units: sums, bias, c_t and h_t updates
    activations: int  # 5 * batch * units: 3 sigmoids and 2 tanh

    @property
    def forward(self):
        """All forward FLOPs of the step."""
        return self.matmul + self.elementwise + self.activations

    @property
    def backward(self):
        """The backward pass: about twice the forward."""
        return BACKWARD_FACTOR * self.forward

    @property
    def forward_backward(self):
        """Forward and backward: about three times the forward."""
        return self.forward + self.backward


def lstm_step_flops(batch, input_dim, units):
    """FLOPs of one LSTM step, forward (and backward as ``2x`` forward).

    Args:
        batch, input_dim, units: positive integers.

    Returns:
        A `StepFlops`; multiply by the number of steps for a whole sequence.

    Example:

    >>> flops = lstm_step_flops(batch=1, input_dim=300, units=128)
    >>> flops.matmul, flops.elementwise, flops.activations, flops.forward
    (438272, 1536, 640, 440448)
    >>> flops.forward_backward == 3 * flops.forward
    True
    """
    batch = checks.positive_int("batch", batch)
    input_dim = checks.positive_int("input_dim", input_dim)
    units = checks.positive_int("units", units)
    return StepFlops(matmul=matmul_flops(batch, input_dim + units, 4 * units),
                     elementwise=ELEMENTWISE_PER_UNIT * batch * units,
                     activations=ACTIVATIONS_PER_UNIT * batch * units)


def input_projection_share(input_dim, units):
    """The share of one step's product FLOPs spent on the input projection ``x_t W``.

    The products are ``x_t W`` (``2 B D 4U`` FLOPs) and ``h_{t-1} R``
    (``2 B U 4U``), so the share is ``D / (D + U)`` for any batch: one half
    only when ``input_dim == units``.

    Args:
        input_dim, units: positive integers.

    Returns:
        A float in (0, 1).

    Example:

    >>> input_projection_share(input_dim=3, units=2)
    0.6
    >>> input_projection_share(128, 128), input_projection_share(256, 128)
    (0.5, 0.6666666666666666)
    """
    input_dim = checks.positive_int("input_dim", input_dim)
    units = checks.positive_int("units", units)
    return matmul_flops(1, input_dim, 4 * units) / lstm_step_flops(1, input_dim, units).matmul


def matmul_flops(m, k, n):
    """FLOPs of an ``(m, k) x (k, n)`` matrix product: ``2 * m * k * n``.

    Example:

    >>> matmul_flops(64 * 50, 128 + 256, 4 * 256)  # an LSTM's products over 50 steps at once
    2516582400
    """
    return 2 * checks.positive_int("m", m) * checks.positive_int("k", k) * \
        checks.positive_int("n", n)


def count_graph_flops(fn, *input_signature):
    """The FLOPs TensorFlow's graph profiler counts for `fn` traced on `input_signature`.

    Args:
        fn: a Python function of tensors (it is traced with `tf.function`).
        *input_signature: one `tf.TensorSpec` per argument, fully defined.

    Returns:
        An int: the profiler's total. It counts matrix products
        (``2 * m * k * n``) and element-wise arithmetic, not activations.

    Example:

    >>> import tensorflow as tf
    >>> count_graph_flops(tf.matmul, tf.TensorSpec((3, 4)), tf.TensorSpec((4, 5)))
    120
    """
    import tensorflow as tf

    if not callable(fn):
        raise TypeError(f"Argument `fn` must be callable. Received: fn={fn!r:.80}")
    for k, spec in enumerate(input_signature):
        if not isinstance(spec, tf.TensorSpec) or not spec.shape.is_fully_defined():
            raise ValueError(f"Argument `input_signature[{k}]` must be a tf.TensorSpec "
                             f"with a fully defined shape. Received: {spec!r:.80}")
    graph = tf.function(fn).get_concrete_function(*input_signature).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"  # no report on stdout
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")    # the v1 profiler logs a deprecation warning
    try:
        return int(tf.compat.v1.profiler.profile(graph, options=options).total_float_ops)
    finally:
        logger.setLevel(level)


def lstm_and_matmul(batch, steps, input_dim, units, seed=0):
    """Three forward passes to time against each other, compiled with `tf.function`.

    ``"keras.layers.LSTM"`` and ``"ScratchLSTM"`` (the same weights, copied with
    `ScratchLSTM.from_keras`) run over one random input ``(batch, steps,
    input_dim)`` and return every step's ``h``; ``"matmul, same FLOPs"`` is one
    product ``(batch * steps, input_dim + units) x (input_dim + units, 4 * units)``:
    the FLOPs of the LSTM's products if all steps could run at once.

    Args:
        batch, steps, input_dim, units: positive integers.
        seed: the seed of the random input and weights.

    Returns:
        dict, label -> function of no arguments returning a tensor.

    Raises:
        ValueError: if an argument is not a positive integer (seed: non-negative).

    Example:

    >>> fns = lstm_and_matmul(batch=2, steps=3, input_dim=4, units=5)
    >>> {label: tuple(fn().shape) for label, fn in fns.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'keras.layers.LSTM': (2, 3, 5), 'ScratchLSTM': (2, 3, 5),
     'matmul, same FLOPs': (6, 20)}
    """
    import keras
    import tensorflow as tf

    from tf_lstm.scratch_lstm import ScratchLSTM

    batch = checks.positive_int("batch", batch)
    steps = checks.positive_int("steps", steps)
    input_dim = checks.positive_int("input_dim", input_dim)
    units = checks.positive_int("units", units)
    seed = checks.non_negative_int("seed", seed)
    generator = tf.random.Generator.from_seed(seed)
    x = generator.normal((batch, steps, input_dim))                     # (B, T, D)
    keras_lstm = keras.layers.LSTM(units, return_sequences=True,
                                   kernel_initializer=keras.initializers.GlorotUniform(seed),
                                   recurrent_initializer=keras.initializers.Orthogonal(
                                       seed=seed))
    keras_lstm.build((None, None, input_dim))
    scratch = ScratchLSTM.from_keras(keras_lstm)
    rows = generator.normal((batch * steps, input_dim + units))         # (B*T, D+U)
    weights = generator.normal((input_dim + units, 4 * units))          # (D+U, 4U)
    return {"keras.layers.LSTM": tf.function(lambda: keras_lstm(x), autograph=False),
            "ScratchLSTM": tf.function(lambda: scratch(x), autograph=False),
            "matmul, same FLOPs": tf.function(lambda: tf.matmul(rows, weights),
                                              autograph=False)}


@dataclasses.dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of the timed runs of one function."""

    runs: tuple  # seconds of each timed run, in order

    @property
    def median(self):
        return statistics.median(self.runs)

    @property
    def quartiles(self):
        """The 25th and 75th percentiles of the runs (both the run if only one)."""
        if len(self.runs) == 1:
            return self.runs[0], self.runs[0]
        q = statistics.quantiles(self.runs, n=4, method="inclusive")
        return q[0], q[2]


def _leaves(value):
    """The non-container values in nested lists, tuples and dicts."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def copy_to_numpy(result):
    """Wait for `result`'s tensors to be computed, by copying each to NumPy.

    The default `block` of `time_interleaved`: a value with a ``.numpy()``
    method (a TensorFlow tensor) is copied; other values are left alone.
    """
    for value in _leaves(result):
        if hasattr(value, "numpy"):
            value.numpy()


def time_interleaved(fns, repeats=5, warmup=1, block=copy_to_numpy):
    """Time several functions in turns; the median of each is comparable to the others.

    Each round calls every function once, in an order rotated by one each
    round, so that a change of load on a shared machine hits all of them.
    Warm-up rounds (tracing, allocation) are not kept. `block` is called on
    each function's result inside the timed interval, so that work a backend
    runs asynchronously (on a GPU) counts.

    Args:
        fns: dict, name -> function of no arguments.
        repeats: timed rounds (positive integer).
        warmup: rounds run first and not timed (non-negative integer).
        block: function of one result that returns once its work is done;
            by default `copy_to_numpy`. The GPU check passes its backend's
            synchronisation (`torch.cuda.synchronize`, `jax.block_until_ready`).

    Returns:
        dict, name -> `Timing` (`.median` seconds, `.runs`, `.quartiles`).

    Example:

    >>> timings = time_interleaved({"sum": lambda: sum(range(1000)), "nothing": lambda: None},
    ...                            repeats=3, warmup=1)
    >>> sorted(timings), len(timings["sum"].runs)
    (['nothing', 'sum'], 3)
    """
    if not isinstance(fns, dict) or not fns or not all(callable(f) for f in fns.values()):
        raise ValueError("Argument `fns` must be a non-empty dict of name -> function "
                         f"of no arguments. Received: fns={fns!r:.80}")
    repeats = checks.positive_int("repeats", repeats)
    warmup = checks.non_negative_int("warmup", warmup)
    if not callable(block):
        raise ValueError("Argument `block` must be a function of one result. "
                         f"Received: block={block!r:.80}")
    names = list(fns)
    runs = {name: [] for name in names}
    for round_ in range(warmup + repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            block(fns[name]())
            seconds = time.perf_counter() - start
            if round_ >= warmup:
                runs[name].append(seconds)
    return {name: Timing(tuple(runs[name])) for name in names}


def median_seconds(fn, repeats=5, warmup=1):
    """The median wall-clock seconds of `fn()` over `repeats` runs after `warmup`.

    Example:

    >>> median_seconds(lambda: sum(range(1000)), repeats=3) < 1.0
    True
    """
    return time_interleaved({"fn": fn}, repeats=repeats, warmup=warmup)["fn"].median
