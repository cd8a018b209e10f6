"""The GPU check (`benchmarks/gpu.py`), run here: every part, on tiny inputs, on a CPU.

`run` imports the real package on Keras backends without TensorFlow: one test
runs it end to end on JAX's CPU in a subprocess where ``import tensorflow``
fails. Its numbers come from a GPU run (`benchmarks/results/gpu.md`).

On TensorFlow, Keras gives an LSTM call to cuDNN when the layer's arguments
allow it (tanh, sigmoid, bias, no unrolling, no recurrent dropout) and then
requires its mask to be strictly right-padded with no empty row (else
`_assert_valid_mask` fails the step on the GPU). There is no GPU here, so
these tests check both conditions for the layers and batches `tf_lstm` makes,
with Keras's own predicates.
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tf_lstm
from benchmarks import common, gpu
from tf_lstm.layers import _twin
from tf_lstm.lessons.cost import lstm_step_flops
from tf_lstm.translation import tokens
from tf_lstm.translation.config import TranslatorConfig
from tf_lstm.translation.model import Translator

ROOT = Path(__file__).resolve().parent.parent
# the module (the package re-exports a function of the same name)
keras_tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
BATCHES = 3
TINY = TranslatorConfig(embedding_dim=8, units=16, batch_size=16)

# Run in a subprocess: `import tensorflow` raises, as on the GPU machine.
WITHOUT_TENSORFLOW = """
import importlib.abc, sys

class NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "tensorflow":
            raise ImportError(f"{name} is not importable in this test")

sys.meta_path.insert(0, NoTensorFlow())

import numpy as np
from benchmarks import gpu
from tf_lstm.translation.config import TranslatorConfig
from tf_lstm.translation.model import Translator
from tf_lstm.translation.tokens import RESERVED

vocabulary = [*RESERVED, "a", "b"]
model = Translator(vocabulary, vocabulary, TranslatorConfig(embedding_dim=4, units=8))
ids = np.array([[4, 5, 0]], "int32")
assert tuple(model((ids, ids)).shape) == (1, 3, 6)
status = gpu.main(["run", "--batches", sys.argv[1], "--out", sys.argv[2], "--quick",
                   "--repeats", "1", "--warmup", "0", "--seconds", "0"])
