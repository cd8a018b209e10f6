"""The command line: `tf-lstm demo | verify | train | translate | evaluate | export`.

Installed with the package as the `tf-lstm` command (`python -m tf_lstm` is the
same program):

- `tf-lstm demo` (the main job, `make demo`): verifies the from-scratch LSTMs
  against `keras.layers.LSTM` (`tf_lstm.verify`), then trains the translator
  (`tf_lstm.translation`) on the bundled corpus, prints test-split BLEU and
  chrF and a few test translations, and writes the training curves and an
  attention heatmap into its run directory.
- `tf-lstm verify`: only the verification table.
- `tf-lstm train --data NAME|PATH`: train in a run directory (`runs/<data name>`
  by default). `--preset` picks a recipe from
  `tf_lstm.translation.config.PRESETS` and `--set KEY=VALUE` changes any
  `TranslatorConfig` field; the real-data recipe is one command:
  `tf-lstm train --data path/to/fra.txt --preset tatoeba --minutes 30`.
- `tf-lstm translate --run-dir DIR "sentence" ...`: translate sentences (or stdin lines).
- `tf-lstm evaluate --run-dir DIR`: BLEU and chrF on the run's test split.
- `tf-lstm export --run-dir DIR`: write the string-in/string-out SavedModel.

`--fast` (the default when TF_LSTM_FAST=1) trains a tiny model on 2,000 pairs,
for the tests. Every command that fails a check exits non-zero.
"""

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# Small settings that make the test suite's runs quick (TF_LSTM_FAST=1 or --fast).
FAST = {"embedding_dim": 32, "units": 64, "epochs": 2, "batch_size": 64}
FAST_TRAIN_PAIRS = 2000
# The demo's budget on a 2-core CPU: 5 epochs of the default model (about 3 minutes).
DEMO_EPOCHS = 5
# What TensorFlow's native libraries print to stderr as they load, whatever
# TF_CPP_MIN_LOG_LEVEL says (TensorFlow 2.21); `import_tensorflow_quietly` hides it.
TF_STARTUP_NOISE = ("All log messages before absl::InitializeLog()",
                    "oneDNN custom operations are on", "cudart_stub.cc",
                    "Could not find cuda drivers", "cuInit", "cpu_feature_guard")


