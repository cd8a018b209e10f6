"""Training the translator: vocabularies, datasets, `model.fit` and its callbacks.

`prepare` turns `{"train", "valid", ...}` pair lists into vocabularies and
bucketed `tf.data` datasets; `train` runs `model.fit` with

- early stopping on validation loss, restoring the best weights;
- a best-weights checkpoint (`best.weights.h5`);
- `BackupAndRestore`, so an interrupted run resumes where it stopped when
  `train` is called again with the same run directory;
- TensorBoard logs (`logs/`) and a CSV history (`history.csv`);
- the learning rate `learning_rate * lr_decay ** epoch`.
"""

import dataclasses
import json
import os
import time
import warnings
from pathlib import Path

import keras
import tensorflow as tf

from tf_lstm import checks
from tf_lstm.files import write_json
from tf_lstm.translation import corpus, pipeline, vocab
from tf_lstm.translation.config import TranslatorConfig
from tf_lstm.translation.model import Translator, compile_translator
from tf_lstm.translation.vocab import normalize


@dataclasses.dataclass
class Prepared:
    """What `prepare` returns: vocabularies and datasets, ready for `fit`."""

    source_vocabulary: list   # English tokens, index = id
    target_vocabulary: list   # French tokens, index = id
    train: object             # tf.data.Dataset of ((source, target_in), target_out)
    valid: object             # same, not shuffled
    train_tokens: int         # real (non-padding) target tokens per training epoch


def prepare(splits, config):
    """Build vocabularies from the training split and datasets for train/valid.

    Pairs with a side longer than `config.max_length` tokens are left out of
    both datasets (with a warning that counts them); nothing is truncated.

    Args:
        splits: dict with "train" and "valid" lists of `(english, french)`.
        config: a `TranslatorConfig` (vocabulary caps, `max_length`,
            `batch_size`, `length_grouping`, `seed`).

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
    train = splits["train"]
    source_vocabulary = vocab.build_vocabulary(
        normalize([e for e, _ in train]), max_size=config.max_source_vocabulary)
    target_vocabulary = vocab.build_vocabulary(
        normalize([f for _, f in train]), max_size=config.max_target_vocabulary)
    vectorizers = (vocab.make_vectorizer(source_vocabulary),
                   vocab.make_vectorizer(target_vocabulary))
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
                    datasets["valid"], train_tokens)


def build_translator(prepared, config):
    """A compiled `Translator` for the prepared vocabularies, its weights built.

    Args:
        prepared: what `prepare` returned.
        config: the `TranslatorConfig`; `config.seed` seeds the weights.

    Returns:
        A `Translator`, compiled by `compile_translator`.
    """
    keras.utils.set_random_seed(config.seed)
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


def train(model, prepared, run_dir, verbose="auto", extra_callbacks=()):
    """Fit `model`, writing checkpoints, backups and logs under `run_dir`.

    Calling it again with the same `run_dir` after an interruption resumes at
    the interrupted epoch (`keras.callbacks.BackupAndRestore`).

    Args:
        model: a compiled `Translator` (from `build_translator`).
        prepared: what `prepare` returned.
        run_dir: the run's folder: ``config.json``, ``best.weights.h5``,
            ``backup/``, ``logs/`` (TensorBoard) and ``history.csv``.
        verbose: passed to `model.fit`.
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
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / "config.json", dataclasses.asdict(config))
    callbacks = [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                      restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(str(run_dir / "best.weights.h5"),
                                        monitor="val_loss", save_best_only=True,
                                        save_weights_only=True),
        keras.callbacks.TensorBoard(str(run_dir / "logs")),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
        learning_rate_schedule(config),
        *extra_callbacks,
    ]
    # The datasets declare their number of batches (`pipeline.make_dataset`),
    # so Keras knows the steps of every epoch, the first one included.
    return model.fit(prepared.train, validation_data=prepared.valid,
                     epochs=config.epochs, callbacks=callbacks, verbose=verbose,
                     shuffle=False)  # the dataset shuffles itself


def learning_rate_schedule(config):
    """The callback that sets `learning_rate * lr_decay ** epoch` before each epoch.

    Args:
        config: a `TranslatorConfig`.

    Returns:
        A `keras.callbacks.LearningRateScheduler`.

    Example:

    >>> schedule = learning_rate_schedule(TranslatorConfig(learning_rate=1e-3, lr_decay=0.5))
    >>> schedule.schedule(2)
    0.00025
    """
    return keras.callbacks.LearningRateScheduler(
        lambda epoch: config.learning_rate * config.lr_decay ** epoch)


