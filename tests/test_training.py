"""tf_lstm.translation.training: datasets, callbacks, checkpoints and resuming after an interruption."""

import csv
import dataclasses
import json

import keras
import pytest

from tf_lstm.translation import runs, training
from tf_lstm.translation.config import TranslatorConfig

CONFIG = TranslatorConfig(embedding_dim=8, units=8, epochs=3, batch_size=64,
                          max_length=12, patience=5, lr_decay=0.5)


class Interrupt(keras.callbacks.Callback):
    """Stops the run the hard way after `epoch` (0-based), like a killed process."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("simulated interruption")


def test_prepare_counts_real_target_tokens(tiny_splits):
    prepared = training.prepare(tiny_splits, CONFIG)
    real = sum(int((y != 0).numpy().sum()) for _, y in prepared.train)
    assert prepared.train_tokens == real
    assert prepared.source_vocabulary[:4] == ["", "[UNK]", "[START]", "[END]"]


def test_prepare_refuses_missing_splits(tiny_splits):
    with pytest.raises(ValueError, match="non-empty 'valid' list"):
        training.prepare({"train": tiny_splits["train"]}, CONFIG)


@pytest.mark.slow  # 5-12 s: make test runs it, make test-quick leaves it out
def test_an_interrupted_run_resumes_where_it_stopped(tiny_splits, tmp_path):
    prepared = training.prepare(tiny_splits, CONFIG)
    model = training.build_translator(prepared, CONFIG)
    with pytest.raises(KeyboardInterrupt):
        training.train(model, prepared, tmp_path, verbose=0,
                       extra_callbacks=[Interrupt(epoch=1)])
    assert (tmp_path / "backup").exists()
    resumed = training.build_translator(prepared, CONFIG)
    history = training.train(resumed, prepared, tmp_path, verbose=0)
    assert len(history.history["loss"]) == 1  # only the third epoch was left
    with open(tmp_path / "history.csv") as f:
        epochs = [int(row["epoch"]) for row in csv.DictReader(f)]
    assert epochs == [0, 1, 2]
    for name in ("best.weights.h5", "config.json", "logs"):
        assert (tmp_path / name).exists(), name
    assert runs.load_config(tmp_path) == CONFIG
    # The resumed epoch used the decayed learning rate of epoch 3.
    assert abs(float(resumed.optimizer.learning_rate) - CONFIG.learning_rate
               * CONFIG.lr_decay ** 2) < 1e-9


def test_load_splits_from_a_file_keeps_english_sentences_apart(tmp_path):
    lines = [f"Sentence {i}.\tPhrase {i}.\n" for i in range(50)]
    lines += [f"Sentence {i}.\tAutre phrase {i}.\n" for i in range(50)]  # 2 translations
    path = tmp_path / "pairs.txt"
    path.write_text("".join(lines), encoding="utf-8")
    splits = runs.load_splits(runs.DataSpec(data=str(path), valid=6, test=10))
    assert (len(splits["test"]), len(splits["valid"])) == (10, 6)  # pairs
    english = {k: {e for e, _ in v} for k, v in splits.items()}
    assert len(english["test"]) == 5 and len(english["valid"]) == 3
    assert not english["test"] & english["train"]
    assert not english["valid"] & english["train"]
    assert sum(len(v) for v in splits.values()) == 100


def test_time_budget_stops_after_the_epoch_that_exceeds_it(tiny_splits, tmp_path):
    prepared = training.prepare(tiny_splits, CONFIG)
    model = training.build_translator(prepared, CONFIG)
    budget = training.TimeBudget(minutes=1e-6)
    history = training.train(model, prepared, tmp_path, verbose=0,
                             extra_callbacks=[budget])
    assert len(history.history["loss"]) == 1 and budget.seconds > 0
    with pytest.raises(ValueError, match="`minutes` must be positive"):
        training.TimeBudget(0)


def _pairs_file(path, n=100):
    path.write_text("".join(f"Sentence {i}.\tPhrase {i}.\n" for i in range(n)), "utf-8")
    return path


def test_a_fingerprinted_spec_refuses_data_that_changed(tmp_path):
    path = _pairs_file(tmp_path / "pairs.txt")
    spec = runs.DataSpec(data=str(path), valid=10, test=10).with_fingerprint()
    assert spec.size == path.stat().st_size and len(spec.sha256) == 64
    before = runs.load_splits(spec)
    assert runs.load_splits(spec) == before  # unchanged: the same split
    with open(path, "a", encoding="utf-8") as f:
        f.write("Sentence 100.\tPhrase 100.\n")
    with pytest.raises(ValueError, match=r"data changed since the run was trained: .*"
                                         r"pairs\.txt had sha256 .* it now has"):
        runs.load_splits(spec)
    bundled = runs.DataSpec().with_fingerprint()  # the bundled corpus is hashed too
    assert runs.load_splits(dataclasses.replace(bundled, seed=3))["test"][0] == \
        runs.load_splits(runs.DataSpec())["test"][0]
    with pytest.raises(ValueError, match="data changed"):
        runs.load_splits(dataclasses.replace(bundled, sha256="0" * 64))


@pytest.mark.parametrize("values, error, message", [
    ({"data": "no/such/pairs.tsv"}, FileNotFoundError, "no such file"),
    ({"valid": 10}, ValueError, "`valid` applies to a sentence-pair file only"),
    ({"limit": 50}, ValueError, "`limit` applies to a sentence-pair file only"),
])
def test_load_splits_errors(values, error, message):
    with pytest.raises(error, match=message):
        runs.load_splits(runs.DataSpec(**values))


@pytest.mark.parametrize("values, message", [
    ({"test": 0}, r"Argument `test` must be a positive integer\. Received: test=0"),
    ({"limit": 0}, r"Argument `limit` must be a positive integer"),
    ({"seed": -1}, r"Argument `seed` must be a non-negative integer"),
    ({"data": ""}, r"Argument `data` must be a bundled corpus name or a file path"),
    ({"sha256": "abc"}, r"Argument `sha256` must be 64 lowercase hexadecimal digits"),
])
def test_data_spec_checks_its_fields(values, message):
    with pytest.raises(ValueError, match=message):
        runs.DataSpec(**values)


def test_a_recorded_cut_keeps_the_first_pairs_of_each_split():
    """What `--fast` trained and scored on is in data.json, so `evaluate` scores the same."""
    full = runs.load_splits(runs.DataSpec())
    cut = runs.load_splits(runs.DataSpec(train_pairs=50, held_out_pairs=7))
    assert {name: len(pairs) for name, pairs in cut.items()} == {
        "train": 50, "valid": 7, "test": 7}
    assert all(cut[name] == full[name][:len(cut[name])] for name in full)
    with pytest.raises(ValueError, match="`held_out_pairs` must be a positive integer"):
        runs.DataSpec(held_out_pairs=0)


def test_limit_reads_only_the_first_lines(tmp_path):
    path = _pairs_file(tmp_path / "pairs.txt")
    splits = runs.load_splits(runs.DataSpec(str(path), valid=5, test=5, limit=40))
    assert sum(len(v) for v in splits.values()) == 40


def test_load_data_spec_reads_older_runs(tmp_path):
    (tmp_path / "data.json").write_text(json.dumps(
        {"data": "synthetic_en_fr", "valid": 1000, "test": 2000, "limit": 0, "seed": 0}))
    assert runs.load_data_spec(tmp_path) == runs.DataSpec()
    (tmp_path / "data.json").write_text(json.dumps(
        {"data": "/some/fra.txt", "valid": 1000, "test": 2000, "limit": 0, "seed": 0}))
    with pytest.warns(UserWarning, match="records no content hash"):
        assert runs.load_data_spec(tmp_path).limit is None
    (tmp_path / "data.json").write_text("{not json")
    with pytest.raises(ValueError, match="data.json: corrupt"):
        runs.load_data_spec(tmp_path)
    with pytest.raises(FileNotFoundError, match="No data.json in run directory"):
        runs.load_data_spec(tmp_path / "elsewhere")


def test_resuming_with_other_settings_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(dataclasses.asdict(CONFIG)))
    spec = runs.DataSpec().with_fingerprint()
    (tmp_path / "data.json").write_text(json.dumps(dataclasses.asdict(spec)))
    changed = dataclasses.replace(CONFIG, units=16, epochs=4)
    runs.check_resumable(tmp_path, changed, spec)  # no backup/: a finished run
    (tmp_path / "backup").mkdir()
    runs.check_resumable(tmp_path, CONFIG, spec)  # the same settings: resumable
    with pytest.raises(ValueError, match=r"interrupted run \(backup/\) with other settings: "
                                         r"units 8 -> 16, epochs 3 -> 4\. Resume"):
        runs.check_resumable(tmp_path, changed, spec)
    with pytest.raises(ValueError, match=r"seed 0 -> 1"):
        runs.check_resumable(tmp_path, CONFIG, dataclasses.replace(spec, seed=1))
    before = (tmp_path / "config.json").read_text()
    model = training.build_translator(training.prepare(
        {"train": [("Hi.", "Salut.")], "valid": [("Hi.", "Salut.")]}, changed), changed)
    with pytest.raises(ValueError, match="units 8 -> 16"):
        training.train(model, None, tmp_path)
    assert (tmp_path / "config.json").read_text() == before


def test_prepare_refuses_a_max_length_that_leaves_no_pair(tiny_splits):
    with pytest.raises(ValueError, match=r"`config.max_length` leaves no train pair.*"
                                         r"Received: max_length=2"):
        training.prepare(tiny_splits, dataclasses.replace(CONFIG, max_length=2))


class Recorder(keras.callbacks.Callback):
    """Records, independently of the code under test, the rate of each update and each epoch's weights."""

    def on_train_begin(self, logs=None):
        self.rates, self.weights, self.val_losses = [], [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        optimizer = self.model.optimizer
        self.rates.append((self.epoch, int(optimizer.iterations),
                           float(optimizer.learning_rate)))

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())
        self.val_losses.append(logs["val_loss"])


