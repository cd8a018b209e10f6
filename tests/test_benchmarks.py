"""The benchmark commands run end to end on tiny data (their numbers come from real runs)."""

import json

import pytest

from benchmarks import tatoeba


def test_tatoeba_benchmark_writes_its_results(tmp_path):
    data = tmp_path / "fra.txt"
    data.write_text("".join(f"I have {i} cats.\tJ'ai {i} chats.\tCC-BY 2.0 (France)\n"
                            for i in range(120)), encoding="utf-8")
    out = tmp_path / "results" / "tatoeba"
    assert tatoeba.main(["--data", str(data), "--minutes", "0.001", "--test", "20",
                         "--valid", "10", "--run-dir", str(tmp_path / "run"),
                         "--set", "batch_size=16", "--out", str(out)]) == 0
    results = json.loads(out.with_suffix(".json").read_text())
    assert results["config"]["batch_size"] == 16  # --set overrides the settings
    assert results["command"].endswith("--set batch_size=16")
    assert results["pairs"] == {"train": 90, "valid": 10, "test": 20}
    assert results["epochs_run"] == 1 and results["train_seconds"] > 0
    [epoch] = results["history"]  # the run's history.csv, one row per epoch
    assert epoch["epoch"] == 0 and epoch["val_loss"] > 0
    markdown = out.with_suffix(".md").read_text()
    assert "BLEU" in markdown
    assert f"Validation loss after each epoch: {epoch['val_loss']:.2f}\n" in markdown
    assert "examples" not in results  # corpus text goes to the git-ignored file only
    assert "I have" in (tmp_path / "results" / "tatoeba.private.md").read_text()


def test_translator_benchmark_writes_its_results(tmp_path):
    from benchmarks import translator
    out = tmp_path / "translator"
    assert translator.main(["--epochs", "2", "--limit-train", "300", "--out", str(out),
                            "--set", "units=16", "--set", "embedding_dim=8",
                            "--set", "lr_decay=0.5", "--ours-set", "batch_size=128",
                            "--ours-set", "learning_rate=0.004", "--ours-epochs", "3"]) == 0
    results = json.loads(out.with_suffix(".json").read_text())
    larger = "bucketed, batch_size=128, learning_rate=0.004"
    assert list(results["training"]) == ["straightforward", "bucketed", larger]
    assert results["configs"][larger]["batch_size"] == 128
    assert results["configs"]["bucketed"]["batch_size"] == 64
    assert results["configs"][larger]["units"] == 16  # --set applies to every variant
    for name, run in results["training"].items():
        assert run["epochs"] == (3 if name == larger else 2)
        assert len(run["tokens_per_second_per_epoch"]) == run["epochs"]
        assert run["train_seconds"] > 0
        assert 0 <= run["valid_bleu"] <= 100
        # Each epoch e trained at learning_rate * lr_decay ** e, as in tf_lstm.translation.training.
        config = results["configs"][name]
        assert run["final_learning_rate"] == pytest.approx(
            config["learning_rate"] * 0.5 ** (run["epochs"] - 1))
    assert results["training"]["straightforward"]["speedup"] == 1.0
    assert results["training_speedup"] == max(
        run["speedup"] for run in results["training"].values())
    assert larger in out.with_suffix(".md").read_text()
    assert results["real_target_tokens"] < results["fixed_length_target_tokens"]
    fixed = results["training"]["straightforward"]["positions_per_real_token"]
    assert fixed["target"] == pytest.approx(
        results["fixed_length_target_tokens"] / results["real_target_tokens"])
    assert results["training"]["bucketed"]["positions_per_real_token"]["target"] < fixed["target"]
    assert results["decoding"]["greedy_sentences_per_second"] > 0


def test_translator_benchmark_takes_several_variants(tmp_path):
    from benchmarks import translator
    out = tmp_path / "translator.variants"  # a dotted stem keeps its dots
    assert translator.main(["--epochs", "1", "--limit-train", "200", "--out", str(out),
                            "--set", "units=8", "--set", "embedding_dim=4",
                            "--variant", "batch_size=128",
                            "--variant", "batch_size=128,length_grouping=sorted",
                            "--variant", "length_grouping=padded",
                            "--variant", "length_grouping=sorted,sampled_softmax=16"]) == 0
    results = json.loads((tmp_path / "translator.variants.json").read_text())
    padded, sampled = ("bucketed, length_grouping=padded",
                       "bucketed, length_grouping=sorted, sampled_softmax=16")
    assert list(results["training"]) == [
        "straightforward", "bucketed", "bucketed, batch_size=128",
        "bucketed, batch_size=128, length_grouping=sorted", padded, sampled]
    assert results["configs"]["bucketed, batch_size=128, length_grouping=sorted"][
        "length_grouping"] == "sorted"
    assert results["configs"][sampled]["sampled_softmax"] == 16
    assert 0 <= results["training"][sampled]["valid_bleu"] <= 100
    # "padded" batches hold what the straightforward arrays hold
    assert results["training"][padded]["positions_per_real_token"] == pytest.approx(
        results["training"]["straightforward"]["positions_per_real_token"])
    assert (tmp_path / "translator.variants.md").exists()


def test_translator_benchmark_refuses_an_unknown_config_field(tmp_path, capsys):
    from benchmarks import translator
    with pytest.raises(SystemExit):
        translator.main(["--ours-set", "batchsize=128", "--out", str(tmp_path / "t")])
    assert "KEY a TranslatorConfig field, got 'batchsize=128'" in capsys.readouterr().err


def test_padding_counts_positions_per_real_token():
    import numpy as np

    from benchmarks.translator import padding
    source = np.array([[5, 6, 0, 0], [7, 0, 0, 0]])     # 3 real of 8
    target_out = np.array([[4, 3, 0], [4, 5, 3]])        # 5 real of 6
    assert padding([((source, None), target_out)]) == {"source": 8 / 3, "target": 6 / 5}


def test_straightforward_arrays_leave_out_the_pairs_prepare_leaves_out():
    import warnings

    from benchmarks.translator import fixed_length_arrays
    from tf_lstm.translation import training
    from tf_lstm.translation.config import TranslatorConfig
    pairs = [("I eat.", "Je mange."), ("one two three four five six", "un deux trois"),
             ("You eat.", "Tu manges.")] * 4
    config = TranslatorConfig(max_length=4, batch_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prepare warns about the long pairs
        prepared = training.prepare({"train": pairs, "valid": pairs}, config)
    (source, target_in), target_out = fixed_length_arrays(prepared, pairs, config.max_length)
    assert len(source) == len(target_in) == len(target_out) == 8
    assert int((target_out != 0).sum()) == prepared.train_tokens
