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
  `tf-lstm train --data path/to/fra.txt --preset tatoeba` (a preset in
  `config.BUDGETS` brings its time budget: 30 minutes; `--minutes` changes it).
  `--seed` seeds the weights, dropout, shuffling and a file's split, and is
  recorded in config.json (`--set seed=...` is refused: one way to set it).
- `tf-lstm translate --run-dir DIR "sentence" ...`: translate sentences, or
  stdin: one output line per input line, a blank line for a blank line.
- `tf-lstm evaluate --run-dir DIR`: BLEU and chrF on the run's test split,
  refused if the data changed since training (data.json records its
  absolute path, SHA-256 and size).
- `tf-lstm export --run-dir DIR`: write the string-in/string-out SavedModel;
  `--out` must be new or a SavedModel tf-lstm wrote (`--force` replaces
  another folder), never a file, the run directory or a folder above it.

`train` and `demo` take `--strategy {none,mirrored,multi-worker}` (default
none; `tf_lstm.translation.distribute`): `mirrored` trains on every visible
GPU or, with `--devices N` on a CPU-only machine, on N logical CPU devices;
`multi-worker` on several machines, each running the same command with its
own `TF_CONFIG` (checked before any work; only the chief writes the run
directory). `batch_size` is the global batch, split between the replicas
(both numbers are printed at start); `--scale-learning-rate` multiplies the
learning rate by the replica count.

`--fast` (the default when TF_LSTM_FAST=1) trains a tiny model on 2,000 pairs,
for the tests. Errors are one line on stderr, ``tf-lstm: error: ...``: exit
status 2 when the command line is wrong (checked before any work starts), 1
when the command fails (bad data, a corrupt model file, a failed check);
`--debug` shows the traceback instead. docs/misuse.md lists the cases.
"""

import argparse
import os
import sys
import tempfile
import warnings
from pathlib import Path

from tf_lstm import commands
from tf_lstm.translation.distribute import STRATEGIES, check_strategy

# Small settings that make the test suite's runs quick (TF_LSTM_FAST=1 or --fast).
FAST = {"embedding_dim": 32, "units": 64, "epochs": 2, "batch_size": 64}
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
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a positive {kind.__name__}. "
                                             f"Received: {text}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be a positive {kind.__name__}. "
                                             f"Received: {text}")
        return value
    convert.__name__ = f"positive {kind.__name__}"
    return convert


def _non_negative_int(text):
    """An argparse type: an int >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative int. Received: {text}")
    return value


