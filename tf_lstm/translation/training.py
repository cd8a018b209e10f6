"""Training the translator: vocabularies, datasets, `model.fit` and its callbacks.

`prepare` turns `{"train", "valid", ...}` pair lists into vocabularies and
`tf.data` datasets grouped by length (`config.length_grouping`); `train` runs `model.fit` with

- early stopping on validation loss, restoring the best weights;
- a best-weights checkpoint (`best.weights.h5`);
- `BackupAndRestore`, so an interrupted run resumes where it stopped when
  `train` is called again with the same run directory;
- TensorBoard logs (`logs/`) and a CSV history (`history.csv`);
- the learning rate `learning_rate * lr_decay ** epoch`, after a linear
  warm-up over the first `warmup_steps` updates (`LearningRate`);
- with `average_checkpoints` N > 1, checkpoint averaging (`AverageCheckpoints`):
  the weights at the end of the last N epochs up to the epoch early stopping
  keeps are averaged, and the average is kept only if its validation loss is
  lower than that epoch's; ``averaging.json`` says which was kept and both
  losses. ``best.weights.h5`` stays the best epoch's weights either way.

Under a multi-worker strategy only the chief (`distribute.is_chief`) writes
these files; every other worker writes nothing and, when a run resumes,
restores the chief's backup (`RestoreOnly`).

What a run directory records for later (``data.json``, ``config.json``) and
the resume check live in `tf_lstm.translation.runs`.
"""

import collections
import dataclasses
import time
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tf_lstm import checks
from tf_lstm.files import write_json
from tf_lstm.translation import distribute, pipeline, vocab
from tf_lstm.translation.config import TranslatorConfig
from tf_lstm.translation.model import Translator, compile_translator
from tf_lstm.translation.runs import check_resumable
from tf_lstm.translation.vocab import normalize


@dataclasses.dataclass
class Prepared:
    """What `prepare` returns: vocabularies and datasets, ready for `fit`."""

    source_vocabulary: list   # English tokens, index = id
    target_vocabulary: list   # French tokens, index = id
    train: object             # tf.data.Dataset of ((source, target_in), target_out)
    valid: object             # same, not shuffled
    train_tokens: int         # real (non-padding) target tokens per training epoch
    tokenizer: str = "words"  # what the vocabularies hold: config.tokenizer


def prepare(splits, config):
    """Build vocabularies from the training split and datasets for train/valid.

    Pairs with a side longer than `config.max_length` tokens (WordPiece:
    pieces) are left out of both datasets (with a warning that counts them);
    nothing is truncated.

    Args:
        splits: dict with "train" and "valid" lists of `(english, french)`.
        config: a `TranslatorConfig` (`tokenizer`, vocabulary caps,
            `max_length`, `batch_size`, `length_grouping`, `seed`).

    Returns:
        A `Prepared`: both vocabularies (built from the training split only),
        the shuffled training and the unshuffled validation dataset, and the
        number of real target tokens per training epoch.

    Raises:
        ValueError: if "train" or "valid" is missing or empty, or if every
            pair of one of them is longer than `max_length`.

    Warns:
        UserWarning: when pairs longer than `max_length` are left out.
    """
    for name in ("train", "valid"):
        if not splits.get(name):
            raise ValueError(f"Argument `splits` must hold a non-empty {name!r} list "
                             f"of (english, french) pairs. Received keys: {list(splits)}")
    train, tokenizer = splits["train"], config.tokenizer
    source_vocabulary = vocab.build_vocabulary(
        normalize([e for e, _ in train]), max_size=config.max_source_vocabulary,
        tokenizer=tokenizer)
    target_vocabulary = vocab.build_vocabulary(
        normalize([f for _, f in train]), max_size=config.max_target_vocabulary,
        tokenizer=tokenizer)
    vectorizers = (vocab.make_vectorizer(source_vocabulary, tokenizer),
                   vocab.make_vectorizer(target_vocabulary, tokenizer))
    datasets = {}
    for name, shuffle in (("train", True), ("valid", False)):
        source, target = vocab.encode_pairs(splits[name], *vectorizers, normalize)
        datasets[name] = pipeline.make_dataset(
            source, target, batch_size=config.batch_size, shuffle=shuffle,
            seed=config.seed, max_length=config.max_length,
            grouping=config.length_grouping)
        source_len, target_len = source.row_lengths(), target.row_lengths() - 1
        kept = (source_len <= config.max_length) & (target_len <= config.max_length)
        dropped = int(tf.size(kept)) - int(tf.reduce_sum(tf.cast(kept, tf.int32)))
        if dropped == int(tf.size(kept)):
            shortest = int(tf.reduce_min(tf.maximum(source_len, target_len)))
            raise ValueError(f"Argument `config.max_length` leaves no {name} pair: every "
                             f"one is longer than max_length={config.max_length} tokens "
                             f"(the shortest needs {shortest}, counting the French [END]). "
                             f"Received: max_length={config.max_length}")
        if dropped:
            warnings.warn(f"{dropped} {name} pairs longer than max_length="
                          f"{config.max_length} tokens are left out", UserWarning)
        if name == "train":
            train_tokens = int(tf.reduce_sum(tf.boolean_mask(target_len, kept)))
    return Prepared(source_vocabulary, target_vocabulary, datasets["train"],
                    datasets["valid"], train_tokens, tokenizer)