def test_the_learning_rate_warms_up_over_the_first_updates_then_decays(tiny_splits, tmp_path):
    config = dataclasses.replace(CONFIG, warmup_steps=10)  # 7 batches an epoch: 1.4 epochs
    prepared = training.prepare(tiny_splits, config)
    model = training.build_translator(prepared, config)
    recorder = Recorder()
    history = training.train(model, prepared, tmp_path, verbose=0, extra_callbacks=[recorder])
    steps = [step for _, step, _ in recorder.rates]
    assert steps == list(range(len(steps))) and len(steps) > 15  # one rate per update
    for epoch, step, rate in recorder.rates:
        expected = 2e-3 * 0.5 ** epoch * min(1.0, (step + 1) / 10)
        assert rate == pytest.approx(expected, rel=1e-6), (epoch, step)
    assert recorder.rates[0][2] == pytest.approx(2e-4)  # the first update: a tenth
    last = {epoch: rate for epoch, _, rate in recorder.rates}  # each epoch's last update
    assert history.history["learning_rate"] == [last[0], last[1], last[2]]  # logged per epoch
    assert [last[1], last[2]] == pytest.approx([1e-3, 5e-4], rel=1e-6)  # warmed up by epoch 1's end


def test_a_resumed_run_continues_the_warm_up_from_the_update_count(tiny_splits):
    config = dataclasses.replace(CONFIG, warmup_steps=20)
    model = training.build_translator(training.prepare(tiny_splits, config), config)
    model.optimizer.iterations.assign(12)  # as BackupAndRestore restores it
    schedule = training.LearningRate(config)
    schedule.set_model(model)
    schedule.on_epoch_begin(1)
    assert float(model.optimizer.learning_rate) == pytest.approx(2e-3 * 0.5 * 13 / 20)
    schedule.on_train_batch_begin(3)  # update 15 of the run
    assert float(model.optimizer.learning_rate) == pytest.approx(2e-3 * 0.5 * 16 / 20)
    model.optimizer.iterations.assign(30)  # warmed up: the epoch's rate
    schedule.on_epoch_begin(2)
    schedule.on_train_batch_begin(0)
    assert float(model.optimizer.learning_rate) == pytest.approx(2e-3 * 0.25)
    with pytest.raises(TypeError, match="`config` must be a TranslatorConfig"):
        training.LearningRate({"learning_rate": 1e-3})