class _Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose usage errors are one line, exit status 2."""

    def error(self, message):
        self.exit(2, f"tf-lstm: error: {message} (see {self.prog} --help)\n")


def _config(args):
    """The `TranslatorConfig` of a `train` or `demo` command line.

    The preset first, then `--fast`'s settings, `--epochs` (or the demo's
    budget of `DEMO_EPOCHS`) and `--seed`, and last the `--set KEY=VALUE`
    overrides.

    Raises:
        ValueError: on an unknown key, a value of the wrong type or out of
            range, or `--set seed=...` (the seed is set by `--seed`).
    """
    from tf_lstm.translation.config import TranslatorConfig

    values = dict(FAST) if args.fast else {}
    if args.epochs is not None:
        values["epochs"] = args.epochs
    elif args.command == "demo" and not args.fast:
        values["epochs"] = DEMO_EPOCHS
    values["seed"] = args.seed
    for item in args.set or ():
        if str(item).partition("=")[0].strip() == "seed":
            raise ValueError(f"{item!r}: set the seed with --seed (it seeds the weights, "
                             "dropout, shuffling and a file's split)")
    return TranslatorConfig.from_overrides(args.set or (), preset=args.preset, **values)


def build_parser():
    """The `tf-lstm` argument parser; each command's function is its `run` default."""
    from tf_lstm.translation.config import BUDGETS, PRESETS

    parser = _Parser(prog="tf-lstm", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", required=True)

    def command(name, run, help_text):
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--debug", action="store_true",
                         help="show the traceback of an error instead of one line")
        sub.set_defaults(run=run, parser=sub)
        return sub

    def seed_option(sub, help_text):
        sub.add_argument("--seed", type=_non_negative_int, default=0, help=help_text)

    def training_options(sub):
        seed_option(sub, "seeds the weights, dropout, shuffling and a file's split; "
                         "recorded in config.json (default 0)")
        sub.add_argument("--data", default="synthetic_en_fr",
                         help="bundled corpus name (default synthetic_en_fr) or path to "
                              "an Anki/Tatoeba file (.txt or .zip)")
        sub.add_argument("--run-dir", help="output directory (default runs/<data name>): "
                                           "new, empty, or a run tf-lstm train wrote")
        sub.add_argument("--preset", default="demo", choices=sorted(PRESETS),
                         help="starting hyperparameters (default demo; tatoeba: the "
                              "recipe for the real Tatoeba file)")
        sub.add_argument("--epochs", type=_positive(int),
                         help="override TranslatorConfig.epochs")
        sub.add_argument("--set", action="append", metavar="KEY=VALUE",
                         help="override a TranslatorConfig field other than seed "
                              "(repeatable, applied last)")
        sub.add_argument("--valid", type=_positive(int),
                         help="held-out validation pairs (file data only; default 1000)")
        sub.add_argument("--test", type=_positive(int),
                         help="held-out test pairs (file data only; default 2000)")
        sub.add_argument("--limit", type=_positive(int),
                         help="read at most N lines of the file (file data only; "
                              "default all)")
        sub.add_argument("--minutes", type=_positive(float),
                         help="training time budget: stop before an epoch that would "
                              "end past it (default: the preset's, "
                              + ", ".join(f"{k} {v:g}" for k, v in BUDGETS.items())
                              + "; none for the others)")
        sub.add_argument("--strategy", default="none", choices=list(STRATEGIES),
                         help="tf.distribute strategy (default none: one device); "
                              "mirrored: every visible GPU, or --devices logical CPU "
                              "devices; multi-worker: several machines, each running "
                              "this command with its TF_CONFIG. --set batch_size is "
                              "the global batch")
        sub.add_argument("--devices", type=_positive(int),
                         help="--strategy mirrored only: that many GPUs, or on a "
                              "CPU-only machine that many logical CPU devices (default "
                              "every GPU, or 1)")
        sub.add_argument("--scale-learning-rate", action="store_true",
                         help="multiply learning_rate by the replica count (the linear "
                              "scaling rule for a global batch that many times larger); "
                              "the scaled rate is recorded in config.json")
        sub.add_argument("--fast", action="store_true",
                         default=os.environ.get("TF_LSTM_FAST") == "1",
                         help="tiny model and data, for tests (default when "
                              "TF_LSTM_FAST=1)")

    def run_dir_option(sub):
        sub.add_argument("--run-dir", required=True,
                         help="a run directory written by `tf-lstm train`")

    seed_option(command("verify", commands.verify, "scratch LSTMs vs Keras, forward and backward"),
                "seeds the weights and inputs of every case (default 0)")
    training_options(command("demo", commands.demo, "the main job: verify, then train and "
                                            f"evaluate ({DEMO_EPOCHS} epochs unless "
                                            "--epochs)"))
    training_options(command("train", commands.train, "train a translator"))
    sub = command("translate", commands.translate, "translate sentences with a trained run: one "
                                           "output line per input (blank for blank)")
    run_dir_option(sub)
    sub.add_argument("--beam", type=_positive(int), default=1,
                     help="beam width (default 1: greedy)")
    sub.add_argument("sentences", nargs="*", help="English sentences (default: stdin, "
                                                  "UTF-8, one per line)")
    sub = command("evaluate", commands.evaluate, "BLEU and chrF on a split of the run's data")
    run_dir_option(sub)
    sub.add_argument("--split", default="test", choices=["train", "valid", "test"])
    sub.add_argument("--beam", type=_positive(int), default=1,
                     help="beam width (default 1: greedy)")
    sub = command("export", commands.export, "write the string-in/string-out SavedModel")
    run_dir_option(sub)
    sub.add_argument("--out", help="SavedModel folder (default RUN_DIR/saved_model): new, "
                                   "or a SavedModel tf-lstm wrote")
    sub.add_argument("--force", action="store_true",
                     help="replace --out even if it is a folder tf-lstm did not write "
                          "(its contents are lost); never a file or the run directory")
    return parser


