"""The translator benchmarks run end to end on tiny data, and their padded baseline.

Their numbers come from real runs (`benchmarks/results/`); here only that the
commands work, record what they ran and count padding right.
"""

import dataclasses
import doctest
import importlib
import json
import warnings

import numpy as np
import pytest

from benchmarks import ablation, padded, seeds, tatoeba, translator
from tf_lstm.translation import pipeline, training
from tf_lstm.translation.config import PRESETS, TranslatorConfig
from tests.conftest import random_id_pairs
from tf_lstm.translation.tokens import END_ID, START_ID


@pytest.mark.parametrize("name", ["common", "padded", "sampled_softmax", "translator",
                                  "tatoeba", "ablation", "seeds", "layers", "gpu",
                                  "distributed"])
def test_benchmark_doctests(name):
    """`benchmarks` is not among pytest's doctest paths: its examples run here."""
    result = doctest.testmod(importlib.import_module(f"benchmarks.{name}"),
                             optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0


def test_tatoeba_benchmark_writes_its_results(tmp_path):
    data = tmp_path / "fra.txt"
    data.write_text("".join(f"I have {i} cats.\tJ'ai {i} chats.\tCC-BY 2.0 (France)\n"
                            for i in range(120)), encoding="utf-8")
    out = tmp_path / "results" / "tatoeba"
    assert tatoeba.main(["--data", str(data), "--minutes", "0.001", "--test", "20",
                         "--valid", "10", "--run-dir", str(tmp_path / "run"),
                         "--set", "batch_size=16", "--set", "units=16",
                         "--set", "label_smoothing=0",  # not with a sampled softmax
                         "--padded", "--sampled-softmax", "8", "--out", str(out)]) == 0
    results = json.loads(out.with_suffix(".json").read_text())
    config = results["config"]
    assert config["batch_size"] == 16 and config["units"] == 16  # --set overrides
    assert config["dropout"] == PRESETS["tatoeba"]["dropout"]    # the preset's
    assert results["preset"] == "tatoeba"
    assert results["padded_batches"] and results["sampled_softmax"] == 8
    # The data file is recorded by its name: results link nothing outside the repository.
    assert results["command"] == (
        "python -m benchmarks.tatoeba --data path/to/fra.txt --minutes 0.001 --test 20 "
        "--valid 10 --run-dir path/to/run --set batch_size=16 --set units=16 "
        f"--set label_smoothing=0 --padded --sampled-softmax 8 --out {out}")
    assert results["pairs"] == {"train": 90, "valid": 10, "test": 20}
    assert results["epochs_run"] == 1 and results["train_seconds"] > 0
    assert results["target_tokens_per_second"] == pytest.approx(
        results["train_target_tokens_per_epoch"] / results["train_seconds"])
    assert results["train_pairs_per_second"] == pytest.approx(90 / results["train_seconds"])
    assert results["averaging"] is None  # the preset's, with one epoch: nothing to average
    [epoch] = results["history"]  # the run's history.csv, one row per epoch
    assert epoch["epoch"] == 0 and epoch["val_loss"] > 0
    markdown = out.with_suffix(".md").read_text()
    assert "| BLEU | chrF |" in markdown
    assert f"Validation loss after each epoch: {epoch['val_loss']:.2f}\n" in markdown
    assert "examples" not in results  # corpus text goes to the git-ignored file only
    assert "I have" in (tmp_path / "results" / "tatoeba.private.md").read_text()


def test_seeds_summary_spreads_runs_that_differ_in_the_seed_only(tmp_path, capsys):
    data = tmp_path / "fra.txt"
    data.write_text("".join(f"I have {i} cats.\tJ'ai {i} chats.\tCC-BY 2.0 (France)\n"
                            for i in range(120)), encoding="utf-8")
    tiny = ["--data", str(data), "--minutes", "0.001", "--test", "20", "--valid", "10",
            "--set", "batch_size=16", "--set", "units=16"]
    for seed, extra in (("0", []), ("1", []), ("2", ["--set", "units=8"])):
        assert tatoeba.main([*tiny, "--set", f"seed={seed}", *extra,
                             "--out", str(tmp_path / f"t{seed}")]) == 0
    runs = [json.loads((tmp_path / f"t{seed}.json").read_text()) for seed in "01"]
    assert [run["config"]["seed"] for run in runs] == [0, 1]
    out = tmp_path / "spread"
    assert seeds.main([str(tmp_path / "t0.json"), str(tmp_path / "t1.json"),
                       "--out", str(out)]) == 0
    spread = json.loads(out.with_suffix(".json").read_text())
    bleus = [run["beam4"]["bleu"] for run in runs]
    assert [run["BLEU beam 4"] for run in spread["runs"]] == bleus
    summary = spread["summary"]["BLEU beam 4"]
    assert summary["mean"] == pytest.approx(sum(bleus) / 2)
    assert summary["sd"] == pytest.approx(abs(bleus[0] - bleus[1]) / 2 ** 0.5)
    assert (summary["min"], summary["max"]) == (min(bleus), max(bleus))
    assert "seed" not in spread["config"] and spread["config"]["units"] == 16
    assert spread["command"] == "python -m benchmarks.seeds path/to/t0.json path/to/t1.json"
    markdown = out.with_suffix(".md").read_text()
    assert f"Beam 4: BLEU {summary['mean']:.1f} ± {summary['sd']:.1f}" in markdown
    # A run that differs in more than the seed is refused, naming the file and the field.
    for argv, message in (
            ([str(tmp_path / "t0.json"), str(tmp_path / "t2.json")],
             "t2.json differs from t0.json in more than the seed: units=8 (not 16)"),
            ([str(tmp_path / "t0.json"), str(tmp_path / "t0.json")],
             "The runs must have distinct seeds"),
            ([str(tmp_path / "t0.json")], "A spread needs at least two runs"),
            ([str(tmp_path / "t0.json"), str(data)], "results must be benchmarks.tatoeba JSON")):
        with pytest.raises(SystemExit):
            seeds.main([*argv, "--out", str(tmp_path / "refused")])
        assert message in capsys.readouterr().err
    assert not (tmp_path / "refused.json").exists()


def _tatoeba_result(seed, beam, greedy=30.0, command="python -m benchmarks.tatoeba"):
    """A benchmarks.tatoeba result dict with the fields `seeds` reads, written by hand."""
    return {"greedy": {"bleu": greedy, "chrf": 50.0, "sentences": 2, "seconds": 0.002},
            "beam4": {"bleu": beam, "chrf": 60.0, "sentences": 2, "seconds": 0.01},
            "epochs_run": 14, "train_seconds": 1680.0, "target_tokens_per_second": 4800.0,
            "train_pairs_per_second": 600.0, "config": {"units": 256, "seed": seed},
            "pairs": {"train": 9, "valid": 1, "test": 2}, "machine": "m",
            "command": f"{command} --set seed={seed} --out r/t.seed{seed}"}


def test_seeds_summary_statistics_on_known_scores():
    spread = seeds.summarize([_tatoeba_result(0, 40.0), _tatoeba_result(1, 44.0),
                              _tatoeba_result(2, 42.0, greedy=33.0)], ["a", "b", "c"], "cmd")
    beam = spread["summary"]["BLEU beam 4"]
    assert (beam["mean"], beam["min"], beam["max"]) == (42.0, 40.0, 44.0)
    assert beam["sd"] == pytest.approx(2.0)  # sample sd: sqrt((4 + 4 + 0) / 2)
    assert spread["summary"]["BLEU greedy"]["mean"] == pytest.approx(31.0)
    assert spread["summary"]["beam 4 sentences/s"]["mean"] == pytest.approx(200.0)
    assert [run["seed"] for run in spread["runs"]] == [0, 1, 2]
    assert "Beam 4: BLEU 42.0 ± 2.0 (40.0 to 44.0)" in seeds.markdown(spread)
    with pytest.raises(ValueError, match="b ran another command than a"):
        seeds.summarize([_tatoeba_result(0, 40.0),
                         _tatoeba_result(1, 44.0, command="python -m benchmarks.tatoeba "
                                                          "--minutes 10")], ["a", "b"], "cmd")
    other_split = {**_tatoeba_result(1, 44.0), "pairs": {"train": 8, "valid": 1, "test": 3}}
    with pytest.raises(ValueError, match="b has another split than a"):
        seeds.summarize([_tatoeba_result(0, 40.0), other_split], ["a", "b"], "cmd")


def _ablation_run(seed, beam, overrides=()):
    """An ablation run dict with the fields `ablation.markdown` reads, written by hand."""
    return {"seed": seed, "overrides": list(overrides), "parameters": 10, "kept_val_loss": 1.0,
            "target_tokens_per_second": 100.0, "command": "cmd", "parallel": 2,
            "threads": 1, "scores": {"beam1_alpha0.0": {"bleu": beam - 3, "chrf": 40.0},
                                     "beam4_alpha0.6": {"bleu": beam, "chrf": 45.0}}}


def test_ablation_table_compares_a_row_with_the_base_over_shared_seeds(tmp_path):
    base = {str(s): _ablation_run(s, bleu) for s, bleu in enumerate([25.0, 17.0, 23.0, 24.0])}
    rows = {"base": base,
            "tied_embeddings": {"1": _ablation_run(1, 27.0, ["tie_embeddings=true"]),
                                "2": _ablation_run(2, 26.0, ["tie_embeddings=true"])},
            "dropout_0.1": {"0": _ablation_run(0, 16.0, ["dropout=0.1"])}}
    markdown = ablation.markdown({"settings": {"test": 2, "epochs": 2}, "machine": "m",
                                  "rows": rows})
    # tied: (27 + 26) / 2 against the base's (17 + 23) / 2 over seeds 1 and 2, not all four
    assert ("| tied_embeddings | tie_embeddings=true | 1, 2 | 27.0, 26.0 | 23.5 | 26.5 | 45.0 "
            "| +6.5 | above the base in 2 of 2 seeds (1 in 4 by chance) |") in markdown
    assert "| -9.0 | below the base in 1 of 1 seeds (1 in 2 by chance) |" in markdown
    assert "over seeds 0, 1, 2, 3 scores 17.0 to 25.0 BLEU (beam 4), a range of 8.0" in markdown
    mixed = {"1": _ablation_run(1, 18.0), "2": _ablation_run(2, 22.0)}  # +1, -1
    assert ablation.verdict(mixed, base) == "mixed: no evidence"
    # Runs of an earlier call are kept only under the same settings.
    out = tmp_path / "ablation.json"
    out.write_text(json.dumps({"settings": {"epochs": 2}, "rows": rows, "notes": ["n"]}))
    assert ablation.kept_results(out, {"epochs": 2}) == (rows, ["n"])
    assert ablation.kept_results(out, {"epochs": 3}) == ({}, [])
    assert ablation.kept_results(tmp_path / "absent.json", {"epochs": 2}) == ({}, [])


@pytest.mark.parametrize("module, argv, message", [
    (tatoeba, ["--set", "batchsize=16"], "Override 'batchsize=16' must be KEY=VALUE"),
    (tatoeba, ["--set", "units=many"], "Override 'units=many': `units` must be an int"),
    (tatoeba, ["--sampled-softmax", "-1"], "--sampled-softmax must be a non-negative integer"),
    (tatoeba, ["--sampled-softmax", "8"], "--sampled-softmax does not implement label "
                                          "smoothing: add --set label_smoothing=0"),
    (ablation, ["--rows", "base,deeper"], "--rows must name rows of"),
    (ablation, ["--set", "units=many"], "Override 'units=many': `units` must be an int"),
    (ablation, ["--epochs", "0"], "--epochs must be a positive integer"),
    (ablation, ["--seeds", "0,0"], "--seeds must be distinct non-negative integers"),
], ids=lambda value: value.__name__.rpartition(".")[2] if hasattr(value, "main") else None)
def test_quality_benchmarks_refuse_bad_settings(tmp_path, capsys, module, argv, message):
    data = tmp_path / "fra.txt"
    data.write_text("Hi.\tSalut.\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        module.main(["--data", str(data), "--out", str(tmp_path / "t"), *argv])
    assert message in capsys.readouterr().err


def test_translator_benchmark_writes_its_results(tmp_path):
    out = tmp_path / "translator.variants"  # a dotted stem keeps its dots
    assert translator.main(["--epochs", "2", "--limit-train", "300", "--out", str(out),
                            "--set", "units=16", "--set", "embedding_dim=8",
                            "--set", "lr_decay=0.5", "--ours-set", "batch_size=128",
                            "--ours-set", "learning_rate=0.004", "--ours-epochs", "3",
                            "--variant", "length_grouping=sorted,sampled_softmax=16"]) == 0
    results = json.loads((tmp_path / "translator.variants.json").read_text())
    larger = "bucketed, batch_size=128, learning_rate=0.004"
    sampled = "bucketed, length_grouping=sorted, sampled_softmax=16"
    assert list(results["training"]) == ["straightforward", "bucketed", larger, sampled]
    assert results["configs"][larger]["batch_size"] == 128
    assert results["configs"]["bucketed"]["batch_size"] == 64
    assert results["configs"][sampled]["length_grouping"] == "sorted"
    for config in results["configs"].values():
        assert config["units"] == 16  # --set applies to every variant
    assert results["training"][sampled]["sampled_softmax"] == 16
    assert results["training"]["bucketed"]["sampled_softmax"] == 0
    for name, run in results["training"].items():
        assert run["epochs"] == (2 if name in ("straightforward", "bucketed") else 3)
        assert len(run["tokens_per_second_per_epoch"]) == run["epochs"]
        assert run["train_seconds"] > 0
        assert 0 <= run["valid_bleu"] <= 100
        # Each epoch e trained at learning_rate * lr_decay ** e, as in training.train.
        config = results["configs"][name]
        assert run["final_learning_rate"] == pytest.approx(
            config["learning_rate"] * 0.5 ** (run["epochs"] - 1))
    assert results["training"]["straightforward"]["speedup"] == 1.0
    assert results["training_speedup"] == max(
        run["speedup"] for run in results["training"].values())
    assert larger in (tmp_path / "translator.variants.md").read_text()
    assert results["real_target_tokens"] < results["fixed_length_target_tokens"]
    fixed = results["training"]["straightforward"]["positions_per_real_token"]
    assert fixed["target"] == pytest.approx(
        results["fixed_length_target_tokens"] / results["real_target_tokens"])
    assert results["training"]["bucketed"]["positions_per_real_token"]["target"] < fixed["target"]
    assert results["decoding"]["greedy_sentences_per_second"] > 0


@pytest.mark.parametrize("argv, message", [
    (["--ours-set", "batchsize=128"], "Override 'batchsize=128' must be KEY=VALUE"),
    (["--variant", "length_grouping=padded"], "`length_grouping` must be one of"),
    (["--variant", "sampled_softmax=some"], "`sampled_softmax` must be a non-negative"),
])
def test_translator_benchmark_refuses_bad_variants(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit):
        translator.main([*argv, "--limit-train", "50", "--out", str(tmp_path / "t")])
    assert message in capsys.readouterr().err


def _rows(batches):
    """Every pair in `batches` once, unpadded, sorted: `(source..., -1, target_out...)`."""
    return sorted(tuple(row[row != 0]) + (-1,) + tuple(out[out != 0])
                  for (source, _), target_out in batches
                  for row, out in zip(np.asarray(source), np.asarray(target_out)))


def test_padded_batches_pad_every_batch_to_the_longest_kept_sentence():
    source, target = random_id_pairs(300, seed=3)
    buckets = list(pipeline.make_dataset(source, target, batch_size=32, seed=1,
                                         max_length=15))
    batches = list(padded.padded_batches(source, target, batch_size=32, max_length=15,
                                         seed=1))
    assert _rows(batches) == _rows(buckets)  # the same pairs, every one once
    source_lengths = source.row_lengths().numpy()
    target_lengths = target.row_lengths().numpy() - 1
    kept = (source_lengths <= 15) & (target_lengths <= 15)
    shapes = {(b[0][0].shape[1], b[0][1].shape[1], b[1].shape[1]) for b in batches}
    longest_target = target_lengths[kept].max()
    assert shapes == {(source_lengths[kept].max(), longest_target, longest_target)}
    for (_, target_in), target_out in batches:  # teacher forcing; [END] only in target_out
        target_in, target_out = target_in.numpy(), target_out.numpy()
        assert (target_in[:, 0] == START_ID).all()
        real = ~np.isin(target_out[:, :-1], [0, END_ID])
        np.testing.assert_array_equal(target_in[:, 1:][real], target_out[:, :-1][real])
        assert not target_in[:, 1:][~real].any()
    assert (padded.padding(batches)["target"]
            > padded.padding(buckets)["target"] + 0.3)  # what grouping saves
    # The NumPy arrays hold the same positions as the batches.
    (x, x_in), y = padded.fixed_length_arrays(source, target, max_length=15)
    assert padded.padding([((x, x_in), y)]) == pytest.approx(padded.padding(batches))


def test_straightforward_arrays_leave_out_the_pairs_prepare_leaves_out():
    pairs = [("I eat.", "Je mange."), ("one two three four five six", "un deux trois"),
             ("You eat.", "Tu manges.")] * 4
    config = TranslatorConfig(max_length=4, batch_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prepare warns about the long pairs
        prepared = training.prepare({"train": pairs, "valid": pairs}, config)
    (source, target_in), target_out = padded.fixed_length_arrays(
        *padded.encode(prepared, pairs), config.max_length)
    assert len(source) == len(target_in) == len(target_out) == 8
    assert int((target_out != 0).sum()) == prepared.train_tokens
    assert (target_in[:, 0] == START_ID).all()


def test_straightforward_arrays_spell_wordpiece_pieces_as_prepare_does():
    pairs = [("I eat.", "Je mange."), ("You eat apples.", "Tu manges des pommes.")] * 4
    config = TranslatorConfig(max_length=12, batch_size=4, tokenizer="wordpiece",
                              max_source_vocabulary=28, max_target_vocabulary=32)
    prepared = training.prepare({"train": pairs, "valid": pairs}, config)
    assert prepared.tokenizer == "wordpiece"
    (source, _), target_out = padded.fixed_length_arrays(
        *padded.encode(prepared, pairs), config.max_length)
    assert int((target_out != 0).sum()) == prepared.train_tokens
    pieces = {prepared.target_vocabulary[i] for i in target_out.ravel()}
    assert any(p.startswith("##") for p in pieces) and "[UNK]" not in pieces


def test_ablation_benchmark_writes_one_row_per_lever_and_seed(tmp_path):
    data = tmp_path / "fra.txt"
    data.write_text("".join(f"I have {i} cats.\tJ'ai {i} chats.\tCC-BY 2.0 (France)\n"
                            for i in range(120)), encoding="utf-8")
    out = tmp_path / "ablation"
    common = ["--data", str(data), "--epochs", "1", "--test", "20", "--valid", "10",
              "--set", "units=16", "--set", "embedding_dim=8", "--set", "batch_size=16",
              "--out", str(out)]
    assert ablation.main([*common, "--rows", "base,tied_embeddings"]) == 0
    # A second call with the same settings adds a seed and keeps the first call's runs.
    assert ablation.main([*common, "--rows", "base", "--seeds", "1"]) == 0
    results = json.loads(out.with_suffix(".json").read_text())
    assert {name: list(runs) for name, runs in results["rows"].items()} == {
        "base": ["0", "1"], "tied_embeddings": ["0"]}
    base, tied = results["rows"]["base"], results["rows"]["tied_embeddings"]["0"]
    assert base["0"]["config"]["units"] == tied["config"]["units"] == 16  # --set: every row
    assert (base["0"]["config"]["tie_embeddings"], tied["config"]["tie_embeddings"]) == (
        False, True)
    assert [run["config"]["seed"] for run in base.values()] == [0, 1]
    assert tied["epochs_run"] == 1
    assert tied["parameters"] < base["0"]["parameters"]  # no output kernel of its own
    for run in base.values():
        assert set(run["scores"]) == {f"beam{w}_alpha{a}" for w, a in ablation.SWEEP}
    assert set(tied["scores"]) == {"beam1_alpha0.0", "beam4_alpha0.6"}
    markdown = out.with_suffix(".md").read_text()
    bleus = [run["scores"]["beam4_alpha0.6"]["bleu"] for run in base.values()]
    delta = tied["scores"]["beam4_alpha0.6"]["bleu"] - bleus[0]  # over the seed both ran
    verdict = ablation.verdict({"0": tied}, base)
    assert "| tied_embeddings | tie_embeddings=true | 0 |" in markdown
    assert f"| {delta:+.1f} | {verdict} |" in markdown
    assert f"over seeds 0, 1 scores {min(bleus):.1f} to {max(bleus):.1f}" in markdown
    assert "| 8 | 0.6 |" in markdown  # the base row's decoding sweep
    assert "--rows base --seeds 1" in markdown  # each run's own command


def test_each_ablation_row_changes_only_its_lever():
    import argparse

    args = argparse.Namespace(set=[], epochs=2)
    base = dataclasses.asdict(ablation.row_config("base", 0, args))
    assert base["tokenizer"] == "words" and not base["bidirectional"]  # BASE: levers off
    for name, changes in ablation.ROWS.items():
        row = dataclasses.asdict(ablation.row_config(name, 0, args))
        changed = {key for key in row if row[key] != base[key]}
        assert changed == {item.partition("=")[0] for item in changes}, name