def test_training_keeps_the_average_of_the_last_epochs_only_if_it_is_better(
        tiny_splits, tmp_path):
    config = dataclasses.replace(CONFIG, epochs=2, average_checkpoints=2)
    prepared = training.prepare(tiny_splits, config)
    model = training.build_translator(prepared, config)
    recorder = Recorder()
    training.train(model, prepared, tmp_path, verbose=0, extra_callbacks=[recorder])
    best = recorder.val_losses.index(min(recorder.val_losses))  # what early stopping keeps
    assert best == 1  # the tiny model still improves: epochs 0 and 1 are averaged
    mean = [(a.astype("float64") + b) / 2 for a, b in zip(*recorder.weights)]
    outcome = json.loads((tmp_path / "averaging.json").read_text())
    assert outcome["epochs"] == [0, 1]
    assert outcome["epoch_val_loss"] == pytest.approx(recorder.val_losses[1], rel=1e-6)
    kept = model.get_weights()
    model.set_weights(mean)
    average_loss = model.evaluate(prepared.valid, verbose=0, return_dict=True)["loss"]
    assert outcome["average_val_loss"] == pytest.approx(average_loss, rel=1e-5)
    if average_loss < recorder.val_losses[1]:
        assert outcome["kept"] == "average"
        for got, want in zip(kept, mean):
            assert got == pytest.approx(want, rel=1e-5, abs=1e-7)
    else:
        assert outcome["kept"] == "epoch"
        for got, want in zip(kept, recorder.weights[1]):
            assert (got == want).all()


