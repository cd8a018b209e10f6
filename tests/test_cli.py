"""The command line: train, translate, evaluate and export on a run directory."""

import json

from tf_lstm import cli


def test_train_translate_evaluate_export(tmp_path, capsys):
    run = tmp_path / "run"
    assert cli.main(["train", "--fast", "--run-dir", str(run), "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "BLEU" in out and "chrF" in out and "Examples from the test split" in out
    for name in ("model.keras", "curves.png", "attention.png", "results.json",
                 "data.json", "history.csv"):
        assert (run / name).exists(), name
    results = json.loads((run / "results.json").read_text())
    assert set(results) >= {"greedy", "beam4", "train_target_tokens_per_epoch"}
    assert 0.0 <= results["greedy"]["bleu"] <= 100.0

    assert cli.main(["translate", "--run-dir", str(run), "He slept.", "I eat."]) == 0
    assert capsys.readouterr().out.count("\n") == 2  # one line per sentence
    assert cli.main(["evaluate", "--run-dir", str(run), "--split", "valid"]) == 0
    assert "valid: 1000 pairs, greedy: BLEU" in capsys.readouterr().out
    assert cli.main(["export", "--run-dir", str(run)]) == 0
    assert (run / "saved_model" / "saved_model.pb").exists()


def test_config_overrides_are_validated(tmp_path):
    import pytest
    with pytest.raises(SystemExit, match="expected KEY=VALUE"):
        cli.main(["train", "--fast", "--run-dir", str(tmp_path), "--set", "colour=3"])
    with pytest.raises(ValueError, match="`length_grouping` must be"):
        cli.main(["train", "--fast", "--run-dir", str(tmp_path),
                  "--set", "length_grouping=shortest"])


def test_config_overrides_parse_each_field_by_its_type():
    import argparse

    args = argparse.Namespace(fast=False, epochs=0, command="train", set=[
        "length_grouping=sorted", "batch_size=256", "learning_rate=0.004"])
    config = cli._config(args)
    assert (config.length_grouping, config.batch_size, config.learning_rate) == (
        "sorted", 256, 0.004)
