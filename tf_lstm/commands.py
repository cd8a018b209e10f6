"""What each `tf-lstm` command does, given its parsed and checked arguments.

`tf_lstm.cli` parses the command line, checks every option before any work
starts and turns errors into one line; the functions here do the work, one
per command (`verify`, `demo`, `train`, `translate`, `evaluate`, `export`),
each returning the exit status. TensorFlow is imported inside them, after the
command line has been checked.
"""

import dataclasses
import os
import sys
import time
import warnings
from pathlib import Path

FAST_TRAIN_PAIRS = 2000    # --fast: the first training pairs kept
FAST_HELD_OUT_PAIRS = 200  # --fast: the first valid and test pairs kept


def verify(args):
    from tf_lstm import verify as verification

    print("Verifying the from-scratch LSTMs against keras.layers.LSTM "
          f"(same weights, {len(verification.SHAPES)} shapes x go_backwards x mask x "
          "initial state)...\n", flush=True)
    rows = verification.run_verification(seed=args.seed)
    print(verification.format_table(rows))
    failed = [r for r in rows if not r.passed]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} checks within tolerance.")
    return 1 if failed else 0


def prepare_run(args):
    """Load and check a `train`/`demo` run's data before any training.

    Returns:
        `(spec, splits, prepared)`: the `DataSpec` with its fingerprint, the
        pair lists (cut to `--fast` sizes) and the prepared datasets.

    Raises:
        ValueError: if the run directory holds an interrupted run with other
            settings, or on bad data or sizes (`runs.load_splits`,
            `training.prepare`); nothing is written then.
    """
    from tf_lstm.translation import runs, training

    cut = ({"train_pairs": FAST_TRAIN_PAIRS, "held_out_pairs": FAST_HELD_OUT_PAIRS}
           if args.fast else {})  # recorded in data.json, so `evaluate` scores the same
    spec = runs.DataSpec(data=args.data, valid=args.valid, test=args.test,
                         limit=args.limit, seed=args.seed, **cut).with_fingerprint()
    runs.check_resumable(args.run_dir, args.config, spec)
    splits = runs.load_splits(spec)
    return spec, splits, training.prepare(splits, args.config)


def make_strategy(args):
    """The run's `tf.distribute` strategy, made before any TensorFlow op runs.

    Sets `args.distribution` (the strategy) and, with `--scale-learning-rate`,
    multiplies `args.config.learning_rate` by the replica count (before the
    resume check, so config.json records the rate actually used). Prints the
    replica count and the per-replica batch.
    """
    from tf_lstm.translation import distribute

    strategy = distribute.make_strategy(args.strategy, args.devices)
    if args.scale_learning_rate:
        args.config = distribute.scale_learning_rate(args.config, strategy)
    args.distribution = strategy
    count = distribute.replicas(strategy)
    worker = ""
    if args.strategy == "multi-worker":
        workers, index, chief = distribute.check_tf_config(os.environ.get("TF_CONFIG"))
        worker = f" (worker {index} of {workers}{', the chief' if chief else ''})"
    print(f"Strategy: {args.strategy}{worker}, {count} replica{'s' if count > 1 else ''}; "
          f"global batch {args.config.batch_size} = "
          f"{distribute.per_replica_batch(args.config.batch_size, strategy)} pairs per "
          f"replica; learning rate {args.config.learning_rate:g}"
          f"{' (scaled by the replica count)' if args.scale_learning_rate else ''}",
          flush=True)
    return strategy


def run_training(args, data, demo=False):
    """Train, then (on the chief only) save, evaluate and plot; returns the greedy scores.

    Returns None on a multi-worker run's other workers, which write nothing.
    """
    from tf_lstm import translation
    from tf_lstm.files import write_json
    from tf_lstm.translation import distribute, training
    from tf_lstm.translation.evaluate import run_results
    from tf_lstm.translation.export import save_keras
    from tf_lstm.translation.inference import StringTranslator

    spec, splits, prepared = data
    config, run_dir = args.config, args.run_dir
    print(f"Data: {Path(spec.data).name}: " + ", ".join(f"{k} {len(v)} pairs"
                                                        for k, v in splits.items()))
    print(f"Vocabulary: {len(prepared.source_vocabulary)} English, "
          f"{len(prepared.target_vocabulary)} French tokens. Run directory: {run_dir}")
    model = training.build_translator(prepared, config,
                                      strategy=getattr(args, "distribution", None))
    chief = distribute.is_chief(model.distribute_strategy)
    if chief:  # under multi-worker, only the chief writes
        write_json(run_dir / "data.json", dataclasses.asdict(spec))  # an interrupted run has it
    budget = [training.TimeBudget(args.minutes)] if args.minutes else []
    if args.minutes:
        print(f"Time budget: {args.minutes:g} minutes of training", flush=True)
    start = time.perf_counter()
    history = training.train(model, prepared, run_dir, verbose=2 if demo else "auto",
                             extra_callbacks=budget)
    train_seconds = time.perf_counter() - start
    if not chief:
        print(f"\nTraining: {len(history.epoch)} epochs in {train_seconds / 60:.1f} minutes. "
              "This worker writes nothing: the chief writes the run directory.")
        return None
    save_keras(model, run_dir / "model.keras")
    translation.plot_training_curves(history.history).savefig(
        run_dir / "curves.png", dpi=100)

    translator = StringTranslator(model)
    results, scores, beam = run_results(translator, prepared, splits, history, train_seconds)
    results["preset"] = args.preset
    write_json(run_dir / "results.json", results)
    print(f"\nTraining: {results['epochs_run']} epochs in {train_seconds / 60:.1f} "
          f"minutes ({results['target_tokens_per_second']:.0f} target tokens/s).")
    print(f"Test split ({scores.sentences} pairs never seen in training):")
    for s in (scores, beam):
        print(f"  {s.method:>12}: BLEU {s.bleu:5.1f}  chrF {s.chrf:5.1f}  "
              f"({s.sentences / s.seconds:.0f} sentences/s)")
    print("\nExamples from the test split:")
    for example in results["examples"][:5]:
        print(f"  EN  {example['english']}\n  FR  {example['reference']}\n"
              f"  MT  {example['greedy']}\n")
    english = splits["test"][0][0]
    source, target, weights = translator.attention(english)
    translation.plot_attention(weights, source, target).savefig(
        run_dir / "attention.png", dpi=100, bbox_inches="tight")
    print(f"Wrote {run_dir / 'curves.png'} and {run_dir / 'attention.png'}")
    return scores