loaded = sorted(name for name in sys.modules if name.split(".")[0] == "tensorflow")
assert not loaded, loaded
sys.exit(status)
"""


@pytest.fixture(scope="module")
def batches_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu") / "batches.npz"
    assert gpu.prepare(out, limit=BATCHES, config=TINY) == BATCHES
    return out


@pytest.fixture(scope="module")
def batches(batches_file):
    with np.load(batches_file, allow_pickle=False) as loaded:
        return dict(loaded)


def _cudnn_arguments_ok(layer):
    """Keras's TensorFlow test of an LSTM's arguments, plus the layer-level ones."""
    return (layer.use_cudnn in ("auto", True) and not layer.cell.recurrent_dropout
            and keras_tf_rnn._do_lstm_arguments_support_cudnn(
                activation=layer.cell.activation,
                recurrent_activation=layer.cell.recurrent_activation,
                unroll=layer.unroll, use_bias=layer.cell.use_bias))


def test_translator_and_helper_layers_qualify_for_cudnn_on_tensorflow():
    vocabulary = [*tokens.RESERVED, "a", "b"]
    model = Translator(vocabulary, vocabulary, TranslatorConfig(units=8, embedding_dim=4))
    for layer in (model.encoder, model.decoder, tf_lstm.lstm(8),
                  _twin(tf_lstm.lstm(8))):  # run_lstm's full-output twin too
        assert _cudnn_arguments_ok(layer), layer.name
    # The test can fail: settings that send Keras down the generic path.
    for kwargs in ({"recurrent_dropout": 0.1}, {"unroll": True},
                   {"activation": "relu"}, {"use_bias": False}, {"use_cudnn": False}):
        assert not _cudnn_arguments_ok(tf_lstm.lstm(8, **kwargs)), kwargs


def test_prepare_writes_the_training_batches(batches):
    config = TranslatorConfig(**json.loads(str(batches["config"])))
    assert config == TINY
    assert list(batches["source_vocabulary"][:4]) == list(tokens.RESERVED)
    assert sum(k.startswith("source_0") for k in batches) == BATCHES
    for k in range(BATCHES):
        source, target_in, target_out = (batches[f"{n}_{k:04d}"] for n in
                                         ("source", "target_in", "target_out"))
        assert source.dtype == np.int32 and source.shape[0] <= config.batch_size
        assert target_in.shape == target_out.shape == (source.shape[0], target_in.shape[1])
        assert (target_in[:, 0] == tokens.START_ID).all()
        # teacher forcing: target_in is target_out shifted by one ([END] only in out)
        real = ~np.isin(target_out[:, :-1], [tokens.PAD_ID, tokens.END_ID])
        np.testing.assert_array_equal(target_in[:, 1:][real], target_out[:, :-1][real])


def test_batch_masks_are_what_cudnn_accepts(batches):
    for k in range(BATCHES):
        for name in ("source", "target_in"):
            mask = batches[f"{name}_{k:04d}"] != tokens.PAD_ID
            assert bool(keras_tf_rnn._is_sequence_right_padded(mask)), (name, k)
            assert not bool(keras_tf_rnn._has_fully_masked_sequence(mask)), (name, k)
    # The predicates can fail: left padding, an empty row.
    left = np.array([[False, True, True], [True, True, True]])
    assert not bool(keras_tf_rnn._is_sequence_right_padded(left))
    assert bool(keras_tf_rnn._has_fully_masked_sequence(np.array([[True], [False]])))


def test_pad_to_pads_with_zeros_on_the_right():
    ids = np.arange(1, 11, dtype=np.int32).reshape(2, 5)
    padded = gpu._pad_to(ids, 16)
    assert padded.shape == (2, 16) and padded.dtype == np.int32
    np.testing.assert_array_equal(padded[:, :5], ids)
    assert not padded[:, 5:].any()
    np.testing.assert_array_equal(gpu._pad_to(ids, 1), ids)  # multiple 1: as made
    np.testing.assert_array_equal(gpu._pad_to(ids, 5), ids)


def test_run_refuses_the_tensorflow_backend():
    with pytest.raises(SystemExit, match="torch or jax backend.*KERAS_BACKEND"):
        gpu.Backend()


def test_run_on_jax_without_tensorflow_measures_every_part(batches_file, tmp_path):
    """The real package, on a Keras backend without TensorFlow: `run --quick`, then `report`."""
    out = tmp_path / "gpu.jax.json"
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", WITHOUT_TENSORFLOW, str(batches_file),
                           str(out)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = json.loads(out.read_text(encoding="utf-8"))
    assert run["backend"] == "jax" and not run["gpu"] and run["errors"] == {}
    [row] = run["layers"]
    assert row["shape"] == list(gpu.QUICK_SHAPES[0])
    assert row["path"] == {"cudnn": "generic", "generic": "generic"}  # no cuDNN on a CPU
    batch, steps, inputs, units = row["shape"]
    # the same weights on both paths: the same numbers
    assert row["check"]["tf32_off"]["forward_max_abs"] < 1e-5
    assert row["check"]["tf32_off"]["gradient_max_rel"] < 1e-4
    assert all(seconds > 0 for seconds in row["median_seconds"].values())
    assert row["cudnn"]["forward_gflops"] == pytest.approx(
        steps * lstm_step_flops(batch, inputs, units).forward
        / row["median_seconds"]["cudnn_forward"] / 1e9)
    paths = run["paths"]
    assert set(paths["path"].values()) == {"generic"}
    assert paths["run_lstm_vs_keras_h_max_abs"] < 1e-5  # run_lstm's h is Keras's
    translator = run["translator"]
    assert translator["batches"] == 1 and translator["batches_in_epoch"] == BATCHES
    assert np.isfinite(translator["loss_first_10"]) and translator["cudnn_calls"] == 0
    assert gpu.main(["report", str(out), "--out", str(tmp_path / "gpu")]) == 0
    text = (tmp_path / "gpu.md").read_text(encoding="utf-8")
    assert text == gpu.markdown([run])
    assert "jax backend" in text and "Which path" in text and "Translator training" in text


def test_committed_gpu_report_is_generated_from_its_json():
    results = common.RESULTS
    runs = json.loads((results / "gpu.json").read_text(encoding="utf-8"))["runs"]
    assert (results / "gpu.md").read_text(encoding="utf-8") == gpu.markdown(runs)
    assert {run["backend"] for run in runs} == {"torch", "jax"}
    for run in runs:
        assert run["gpu"] and not run["errors"]


def test_report_writes_json_and_markdown_next_to_a_dotted_stem(tmp_path):
    runs = json.loads((common.RESULTS / "gpu.json").read_text(encoding="utf-8"))["runs"]
    paths = []
    for run in runs:
        paths.append(tmp_path / f"{run['backend']}.json")
        paths[-1].write_text(json.dumps(run), encoding="utf-8")
    assert gpu.main(["report", *map(str, paths), "--out", str(tmp_path / "gpu.run1")]) == 0
    assert json.loads((tmp_path / "gpu.run1.json").read_text())["runs"] == runs
    assert (tmp_path / "gpu.run1.md").read_text() == gpu.markdown(runs)
