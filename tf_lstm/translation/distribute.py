"""Distribution strategies for training: one device, several devices, several machines.

No home-made parallelism: `make_strategy` returns one of TensorFlow's own
`tf.distribute` strategies, and `training.build_translator` builds and
compiles the model under its scope; `model.fit` then splits each batch.

- "none": the default strategy, one device (what training always did).
- "mirrored": `tf.distribute.MirroredStrategy`, synchronous data parallelism
  over every visible GPU or, on a CPU-only machine, over `devices` logical
  CPU devices (so it can be tried, and tested, on a laptop).
- "multi-worker": `tf.distribute.MultiWorkerMirroredStrategy`, the same over
  several processes or machines ("workers"), each started with the same
  command and its own `TF_CONFIG` (`check_tf_config` says what it must hold).
  Every worker reads the whole dataset and keeps its share of each global
  batch (`pipeline.make_dataset` sets the DATA auto-shard policy; the
  shuffle's seed is the same on every worker). Only the chief
  (`is_chief`) writes files; the others restore the chief's backup when a
  run resumes, so the run directory must be a folder every worker sees.

Keras 3.15's `model.fit` fails under "multi-worker" with two or more workers;
`Translator` works around both failures with `multi_worker_build_spec` and
`multi_worker_logs` (each names its Keras bug).

`batch_size` is always the GLOBAL batch: each of the `replicas(strategy)`
replicas gets `batch_size / replicas` pairs of it per step, and the gradients
of all replicas are summed into one update (`model.masked_loss` divides each
replica's loss by the global number of real tokens, so the update equals one
device's on the same global batch).

Call `make_strategy` before any TensorFlow op runs: logical CPU devices can only
be configured before TensorFlow initialises its devices (`tf-lstm train
--strategy` does so first).
"""

import dataclasses
import json
import os

STRATEGIES = ("none", "mirrored", "multi-worker")
# What `TF_CONFIG` must look like for "multi-worker", shown in its errors.
TF_CONFIG_EXAMPLE = ('{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                     '"task": {"type": "worker", "index": 0}}')


def check_strategy(name, devices=None):
    """Check a strategy name and its `devices` without importing TensorFlow.

    Args:
        name: one of `STRATEGIES`.
        devices: None, or (for "mirrored" only) a positive int.

    Raises:
        ValueError: on an unknown name, a `devices` that is not a positive
            int, `devices` given with another strategy than "mirrored", or
            (for "multi-worker") a missing or malformed `TF_CONFIG`
            (`check_tf_config`).
    """
    if name not in STRATEGIES:
        raise ValueError(f"Argument `strategy` must be one of {STRATEGIES}. "
                         f"Received: strategy={name!r}")
    if devices is not None:
        if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
            raise ValueError("Argument `devices` must be a positive int. "
                             f"Received: devices={devices!r}")
        if name != "mirrored":
            raise ValueError("Argument `devices` applies to strategy='mirrored' only "
                             f"(logical CPU devices). Received: devices={devices} with "
                             f"strategy={name!r}")
    if name == "multi-worker":
        check_tf_config(os.environ.get("TF_CONFIG"))


