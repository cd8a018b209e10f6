"""The command line used carelessly: each case of docs/misuse.md ("The command line").

Nothing is lost, evaluation is honest, every flag does what it says or is
refused before any work starts, errors are one line a user can act on, and
`translate` gives one output line per input line. The cases that need a
trained model share one tiny run (module-scoped, marked slow); the others use a
fake run directory, since the checks they test come before the model is read.
"""

import dataclasses
import io
import json
import os
import shutil
import sys

import pytest

from tf_lstm import cli, commands
from tf_lstm.translation import corpus

TINY = ["--fast", "--epochs", "1", "--set", "units=16", "--set", "embedding_dim=8",
        "--set", "max_length=16"]


def usage_error(argv, capsys):
    """Run `argv`; assert a usage error (exit 2, one line); return the message."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(a) for a in argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("tf-lstm: error: ") and err.count("\n") == 1, err
    return err


def failure(argv, capsys):
    """Run `argv`; assert a failure (exit 1, one line); return the message."""
    assert cli.main([str(a) for a in argv]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("tf-lstm: error: ")]
    assert len(lines) == 1, err
    return lines[0]


def snapshot(folder):
    """Every file under `folder` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def pairs_file(path, pairs):
    path.write_text("".join(f"{e}\t{f}\n" for e, f in pairs), encoding="utf-8")
    return path


@pytest.fixture
def fake_run(tmp_path):
    """A run directory as `train` leaves it, with a model.keras that is never read."""
    run = tmp_path / "run"
    (run / "logs" / "train").mkdir(parents=True)
    (run / "logs" / "train" / "events.out").write_bytes(b"tensorboard events")
    (run / "model.keras").write_bytes(b"PK not really a model")
    (run / "results.json").write_text('{"greedy": {"bleu": 42.0}}')
    (run / "config.json").write_text("{}")
    (run / "data.json").write_text("{}")
    return run


# --- 1. Nothing is lost -------------------------------------------------------------------

@pytest.mark.parametrize("parts", [(), (os.pardir,), ("logs", os.pardir, os.pardir),
                                   (os.pardir, os.pardir)])
def test_export_into_the_run_directory_or_above_is_refused(fake_run, tmp_path, parts,
                                                           capsys):
    copy = tmp_path / "run_copy"
    shutil.copytree(fake_run, copy)  # cp -r run run_copy
    before = snapshot(tmp_path)
    err = usage_error(["export", "--run-dir", copy, "--out", copy.joinpath(*parts),
                       "--force"], capsys)  # not even with --force
    assert "argument --out: must not be the run directory or a folder holding it" in err
    assert snapshot(tmp_path) == before  # model.keras, results.json and logs kept


def test_export_never_replaces_a_folder_or_file_it_did_not_write(fake_run, tmp_path,
                                                                 capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"meow")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("my notes")
    before = snapshot(tmp_path)
    err = usage_error(["export", "--run-dir", fake_run, "--out", folder], capsys)
    assert "is an existing folder that is not a SavedModel tf-lstm wrote" in err
    assert "--force" in err
    for force in ([], ["--force"]):
        err = usage_error(["export", "--run-dir", fake_run, "--out", a_file, *force],
                          capsys)
        assert "argument --out: is an existing file, which is never replaced" in err
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.glob("*.old"))  # nothing renamed aside


# --- 2. Evaluation is honest ----------------------------------------------------------------

def test_evaluate_refuses_data_that_changed_since_training(fake_run, tmp_path, capsys,
                                                           monkeypatch):
    from tf_lstm.translation import runs

    data = pairs_file(tmp_path / "pairs.txt", corpus.load_bundled()["train"][:300])
    spec = runs.DataSpec(str(data), valid=20, test=20).with_fingerprint()
    (fake_run / "data.json").write_text(json.dumps(dataclasses.asdict(spec)))
    with open(data, "a", encoding="utf-8") as f:  # 200 lines appended to the file
        f.writelines(f"{e}\t{f_}\n" for e, f_ in corpus.load_bundled()["train"][300:500])
    monkeypatch.chdir(tmp_path.parent)  # from another folder: data.json is absolute
    err = failure(["evaluate", "--run-dir", fake_run], capsys)
    assert "The data changed since the run was trained" in err and str(data) in err


