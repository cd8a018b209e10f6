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

The benchmarks (`benchmarks/layers.py`, `benchmarks/gpu.py`) count FLOPs with
`lstm_step_flops`, times the number of steps. `count_graph_flops` asks
TensorFlow's graph profiler for the same number; it counts the products and
the element-wise arithmetic but not the activations.

Timing on a shared machine is noisy: `time_interleaved` runs several
functions in turns, after warm-up runs, and keeps every run and the median,
so that functions measured together can be compared by their ratio. It is
the one timer of the notebooks and the benchmarks.

Only `count_graph_flops` uses TensorFlow, and imports it when called: the GPU
check (`benchmarks/gpu.py`) uses this module on Keras backends without it.
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
