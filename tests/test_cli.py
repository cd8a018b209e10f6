"""tf_lstm.cli: the `tf-lstm` command line (train, translate, evaluate, export on a run)."""

import json
import os
import re
import subprocess
import sys

import pytest

from tf_lstm import cli
from tf_lstm.translation.config import BUDGETS, PRESETS, TranslatorConfig


def _run_module(*args, cwd):
    """`python -m tf_lstm ARGS` as a user runs it: no TF_CPP_MIN_LOG_LEVEL, no fast mode."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_LSTM_FAST")}
    return subprocess.run([sys.executable, "-m", "tf_lstm", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def assert_no_tensorflow_noise(text):
    """No TensorFlow C++ start-up notice, nor any absl log line (``I0000 00:00:...``)."""
    found = [noise for noise in cli.TF_STARTUP_NOISE if noise in text]
    found += re.findall(r"^[IWEF]\d{4} \d\d:\d\d:\d\d.*$", text, flags=re.MULTILINE)
    assert not found, found


def test_tensorflow_loads_without_start_up_noise(tmp_path):
    # What `main` does before any command, then a first op. (The whole command
    # line is checked by the training test below and by tests/test_package.py.)
    code = ("from tf_lstm import cli; cli.import_tensorflow_quietly()\n"
            "import tensorflow as tf; print(float(tf.reduce_sum(tf.ones(3))))")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "3.0\n"
    assert_no_tensorflow_noise(result.stderr)


def test_a_failed_import_still_shows_what_was_printed(tmp_path):
    # Descriptor 2 is hidden only while the imports succeed: here a stand-in
    # keras (found first, in the working folder) prints and fails.
    fake = tmp_path / "keras"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import os\nos.write(2, b'a native notice\\n')\n"
        "raise ImportError('keras is broken')\n")
    code = "from tf_lstm import cli; cli.import_tensorflow_quietly()"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "a native notice" in result.stderr
    assert "ImportError: keras is broken" in result.stderr


@pytest.mark.slow
def test_train_translate_evaluate_export(tmp_path, capsys):
    # Training runs as a user runs it, in a subprocess from another folder.
    run = tmp_path / "run"
    result = _run_module("train", "--fast", "--run-dir", str(run), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    out = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # the progress bar's colours
    assert "BLEU" in out and "chrF" in out and "Examples from the test split" in out
    assert_no_tensorflow_noise(out + result.stderr)
    # The first epoch's progress bar knows its number of steps: "35/35", never "Unknown".
    first_epoch = out.split("Epoch 1/2", 1)[1].split("Epoch 2/2", 1)[0]
    steps = re.findall(r"(\d+)/(\d+) ", first_epoch)
    assert steps and steps[-1][0] == steps[-1][1] and len({s for _, s in steps}) == 1, steps
    assert "Unknown" not in out
    for name in ("model.keras", "curves.png", "attention.png", "results.json",
                 "data.json", "history.csv"):
        assert (run / name).exists(), name
    results = json.loads((run / "results.json").read_text())
    assert set(results) >= {"greedy", "beam4", "train_target_tokens_per_epoch"}
    assert results["epochs_run"] == 2 and results["config"]["units"] == cli.FAST["units"]
    assert 0.0 <= results["greedy"]["bleu"] <= 100.0

    assert cli.main(["translate", "--run-dir", str(run), "He slept.", "I eat."]) == 0
    assert capsys.readouterr().out.count("\n") == 2  # one line per sentence
    assert cli.main(["evaluate", "--run-dir", str(run), "--split", "valid"]) == 0
    # the 200 validation pairs the --fast run used (data.json records the cut)
    assert "valid: 200 pairs, greedy: BLEU" in capsys.readouterr().out
    assert cli.main(["export", "--run-dir", str(run)]) == 0
    assert (run / "saved_model" / "saved_model.pb").exists()


def _config(*argv):
    args = cli.build_parser().parse_args(list(argv))
    return cli._config(args)


def test_preset_then_fast_then_epochs_then_set(monkeypatch):
    monkeypatch.delenv("TF_LSTM_FAST", raising=False)  # `make test` sets it: --fast by default
    config = _config("train", "--preset", "tatoeba", "--set", "dropout=0.2",
                     "--set", "length_grouping=buckets", "--set", "learning_rate=0.004")
    assert config == TranslatorConfig(**{**PRESETS["tatoeba"], "dropout": 0.2,
                                         "length_grouping": "buckets",
                                         "learning_rate": 0.004})
    fast = _config("train", "--preset", "tatoeba", "--fast", "--epochs", "3",
                   "--set", "units=16")
    assert (fast.units, fast.embedding_dim, fast.epochs, fast.max_length) == (
        16, cli.FAST["embedding_dim"], 3, PRESETS["tatoeba"]["max_length"])
    # The demo keeps to its budget unless told otherwise; train uses the config's epochs.
    assert _config("demo").epochs == cli.DEMO_EPOCHS
    assert _config("train").epochs == TranslatorConfig().epochs


@pytest.mark.parametrize("argv, message", [
    (["train", "--set", "colour=3"], "Override 'colour=3' must be KEY=VALUE"),
    (["train", "--set", "units=many"], "`units` must be an int"),
    (["train", "--set", "length_grouping=shortest"], "`length_grouping` must be one of"),
    (["train", "--preset", "huge"], "invalid choice: 'huge'"),
    (["train", "--epochs", "0"], "argument --epochs: must be a positive int"),
    (["demo", "--minutes", "-1"], "argument --minutes: must be a positive float"),
    (["train", "--data", "no/such/fra.txt"], "argument --data: no such file"),
    (["translate", "--run-dir", "no/such/run", "Hi."], "argument --run-dir: must be a run"),
])
def test_bad_arguments_are_usage_errors_before_tensorflow_loads(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("tf-lstm: error: ") and err.count("\n") == 1  # one line


def test_seed_reaches_the_config(monkeypatch):
    monkeypatch.delenv("TF_LSTM_FAST", raising=False)
    assert _config("train").seed == 0
    assert _config("train", "--seed", "7", "--set", "units=16").seed == 7
    with pytest.raises(ValueError, match="set the seed with --seed"):
        _config("train", "--set", "seed=7")


def _checked(tmp_path, *argv):
    args = cli.build_parser().parse_args(["train", "--run-dir", str(tmp_path / "run"),
                                          *argv])
    cli._check_training(args)
    return args


def test_a_preset_brings_its_time_budget_unless_minutes_is_given(monkeypatch, tmp_path):
    monkeypatch.delenv("TF_LSTM_FAST", raising=False)
    assert _checked(tmp_path, "--preset", "tatoeba").minutes == BUDGETS["tatoeba"] == 30
    assert _checked(tmp_path, "--preset", "tatoeba", "--minutes", "5").minutes == 5
    assert _checked(tmp_path).minutes is None                      # demo: no budget
    assert _checked(tmp_path, "--preset", "tatoeba", "--fast").minutes is None