def test_train_records_the_data_by_absolute_path_and_hash(tmp_path, monkeypatch):
    data = pairs_file(tmp_path / "pairs.txt", corpus.load_bundled()["train"][:300])
    monkeypatch.chdir(tmp_path)
    args = cli.build_parser().parse_args(["train", "--data", "pairs.txt", "--valid", "20",
                                          "--test", "20", "--limit", "250", *TINY])
    cli._check(args)
    spec, splits, _ = commands.prepare_run(args)
    assert spec.data == str(data) and os.path.isabs(spec.data)
    assert (spec.sha256, spec.size) == tuple(corpus.fingerprint(data).values())
    assert sum(len(v) for v in splits.values()) == 250  # --limit applies


# --- 3. Every flag does what it says, or is refused ------------------------------------------

def test_seed_changes_the_weights_and_the_split(tiny_splits):
    from tf_lstm.translation import training

    def config(seed):
        return cli._config(cli.build_parser().parse_args(
            ["train", "--seed", str(seed), *TINY]))

    assert config(1).seed == 1
    prepared = training.prepare(tiny_splits, config(0))
    weights = {seed: training.build_translator(prepared, config(seed)).get_weights()[0]
               for seed in (0, 1)}
    again = training.build_translator(prepared, config(0)).get_weights()[0]
    assert (weights[0] == again).all() and not (weights[0] == weights[1]).all()
    pairs = tiny_splits["train"][:200]
    splits = [corpus.split_pairs(pairs, valid=20, test=20, seed=s)[2] for s in (0, 1)]
    assert splits[0] != splits[1]


@pytest.mark.parametrize("argv, message", [
    (["--test", "0"], "argument --test: must be a positive int. Received: 0"),
    (["--valid", "-3"], "argument --valid: must be a positive int"),
    (["--limit", "0"], "argument --limit: must be a positive int"),
    (["--epochs", "0"], "argument --epochs: must be a positive int"),
    (["--seed", "-1"], "argument --seed: must be a non-negative int"),
    (["--set", "max_length=1"], "argument --set: Argument `max_length` must be at least 2"),
    (["--set", "units=abc"], "argument --set: Override 'units=abc': `units` must be an int"),
    (["--set", "dropout=1.5"], "argument --set: Argument `dropout` must be a number in [0, 1)"),
    (["--set", "seed=1"], "argument --set: 'seed=1': set the seed with --seed"),
    (["--minutes", "nan"], "argument --minutes: must be a positive float"),
])
def test_option_values_are_checked_before_any_work(argv, message, tmp_path, capsys):
    data = pairs_file(tmp_path / "pairs.txt", [("Hi.", "Salut.")] * 5)
    err = usage_error(["train", "--data", data, "--run-dir", tmp_path / "run", *argv],
                      capsys)
    assert message in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("option", ["--valid", "--test", "--limit"])
def test_file_only_options_on_the_bundled_corpus_are_errors(option, tmp_path, capsys):
    err = usage_error(["train", option, "10", "--run-dir", tmp_path / "run"], capsys)
    assert (f"argument {option}: applies to a sentence-pair file only; the bundled corpus "
            "synthetic_en_fr has fixed splits") in err


def test_sizes_the_data_cannot_give_fail_before_a_run_directory_exists(tmp_path, capsys):
    data = pairs_file(tmp_path / "pairs.txt", corpus.load_bundled()["train"][:30])
    err = failure(["train", "--data", data, "--test", "40", "--run-dir", tmp_path / "run",
                   *TINY], capsys)
    assert "Arguments `valid` and `test` must together ask for fewer than the 30 pairs" in err
    err = failure(["train", "--run-dir", tmp_path / "run", *TINY, "--set", "max_length=2"],
                  capsys)
    assert "`config.max_length` leaves no train pair" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("tf_config, message", [
    (None, "Environment variable `TF_CONFIG` must be set (the same cluster on every "
           "worker, each its own task) for strategy='multi-worker', e.g. {\"cluster\": "
           "{\"worker\": [\"host1:12345\", \"host2:12345\"]}, \"task\": {\"type\": "
           "\"worker\", \"index\": 0}}. Received: TF_CONFIG=unset"),
    ("{cluster: 1}", "must be JSON (Expecting property name enclosed in double quotes at "
                     "character 1)"),
    ('{"cluster": {"worker": ["a:1", "b"]}, "task": {"type": "worker", "index": 0}}',
     'must give "worker" a non-empty list of "host:port" strings'),
    ('{"cluster": {"worker": ["a:1"], "ps": ["b:2"]}, "task": {"type": "worker"}}',
     'must list the workers\' addresses under "cluster"'),
    ('{"cluster": {"worker": ["a:1", "b:2"]}}', 'must hold "task"'),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
     'must give a task "index" from 0 to 1 for its 2 "worker" address(es)'),
])
def test_multi_worker_needs_a_well_formed_tf_config(tf_config, message, tmp_path, capsys,
                                                    monkeypatch):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    err = usage_error(["train", "--strategy", "multi-worker", "--run-dir", tmp_path / "run"],
                      capsys)
    assert err.startswith("tf-lstm: error: argument --strategy: Environment variable "
                          "`TF_CONFIG` must ")
    assert message in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv, message", [
    (["--devices", "2"], "argument --devices: Argument `devices` applies to "
                         "strategy='mirrored' only (logical CPU devices). Received: "
                         "devices=2 with strategy='multi-worker'"),
    (["--minutes", "5"], "argument --minutes: not with --strategy multi-worker: each worker "
                         "would time its own epochs"),
])
def test_multi_worker_refuses_options_it_cannot_honour(argv, message, tmp_path, capsys,
                                                       monkeypatch):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["127.0.0.1:1"]}, '
                                    '"task": {"type": "worker", "index": 0}}')
    err = usage_error(["train", "--strategy", "multi-worker", *argv, "--run-dir",
                       tmp_path / "run"], capsys)
    assert message in err
    assert not (tmp_path / "run").exists()