def _check_training(args):
    """`train`/`demo`: resolve --data and --run-dir, build the config; usage errors exit 2."""
    from tf_lstm.translation.config import BUDGETS
    from tf_lstm.translation.corpus import bundled_corpora

    error = args.parser.error
    try:
        check_strategy(args.strategy, args.devices)
    except ValueError as e:
        error(f"argument --{'devices' if args.devices else 'strategy'}: {e}")
    if args.minutes is None and not args.fast and args.preset in BUDGETS:
        if args.strategy == "multi-worker":  # a budget per worker could stop them apart
            print(f"Note: the {args.preset} preset's {BUDGETS[args.preset]:g}-minute budget "
                  "does not apply with --strategy multi-worker: training runs up to "
                  "--epochs (or the preset's epochs) with early stopping.", file=sys.stderr)
        else:
            args.minutes = BUDGETS[args.preset]  # the preset's own budget
    if args.strategy == "multi-worker" and args.minutes:
        error("argument --minutes: not with --strategy multi-worker: each worker would "
              "time its own epochs and they could stop at different ones; use --epochs. "
              f"Received: --minutes {args.minutes:g}")
    if os.path.exists(args.data):
        if not os.path.isfile(args.data):
            error(f"argument --data: must be a sentence-pair file, not a folder. "
                  f"Received: {args.data}")
        args.data = os.path.abspath(args.data)  # data.json works from any folder
    elif args.data in bundled_corpora():
        given = [name for name in ("valid", "test", "limit")
                 if getattr(args, name) is not None]
        if given:
            error(f"argument --{given[0]}: applies to a sentence-pair file only; the "
                  f"bundled corpus {args.data} has fixed splits")
    else:
        what = "file" if Path(args.data).suffix else "file or bundled corpus"
        error(f"argument --data: no such {what} (bundled corpora: "
              f"{', '.join(bundled_corpora())}). Received: {args.data}")
    try:
        args.config = _config(args)
    except ValueError as e:
        error(f"argument --set: {e}" if args.set else str(e))
    args.run_dir = Path(args.run_dir or Path("runs") / Path(args.data).stem)
    if os.path.lexists(args.run_dir) and not args.run_dir.is_dir():
        error(f"argument --run-dir: must be a folder, not a file. Received: {args.run_dir}")
    if (args.run_dir.is_dir() and any(args.run_dir.iterdir())
            and not any((args.run_dir / name).is_file()
                        for name in ("config.json", "data.json"))):
        error(f"argument --run-dir: {args.run_dir} is a folder tf-lstm train did not write "
              "(no config.json or data.json) and is not empty: its files could be "
              "overwritten; choose a new or empty folder")


def _check_export(args):
    """`export`: the destination must be safe to write; usage errors exit 2."""
    from tf_lstm.translation.export import export_refusal

    run_dir = Path(args.run_dir).resolve()
    args.out = Path(args.out) if args.out else Path(args.run_dir) / "saved_model"
    out = args.out.resolve()
    if out == run_dir or out in run_dir.parents:
        args.parser.error(f"argument --out: must not be the run directory or a folder "
                          f"holding it (exporting would replace the run). Received: "
                          f"{args.out}")
    reason = export_refusal(args.out, args.force, flag="--force")
    if reason:
        args.parser.error(f"argument --out: {reason}. Received: {args.out}")


def _check(args):
    """Check what can be checked before TensorFlow loads; a usage error exits 2."""
    if args.command in ("train", "demo"):
        _check_training(args)
    if args.command in ("translate", "evaluate", "export"):
        needed = ["model.keras"] + (["data.json"] if args.command == "evaluate" else [])
        missing = [name for name in needed if not (Path(args.run_dir) / name).is_file()]
        if missing:
            args.parser.error(f"argument --run-dir: must be a run directory written by "
                              f"`tf-lstm train` (missing {', '.join(missing)}). "
                              f"Received: {args.run_dir}")
    if args.command == "export":
        _check_export(args)


# What a command raises for a user's mistake (our checks raise these, with a
# message naming the argument); they print as one line unless --debug.
USER_ERRORS = (ValueError, TypeError, OSError)


def _one_line(message):
    return " ".join(str(message).split())


def main(argv=None):
    """Run the command line `argv` (default `sys.argv[1:]`); return the exit status.

    Returns:
        0 on success, 1 when the command fails; a usage error exits 2
        (`SystemExit`) before any work starts.
    """
    args = build_parser().parse_args(argv)
    try:
        _check(args)
        import_tensorflow_quietly()
        with warnings.catch_warnings():
            if not args.debug:
                warnings.showwarning = lambda message, *_, **__: print(
                    f"tf-lstm: warning: {_one_line(message)}", file=sys.stderr)
            return args.run(args)
    except USER_ERRORS as e:
        if args.debug:
            raise
        sys.stdout.flush()
        print(f"tf-lstm: error: {_one_line(e)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
