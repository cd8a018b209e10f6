"""Saving and loading the translator: `.keras` files and a string SavedModel.

- `save_keras` / `load_keras`: the Keras model (`Translator`, its custom
  layers and vocabularies are registered and serialisable).
- `export_saved_model`: a `tf.saved_model` whose signatures take a batch of
  English strings and return French strings (`serving_default` greedy,
  `beam4` beam search of width 4), the same `tf.function`s the in-memory
  `StringTranslator` runs. Loading it needs `import tensorflow_text` first
  (normalisation uses its ops); nothing from `tf_lstm` is needed.

Both writes are atomic: the file or folder appears complete or not at all.
"""

import os
import shutil
import tempfile
from pathlib import Path

import keras
import tensorflow as tf

from tf_lstm.files import write_atomic
from tf_lstm.translation.inference import TEXTS, StringTranslator
from tf_lstm.translation.model import Translator  # noqa: F401  (registers the classes)


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
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"Argument `path` must be an existing .keras file. "
                                f"Received: path={path!s}")
    return keras.models.load_model(path)


def export_saved_model(model, path, length_penalty=0.6):
    """Export strings-in/strings-out signatures of `model` to the folder `path`.

    The folder is written beside `path` and renamed into place, replacing an
    earlier export only once the new one is complete.

    Args:
        model: a `Translator`.
        path: the SavedModel folder.
        length_penalty: the length penalty baked into the "beam4" signature.

    Returns:
        `path` as a `pathlib.Path`. Load it with ``import tensorflow_text``
        then ``tf.saved_model.load(path)``; ``signatures["serving_default"]``
        (greedy) and ``signatures["beam4"]`` take ``texts``, a string tensor
        `(batch,)`, and return French strings `(batch,)`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = StringTranslator(model)
    signatures = {
        "serving_default": module.greedy.get_concrete_function(),
        "beam4": module.beam.get_concrete_function(TEXTS, 4, float(length_penalty)),
    }
    tmp = Path(tempfile.mkdtemp(prefix=path.name + ".tmp", dir=path.parent))
    try:
        tf.saved_model.save(module, str(tmp), signatures=signatures)
        old = path.with_name(path.name + ".old")
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path
