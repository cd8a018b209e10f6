"""Saving and loading the translator: `.keras` files and a string SavedModel.

- `save_keras` / `load_keras`: the Keras model (`Translator`, its custom
  layers and vocabularies are registered and serialisable).
- `export_saved_model`: a `tf.saved_model` whose signatures take a batch of
  English strings and return French strings (`serving_default` greedy,
  `beam4` beam search of width 4), the same `tf.function`s the in-memory
  `StringTranslator` runs. Loading it needs `import tensorflow_text` first
  (normalisation uses its ops); nothing from `tf_lstm` is needed.

Both writes are atomic: the file or folder appears complete or not at all.
Nothing is replaced that this module did not write: a SavedModel folder
carries a marker file (`MARKER`, under ``assets.extra/``, where SavedModel
keeps files that are not part of the graph), and `export_saved_model`
replaces an existing folder only if it has one (or `overwrite=True`).

TensorFlow is imported on first use, so the command line can check an
export's destination (`export_refusal`) before TensorFlow loads.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

from tf_lstm.files import write_atomic

# Written inside every SavedModel `export_saved_model` writes; its presence
# (with saved_model.pb) is what allows replacing the folder.
MARKER = Path("assets.extra") / "tf_lstm_export.json"


def save_keras(model, path):
    """Save `model` to a `.keras` file atomically.

    Args:
        model: a `Translator`.
        path: the destination, ending in ``.keras``.

    Returns:
        `path` as a `pathlib.Path`.

    Raises:
        ValueError: if `path` does not end in ``.keras``.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Argument `path` must end in .keras. Received: path={path!s}")
    return write_atomic(path, model.save)


def load_keras(path):
    """Load a `Translator` saved by `save_keras`.

    Args:
        path: an existing ``.keras`` file.

    Returns:
        The `Translator`, compiled as it was saved.

    Raises:
        FileNotFoundError: if `path` is not a file.
        ValueError: if it is not a readable ``.keras`` file (empty,
            truncated, another format: "corrupt or not a .keras file"), or
            holds another model than a `Translator`.
    """
    import zipfile

    import keras

    from tf_lstm.translation.model import Translator  # registers the classes

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Argument `path` must be an existing .keras file. "
                                f"Received: path={path!s}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: corrupt or not a .keras file (a .keras file is a zip "
                         f"archive; this one is {path.stat().st_size} bytes that are not)")
    try:
        model = keras.models.load_model(path)
    except Exception as e:  # noqa: BLE001  Keras raises many kinds; all mean "unreadable"
        reason = " ".join(str(e).split())[:300]
        raise ValueError(f"{path}: corrupt or not a .keras file ({type(e).__name__}: "
                         f"{reason})") from e
    if not isinstance(model, Translator):
        raise ValueError(f"{path}: expected a tf_lstm Translator, found a "
                         f"{type(model).__name__}")
    return model


def is_our_saved_model(path):
    """True if `path` is a SavedModel folder that `export_saved_model` wrote.

    Example:

    >>> import tempfile
    >>> is_our_saved_model(tempfile.mkdtemp())
    False
    """
    path = Path(path)
    return (path.is_dir() and not path.is_symlink() and (path / "saved_model.pb").is_file()
            and (path / MARKER).is_file())


def export_refusal(path, overwrite=False, flag="overwrite=True"):
    """Why `export_saved_model` may not write the folder `path`, or None if it may.

    The one rule, shared by the Python API (`check_export_path`) and the
    command line (`tf-lstm export --out`, with `flag="--force"`): a new path
    or a SavedModel this module wrote may be written; a file never; another
    folder only with `overwrite`.

    Args:
        path: the SavedModel folder to write.
        overwrite: whether an existing folder that is not a SavedModel written
            here may be replaced.
        flag: how the caller spells `overwrite`, for the message.

    Returns:
        None, or the reason as the end of a sentence ("is an existing file, ...").

    Example:

    >>> import tempfile
    >>> export_refusal(tempfile.mkdtemp(), flag="--force")[:44]
    'is an existing folder that is not a SavedMod'
    """
    path = Path(path)
    if not os.path.lexists(path) or is_our_saved_model(path):
        return None
    if not path.is_dir() or path.is_symlink():
        return "is an existing file, which is never replaced; choose a new folder"
    if not overwrite:
        return ("is an existing folder that is not a SavedModel tf-lstm wrote, and "
                "exporting would delete its contents; choose a new folder (or "
                f"{flag} to replace it)")
    return None


def check_export_path(path, overwrite=False):
    """Check that `export_saved_model` may write the folder `path` (`export_refusal`).

    Args:
        path: the SavedModel folder to write.
        overwrite: if True, an existing folder that is not a SavedModel
            written here may be replaced too.

    Raises:
        FileExistsError: if `path` exists and is not a folder (a file is never
            replaced), or is a folder that is not a SavedModel this module
            wrote and `overwrite` is False.

    Example:

    >>> import tempfile
    >>> check_export_path(tempfile.mkdtemp())
    Traceback (most recent call last):
    FileExistsError: Argument `path` is an existing folder that is not a SavedModel ...
    """
    reason = export_refusal(path, overwrite)
    if reason:
        raise FileExistsError(f"Argument `path` {reason}. Received: path={Path(path)!s}")


def _permissions():
    """The mode a new folder gets from `mkdir` under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def export_saved_model(model, path, length_penalty=0.6, overwrite=False):
    """Export strings-in/strings-out signatures of `model` to the folder `path`.

    The folder is written beside `path` and renamed into place, replacing an
    earlier export only once the new one is complete. Only a SavedModel that
    this function wrote is replaced (it holds `MARKER`), unless `overwrite`.

    Args:
        model: a `Translator`.
        path: the SavedModel folder: new, or one this function wrote.
        length_penalty: the length penalty baked into the "beam4" signature.
        overwrite: if True, also replace an existing folder that is not a
            SavedModel written here (its contents are deleted). A file at
            `path` is never replaced.

    Returns:
        `path` as a `pathlib.Path`. Load it with ``import tensorflow_text``
        then ``tf.saved_model.load(path)``; ``signatures["serving_default"]``
        (greedy) and ``signatures["beam4"]`` take ``texts``, a string tensor
        `(batch,)`, and return French strings `(batch,)`.

    Raises:
        FileExistsError: as `check_export_path`, before anything is written.
    """
    import tensorflow as tf

    from tf_lstm import __version__
    from tf_lstm.translation.inference import TEXTS, StringTranslator

    path = Path(path)
    check_export_path(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = StringTranslator(model)
    signatures = {
        "serving_default": module.greedy.get_concrete_function(),
        "beam4": module.beam.get_concrete_function(TEXTS, 4, float(length_penalty)),
    }
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp", dir=path.parent))
    old = None
    try:
        tf.saved_model.save(module, str(tmp), signatures=signatures)
        (tmp / MARKER).parent.mkdir(exist_ok=True)
        (tmp / MARKER).write_text(json.dumps({
            "written_by": f"tf_lstm {__version__}", "signatures": sorted(signatures),
            "length_penalty": float(length_penalty)}) + "\n", encoding="utf-8")
        os.chmod(tmp, _permissions())  # mkdtemp made it 0700
        if os.path.lexists(path):
            check_export_path(path, overwrite)  # still what was checked
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old", dir=path.parent))
            os.replace(path, old)  # onto the empty folder just made: nothing else is touched
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return path
