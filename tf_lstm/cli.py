"""Command line: `python -m tf_lstm demo | verify | train | translate | evaluate | export`.

- `demo` (the main job, `make demo`): verifies the from-scratch LSTMs against
  `keras.layers.LSTM`, then trains the translator on the bundled corpus,
  prints test-split BLEU and chrF and a few test translations, and writes the
  training curves and an attention heatmap into its run directory.
- `verify`: only the verification table.
- `train --data NAME|PATH`: train in a run directory (`runs/<name>` by default).
- `translate --run-dir DIR "sentence" ...`: translate sentences (or stdin lines).
- `evaluate --run-dir DIR`: BLEU and chrF on the run's test split.
- `export --run-dir DIR`: write the string-in/string-out SavedModel.

Every command that fails a check exits non-zero.
"""

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

# Small settings that make the test suite's runs quick (TF_LSTM_FAST=1 or --fast).
FAST = {"embedding_dim": 32, "units": 64, "epochs": 2, "batch_size": 64}
FAST_TRAIN_PAIRS = 2000
# The demo's budget on a 2-core CPU: 5 epochs of the default model (about 3 minutes).
DEMO_EPOCHS = 5


def _verify(args):
    from tf_lstm import verify  # imported late: TensorFlow is slow to load

    print("Verifying the from-scratch LSTMs against keras.layers.LSTM "
          f"(same weights, {len(verify.SHAPES)} shapes x go_backwards x mask x "
          "initial state)...\n", flush=True)
    rows = verify.run_verification(seed=args.seed)
    print(verify.format_table(rows))
    failed = [r for r in rows if not r.passed]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} checks within tolerance.")
    return 1 if failed else 0


def _config(args):
    from tf_lstm.translation.config import TranslatorConfig

    values = dict(FAST) if args.fast else {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        fields = {f.name: f.type for f in dataclasses.fields(TranslatorConfig)}
        if key not in fields or not value:
            raise SystemExit(f"--set {item!r}: expected KEY=VALUE with KEY one of "
                             f"{sorted(fields)}")
        kind = {"float": float, "str": str}.get(getattr(fields[key], "__name__", fields[key]), int)
        values[key] = kind(value)
    if args.epochs:
        values["epochs"] = args.epochs
    elif args.command == "demo" and not args.fast:
        values["epochs"] = DEMO_EPOCHS
    return TranslatorConfig(**values)


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
    config = _config(args)
    run_dir = Path(args.run_dir or Path("runs") / Path(args.data).stem)
    print(f"Data: {spec.data}: " + ", ".join(f"{k} {len(v)} pairs"
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
               "train_seconds": train_seconds, "config": dataclasses.asdict(config),
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tf_lstm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, run, help_text):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        sub.set_defaults(run=run)
        return sub

    def training_options(sub):
        sub.add_argument("--data", default="synthetic_en_fr",
                         help="bundled corpus name or path to an Anki/TSV file")
        sub.add_argument("--run-dir", help="output directory (default runs/<data name>)")
        sub.add_argument("--epochs", type=int, help="override TranslatorConfig.epochs")
        sub.add_argument("--set", action="append", metavar="KEY=VALUE",
                         help="override any TranslatorConfig field (repeatable)")
        sub.add_argument("--valid", type=int, default=1000, help="valid pairs (file data)")
        sub.add_argument("--test", type=int, default=2000, help="test pairs (file data)")
        sub.add_argument("--limit", type=int, default=0, help="read at most N lines")
        sub.add_argument("--minutes", type=float, default=0,
                         help="training time budget: stop before an epoch that would end past it")
        sub.add_argument("--fast", action="store_true",
                         default=os.environ.get("TF_LSTM_FAST") == "1",
                         help="tiny model and data (default when TF_LSTM_FAST=1)")

    command("verify", _verify, "scratch LSTMs vs Keras, forward and backward")
    training_options(command("demo", _demo, "the main job: verify, then train and evaluate"))
    training_options(command("train", lambda a: (_train(a), 0)[1], "train a translator"))
    sub = command("translate", _translate, "translate sentences with a trained run")
    sub.add_argument("--run-dir", required=True)
    sub.add_argument("--beam", type=int, default=1, help="beam width (1 = greedy)")
    sub.add_argument("sentences", nargs="*", help="English sentences (default: stdin)")
    sub = command("evaluate", _evaluate, "BLEU and chrF on a split of the run's data")
    sub.add_argument("--run-dir", required=True)
    sub.add_argument("--split", default="test", choices=["train", "valid", "test"])
    sub.add_argument("--beam", type=int, default=1, help="beam width (1 = greedy)")
    sub = command("export", _export, "write the string-in/string-out SavedModel")
    sub.add_argument("--run-dir", required=True)
    sub.add_argument("--out", help="SavedModel folder (default RUN_DIR/saved_model)")
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
