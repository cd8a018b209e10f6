"""One process of `tests/test_multi_worker.py`: `tf-lstm train`, recording what it saw.

    python tests/multi_worker_check.py OUT [--pause-after-epoch] -- TRAIN_ARGS...

Runs `tf-lstm train TRAIN_ARGS` as the command line does (`TF_CONFIG`, if
any, set by the test), with three additions for the test, written under OUT
(a folder outside the run directory):

- ``shards.json``: the target sentences of each step of 2 epochs, as this
  process's share of the distributed training dataset yields them (a dataset
  prepared again, so it shuffles as the one `fit` gets), with the declared
  number of batches;
- ``start.npz`` and ``weights.npz``: the model's weights before and after
  training;
- with ``--pause-after-epoch``, a worker that is not the chief prints
  ``PAUSED`` after its first epoch and waits to be killed.

A script, not a test module: each process configures TensorFlow's
distribution at start, once.
"""

import json
import sys
import time
from pathlib import Path

from tf_lstm import cli, commands
from tf_lstm.translation import training


class Pause:
    """A callback that stops this worker after its first epoch until it is killed."""

    def __new__(cls):
        import keras

        class _Pause(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                print("PAUSED", flush=True)
                while True:
                    time.sleep(1)

        return _Pause()


def shards(strategy, splits, config, epochs=2):
    """Per epoch, per step: this process's target sentences (ids, padding dropped)."""
    import tensorflow as tf

    dataset = training.prepare(splits, config).train
    distributed = strategy.experimental_distribute_dataset(dataset)
    seen = []
    for _ in range(epochs):
        steps = []
        for _, target_out in distributed:
            parts = strategy.experimental_local_results(target_out)
            steps.append([[int(i) for i in row if i] for part in parts
                          for row in tf.convert_to_tensor(part).numpy()])
        seen.append(steps)
    return {"declared_batches": int(dataset.cardinality()), "epochs": seen}


def main():
    out = Path(sys.argv[1])
    pause = "--pause-after-epoch" in sys.argv[2:sys.argv.index("--")]
    argv = ["train", *sys.argv[sys.argv.index("--") + 1:]]
    args = cli.build_parser().parse_args(argv)
    cli._check(args)
    cli.import_tensorflow_quietly()

    import numpy as np

    from tf_lstm.translation import distribute

    strategy = commands.make_strategy(args)
    data = commands.prepare_run(args)
    out.mkdir(parents=True, exist_ok=True)
    (out / "shards.json").write_text(json.dumps(shards(strategy, data[1], args.config)))
    models = []
    train = training.train

    def recorded_train(model, *rest, extra_callbacks=(), **kwargs):
        models.append(model)
        np.savez(out / "start.npz", *model.get_weights())
        if pause and not distribute.is_chief(strategy):
            extra_callbacks = [*extra_callbacks, Pause()]
        return train(model, *rest, extra_callbacks=extra_callbacks, **kwargs)

    training.train = recorded_train
    commands.run_training(args, data)
    np.savez(out / "weights.npz", *models[0].get_weights())
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
