"""Distribution strategies for training: one device or several devices of one machine.

No home-made parallelism: `make_strategy` returns one of TensorFlow's own
`tf.distribute` strategies, and `training.build_translator` builds and
compiles the model under its scope; `model.fit` then splits each batch.

- "none": the default strategy, one device (what training always did).
- "mirrored": `tf.distribute.MirroredStrategy`, synchronous data parallelism
  over every visible GPU or, on a CPU-only machine, over `devices` logical
  CPU devices (so it can be tried, and tested, on a laptop).

Several machines (`tf.distribute.MultiWorkerMirroredStrategy`) are not offered
yet: with Keras 3.15, `model.fit` under that strategy fails inside Keras with
two or more workers (it reduces each scalar log along axis 0, "Invalid
reduction dimension 0 for input with 0 dimensions"; tensorflow/tensorflow#72388).

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

STRATEGIES = ("none", "mirrored")


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


def make_strategy(name="none", devices=None):
    """A `tf.distribute` strategy by name. Call it before any TensorFlow op runs.

    Args:
        name: "none" (the default strategy, one device) or "mirrored" (see
            the module docstring).
        devices: "mirrored" only: on a machine with GPUs, use the first
            `devices` of them (default all); on a CPU-only machine, split the
            CPU into `devices` logical devices (default 1), which must happen
            before TensorFlow initialises its devices.

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: on a bad name or `devices` (`check_strategy`), more GPUs
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
