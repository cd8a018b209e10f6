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