def build_translator(prepared, config, strategy=None):
    """A compiled `Translator` for the prepared vocabularies, its weights built.

    Args:
        prepared: what `prepare` returned.
        config: the `TranslatorConfig`; `config.seed` seeds the weights.
            `config.batch_size` is the global batch, split between the
            strategy's replicas by `model.fit`.
        strategy: a `tf.distribute.Strategy` (`distribute.make_strategy`);
            the model, its optimizer and metrics are made under its scope.
            Default: the current strategy (one device unless inside a scope).

    Returns:
        A `Translator`, compiled by `compile_translator`.
    """
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model = Translator(prepared.source_vocabulary, prepared.target_vocabulary, config)
        ids = tf.ones((1, 2), tf.int64)  # 2 steps: softmax over 1 source step makes Keras warn
        model((ids, ids))  # build the weights now (BackupAndRestore needs them)
        return compile_translator(model)


class TimeBudget(keras.callbacks.Callback):
    """Stop training when another epoch would not end within `minutes`.

    After each epoch, training stops if the time so far plus the longest
    epoch so far would pass the budget, so a run stays within it (unless the
    first epoch alone is longer). Training "for at most N minutes" then needs
    no guess of an epoch count for each machine.

    Args:
        minutes: the budget, a positive number.

    Raises:
        ValueError: if `minutes` is not positive.

    Example:

    >>> budget = TimeBudget(minutes=30)  # model.fit(..., callbacks=[budget])
    >>> budget.seconds  # training time so far, updated after each epoch
    0.0
    """

    def __init__(self, minutes):
        super().__init__()
        if not minutes > 0:
            raise ValueError(f"Argument `minutes` must be positive. Received: {minutes!r}")
        self.minutes = minutes
        self.seconds = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self._longest = 0.0

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._start
        self._longest = max(self._longest, elapsed - self.seconds)
        self.seconds = elapsed
        if elapsed + self._longest > 60 * self.minutes:
            self.model.stop_training = True


class RestoreOnly(keras.callbacks.BackupAndRestore):
    """`BackupAndRestore` for a worker that is not the chief: restore, never write.

    Keras 3's `BackupAndRestore` is not multi-worker aware: on every worker it
    would write the same backup files after each epoch and delete them at the
    end, racing the chief. This one restores the chief's backup when training
    begins, so every worker resumes from the same weights and epoch, and
    writes or deletes nothing.

    Args:
        backup_dir: the chief's backup folder (``RUN_DIR/backup``).
    """

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class SameStart(keras.callbacks.Callback):
    """Under several workers: stop, with a clear error, if they would start at different epochs.

    Each worker restores the chief's backup (`BackupAndRestore` on the chief,
    `RestoreOnly` elsewhere). A worker that cannot see the chief's run
    directory starts at epoch 0 while the chief resumes later; they would then
    wait on each other's all-reduce for ever. Placed after the restoring
    callback, this one gathers every worker's start epoch
    when training begins, and every worker raises the same error if they
    differ.

    Raises:
        ValueError: on every worker, if the workers' start epochs differ.
    """

    def on_train_begin(self, logs=None):
        strategy = self.model.distribute_strategy
        epoch = int(self.model._initial_epoch or 0)  # set by the restoring callback
        mine = tf.constant([epoch], tf.int64)

        def every_start():  # (replicas,): each replica's start epoch
            return tf.distribute.get_replica_context().all_gather(mine, axis=0)

        starts = strategy.experimental_local_results(strategy.run(every_start))[0].numpy()
        low, high = int(starts.min()), int(starts.max())
        if low != high:
            raise ValueError(
                f"The workers would start at different epochs ({low} to {high}): "
                "every worker must see the chief's run directory (its backup/) to resume; "
                "give all of them the same --run-dir on a folder they share. "
                f"Received: this worker starts at epoch {epoch}")