def _drive_averaging(model, valid, n, epochs, tmp_path):
    """Runs EarlyStopping and AverageCheckpoints by hand over `epochs`: (weights, val_loss) pairs."""
    stopping = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    averaging = training.AverageCheckpoints(n, stopping, valid, tmp_path / "averaging.json",
                                            verbose=0)
    for callback in (stopping, averaging):
        callback.set_model(model)
        callback.on_train_begin()
    for epoch, (weights, loss) in enumerate(epochs):
        model.set_weights(weights)
        for callback in (stopping, averaging):  # the order `train` gives them
            callback.on_epoch_end(epoch, {"val_loss": loss})
    for callback in (stopping, averaging):
        callback.on_train_end()
    return averaging


def test_averaging_keeps_the_epochs_weights_unless_the_average_is_lower(tiny_splits, tmp_path):
    """The claimed epoch losses decide the branch: a real loss is ~6, never 0 nor 1e9."""
    prepared = training.prepare(tiny_splits, CONFIG)
    model = training.build_translator(prepared, CONFIG)
    trained = model.get_weights()
    other = [w * 0.5 for w in trained]
    mean = [(a.astype("float64") + b) / 2 for a, b in zip(trained, other)]
    # An unbeatable last epoch: its weights come back.
    averaging = _drive_averaging(model, prepared.valid, 2,
                                 [(trained, 9.0), (other, 0.0)], tmp_path)
    assert averaging.outcome["kept"] == "epoch" and averaging.outcome["epochs"] == [0, 1]
    assert all((got == want).all() for got, want in zip(model.get_weights(), other))
    # A poor last epoch: the average is kept, and written down.
    averaging = _drive_averaging(model, prepared.valid, 2,
                                 [(trained, 2e9), (other, 1e9)], tmp_path)
    assert averaging.outcome["kept"] == "average"
    for got, want in zip(model.get_weights(), mean):
        assert got == pytest.approx(want, rel=1e-6)
    assert json.loads((tmp_path / "averaging.json").read_text()) == averaging.outcome
    # The best epoch was the first: nothing before it to average with, nothing
    # changes, and the previous outcome is no longer there to mislead.
    averaging = _drive_averaging(model, prepared.valid, 2,
                                 [(trained, 1.0), (other, 2.0)], tmp_path)
    assert averaging.outcome is None and not (tmp_path / "averaging.json").exists()
    assert all((got == want).all() for got, want in zip(model.get_weights(), trained))
    # n=1 averages nothing.
    averaging = _drive_averaging(model, prepared.valid, 1,
                                 [(other, 2e9), (trained, 1e9)], tmp_path)
    assert averaging.outcome is None
    assert all((got == want).all() for got, want in zip(model.get_weights(), trained))
    with pytest.raises(ValueError, match="restore_best_weights=True"):
        training.AverageCheckpoints(2, keras.callbacks.EarlyStopping(), prepared.valid)
    with pytest.raises(ValueError, match="Argument `n` must be a positive integer"):
        training.AverageCheckpoints(0, keras.callbacks.EarlyStopping(
            restore_best_weights=True), prepared.valid)


def test_the_command_line_sets_warm_up_and_averaging(monkeypatch):
    from tf_lstm import cli

    monkeypatch.delenv("TF_LSTM_FAST", raising=False)
    args = cli.build_parser().parse_args(["train", "--set", "warmup_steps=400",
                                          "--set", "average_checkpoints=3"])
    config = cli._config(args)
    assert (config.warmup_steps, config.average_checkpoints) == (400, 3)
    assert cli._config(cli.build_parser().parse_args(["train"])) == TranslatorConfig(
        epochs=TranslatorConfig().epochs)  # off by default