def import_tensorflow_quietly():
    """Import TensorFlow, TensorFlow Text and Keras without TensorFlow's start-up notices.

    TensorFlow's C++ libraries write notices straight to file descriptor 2 as
    they load and look for devices (`TF_STARTUP_NOISE`: the absl preamble,
    oneDNN and CUDA notices, cuInit errors on machines without a GPU), before
    `TF_CPP_MIN_LOG_LEVEL` (set to 3 by `import tf_lstm`) takes effect. While
    they load, descriptor 2 points at a temporary file; it is restored
    afterwards. If an import fails, what was captured is written to stderr and
    the exception is raised as usual. Messages after start-up are not hidden.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
            import tensorflow as tf
            import tensorflow_text  # noqa: F401

            tf.config.list_physical_devices()  # CUDA's start-up (cuInit) happens here
        except BaseException:
            sys.stderr.flush()
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode("utf-8", errors="replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _positive(kind):
    """An argparse type: `kind` (int or float) that must be > 0."""
    def convert(text):
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be a positive {kind.__name__}. "
                                             f"Received: {text}")
        return value
    convert.__name__ = f"positive {kind.__name__}"
    return convert


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative int. Received: {text}")
    return value


def _config(args):
    """The `TranslatorConfig` of a `train` or `demo` command line.

    The preset first, then `--fast`'s settings, `--epochs` (or the demo's
    budget of `DEMO_EPOCHS`), and last the `--set KEY=VALUE` overrides.

    Raises:
        ValueError: on an unknown key, a value of the wrong type or out of range.
    """
    from tf_lstm.translation.config import TranslatorConfig

    values = dict(FAST) if args.fast else {}
    if args.epochs is not None:
        values["epochs"] = args.epochs
    elif args.command == "demo" and not args.fast:
        values["epochs"] = DEMO_EPOCHS
    return TranslatorConfig.from_overrides(args.set or (), preset=args.preset, **values)


def _verify(args):
    from tf_lstm import verify

    print("Verifying the from-scratch LSTMs against keras.layers.LSTM "
          f"(same weights, {len(verify.SHAPES)} shapes x go_backwards x mask x "
          "initial state)...\n", flush=True)
    rows = verify.run_verification(seed=args.seed)
    print(verify.format_table(rows))
    failed = [r for r in rows if not r.passed]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} checks within tolerance.")
    return 1 if failed else 0


def _train(args, demo=False):
    from tf_lstm import translation
    from tf_lstm.files import write_json
    from tf_lstm.translation import export, training
    from tf_lstm.translation.evaluate import evaluate
    from tf_lstm.translation.inference import StringTranslator

    spec = training.DataSpec(data=args.data, valid=args.valid, test=args.test,
                             limit=args.limit, seed=args.seed)
    splits = training.load_splits(spec)
    if args.fast:
        splits = {"train": splits["train"][:FAST_TRAIN_PAIRS],
                  "valid": splits["valid"][:200], "test": splits["test"][:200]}
    config = args.config
    run_dir = Path(args.run_dir or Path("runs") / Path(args.data).stem)
    print(f"Data: {Path(spec.data).name}: " + ", ".join(f"{k} {len(v)} pairs"
                                                        for k, v in splits.items()))
    prepared = training.prepare(splits, config)
    print(f"Vocabulary: {len(prepared.source_vocabulary)} English, "
          f"{len(prepared.target_vocabulary)} French tokens. Run directory: {run_dir}")
    model = training.build_translator(prepared, config)
    budget = [training.TimeBudget(args.minutes)] if args.minutes else []
    start = time.perf_counter()
    history = training.train(model, prepared, run_dir, verbose=2 if demo else "auto",
                             extra_callbacks=budget)
    train_seconds = time.perf_counter() - start
    export.save_keras(model, run_dir / "model.keras")
    write_json(run_dir / "data.json", dataclasses.asdict(spec))
    translation.plot_training_curves(history.history).savefig(
        run_dir / "curves.png", dpi=100)

    translator = StringTranslator(model)
    scores, hypotheses = evaluate(translator, splits["test"])
    beam, _ = evaluate(translator, splits["test"], beam_width=4)
    results = {"greedy": dataclasses.asdict(scores), "beam4": dataclasses.asdict(beam),
               "epochs_run": len(history.history.get("loss", [])),
               "train_seconds": train_seconds, "preset": args.preset,
               "config": dataclasses.asdict(config),
               "pairs": {k: len(v) for k, v in splits.items()},
               "vocabulary": {"english": len(prepared.source_vocabulary),
                              "french": len(prepared.target_vocabulary)},
               "examples": [{"english": e, "reference": f, "greedy": h}
                            for (e, f), h in list(zip(splits["test"], hypotheses))[:20]],
               "train_target_tokens_per_epoch": prepared.train_tokens}
    write_json(run_dir / "results.json", results)
    print(f"\nTraining: {results['epochs_run']} epochs in {train_seconds / 60:.1f} "
          f"minutes ({prepared.train_tokens * results['epochs_run'] / train_seconds:.0f}"
          " target tokens/s).")
    print(f"Test split ({scores.sentences} pairs never seen in training):")
    for s in (scores, beam):
        print(f"  {s.method:>12}: BLEU {s.bleu:5.1f}  chrF {s.chrf:5.1f}  "
              f"({s.sentences / s.seconds:.0f} sentences/s)")
    print("\nExamples from the test split:")
    for (english, french), hypothesis in list(zip(splits["test"], hypotheses))[:5]:
        print(f"  EN  {english}\n  FR  {french}\n  MT  {hypothesis}\n")
    english = splits["test"][0][0]
    source, target, weights = translator.attention(english)
    translation.plot_attention(weights, source, target).savefig(
        run_dir / "attention.png", dpi=100, bbox_inches="tight")
    print(f"Wrote {run_dir / 'curves.png'} and {run_dir / 'attention.png'}")
    return scores


def _train_command(args):
    _train(args)
    return 0


def _load(run_dir):
    from tf_lstm.translation import export
    from tf_lstm.translation.inference import StringTranslator

    return StringTranslator(export.load_keras(Path(run_dir) / "model.keras"))


def _translate(args):
    sentences = args.sentences or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for line in _load(args.run_dir).translate(sentences, beam_width=args.beam):
        print(line)
    return 0


def _evaluate(args):
    from tf_lstm.translation import training
    from tf_lstm.translation.evaluate import evaluate

    spec = training.DataSpec(**json.loads(
        (Path(args.run_dir) / "data.json").read_text(encoding="utf-8")))
    test = training.load_splits(spec)[args.split]
    scores, _ = evaluate(_load(args.run_dir), test, beam_width=args.beam)
    print(f"{args.split}: {scores.sentences} pairs, {scores.method}: BLEU "
          f"{scores.bleu:.1f}, chrF {scores.chrf:.1f}\n{scores.signature}")
    return 0


def _export(args):
    from tf_lstm.translation import export

    out = export.export_saved_model(export.load_keras(Path(args.run_dir) / "model.keras"),
                                    args.out or Path(args.run_dir) / "saved_model")
    print(f"SavedModel written to {out} (signatures: serving_default, beam4)")
    return 0


def _demo(args):
    status = _verify(args)
    print("\nTraining the English->French translator on the bundled corpus...\n",
          flush=True)
    scores = _train(args, demo=True)
    target = 80.0
    print(f"Demo target BLEU >= {target:.0f} on the test split: "
          f"{'reached' if scores.bleu >= target else 'NOT reached'} ({scores.bleu:.1f})")
    return status


def build_parser():
    """The `tf-lstm` argument parser; each command's function is its `run` default."""
    from tf_lstm.translation.config import PRESETS

    parser = argparse.ArgumentParser(prog="tf-lstm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, run, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        sub.set_defaults(run=run, parser=sub)
        return sub

    def training_options(sub):
        sub.add_argument("--data", default="synthetic_en_fr",
                         help="bundled corpus name (default synthetic_en_fr) or path to "
                              "an Anki/Tatoeba file (.txt or .zip)")
        sub.add_argument("--run-dir", help="output directory (default runs/<data name>)")
        sub.add_argument("--preset", default="demo", choices=sorted(PRESETS),
                         help="starting hyperparameters (default demo; tatoeba: the "
                              "recipe for the real Tatoeba file)")
        sub.add_argument("--epochs", type=_positive(int),
                         help="override TranslatorConfig.epochs")
        sub.add_argument("--set", action="append", metavar="KEY=VALUE",
                         help="override any TranslatorConfig field (repeatable, applied "
                              "last)")
        sub.add_argument("--valid", type=_positive(int), default=1000,
                         help="held-out validation pairs (file data; default 1000)")
        sub.add_argument("--test", type=_positive(int), default=2000,
                         help="held-out test pairs (file data; default 2000)")
        sub.add_argument("--limit", type=_non_negative_int, default=0,
                         help="read at most N lines of the file (default 0: all)")
        sub.add_argument("--minutes", type=_positive(float),
                         help="training time budget: stop before an epoch that would "
                              "end past it")
        sub.add_argument("--fast", action="store_true",
                         default=os.environ.get("TF_LSTM_FAST") == "1",
                         help="tiny model and data, for tests (default when "
                              "TF_LSTM_FAST=1)")

    def run_dir_option(sub):
        sub.add_argument("--run-dir", required=True,
                         help="a run directory written by `tf-lstm train`")

    command("verify", _verify, "scratch LSTMs vs Keras, forward and backward")
    training_options(command("demo", _demo, "the main job: verify, then train and "
                                            f"evaluate ({DEMO_EPOCHS} epochs unless "
                                            "--epochs)"))
    training_options(command("train", _train_command, "train a translator"))
    sub = command("translate", _translate, "translate sentences with a trained run")
    run_dir_option(sub)
    sub.add_argument("--beam", type=_positive(int), default=1,
                     help="beam width (default 1: greedy)")
    sub.add_argument("sentences", nargs="*", help="English sentences (default: stdin)")
    sub = command("evaluate", _evaluate, "BLEU and chrF on a split of the run's data")
    run_dir_option(sub)
    sub.add_argument("--split", default="test", choices=["train", "valid", "test"])
    sub.add_argument("--beam", type=_positive(int), default=1,
                     help="beam width (default 1: greedy)")
    sub = command("export", _export, "write the string-in/string-out SavedModel")
    run_dir_option(sub)
    sub.add_argument("--out", help="SavedModel folder (default RUN_DIR/saved_model)")
    return parser


def _check(args):
    """Check what can be checked before TensorFlow loads; a usage error exits 2."""
    if args.command in ("train", "demo"):
        from tf_lstm.translation.corpus import bundled_corpora

        if os.path.exists(args.data):
            args.data = os.path.abspath(args.data)  # data.json works from any folder
        elif args.data not in bundled_corpora():
            args.parser.error(f"argument --data: must be a file or one of the bundled "
                              f"corpora {bundled_corpora()}. Received: {args.data}")
        try:
            args.config = _config(args)
        except ValueError as e:
            args.parser.error(str(e))
    if args.command in ("translate", "evaluate", "export"):
        needed = ["model.keras"] + (["data.json"] if args.command == "evaluate" else [])
        missing = [name for name in needed if not (Path(args.run_dir) / name).is_file()]
        if missing:
            args.parser.error(f"argument --run-dir: must be a run directory written by "
                              f"`tf-lstm train` (missing {', '.join(missing)}). "
                              f"Received: {args.run_dir}")


def main(argv=None):
    """Run the command line `argv` (default `sys.argv[1:]`); return the exit status."""
    args = build_parser().parse_args(argv)
    _check(args)
    import_tensorflow_quietly()
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