def load_config(run_dir):
    """The `TranslatorConfig` saved by `train` in `run_dir`.

    Args:
        run_dir: a folder `train` wrote to.

    Returns:
        A `TranslatorConfig`.

    Raises:
        FileNotFoundError: if `run_dir` holds no ``config.json``.
        ValueError: if ``config.json`` is not a config `train` wrote
            (unreadable JSON, unknown fields or values out of range).
    """
    return TranslatorConfig(**_read_json(Path(run_dir) / "config.json",
                                         {f.name for f in dataclasses.fields(TranslatorConfig)}))


def _read_json(path, fields):
    """The JSON object in the run file `path`, whose keys must be among `fields`."""
    if not path.is_file():
        raise FileNotFoundError(f"No {path.name} in run directory {path.parent}: train a "
                                "model there first (tf-lstm train).")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: corrupt, not the JSON `train` wrote ({e})") from None
    if not isinstance(payload, dict) or not set(payload) <= fields:
        raise ValueError(f"{path}: expected an object with keys among {sorted(fields)}. "
                         f"Received: {str(payload)[:200]}")
    return payload


def check_resumable(run_dir, config, spec=None):
    """Refuse to resume an interrupted run with other settings, naming them.

    An interrupted run leaves ``backup/`` (`keras.callbacks.BackupAndRestore`)
    beside its ``config.json`` and ``data.json``; resuming it with another
    config or other data cannot restore the weights (or mixes two runs).
    Nothing is checked when `run_dir` holds no backup.

    Args:
        run_dir: the run directory.
        config: the `TranslatorConfig` of the new call.
        spec: the `DataSpec` of the new call, or None not to compare the data.

    Raises:
        ValueError: if a backup exists and the saved ``config.json`` (or
            ``data.json``) differs; the message lists each changed field
            as ``name saved -> new``.
    """
    run_dir = Path(run_dir)
    if not (run_dir / "backup").exists():
        return
    changed = []
    for name, new in (("config.json", config), ("data.json", spec)):
        if new is None or not (run_dir / name).is_file():
            continue
        saved = (load_config(run_dir) if name == "config.json" else load_data_spec(run_dir))
        changed += [f"{field} {getattr(saved, field)!r} -> {getattr(new, field)!r}"
                    for field in (f.name for f in dataclasses.fields(new))
                    if getattr(saved, field) != getattr(new, field)]
    if changed:
        raise ValueError(f"Run directory {run_dir} holds an interrupted run (backup/) with "
                         f"other settings: {', '.join(changed)}. Resume it with the same "
                         "settings, delete its backup/ folder to start over, or train in "
                         "another run directory.")


# The held-out sizes of a file's split when a `DataSpec` leaves them None.
FILE_VALID, FILE_TEST = 1000, 2000


@dataclasses.dataclass
class DataSpec:
    """Where a run's sentence pairs come from, saved with the run (data.json).

    `data` names a bundled corpus (fixed splits) or a sentence-pair file,
    split by `corpus.split_pairs`; `valid`, `test` and `limit` apply to a
    file only and must stay None for a bundled corpus. `sha256` and `size`
    (`with_fingerprint`) record the data's content when the run was trained:
    `load_splits` then refuses data that changed since, because a test split
    recomputed from a changed file can hold training sentences. A bundled
    corpus is fingerprinted too, so a run trained on another version of the
    package's corpus is refused the same way.

    Raises:
        ValueError: if a field is out of range (``Argument `test` must be a
            positive integer. Received: test=0``).

    Example:

    >>> spec = DataSpec().with_fingerprint()
    >>> spec.data, spec.size
    ('synthetic_en_fr', 1714683)
    """

    data: str = corpus.BUNDLED    # a bundled corpus name, or a path to an Anki/TSV file
    valid: int | None = None      # held-out pairs for early stopping (file only; None: FILE_VALID)
    test: int | None = None       # held-out pairs for BLEU (file only; None: FILE_TEST)
    limit: int | None = None      # read at most this many lines (file only; None: all)
    seed: int = 0                 # seed of a file's split (the run's seed)
    sha256: str | None = None     # the data's SHA-256 when the run was trained (None: unchecked)
    size: int | None = None       # the data's size in bytes then

    def __post_init__(self):
        if isinstance(self.data, os.PathLike):
            self.data = os.fspath(self.data)
        if not isinstance(self.data, str) or not self.data:
            raise ValueError("Argument `data` must be a bundled corpus name or a file path. "
                             f"Received: data={self.data!r}")
        for name in ("valid", "test", "limit"):
            if getattr(self, name) is not None:
                checks.positive_int(name, getattr(self, name))
        checks.non_negative_int("seed", self.seed)
        if self.size is not None:
            checks.non_negative_int("size", self.size)
        if self.sha256 is not None and (
                not isinstance(self.sha256, str) or len(self.sha256) != 64
                or any(c not in "0123456789abcdef" for c in self.sha256)):
            raise ValueError("Argument `sha256` must be 64 lowercase hexadecimal digits. "
                             f"Received: sha256={self.sha256!r}")

    @property
    def bundled(self):
        """True if `data` names a bundled corpus (and no file of that name exists)."""
        return not os.path.exists(self.data) and self.data in corpus.bundled_corpora()

    def with_fingerprint(self):
        """A copy with `sha256` and `size` of the data as it is now.

        Raises:
            FileNotFoundError: if `data` is neither a file nor a bundled corpus.
        """
        return dataclasses.replace(self, **corpus.fingerprint(self.data))