class LearningRate(keras.callbacks.Callback):
    """Set the learning rate: a linear warm-up over the first updates, a decay per epoch.

    Before update number `step` (0-based: the optimizer's `iterations`) of
    epoch `epoch` (0-based) the rate is::

        learning_rate * lr_decay ** epoch * min(1, (step + 1) / warmup_steps)

    (no warm-up factor when `warmup_steps` is 0). The step is read from
    `optimizer.iterations` when each epoch begins, after `BackupAndRestore`
    restored it, so a resumed run continues the warm-up where it stopped;
    within the epoch the batch index counts on. The rate is set before each
    epoch and, during the warm-up only, before each batch, so it costs
    nothing per batch afterwards. After each epoch the rate is logged as
    ``learning_rate`` (in the `History`), as Keras's `LearningRateScheduler` does.

    Args:
        config: a `TranslatorConfig` (`learning_rate`, `lr_decay`, `warmup_steps`).

    Raises:
        TypeError: if `config` is not a `TranslatorConfig`.

    Example:

    >>> schedule = LearningRate(TranslatorConfig(learning_rate=1e-3, lr_decay=0.5,
    ...                                          warmup_steps=4))
    >>> schedule.rate(step=1, epoch=0), schedule.rate(step=9, epoch=2)
    (0.0005, 0.00025)
    """

    def __init__(self, config):
        super().__init__()
        if not isinstance(config, TranslatorConfig):
            raise TypeError("Argument `config` must be a TranslatorConfig. "
                            f"Received: {type(config).__name__}")
        self.config = config

    def rate(self, step, epoch):
        """The learning rate of one update.

        Args:
            step: the update's number, 0-based (the optimizer's `iterations`).
            epoch: the epoch, 0-based.

        Returns:
            A float: the formula above.
        """
        c = self.config
        warmup = min(1.0, (step + 1) / c.warmup_steps) if c.warmup_steps else 1.0
        return c.learning_rate * c.lr_decay ** epoch * warmup

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        # convert_to_numpy: under a tf.distribute strategy the variable is mirrored
        self._first_step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        self.model.optimizer.learning_rate = self.rate(self._first_step, epoch)

    def on_train_batch_begin(self, batch, logs=None):
        step = self._first_step + batch
        if step < self.config.warmup_steps:  # still warming up
            self.model.optimizer.learning_rate = self.rate(step, self._epoch)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(
                self.model.optimizer.learning_rate))


class AverageCheckpoints(keras.callbacks.Callback):
    """Keep the average of the weights of the last `n` epochs up to the kept epoch, if better.

    Vaswani et al. (2017) average their last checkpoints; this averages the
    weights at the end of the last `n` epochs, held in memory (`n` copies of
    the weights, up to twice that after the best epoch).
    After each epoch it keeps that epoch's weights; when `stopping` (an
    `EarlyStopping` with `restore_best_weights=True`, earlier in the callback
    list) has just marked the epoch as the best, it remembers the snapshots
    ending there. When training ends, after `stopping` restored the best
    epoch's weights, it sets the mean of those snapshots, evaluates its loss
    on `validation_data` and keeps it only if that is lower than the best
    epoch's validation loss; otherwise it puts the best epoch's weights back.
    Only the weights are averaged: the optimizer's state stays the last epoch's.

    The best epoch is averaged with fewer than `n` epochs when it is among the
    first `n - 1` of this `fit` (a resumed run keeps no snapshot from before
    the interruption); with a single snapshot nothing changes and
    `outcome` stays None. Every worker of a multi-worker run does the same
    (the validation loss is reduced over all of them), so all end with the
    same weights; give `record` on the chief only.

    Args:
        n: how many epochs to average (1 changes nothing).
        stopping: the run's `keras.callbacks.EarlyStopping`, placed before this callback.
        validation_data: the validation dataset (`Prepared.valid`).
        record: a JSON file to write `outcome` to (removed when training
            begins, so it is absent when nothing was averaged), or None.
        verbose: 0 for silence, else one line says which weights were kept
            and both losses.

    Attributes:
        outcome: None, or after training a dict: ``"epochs"`` (the averaged
            epochs, 0-based as in ``history.csv``), ``"epoch_val_loss"`` (the
            best epoch's), ``"average_val_loss"`` and ``"kept"``
            (``"average"`` or ``"epoch"``).

    Raises:
        ValueError: if `n` is not a positive integer, or `stopping` does not
            restore the best weights.
    """

    def __init__(self, n, stopping, validation_data, record=None, verbose=1):
        super().__init__()
        self.n = checks.positive_int("n", n)
        if not getattr(stopping, "restore_best_weights", False):
            raise ValueError("Argument `stopping` must be an EarlyStopping with "
                             f"restore_best_weights=True. Received: {stopping!r}")
        self.stopping = stopping
        self.validation_data = validation_data
        self.record = record
        self.verbose = verbose
        self.outcome = None

    def on_train_begin(self, logs=None):
        if self.record is not None:  # an earlier run's outcome would mislead
            Path(self.record).unlink(missing_ok=True)
        self.outcome = None
        self._recent = collections.deque(maxlen=self.n)  # (epoch, weights), newest last
        self._best = []           # the snapshots ending at the best epoch
        self._best_loss = None    # the best epoch's validation loss

    def on_epoch_end(self, epoch, logs=None):
        self._recent.append((epoch, self.model.get_weights()))
        if self.stopping.best_epoch == epoch:  # `stopping` just kept this epoch
            self._best = list(self._recent)
            self._best_loss = float(logs["val_loss"])

    def on_train_end(self, logs=None):
        if len(self._best) < 2:
            return
        epochs = [epoch for epoch, _ in self._best]
        snapshots = [weights for _, weights in self._best]
        self.model.set_weights([np.mean(arrays, axis=0) for arrays in zip(*snapshots)])
        loss = float(self.model.evaluate(self.validation_data, verbose=0,
                                         return_dict=True)["loss"])
        kept = "average" if loss < self._best_loss else "epoch"
        if kept == "epoch":
            self.model.set_weights(snapshots[-1])
        self.outcome = {"epochs": epochs, "epoch_val_loss": self._best_loss,
                        "average_val_loss": loss, "kept": kept}
        if self.record is not None:
            write_json(self.record, self.outcome)
        if self.verbose:
            which = (f"the average of epochs {epochs[0] + 1}-{epochs[-1] + 1}"
                     if kept == "average" else f"epoch {epochs[-1] + 1}")
            print(f"Checkpoint averaging: kept {which} (validation loss: average of "
                  f"{len(epochs)} epochs {loss:.4f}, epoch {epochs[-1] + 1} "
                  f"{self._best_loss:.4f})")


