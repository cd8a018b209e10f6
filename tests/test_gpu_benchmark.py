"""The GPU check's parts that run here (`benchmarks/gpu.py`; its numbers come from a GPU run).

On TensorFlow, Keras gives an LSTM call to cuDNN when the layer's arguments
allow it (tanh, sigmoid, bias, no unrolling, no recurrent dropout) and then
requires its mask to be strictly right-padded with no empty row (else
`_assert_valid_mask` fails the step on the GPU). There is no GPU here, so
these tests check both conditions for the layers and batches `tf_lstm` makes,
with Keras's own predicates; the lent GPU machine had no TensorFlow, so
`benchmarks/results/gpu.md` measured the PyTorch and JAX backends.
"""

import ast
import doctest
import importlib
import json
from pathlib import Path

import numpy as np
import pytest

import tf_lstm
from benchmarks import common, gpu
from tf_lstm.translation import vocab
from tf_lstm.layers import _twin
from tf_lstm.translation.model import Translator
from tf_lstm.translation.config import TranslatorConfig

ROOT = Path(__file__).resolve().parent.parent
# the module (the package re-exports a function of the same name)
keras_tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
BATCHES = 5


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu") / "batches.npz"
    assert gpu.prepare(out, limit=BATCHES) == BATCHES
    with np.load(out, allow_pickle=False) as loaded:
        return dict(loaded)


def _cudnn_arguments_ok(layer):
    """Keras's TensorFlow test of an LSTM's arguments, plus the layer-level ones."""
    return (layer.use_cudnn in ("auto", True) and not layer.cell.recurrent_dropout
            and keras_tf_rnn._do_lstm_arguments_support_cudnn(
                activation=layer.cell.activation,
                recurrent_activation=layer.cell.recurrent_activation,
                unroll=layer.unroll, use_bias=layer.cell.use_bias))


def test_translator_and_helper_layers_qualify_for_cudnn_on_tensorflow():
    vocabulary = [*vocab.RESERVED, "a", "b"]
    model = Translator(vocabulary, vocabulary, TranslatorConfig(units=8, embedding_dim=4))
    for layer in (model.encoder, model.decoder, tf_lstm.lstm(8),
                  _twin(tf_lstm.lstm(8))):  # run_lstm's full-output twin too
        assert _cudnn_arguments_ok(layer), layer.name
    # The test can fail: settings that send Keras down the generic path.
    for kwargs in ({"recurrent_dropout": 0.1}, {"unroll": True},
                   {"activation": "relu"}, {"use_bias": False}, {"use_cudnn": False}):
        assert not _cudnn_arguments_ok(tf_lstm.lstm(8, **kwargs)), kwargs


def test_prepare_writes_the_demo_batches(batches):
    assert list(batches["reserved_ids"]) == [vocab.PAD_ID, vocab.UNK_ID, vocab.START_ID,
                                             vocab.END_ID]
    config = TranslatorConfig(**json.loads(str(batches["config"])))
    assert config == TranslatorConfig()
    assert list(batches["source_vocabulary"][:4]) == list(vocab.RESERVED)
    assert sum(k.startswith("source_0") for k in batches) == BATCHES
    for k in range(BATCHES):
        source, target_in, target_out = (batches[f"{n}_{k:04d}"] for n in
                                         ("source", "target_in", "target_out"))
        assert source.dtype == np.int32 and source.shape[0] <= config.batch_size
        assert target_in.shape == target_out.shape == (source.shape[0], target_in.shape[1])
        assert (target_in[:, 0] == vocab.START_ID).all()
        # teacher forcing: target_in is target_out shifted by one ([END] only in out)
        real = ~np.isin(target_out[:, :-1], [vocab.PAD_ID, vocab.END_ID])
        np.testing.assert_array_equal(target_in[:, 1:][real], target_out[:, :-1][real])


def test_demo_batch_masks_are_what_cudnn_accepts(batches):
    for k in range(BATCHES):
        for name in ("source", "target_in"):
            mask = batches[f"{name}_{k:04d}"] != vocab.PAD_ID
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


def test_the_modules_the_gpu_run_imports_need_no_tensorflow():
    """`benchmarks/gpu.py` imports these on machines without TensorFlow."""
    allowed = {"_einsum_keys"}  # imports TF only when Keras runs on it
    for name in ("checks", "layers", "translate"):
        tree = ast.parse((ROOT / "tf_lstm" / f"{name}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            functions = [node] if isinstance(node, ast.FunctionDef) else []
            for inner in ast.walk(node):
                imports = []
                if isinstance(inner, ast.Import):
                    imports = [a.name for a in inner.names]
                elif isinstance(inner, ast.ImportFrom):
                    imports = [inner.module or ""]
                if any(i.split(".")[0] == "tensorflow" for i in imports):
                    assert functions and functions[0].name in allowed, (name, inner.lineno)
    assert "import tensorflow" in (ROOT / "tf_lstm" / "scratch_layer.py").read_text()


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


def test_benchmark_common_doctests():
    assert doctest.testmod(common).failed == 0
