"""Distribution strategies for training: one device, several devices, several machines.

No home-made parallelism: `make_strategy` returns one of TensorFlow's own
`tf.distribute` strategies, and `training.build_translator` builds and
compiles the model under its scope; `model.fit` then splits each batch.

- "none": the default strategy, one device (what training always did).
- "mirrored": `tf.distribute.MirroredStrategy`, synchronous data parallelism
  over every visible GPU or, on a CPU-only machine, over `devices` logical
  CPU devices (so it can be tried, and tested, on a laptop).
- "multi-worker": `tf.distribute.MultiWorkerMirroredStrategy` over several
  processes or machines, each described by the `TF_CONFIG` environment
  variable (``{"cluster": {"worker": ["host:port", ...]}, "task": {"type":
  "worker", "index": i}}``); worker 0 is the chief.

`batch_size` is always the GLOBAL batch: each of the `replicas(strategy)`
replicas gets `batch_size / replicas` pairs of it per step, and the gradients
of all replicas are summed into one update (`model.masked_loss` divides each
replica's loss by the global number of real tokens, so the update equals one
device's on the same global batch).

Call `make_strategy` before any TensorFlow op runs: logical CPU devices and
the collective ops of "multi-worker" can only be configured before TensorFlow
initialises its devices (`tf-lstm train --strategy` does so first).
"""

import dataclasses
import json
import os

STRATEGIES = ("none", "mirrored", "multi-worker")


def check_strategy(name, devices=None):
    """Check a strategy name and its `devices` without importing TensorFlow.

    Args:
        name: one of `STRATEGIES`.
        devices: None, or (for "mirrored" only) a positive int.

    Raises:
        ValueError: on an unknown name, a `devices` that is not a positive
            int, or `devices` given with another strategy than "mirrored".
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


def read_tf_config(environ=None):
    """The parsed `TF_CONFIG` of a multi-worker run, checked.

    Args:
        environ: a mapping (default `os.environ`).

    Returns:
        The dict: "cluster" with a non-empty "worker" list, and "task" with
        type "worker" and an index into that list.

    Raises:
        ValueError: if `TF_CONFIG` is missing, not JSON, or lacks those keys.

    Example:

    >>> read_tf_config({"TF_CONFIG": '{"cluster": {"worker": ["127.0.0.1:2000"]}, '
    ...                 '"task": {"type": "worker", "index": 0}}'})["task"]
    {'type': 'worker', 'index': 0}
    """
    environ = os.environ if environ is None else environ
    text = environ.get("TF_CONFIG")
    expected = ('{"cluster": {"worker": ["host:port", ...]}, '
                '"task": {"type": "worker", "index": i}}')
    if not text:
        raise ValueError("strategy='multi-worker' reads the TF_CONFIG environment "
                         f"variable, which is not set; set it on each worker to {expected}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"TF_CONFIG must be JSON ({e}). Received: TF_CONFIG={text!r}") from None
    workers = value.get("cluster", {}).get("worker") if isinstance(value, dict) else None
    task = value.get("task") if isinstance(value, dict) else None
    if (not isinstance(workers, list) or not workers or not isinstance(task, dict)
            or task.get("type") != "worker" or not isinstance(task.get("index"), int)
            or not 0 <= task["index"] < len(workers)):
        raise ValueError(f"TF_CONFIG must be {expected} with 0 <= index < the number "
                         f"of workers. Received: TF_CONFIG={text!r}")
    return value


def make_strategy(name="none", devices=None):
    """A `tf.distribute` strategy by name. Call it before any TensorFlow op runs.

    Args:
        name: "none" (the default strategy, one device), "mirrored" or
            "multi-worker" (see the module docstring).
        devices: "mirrored" only: on a machine with GPUs, use the first
            `devices` of them (default all); on a CPU-only machine, split the
            CPU into `devices` logical devices (default 1), which must happen
            before TensorFlow initialises its devices.

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: on a bad name or `devices` (`check_strategy`), more GPUs
            asked for than are visible, a missing or invalid `TF_CONFIG` for
            "multi-worker", or logical CPU devices asked for after TensorFlow
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
        read_tf_config()
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
    """Whether this process writes the run's files: always, except a non-chief worker.

    With "multi-worker", worker 0 (or the "chief" task) is the chief; every
    other worker writes its checkpoints and logs to a temporary folder
    instead, as the Keras multi-worker guide recommends.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not getattr(strategy.extended, "_in_multi_worker_mode",
                                       lambda: False)():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    return task_type == "chief" or (task_type == "worker" and task_id == 0
                                    and "chief" not in resolver.cluster_spec().as_dict())