def check_tf_config(text):
    """Check the `TF_CONFIG` environment variable of a "multi-worker" run.

    `TF_CONFIG` is JSON: the cluster, a list of "host:port" addresses under
    "worker" (and optionally one under "chief"), the same on every worker,
    and this worker's own "task": its type and its index in that list. The
    chief is the "chief" task, or worker 0 when there is none.

    Args:
        text: the variable's value, or None if it is unset.

    Returns:
        `(workers, index, chief)`: the number of tasks in the cluster, this
        task's index among the workers (chief first), and whether it is the chief.

    Raises:
        ValueError: naming what is wrong, what was expected
            (`TF_CONFIG_EXAMPLE`) and what was received.

    Example:

    >>> check_tf_config(TF_CONFIG_EXAMPLE)
    (2, 0, True)
    >>> check_tf_config('{"cluster": {"worker": ["a:1"]}}')
    Traceback (most recent call last):
    ValueError: Environment variable `TF_CONFIG` must hold "task"... Received: TF_CONFIG={"cluster": {"worker": ["a:1"]}}
    """
    def refuse(what):
        received = "unset" if text is None else repr(text)[1:-1][:300]
        raise ValueError(f"Environment variable `TF_CONFIG` must {what} for "
                         f"strategy='multi-worker', e.g. {TF_CONFIG_EXAMPLE}. "
                         f"Received: TF_CONFIG={received}")

    if text is None or not text.strip():
        refuse("be set (the same cluster on every worker, each its own task)")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as e:
        refuse(f"be JSON ({e.msg} at character {e.pos})")
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict):
        refuse('be a JSON object with a "cluster" object')
    cluster = config["cluster"]
    if not set(cluster) <= {"worker", "chief"} or "worker" not in cluster:
        refuse('list the workers\' addresses under "cluster": {"worker": [...]} (and '
               'optionally one "chief"; no other task types)')
    for kind, addresses in cluster.items():
        if (not isinstance(addresses, list) or not addresses
                or not all(isinstance(a, str) and a.rpartition(":")[2].isdigit()
                           and a.rpartition(":")[0] for a in addresses)):
            refuse(f'give "{kind}" a non-empty list of "host:port" strings')
    if len(cluster.get("chief", [])) > 1:
        refuse('give "chief" one address at most')
    task = config.get("task")
    if not isinstance(task, dict) or not task:
        refuse('hold "task": {"type": "worker", "index": i}, this worker\'s place in '
               'the cluster,')
    kind, index = task.get("type"), task.get("index", 0)
    if kind not in cluster:
        refuse(f'name a task "type" of the cluster ({", ".join(sorted(cluster))})')
    if isinstance(index, bool) or not isinstance(index, int) or not (
            0 <= index < len(cluster[kind])):
        refuse(f'give a task "index" from 0 to {len(cluster[kind]) - 1} for its '
               f'{len(cluster[kind])} "{kind}" address(es)')
    chiefs = len(cluster.get("chief", []))
    position = index if kind == "chief" else chiefs + index
    return chiefs + len(cluster["worker"]), position, position == 0


def make_strategy(name="none", devices=None):
    """A `tf.distribute` strategy by name. Call it before any TensorFlow op runs.

    Args:
        name: one of `STRATEGIES` (see the module docstring).
        devices: "mirrored" only: on a machine with GPUs, use the first
            `devices` of them (default all); on a CPU-only machine, split the
            CPU into `devices` logical devices (default 1), which must happen
            before TensorFlow initialises its devices.
            "multi-worker" reads `TF_CONFIG` instead.

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: on a bad name, `devices` or `TF_CONFIG` (`check_strategy`), more GPUs
            asked for than are visible, or logical CPU devices asked for after TensorFlow
            initialised its devices with another number of them.

    Example:

    >>> replicas(make_strategy("none"))
    1
    """
    check_strategy(name, devices)
    import tensorflow as tf

    if name == "none":
        return tf.distribute.get_strategy()
    if name == "multi-worker":
        # Collectives over the network between the workers, each with its
        # local devices (every GPU, or the CPU); TF_CONFIG was checked above.
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        if devices is not None and devices > len(gpus):
            raise ValueError(f"Argument `devices` asks for more GPUs than the {len(gpus)} "
                             f"visible. Received: devices={devices}")
        names = [f"/gpu:{i}" for i in range(devices or len(gpus))]
        return tf.distribute.MirroredStrategy(names)
    devices = devices or 1
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    except RuntimeError:  # TensorFlow has initialised its devices already
        have = len(tf.config.list_logical_devices("CPU"))
        if have != devices:
            raise ValueError(
                f"Argument `devices`: TensorFlow already initialised {have} CPU "
                f"device(s), so {devices} logical devices can no longer be made; call "
                f"make_strategy before any TensorFlow op runs. Received: devices={devices}"
            ) from None
    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(devices)])


