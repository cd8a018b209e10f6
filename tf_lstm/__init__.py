"""tf_lstm: LSTM networks and machine translation, verified against Keras.

The public API, re-exported from the modules that hold it:

- `lstm`, `run_lstm`, `LSTMOutputs` (`tf_lstm.layers`): Keras's LSTM with its
  return modes made explicit.
- `split_gates`, `pack_gates`, `split_lstm_weights`, `from_ifog`, `to_ifog`,
  `copy_lstm_weights` (`tf_lstm.gates`): Keras's fused i, f, c(=g), o layout.
- `ScratchLSTM`, `tf_lstm_forward` (`tf_lstm.scratch_layer`): the LSTM from
  scratch in TensorFlow; `tf_lstm.scratch` holds the NumPy float64 reference.
- `seed_everything`: the one seeding helper.

The rest lives in modules named by concept (see the README's layout):
`gradients` and `tasks` (§2), `sequences` (§6), `cost` (§5), and for
translation `data`, `text`, `translate`, `training`, `decode`, `inference`,
`evaluate` and `export`; `python -m tf_lstm` is the command line (`cli`).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TF's C++ banner quiet

import keras  # noqa: E402

from tf_lstm.gates import (copy_lstm_weights, from_ifog, pack_gates,  # noqa: E402
                           split_gates, split_lstm_weights, to_ifog)
from tf_lstm.layers import LSTMOutputs, lstm, run_lstm  # noqa: E402
from tf_lstm.scratch_layer import ScratchLSTM, tf_lstm_forward  # noqa: E402

__version__ = "0.1.0"


def seed_everything(seed=0):
    """Seed Python, NumPy and TensorFlow (via Keras) for a reproducible run."""
    keras.utils.set_random_seed(seed)


__all__ = [
    "LSTMOutputs", "ScratchLSTM", "copy_lstm_weights", "from_ifog", "lstm",
    "pack_gates", "run_lstm", "seed_everything", "split_gates",
    "split_lstm_weights", "tf_lstm_forward", "to_ifog",
]
