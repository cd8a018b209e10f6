"""tf_lstm.translation.distribute, and training under MirroredStrategy equal to one device."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from tf_lstm.translation import distribute
from tf_lstm.translation.model import masked_loss

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def env():
    """The environment of a subprocess: this checkout first on the import path."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        TF_CPP_MIN_LOG_LEVEL="3")


def test_masked_loss_on_one_device_is_the_old_formula():
    rng = np.random.default_rng(0)
    y = rng.integers(1, 9, size=(6, 7))
    y[:, 4:] = 0
    y[2, 1:] = 0
    logits = rng.normal(size=(6, 7, 9)).astype("float32")
    mask = (y != 0).astype("float32")
    losses = np.asarray(keras.losses.sparse_categorical_crossentropy(y, logits,
                                                                     from_logits=True))
    old = (losses * mask).sum() / max(mask.sum(), 1.0)
    assert float(masked_loss(y, logits)) == pytest.approx(old, rel=1e-6)
    assert float(masked_loss(np.zeros((2, 3), int), logits[:2, :3])) == 0.0


@pytest.mark.parametrize("name, devices, match", [
    ("gpus", None, "`strategy` must be one of"),
    ("mirrored", 0, "`devices` must be a positive int"),
    ("mirrored", True, "`devices` must be a positive int"),
    ("none", 2, "applies to strategy='mirrored' only"),
    ("multi-worker", 2, "applies to strategy='mirrored' only"),
    ("multi-worker", None, "Environment variable `TF_CONFIG` must be set"),
])
def test_check_strategy_names_the_argument(name, devices, match, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match=match):
        distribute.check_strategy(name, devices)


@pytest.mark.parametrize("cluster, task, expected", [
    ({"worker": ["a:1", "b:2"]}, {"type": "worker", "index": 1}, (2, 1, False)),
    ({"chief": ["c:3"], "worker": ["a:1"]}, {"type": "chief", "index": 0}, (2, 0, True)),
    ({"chief": ["c:3"], "worker": ["a:1"]}, {"type": "worker", "index": 0}, (2, 1, False)),
    ({"worker": ["a:1"]}, {"type": "worker", "index": 0}, (1, 0, True)),
])
def test_tf_config_gives_the_cluster_size_and_the_chief(cluster, task, expected):
    assert distribute.check_tf_config(json.dumps({"cluster": cluster, "task": task})) == expected


# Keras 3.15's own code that the multi-worker workarounds answer (see
# `distribute.multi_worker_build_spec`, `distribute.multi_worker_logs` and
# `model.LossTracker`): when one of these fails, Keras changed; check whether
# the workaround is still needed (tests/test_multi_worker.py runs them).
def keras_source(name):
    """The source of Keras's TF trainer's method or function `name`, or of an object."""
    import inspect

    from keras.src.backend.tensorflow import trainer

    if not isinstance(name, str):
        return inspect.getsource(name)
    return inspect.getsource(getattr(trainer.TensorFlowTrainer, name, None)
                             or getattr(trainer, name))


def test_keras_still_reduces_the_first_distributed_batch_for_its_build():
    source = keras_source("_maybe_symbolic_build")
    assert "self.distribute_strategy.reduce(" in source and "axis=None" in source
    assert "self._symbolic_build(data_batch=data_batch)" in source
    from keras.src.backend.tensorflow.trainer import TFEpochIterator

    assert "self.data_adapter" in keras_source(TFEpochIterator.__init__)


def test_keras_still_reduces_multi_worker_logs_along_axis_0():
    source = keras_source("reduce_per_replica")
    assert 'return strategy.reduce("MEAN", v, axis=0)' in source
    assert "_collective_all_reduce_multi_worker(strategy)" in source


def test_keras_still_weights_the_loss_tracker_by_the_replica_batch():
    from keras.src.trainers.trainer import Trainer

    assert 'self._loss_tracker = metrics_module.Mean(name="loss")' in keras_source(
        Trainer.compile)
    for step in ("train_step", "test_step"):
        source = keras_source(step)
        assert "loss_module.unscale_loss_for_distribution(loss)" in source
        assert "self._loss_tracker.update_state(" in source