def train(args):
    make_strategy(args)
    run_training(args, prepare_run(args))
    return 0


def load_translator(run_dir):
    """The `StringTranslator` of the model a run directory holds."""
    from tf_lstm.translation.export import load_keras
    from tf_lstm.translation.inference import StringTranslator

    return StringTranslator(load_keras(Path(run_dir) / "model.keras"))


def read_lines(stream):
    """Split a byte stream into lines, each decoded from UTF-8 on its own.

    Args:
        stream: a binary file object (``sys.stdin.buffer``).

    Returns:
        `(lines, bad)`: one str per input line (without its ``\\n`` or
        ``\\r\\n``; None for a line that is not valid UTF-8), and the 1-based
        numbers of those lines with the reason, ``[(number, reason)]``.

    Example:

    >>> import io
    >>> read_lines(io.BytesIO(b"Hi.\\n\\nBad \\xff.\\r\\nBye."))
    (['Hi.', '', None, 'Bye.'], [(3, 'invalid start byte at byte 4')])
    """
    data = stream.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte order mark
    if not data:
        return [], []
    if data.endswith(b"\n"):
        data = data[:-1]  # the final newline ends the last line; it does not start one
    lines, bad = [], []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8").removesuffix("\r"))
        except UnicodeDecodeError as e:
            lines.append(None)
            bad.append((number, f"{e.reason} at byte {e.start}"))
    return lines, bad


def translate(args):
    """One output line per input (sentence arguments, else stdin lines).

    A blank input gives a blank line, as the SavedModel gives "". A stdin
    line that is not UTF-8 gives a blank line too, every other line is
    translated, and the command then names those lines and exits 1.
    """
    translator = load_translator(args.run_dir)
    if args.sentences:
        texts, bad, noun = list(args.sentences), [], "sentence"
    else:
        stdin = getattr(sys.stdin, "buffer", None)
        texts, bad = (read_lines(stdin) if stdin is not None else
                      ([line.rstrip("\n") for line in sys.stdin], []))
        noun = "line"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = translator.translate(["" if text is None else text for text in texts],
                                   beam_width=args.beam)
    for warning in caught:  # the translator numbers sentences from 0
        warnings.warn_explicit(f"{warning.message} (index 0 is the first input {noun})",
                               warning.category, warning.filename, warning.lineno)
    sys.stdout.write("".join(f"{line}\n" for line in out))
    sys.stdout.flush()
    if bad:
        listed = "; ".join(f"line {n}: {reason}" for n, reason in bad[:10])
        raise ValueError(f"stdin: {len(bad)} line(s) not valid UTF-8 ({listed}"
                         f"{'; ...' if len(bad) > 10 else ''}); each gave an empty output "
                         "line, every other line was translated")
    return 0


def evaluate(args):
    from tf_lstm.translation import runs
    from tf_lstm.translation.evaluate import evaluate as score

    spec = runs.load_data_spec(args.run_dir)
    test = runs.load_splits(spec)[args.split]
    scores, _ = score(load_translator(args.run_dir), test, beam_width=args.beam)
    print(f"{args.split}: {scores.sentences} pairs, {scores.method}: BLEU "
          f"{scores.bleu:.1f}, chrF {scores.chrf:.1f}\n{scores.signature}")
    return 0


def export(args):
    from tf_lstm.translation.export import export_saved_model, load_keras

    out = export_saved_model(load_keras(Path(args.run_dir) / "model.keras"),
                             args.out, overwrite=args.force)
    print(f"SavedModel written to {out} (signatures: serving_default, beam4)")
    return 0


def demo(args):
    from tf_lstm.translation.corpus import BUNDLED

    make_strategy(args)
    data = prepare_run(args)  # the data and the run directory are checked before verifying
    status = verify(args)
    spec = data[0]
    print(f"\nTraining the English->French translator on {Path(spec.data).name}...\n",
          flush=True)
    scores = run_training(args, data, demo=True)
    # The BLEU target is set for the bundled corpus; scores is None on a
    # multi-worker run's other workers, which evaluate nothing.
    if scores is not None and spec.data == BUNDLED:
        target = 80.0
        print(f"Demo target BLEU >= {target:.0f} on the test split: "
              f"{'reached' if scores.bleu >= target else 'NOT reached'} ({scores.bleu:.1f})")
    return status
