"""Translation quality on real data: Tatoeba English->French within a time budget.

    python -m benchmarks.tatoeba --data ../shared/data/tatoeba-fra-eng/fra.txt

Trains the translator on the Anki/Tatoeba file given by path (never committed),
holding out 2,000 test pairs whose English sentences never occur in training
(`tf_lstm.translation.corpus.split_pairs`), for at most `--minutes` of training, then writes
sacreBLEU BLEU and chrF (greedy and beam width 4, default tokenisation,
against the true-cased accented references), the training time and the
validation loss after each epoch to
`benchmarks/results/tatoeba_fra_eng.json` and `.md`, and example translations
to `benchmarks/results/tatoeba_fra_eng.private.md`. The examples quote Tatoeba
sentences, which must not enter the repository: `*.private.*` is git-ignored.
"""

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

from benchmarks.common import RESULTS, with_extension, write_atomic
from tf_lstm import cli
from tf_lstm.translation.training import write_json

# The model for real data: a larger vocabulary and model than the demo's.
SETTINGS = {"embedding_dim": 256, "units": 256, "dropout": 0.3, "lr_decay": 0.8,
            "max_source_vocabulary": 8000, "max_target_vocabulary": 10000,
            "max_length": 24, "batch_size": 64, "learning_rate": 2e-3,
            "epochs": 40, "patience": 3}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="path to fra.txt (Anki format)")
    parser.add_argument("--minutes", type=float, default=30.0, help="training budget")
    parser.add_argument("--test", type=int, default=2000, help="held-out test pairs")
    parser.add_argument("--valid", type=int, default=1000, help="held-out valid pairs")
    parser.add_argument("--run-dir", help="run directory (default: a temporary one)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="change one of the model settings (a TranslatorConfig field), "
                             "e.g. --set batch_size=256")
    parser.add_argument("--out", default=str(RESULTS / "tatoeba_fra_eng"),
                        help="results path without extension (.json and .md written)")
    args = parser.parse_args(argv)
    if not os.path.isfile(args.data):
        parser.error(f"--data must be an existing file. Received: {args.data}")
    run_dir = args.run_dir or tempfile.mkdtemp(prefix="tatoeba_")
    command = ["train", "--data", args.data, "--run-dir", run_dir, "--test", str(args.test),
               "--valid", str(args.valid), "--minutes", str(args.minutes)]
    for key, value in SETTINGS.items():
        command += ["--set", f"{key}={value}"]
    for item in args.set:  # later --set wins; tf_lstm.cli checks the keys and values
        command += ["--set", item]
    cli.main(command)
    results = json.loads((Path(run_dir) / "results.json").read_text(encoding="utf-8"))
    results.update(command="python -m benchmarks.tatoeba --data " + args.data
                   + f" --minutes {args.minutes:g}"
                   + "".join(f" --set {item}" for item in args.set), run_dir=run_dir,
                   machine=f"{platform.machine()}, {os.cpu_count()} cores, "
                           f"Python {platform.python_version()}")
    with open(Path(run_dir) / "history.csv", newline="", encoding="utf-8") as f:
        results["history"] = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# Tatoeba English->French ({results['pairs']['test']} held-out test pairs)",
             "", f"Command: `{results['command']}`  ", f"Machine: {results['machine']}  ",
             f"Training: {results['epochs_run']} epochs, "
             f"{results['train_seconds'] / 60:.1f} minutes", "",
             "Validation loss after each epoch: "
             + ", ".join(f"{row['val_loss']:.2f}" for row in results["history"]), "",
             "| decoding | BLEU | chrF | sentences/s |", "|---|---|---|---|"]
    for key in ("greedy", "beam4"):
        s = results[key]
        lines.append(f"| {s['method']} | {s['bleu']:.1f} | {s['chrf']:.1f} | "
                     f"{s['sentences'] / s['seconds']:.0f} |")
    examples = ["| English | reference | ours (greedy) |", "|---|---|---|"]
    examples += [f"| {x['english']} | {x['reference']} | {x['greedy']} |"
                 for x in results.pop("examples")]
    private = with_extension(out, ".private.md")
    _write_text(private, "\n".join(["# Example test translations (Tatoeba text: "
                                    "not for the repository)", ""] + examples))
    lines += ["", f"Example translations: `{private.name}` (git-ignored: Tatoeba text)."]
    write_json(with_extension(out, ".json"), results)
    _write_text(with_extension(out, ".md"), "\n".join(lines))
    print("\n".join(lines))
    return 0


def _write_text(path, text):
    write_atomic(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