def train(model, prepared, run_dir, verbose="auto", extra_callbacks=()):
    """Fit `model`, writing checkpoints, backups and logs under `run_dir`.

    Calling it again with the same `run_dir` after an interruption resumes at
    the interrupted epoch (`keras.callbacks.BackupAndRestore`). Under a
    multi-worker strategy only the chief writes; the other workers read the
    chief's backup from `run_dir`, which must then be a folder they all see.
    Every worker must get the same `extra_callbacks` decisions (a
    `TimeBudget` times each worker separately, so it is not for several workers).

    The model ends with the weights of the epoch of lowest validation loss
    (early stopping restores them, also when `TimeBudget` or `config.epochs`
    ends training) or, with `config.average_checkpoints` N > 1, with the
    average of the weights of the N epochs ending there if its validation
    loss is lower still (`AverageCheckpoints`: the optimizer's state is not
    averaged, and a resumed call averages only the epochs it ran). The
    learning rate follows `LearningRate` (`config.warmup_steps`, `lr_decay`).

    Args:
        model: a compiled `Translator` (from `build_translator`).
        prepared: what `prepare` returned.
        run_dir: the run's folder: ``config.json``, ``best.weights.h5`` (the
            best epoch's weights), ``backup/``, ``logs/`` (TensorBoard),
            ``history.csv`` and, when N > 1 and at least two epochs were
            averaged, ``averaging.json`` (`AverageCheckpoints.outcome`).
        verbose: passed to `model.fit`; unless 0, checkpoint averaging prints
            one line.
        extra_callbacks: more Keras callbacks (e.g. a `TimeBudget`).

    Returns:
        The `keras.callbacks.History` of this call (after a resume, only the
        epochs run in this call).

    Raises:
        ValueError: if `run_dir` holds an interrupted run with another
            config (`check_resumable`); nothing is written then.
    """
    run_dir = Path(run_dir)
    config = model.config
    check_resumable(run_dir, config)
    stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                             restore_best_weights=True)
    chief = distribute.is_chief(model.distribute_strategy)
    if chief:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json(run_dir / "config.json", dataclasses.asdict(config))
        callbacks = [
            keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
            stopping,
            keras.callbacks.ModelCheckpoint(str(run_dir / "best.weights.h5"),
                                            monitor="val_loss", save_best_only=True,
                                            save_weights_only=True),
            keras.callbacks.TensorBoard(str(run_dir / "logs")),
            keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
        ]
    else:  # another worker: the same training, no files
        callbacks = [RestoreOnly(str(run_dir / "backup")), stopping]
    if distribute.multi_worker(model.distribute_strategy):
        callbacks.insert(1, SameStart())  # right after the restoring callback
    callbacks.append(LearningRate(config))
    if config.average_checkpoints > 1:  # after `stopping`: it needs its best epoch
        record = run_dir / "averaging.json" if chief else None
        callbacks.append(AverageCheckpoints(config.average_checkpoints, stopping,
                                            prepared.valid, record, verbose=verbose))
    callbacks += list(extra_callbacks)
    # The datasets declare their number of batches (`pipeline.make_dataset`),
    # so Keras knows the steps of every epoch, the first one included.
    return model.fit(prepared.train, validation_data=prepared.valid,
                     epochs=config.epochs, callbacks=callbacks, verbose=verbose,
                     shuffle=False)  # the dataset shuffles itself
