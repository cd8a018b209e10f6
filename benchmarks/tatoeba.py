"""Translation quality on real data: Tatoeba English->French within a time budget.

    python -m benchmarks.tatoeba --data path/to/fra.txt [--minutes 30]
        [--set KEY=VALUE ...] [--padded] [--sampled-softmax N]

Trains the translator with the "tatoeba" preset
(`tf_lstm.translation.config.PRESETS`; ``--set`` changes a field, checked by
`TranslatorConfig.from_overrides`) on the Anki/Tatoeba file given by path
(never committed), holding out ``--test`` pairs whose English sentences never
occur in training (`tf_lstm.translation.corpus.split_pairs`), for at most
``--minutes`` of training (`tf_lstm.translation.training.TimeBudget`), as
``tf-lstm train --preset tatoeba`` does. It then writes sacreBLEU BLEU and
chrF (greedy and beam width 4, default tokenisation, against the true-cased
accented references), the training time and the validation loss after each
epoch to `benchmarks/results/tatoeba_fra_eng.json` and `.md`, and example
translations to `benchmarks/results/tatoeba_fra_eng.private.md`. The examples
quote Tatoeba sentences, which must not enter the repository: `*.private.*`
is git-ignored.

Two experiments against the preset:

- ``--padded``: every training batch padded to the corpus's longest kept
  sentence (`benchmarks.padded.padded_batches`), the baseline that the
  preset's length-sorted batches are measured against;
- ``--sampled-softmax N``: train with a sampled softmax of N words
  (`benchmarks.sampled_softmax`); validation and decoding use the full one.
"""

import argparse
import csv
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import padded
from benchmarks.common import RESULTS, command_line, machine, with_extension
from benchmarks.sampled_softmax import build_translator
from tf_lstm.files import write_json, write_text
from tf_lstm.translation import runs, training
from tf_lstm.translation.config import BUDGETS, TranslatorConfig
from tf_lstm.translation.evaluate import run_results
from tf_lstm.translation.inference import StringTranslator

PRESET = "tatoeba"


def train_and_score(splits, config, run_dir, minutes, padded_batches=False, num_sampled=0):
    """Train on `splits["train"]` within `minutes`, then score the test split.

    Args:
        splits: `{"train", "valid", "test"}` lists of `(english, french)` pairs.
        config: a `TranslatorConfig`.
        run_dir: the run directory of `tf_lstm.translation.training.train`.
        minutes: the training budget (`TimeBudget`).
        padded_batches: train on `benchmarks.padded.padded_batches` instead of
            the config's length-grouped batches.
        num_sampled: 0 for the full softmax, else the sampled softmax's words.

    Returns:
        A JSON-ready dict: greedy and beam-4 scores, epochs, training seconds,
        the validation history (from the run's ``history.csv``), example
        translations (``"examples"``, corpus text).
    """
    prepared = training.prepare(splits, config)
    if padded_batches:
        prepared = dataclasses.replace(prepared, train=padded.padded_batches(
            *padded.encode(prepared, splits["train"]), config.batch_size,
            config.max_length, seed=config.seed))
    model = build_translator(prepared, config, num_sampled)
    start = time.perf_counter()
    history = training.train(model, prepared, run_dir, verbose=2,
                             extra_callbacks=[training.TimeBudget(minutes)])
    train_seconds = time.perf_counter() - start
    results, _, _ = run_results(StringTranslator(model), prepared, splits, history,
                                train_seconds)
    with open(Path(run_dir) / "history.csv", newline="", encoding="utf-8") as f:
        rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    averaging = Path(run_dir) / "averaging.json"
    return {**results, "padded_batches": padded_batches, "sampled_softmax": num_sampled,
            "history": rows,
            "averaging": json.loads(averaging.read_text()) if averaging.exists() else None}


