"""tf_lstm: LSTM networks and machine translation, verified against Keras.

Three rooms (see the README's layout section):

- the verified LSTM, here at the top level (article §3, §4): `lstm`,
  `run_lstm` and `LSTMOutputs` (`tf_lstm.layers`); `split_gates`,
  `pack_gates`, `split_lstm_weights`, `from_ifog`, `to_ifog` and
  `copy_lstm_weights` (`tf_lstm.gates`: Keras's fused i, f, c(=g), o layout);
  `ScratchLSTM` and `tf_lstm_forward` (`tf_lstm.scratch_lstm`, the LSTM from
  scratch in TensorFlow); `tf_lstm.numpy_lstm` (the NumPy float64 reference);
  `tf_lstm.verify` (both checked against Keras); `seed_everything`;
- the translator, `tf_lstm.translation` (§1 and §4 applied);
- what only the notebooks use, `tf_lstm.lessons` (§2, §5, §6).

Names are imported on first use, so `import tf_lstm` is cheap and the
translation model imports on any Keras backend (it needs no TensorFlow).
`tf-lstm` (or `python -m tf_lstm`) is the command line (`tf_lstm.cli`).
"""

import importlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's C++ start-up notices

__version__ = "0.2.0"

_EXPORTS = {
    "LSTMOutputs": "tf_lstm.layers", "lstm": "tf_lstm.layers", "run_lstm": "tf_lstm.layers",
    "copy_lstm_weights": "tf_lstm.gates", "from_ifog": "tf_lstm.gates",
    "pack_gates": "tf_lstm.gates", "split_gates": "tf_lstm.gates",
    "split_lstm_weights": "tf_lstm.gates", "to_ifog": "tf_lstm.gates",
    "ScratchLSTM": "tf_lstm.scratch_lstm", "tf_lstm_forward": "tf_lstm.scratch_lstm",
}
_MODULES = ("activations", "checks", "cli", "commands", "files", "gates", "layers", "lessons",
            "numpy_lstm", "scratch_lstm", "translation", "verify")
__all__ = sorted([*_EXPORTS, "seed_everything"])


def seed_everything(seed=0):
    """Seed Python, NumPy and the Keras backend, for a reproducible run.

    Args:
        seed: a non-negative integer.

    Raises:
        ValueError: if `seed` is not a non-negative integer.
    """
    from tf_lstm import checks
    import keras

    keras.utils.set_random_seed(checks.non_negative_int("seed", seed))


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f"tf_lstm.{name}")
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tf_lstm' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS, *_MODULES])