def test_the_workaround_helpers_on_one_process():
    import tensorflow as tf

    assert not distribute.multi_worker(distribute.make_strategy("none"))
    logs = {"loss": tf.constant(2.0)}
    assert distribute.multi_worker_logs(logs)["loss"].shape == (1,)
    dataset = tf.data.Dataset.from_tensors((tf.ones((2, 3), tf.int64),))

    class EpochIterator:  # what Keras passes: its data adapter holds the dataset
        class data_adapter:
            get_tf_dataset = staticmethod(lambda: dataset)

    assert distribute.multi_worker_build_spec(EpochIterator) == dataset.element_spec


def test_none_is_one_replica_and_scaling_multiplies_by_replicas():
    from tf_lstm.translation.config import TranslatorConfig

    strategy = distribute.make_strategy("none")
    assert distribute.replicas(strategy) == 1
    assert distribute.per_replica_batch(64, strategy) == 64
    config = TranslatorConfig(learning_rate=1e-3)
    assert distribute.scale_learning_rate(config, strategy).learning_rate == 1e-3


@pytest.mark.slow
def test_one_mirrored_step_equals_one_device():
    """tests/mirrored_check.py, in a subprocess (2 logical CPU devices need a fresh TF)."""
    out = subprocess.run([sys.executable, str(HERE / "mirrored_check.py")], env=env(),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert result["replicas"] == 2
    # The batch's halves hold different numbers of real tokens, so averaging
    # each replica's own tokens would not be the global average.
    assert result["replica_tokens"][0] != result["replica_tokens"][1]
    for name in ("adam", "sgd"):  # the package's compile, and a scale-sensitive SGD step
        case = result["cases"][name]
        one, two = case["one"], case["mirrored"]
        assert case["start_difference"] == 0.0
        assert case["update_relative_difference"] <= 1e-5, name
        for key in ("loss", "token_accuracy"):
            assert two[key] == pytest.approx(one[key], rel=1e-5), (name, key)
        for key in ("val_loss", "val_token_accuracy"):
            assert np.allclose(two[key], one[key], rtol=1e-5, atol=0), (name, key)
        assert two["bleu"] == pytest.approx(one["bleu"], abs=1e-9), name
    # The check can fail: the loss before the fix (a scalar over the replica's
    # own tokens) doubles the loss and the SGD step on 2 replicas.
    broken = result["cases"]["sgd_local_loss"]
    assert broken["mirrored"]["loss"] == pytest.approx(2 * broken["one"]["loss"], rel=1e-3)
    assert broken["update_relative_difference"] > 0.5


@pytest.mark.parametrize("argv, message", [
    (["train", "--strategy", "gpus"], "argument --strategy: invalid choice: 'gpus'"),
    (["train", "--devices", "2"], "argument --devices: Argument `devices` applies to "
                                  "strategy='mirrored' only"),
    (["train", "--strategy", "multi-worker"], "argument --strategy: Environment variable "
                                              "`TF_CONFIG` must be set"),
    (["train", "--strategy", "mirrored", "--devices", "0"],
     "argument --devices: must be a positive int"),
])
def test_bad_strategy_options_are_usage_errors(argv, message, capsys, monkeypatch):
    from tf_lstm import cli

    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("tf-lstm: error: ") and err.count("\n") == 1


@pytest.mark.slow
def test_train_fast_under_mirrored_on_two_devices(tmp_path):
    run = tmp_path / "run"
    out = subprocess.run([sys.executable, "-m", "tf_lstm", "train", "--fast",
                          "--strategy", "mirrored", "--devices", "2", "--epochs", "1",
                          "--scale-learning-rate", "--run-dir", str(run)],
                         env=env(), cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert ("Strategy: mirrored, 2 replicas; global batch 64 = 32 pairs per replica; "
            "learning rate 0.004 (scaled by the replica count)") in out.stdout
    assert json.loads((run / "config.json").read_text())["learning_rate"] == 0.004
    assert (run / "model.keras").is_file() and (run / "results.json").is_file()


def test_compiled_and_loaded_translators_log_the_loss_with_loss_tracker(tmp_path, recwarn):
    from tf_lstm.translation.config import TranslatorConfig
    from tf_lstm.translation.model import LossTracker, Translator, compile_translator

    reserved = ["", "[UNK]", "[START]", "[END]"]
    model = Translator(reserved + ["hi"], reserved + ["salut"],
                       TranslatorConfig(embedding_dim=4, units=8))
    model((np.array([[4, 0]]), np.array([[2, 4, 0]])))
    compile_translator(model)
    assert isinstance(model._loss_tracker, LossTracker)
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.compiled and isinstance(loaded._loss_tracker, LossTracker)
    assert not [w for w in recwarn if "compile" in str(w.message)]