def markdown(results):
    """The result's table, from `main`'s JSON-ready dict."""
    lines = [f"# Tatoeba English->French ({results['pairs']['test']} held-out test pairs)",
             "", f"Command: `{results['command']}`  ", f"Machine: {results['machine']}  ",
             f"Training: {results['epochs_run']} epochs, "
             f"{results['train_seconds'] / 60:.1f} minutes, "
             f"{results['target_tokens_per_second']:.0f} target tokens/s "
             f"({results['config']['tokenizer']}), "
             f"{results['train_pairs_per_second']:.0f} training pairs/s  ",
             f"Vocabulary: {results['vocabulary']['english']} English, "
             f"{results['vocabulary']['french']} French tokens  ",
             "Checkpoint averaging: " + _averaging(results.get("averaging")), "",
             "Validation loss after each epoch: "
             + ", ".join(f"{row['val_loss']:.2f}" for row in results["history"]), "",
             "| decoding | BLEU | chrF | sentences/s |", "|---|---|---|---|"]
    for key in ("greedy", "beam4"):
        s = results[key]
        lines.append(f"| {s['method']} | {s['bleu']:.1f} | {s['chrf']:.1f} | "
                     f"{s['sentences'] / s['seconds']:.0f} |")
    return "\n".join(lines)


def _averaging(outcome):
    """One line on `training.AverageCheckpoints`'s outcome (None: nothing averaged)."""
    if not outcome:
        return "none"
    epochs = outcome["epochs"]
    return (f"kept the {outcome['kept']} (validation loss: average of epochs "
            f"{epochs[0] + 1}-{epochs[-1] + 1} {outcome['average_val_loss']:.4f}, "
            f"epoch {epochs[-1] + 1} {outcome['epoch_val_loss']:.4f})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="path to fra.txt (Anki format)")
    parser.add_argument("--minutes", type=float, default=BUDGETS[PRESET],
                        help=f"training budget (default {BUDGETS[PRESET]:g}, the preset's)")
    parser.add_argument("--test", type=int, default=2000, help="held-out test pairs")
    parser.add_argument("--valid", type=int, default=1000, help="held-out valid pairs")
    parser.add_argument("--run-dir", help="run directory (default: a temporary one)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help=f"change a field of the {PRESET!r} preset (a TranslatorConfig "
                             "field), e.g. --set batch_size=256")
    parser.add_argument("--padded", action="store_true",
                        help="pad every batch to the corpus's longest kept sentence")
    parser.add_argument("--sampled-softmax", type=int, default=0, metavar="N",
                        help="train with a sampled softmax of N words (0 = full softmax)")
    parser.add_argument("--out", default=str(RESULTS / "tatoeba_fra_eng"),
                        help="results path without extension (.json and .md written)")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.data):
        parser.error(f"--data must be an existing file. Received: {args.data}")
    if args.sampled_softmax < 0:
        parser.error("--sampled-softmax must be a non-negative integer. "
                     f"Received: {args.sampled_softmax}")
    try:
        config = TranslatorConfig.from_overrides(args.set, preset=PRESET)
    except ValueError as error:
        parser.error(str(error))
    if args.sampled_softmax and config.label_smoothing:  # before any work
        parser.error("--sampled-softmax does not implement label smoothing: add --set "
                     f"label_smoothing=0. Received: label_smoothing={config.label_smoothing}")
    run_dir = args.run_dir or tempfile.mkdtemp(prefix="tatoeba_")
    print(f"Run directory: {run_dir}", flush=True)
    splits = runs.load_splits(runs.DataSpec(data=args.data, valid=args.valid,
                                                    test=args.test))
    results = train_and_score(splits, config, run_dir, args.minutes,
                              padded_batches=args.padded, num_sampled=args.sampled_softmax)
    results.update(command=command_line("benchmarks.tatoeba", argv), preset=PRESET,
                   machine=machine())
    examples = ["| English | reference | ours (greedy) |", "|---|---|---|"]
    examples += [f"| {x['english']} | {x['reference']} | {x['greedy']} |"
                 for x in results.pop("examples")]
    private = with_extension(args.out, ".private.md")
    write_text(private, "\n".join(["# Example test translations (Tatoeba text: "
                                   "not for the repository)", "", *examples]) + "\n")
    text = markdown(results) + (f"\n\nExample translations: `{private.name}` "
                                "(git-ignored: Tatoeba text).")
    write_json(with_extension(args.out, ".json"), results)
    write_text(with_extension(args.out, ".md"), text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
