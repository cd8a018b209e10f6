"""tf_lstm.translation.training: datasets, callbacks, checkpoints and resuming after an interruption."""

import csv

import keras
import pytest

from tf_lstm.translation import training
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
    assert training.load_config(tmp_path) == CONFIG
    # The resumed epoch used the decayed learning rate of epoch 3.
    assert abs(float(resumed.optimizer.learning_rate) - CONFIG.learning_rate
               * CONFIG.lr_decay ** 2) < 1e-9


def test_load_splits_from_a_file_keeps_english_sentences_apart(tmp_path):
    lines = [f"Sentence {i}.\tPhrase {i}.\n" for i in range(50)]
    lines += [f"Sentence {i}.\tAutre phrase {i}.\n" for i in range(50)]  # 2 translations
    path = tmp_path / "pairs.txt"
    path.write_text("".join(lines), encoding="utf-8")
    splits = training.load_splits(training.DataSpec(data=str(path), valid=6, test=10))
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