def replicas(strategy):
    """The number of replicas that share each global batch (1 for "none")."""
    return strategy.num_replicas_in_sync


def per_replica_batch(batch_size, strategy):
    """The pairs each replica gets of a global batch of `batch_size` (rounded up).

    Example:

    >>> per_replica_batch(64, make_strategy("none"))
    64
    """
    return -(-batch_size // replicas(strategy))


def scale_learning_rate(config, strategy):
    """`config` with its learning rate multiplied by the replica count.

    The "linear scaling rule" (Goyal et al., 2017): a global batch `replicas`
    times larger takes `replicas` times fewer steps per epoch, so each step
    may move further. It is an option (`tf-lstm train --scale-learning-rate`),
    not the default: with `batch_size` the global batch, the default keeps
    one device's numbers exactly, whatever the strategy.

    Args:
        config: a `TranslatorConfig`.
        strategy: a `tf.distribute.Strategy`.

    Returns:
        A new `TranslatorConfig` (recorded as such in config.json).
    """
    return dataclasses.replace(config, learning_rate=config.learning_rate
                               * replicas(strategy))


def is_chief(strategy):
    """Whether this process writes the run's files: the chief, or the only worker.

    Example:

    >>> is_chief(make_strategy("none"))
    True
    """
    return strategy.extended.should_checkpoint


def multi_worker(strategy):
    """Whether `strategy` spans several workers, as Keras's TF trainer tests it.

    Keras 3.15 takes its multi-worker code paths (and bugs) exactly when this
    holds (`keras/src/backend/tensorflow/trainer.py`,
    `_collective_all_reduce_multi_worker`).
    """
    import tensorflow as tf

    return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode())


def multi_worker_build_spec(epoch_iterator):
    """The shapes and dtypes of a `fit` or `evaluate` batch, for Keras's symbolic build.

    Workaround for Keras 3.15: before training and evaluating, the TF
    trainer's `_maybe_symbolic_build` takes the first distributed batch and
    reduces it with `strategy.reduce("MEAN", batch, axis=None)`, which
    `MultiWorkerMirroredStrategy` refuses ("ValueError: Attempt to convert a
    value (PerReplica...) with an unsupported type"). The build needs only
    shapes and dtypes: the dataset's `element_spec` has them, without
    drawing a batch (drawing one would also start a shuffle iteration, so
    the first epoch would see the second shuffle, unlike one process).
    `tests/test_distribute.py` fails when Keras's code changes under this.

    Args:
        epoch_iterator: Keras's `TFEpochIterator`, as `_maybe_symbolic_build` gets it.

    Returns:
        The undistributed dataset's `element_spec` (`tf.TensorSpec`s).
    """
    return epoch_iterator.data_adapter.get_tf_dataset().element_spec


def multi_worker_logs(logs):
    """A training or test step's scalar logs as vectors of one, for Keras's reduction.

    Workaround for Keras 3.15 (tensorflow/tensorflow#72388): under
    `MultiWorkerMirroredStrategy` the TF trainer's `reduce_per_replica`
    reduces every log with `strategy.reduce("MEAN", value, axis=0)`, which
    fails on a scalar ("Invalid reduction dimension 0 for input with 0
    dimensions"). Shaped `(1,)`, the logs of all replicas are gathered into a
    `(replicas,)` vector and the MEAN along axis 0 is their mean over
    replicas, what Keras reports on one machine. The epoch's logs are read
    from the metrics afterwards, summed over every replica, as on one
    machine. `tests/test_distribute.py` fails when Keras's code changes under this.
    """
    from keras import ops

    return {name: ops.reshape(value, (1,)) for name, value in logs.items()}