# --- 4. Errors a user can act on --------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ("nope.tsv", "argument --data: no such file (bundled corpora: synthetic_en_fr). "
                 "Received: nope.tsv"),
    ("no/such/fra.zip", "argument --data: no such file"),
    ("synthetic_fr_en", "argument --data: no such file or bundled corpus"),
])
def test_missing_data_says_no_such_file(data, message, tmp_path, capsys):
    assert message in usage_error(["train", "--data", data], capsys)


def test_a_run_directory_train_did_not_write_is_refused(tmp_path, capsys):
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    err = usage_error(["train", "--run-dir", folder], capsys)
    assert "is a folder tf-lstm train did not write" in err
    err = usage_error(["train", "--run-dir", folder / "thesis.tex"], capsys)
    assert "argument --run-dir: must be a folder, not a file" in err
    assert snapshot(folder) == {"thesis.tex": b"years of work"}


def test_resuming_with_a_changed_set_fails_before_config_json_is_rewritten(tmp_path, capsys):
    from tf_lstm.translation import runs

    run = tmp_path / "run"
    argv = ["train", "--run-dir", str(run), *TINY]
    args = cli.build_parser().parse_args(argv)
    cli._check(args)
    run.mkdir()
    (run / "config.json").write_text(json.dumps(dataclasses.asdict(args.config)))
    spec = runs.DataSpec(seed=0).with_fingerprint()
    (run / "data.json").write_text(json.dumps(dataclasses.asdict(spec)))
    (run / "backup").mkdir()  # a killed run
    before = snapshot(run)
    err = failure([*argv, "--set", "units=32", "--seed", "2"], capsys)
    assert "holds an interrupted run (backup/) with other settings: units 16 -> 32" in err
    assert "seed 0 -> 2" in err
    assert snapshot(run) == before


@pytest.mark.parametrize("content", [b"", b"\x00" * 1000, os.urandom(4096)])
def test_a_corrupt_model_file_says_corrupt_not_missing(fake_run, content, capsys):
    (fake_run / "model.keras").write_bytes(content)
    err = failure(["translate", "--run-dir", fake_run, "Hello."], capsys)
    assert "model.keras: corrupt or not a .keras file" in err
    assert "not found" not in err.lower()


def test_errors_are_one_line_unless_debug(fake_run, capsys):
    err = failure(["export", "--run-dir", fake_run], capsys)
    assert "corrupt or not a .keras file" in err
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(ValueError, match="corrupt or not a .keras file"):
        cli.main(["export", "--run-dir", str(fake_run), "--debug"])


def test_stdin_lines_are_decoded_one_by_one():
    lines, bad = commands.read_lines(io.BytesIO(b"\xef\xbb\xbfHi.\n\n  \nOui \xe9t\xe9\r\nEnd."))
    assert lines == ["Hi.", "", "  ", None, "End."]
    assert bad == [(4, "invalid continuation byte at byte 4")]
    assert commands.read_lines(io.BytesIO(b"")) == ([], [])
    assert commands.read_lines(io.BytesIO(b"\n")) == ([""], [])


# --- Cases that need a trained model: one tiny run for the module -------------------------------