def load_data_spec(run_dir):
    """The `DataSpec` saved by `tf-lstm train` in `run_dir` (``data.json``).

    A ``data.json`` written before content hashes were recorded loads with
    ``sha256=None``: its data cannot be checked, and a warning says so
    (except for a bundled corpus, which comes with the package).

    Args:
        run_dir: a run directory.

    Returns:
        A `DataSpec`.

    Raises:
        FileNotFoundError: if `run_dir` holds no ``data.json``.
        ValueError: if ``data.json`` is not one `tf-lstm train` wrote.

    Warns:
        UserWarning: for an older ``data.json`` of a file, with no hash.
    """
    payload = _read_json(Path(run_dir) / "data.json",
                         {f.name for f in dataclasses.fields(DataSpec)})
    if "sha256" not in payload:  # older runs: limit 0 meant all; bundled runs kept sizes
        payload["limit"] = payload.get("limit") or None
        if payload.get("data") in corpus.bundled_corpora():
            payload.update(valid=None, test=None, limit=None)
        else:
            warnings.warn(f"{Path(run_dir) / 'data.json'} records no content hash (a run "
                          "from an older tf_lstm): it cannot be checked that "
                          f"{payload.get('data')} is unchanged since training",
                          UserWarning, stacklevel=2)
    try:
        return DataSpec(**payload)
    except ValueError as e:
        raise ValueError(f"{Path(run_dir) / 'data.json'}: {e}") from None


def load_splits(spec):
    """`{"train", "valid", "test"}` pair lists for a `DataSpec`.

    Bundled corpora come with fixed splits; a file is split by
    `tf_lstm.translation.corpus.split_pairs`, which keeps every English
    sentence on one side. If `spec` records a fingerprint, the data must
    still match it.

    Args:
        spec: a `DataSpec`.

    Returns:
        A dict of three lists of `(english, french)` pairs.

    Raises:
        FileNotFoundError: if `spec.data` is neither a file nor a bundled
            corpus ("no such file").
        ValueError: if the data changed since `spec.sha256` was recorded; if
            `valid`, `test` or `limit` is given for a bundled corpus; on a
            malformed file or bad sizes (see `corpus.load_pairs`,
            `corpus.split_pairs`).

    Example:

    >>> splits = load_splits(DataSpec())  # the bundled corpus
    >>> {name: len(pairs) for name, pairs in splits.items()}
    {'train': 20000, 'valid': 1000, 'test': 1000}
    """
    if not spec.bundled and not os.path.isfile(spec.data):
        kind = "a folder, not a file" if os.path.isdir(spec.data) else "no such file"
        raise FileNotFoundError(f"Argument `data` must be a sentence-pair file or one of the "
                                f"bundled corpora {corpus.bundled_corpora()}: {kind}. "
                                f"Received: data={spec.data}")
    if spec.sha256 is not None:
        now = corpus.fingerprint(spec.data)
        if now != {"sha256": spec.sha256, "size": spec.size}:
            raise ValueError(
                f"The data changed since the run was trained: {spec.data} had sha256 "
                f"{spec.sha256[:16]}... and {spec.size} bytes, it now has "
                f"{now['sha256'][:16]}... and {now['size']} bytes. A split recomputed from "
                "it could put training sentences in the test split: restore the file, or "
                "train a new run on it.")
    if spec.bundled:
        given = [name for name in ("valid", "test", "limit") if getattr(spec, name) is not None]
        if given:
            raise ValueError(f"Argument `{given[0]}` applies to a sentence-pair file only; "
                             f"the bundled corpus {spec.data!r} has fixed splits. Received: "
                             f"{given[0]}={getattr(spec, given[0])!r}")
        return corpus.load_bundled(spec.data)
    pairs = corpus.load_pairs(spec.data, limit=spec.limit)
    train_pairs, valid, test = corpus.split_pairs(
        pairs, valid=FILE_VALID if spec.valid is None else spec.valid,
        test=FILE_TEST if spec.test is None else spec.test, seed=spec.seed)
    return {"train": train_pairs, "valid": valid, "test": test}
