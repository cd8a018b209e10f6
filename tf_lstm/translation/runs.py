"""What a run directory records, and the checks that keep a run honest.

`tf-lstm train` writes a run directory; `evaluate`, `translate`, `export` and
a resumed `train` read it back. This module holds what they share:

- `DataSpec`: where the run's sentence pairs come from (a bundled corpus or a
  file, by absolute path, SHA-256 and size), saved as ``data.json``;
  `load_data_spec` reads it back and `load_splits` recomputes the splits,
  refusing data that changed since training;
- `load_config`: the `TranslatorConfig` saved as ``config.json``;
- `check_resumable`: refuses to resume an interrupted run with other settings.
"""

import dataclasses
import json
import os
import warnings
from pathlib import Path

from tf_lstm import checks
from tf_lstm.translation import corpus
from tf_lstm.translation.config import TranslatorConfig


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
    train_pairs: int | None = None    # use only the first N training pairs (--fast; None: all)
    held_out_pairs: int | None = None  # and the first N valid and test pairs (None: all)

    def __post_init__(self):
        if isinstance(self.data, os.PathLike):
            self.data = os.fspath(self.data)
        if not isinstance(self.data, str) or not self.data:
            raise ValueError("Argument `data` must be a bundled corpus name or a file path. "
                             f"Received: data={self.data!r}")
        for name in ("valid", "test", "limit", "train_pairs", "held_out_pairs"):
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
    still match it. `train_pairs` and `held_out_pairs` then keep the first
    pairs of each split (what `--fast` trained and scored on), so a later
    `evaluate` scores the same pairs as training did.

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
        splits = corpus.load_bundled(spec.data)
    else:
        pairs = corpus.load_pairs(spec.data, limit=spec.limit)
        train, valid, test = corpus.split_pairs(
            pairs, valid=FILE_VALID if spec.valid is None else spec.valid,
            test=FILE_TEST if spec.test is None else spec.test, seed=spec.seed)
        splits = {"train": train, "valid": valid, "test": test}
    return {name: pairs[:spec.train_pairs if name == "train" else spec.held_out_pairs]
            for name, pairs in splits.items()}