@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny run trained by the command line on a 400-pair file: (run, data file)."""
    folder = tmp_path_factory.mktemp("misuse")
    data = pairs_file(folder / "pairs.txt", corpus.load_bundled()["train"][:400])
    run = folder / "run"
    assert cli.main(["train", "--data", str(data), "--valid", "40", "--test", "40",
                     "--seed", "1", "--run-dir", str(run), *TINY]) == 0
    return run, data


def _stdin(monkeypatch, data):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.mark.slow
def test_the_run_records_its_seed_and_data(trained):
    run, data = trained
    assert json.loads((run / "config.json").read_text())["seed"] == 1
    recorded = json.loads((run / "data.json").read_text())
    assert recorded["data"] == str(data) and recorded["seed"] == 1
    assert (recorded["sha256"], recorded["size"]) == tuple(corpus.fingerprint(data).values())


@pytest.mark.slow
def test_translate_gives_one_line_per_line_like_the_saved_model(trained, tmp_path,
                                                                 monkeypatch, capsys):
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (the SavedModel's normalisation ops)

    run, _ = trained
    lines = ["He slept.", "", "   ", "I eat.", "We are not going to fall."]
    _stdin(monkeypatch, "\n".join(lines).encode() + b"\n")
    assert cli.main(["translate", "--run-dir", str(run)]) == 0
    out = capsys.readouterr().out.split("\n")
    assert out[-1] == "" and len(out[:-1]) == len(lines)  # 5 lines in, 5 lines out
    assert out[1] == out[2] == "" and all(out[i] for i in (0, 3, 4))
    assert cli.main(["export", "--run-dir", str(run), "--out", str(tmp_path / "saved")]) == 0
    saved = tf.saved_model.load(str(tmp_path / "saved"))
    expected = saved.signatures["serving_default"](tf.constant(lines))["output_0"]
    assert out[:-1] == [t.decode() for t in expected.numpy()]


@pytest.mark.slow
def test_translate_names_invalid_utf8_lines_and_translates_the_others(trained, monkeypatch,
                                                                       capsys):
    run, _ = trained
    assert cli.main(["translate", "--run-dir", str(run), "He slept.", "I eat."]) == 0
    expected = capsys.readouterr().out.splitlines()
    _stdin(monkeypatch, b"He slept.\nI \xff eat.\nI eat.\n")
    assert cli.main(["translate", "--run-dir", str(run)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [expected[0], "", expected[1]]
    assert "tf-lstm: error: stdin: 1 line(s) not valid UTF-8 (line 2: invalid start byte" \
        in captured.err


@pytest.mark.slow
def test_evaluate_works_from_any_folder_until_the_data_changes(trained, tmp_path,
                                                                monkeypatch, capsys):
    run, data = trained
    original = data.read_bytes()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["evaluate", "--run-dir", str(run)]) == 0
    assert "test: 40 pairs, greedy: BLEU" in capsys.readouterr().out
    try:
        with open(data, "a", encoding="utf-8") as f:
            f.write("A new sentence.\tUne nouvelle phrase.\n")
        err = failure(["evaluate", "--run-dir", run], capsys)
        assert "The data changed since the run was trained" in err
    finally:
        data.write_bytes(original)


@pytest.mark.slow
def test_export_replaces_its_own_saved_model_and_others_only_with_force(trained, tmp_path,
                                                                         capsys):
    run = tmp_path / "run"
    shutil.copytree(trained[0], run)
    for _ in range(2):  # the second replaces the first's SavedModel
        assert cli.main(["export", "--run-dir", str(run)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert (run / "saved_model").stat().st_mode & 0o777 == 0o777 & ~umask
    assert {"model.keras", "results.json", "logs", "saved_model"} <= {
        p.name for p in run.iterdir()}
    other = tmp_path / "exports"
    other.mkdir()
    (other / "old.txt").write_text("replace me")
    usage_error(["export", "--run-dir", run, "--out", other], capsys)
    assert cli.main(["export", "--run-dir", str(run), "--out", str(other), "--force"]) == 0
    assert (other / "saved_model.pb").is_file() and not (other / "old.txt").exists()


@pytest.mark.slow
def test_a_truncated_model_file_says_corrupt(trained, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(trained[0], run)
    model = run / "model.keras"
    model.write_bytes(model.read_bytes()[:model.stat().st_size // 3])
    err = failure(["translate", "--run-dir", run, "Hello."], capsys)
    assert "model.keras: corrupt or not a .keras file" in err
