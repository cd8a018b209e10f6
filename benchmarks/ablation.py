"""What each lever of the Tatoeba recipe gives: one training run per lever, same budget.

    python -m benchmarks.ablation --data path/to/fra.txt [--epochs 2]
        [--rows base,bidirectional,...] [--parallel 2] [--threads 1] [--set KEY=VALUE ...]

Every row trains `BASE` (the "tatoeba" preset as it was before this
benchmark: run 5 of benchmarks/README.md, whole words, every lever off) with
ONE change (`ROWS`; ``--set`` changes a field for every row), for the same
number of epochs, on the same split
of the Anki/Tatoeba file (2,000 held-out test pairs whose English sentences
never occur in training, `tf_lstm.translation.corpus.split_pairs`), and
scores the held-out pairs with sacreBLEU (greedy and beam width 4). The
``base`` row also sweeps the decoder's beam width and length penalty on its
own model (`SWEEP`).

The budget is a number of epochs, not minutes: the rows run two at a time
on this shared 2-core machine (one thread each), so wall time per row says
little; the quality after equal epochs does not depend on the machine's
load. What a lever costs in speed is the tokens/s column (measured under the
same load, two rows at a time, so a rough guide), and `benchmarks.translator`
times configurations interleaved.

Each row runs in a fresh process (`--row NAME`, one JSON file), so rows do
not share TensorFlow state. Results: `benchmarks/results/tatoeba_ablation.json`
and `.md`.
"""

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import RESULTS, command_line, machine, with_extension
from tf_lstm.files import write_json, write_text

PRESET = "tatoeba"

# The recipe the levers are measured against: the "tatoeba" preset (PRESETS) with
# what the ablation then added to it taken out again (run 5's settings).
BASE = {"tokenizer": "words", "max_source_vocabulary": 8000, "max_target_vocabulary": 10000,
        "bidirectional": False, "input_feeding": False, "attention_scale": True,
        "tie_embeddings": False, "label_smoothing": 0.0, "warmup_steps": 0,
        "average_checkpoints": 1, "precision": "float32"}

# One change each against BASE.
ROWS = {
    "base": [],
    "wordpiece": ["tokenizer=wordpiece"],
    # WordPiece lets the output layer shrink: 6,000 pieces each side instead of 8,000 / 10,000 words
    "wordpiece_6000": ["tokenizer=wordpiece", "max_source_vocabulary=6000",
                       "max_target_vocabulary=6000"],
    "bidirectional": ["bidirectional=true"],
    "input_feeding": ["input_feeding=true"],
    "unscaled_attention": ["attention_scale=false"],
    "tied_embeddings": ["tie_embeddings=true"],
    "label_smoothing": ["label_smoothing=0.1"],
    "dropout_0.1": ["dropout=0.1"],
    "warmup": ["warmup_steps=500"],
    "no_decay": ["lr_decay=1.0"],
    "average_2": ["average_checkpoints=2"],
    "bfloat16": ["precision=mixed_bfloat16"],
    "base_seed1": ["seed=1"],  # the preset again, another seed: how much is noise
}

# (beam width, length penalty) pairs the base row decodes its test split with.
SWEEP = [(1, 0.0), (2, 0.6), (4, 0.0), (4, 0.6), (4, 1.0), (8, 0.6)]


def row_config(name, args):
    """Row `name`'s `TranslatorConfig`: the preset, `BASE`, ``--set``, the budget, the change."""
    from tf_lstm.translation.config import TranslatorConfig

    return TranslatorConfig.from_overrides(
        [*args.set, f"epochs={args.epochs}", f"patience={args.epochs}",
         f"seed={args.seed}", *ROWS[name]], preset=PRESET, **BASE)


def run_row(name, args):
    """Train and score one row in this process; returns its JSON-ready dict."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from tf_lstm.translation import runs, training
    from tf_lstm.translation.evaluate import evaluate
    from tf_lstm.translation.inference import StringTranslator

    config = row_config(name, args)
    splits = runs.load_splits(runs.DataSpec(data=args.data, valid=args.valid,
                                            test=args.test))
    start = time.perf_counter()
    prepared = training.prepare(splits, config)
    prepare_seconds = time.perf_counter() - start
    model = training.build_translator(prepared, config)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"ablation_{name}_") as run_dir:
        history = training.train(model, prepared, run_dir, verbose=2)
    train_seconds = time.perf_counter() - start
    epochs = len(history.history["loss"])
    kept_val_loss = float(model.evaluate(prepared.valid, verbose=0, return_dict=True)["loss"])
    translator = StringTranslator(model)
    decodes = SWEEP if name == "base" else [(1, 0.0), (4, 0.6)]
    scores = {}
    for beam_width, penalty in decodes:
        result, _ = evaluate(translator, splits["test"], beam_width=beam_width,
                             length_penalty=penalty)
        scores[f"beam{beam_width}_alpha{penalty}"] = dataclasses.asdict(result)
    return {"row": name, "overrides": ROWS[name], "config": dataclasses.asdict(config),
            "epochs_run": epochs, "train_seconds": train_seconds,
            "prepare_seconds": prepare_seconds,
            "target_tokens_per_second": prepared.train_tokens * epochs / train_seconds,
            "vocabulary": {"english": len(prepared.source_vocabulary),
                           "french": len(prepared.target_vocabulary)},
            "parameters": int(model.count_params()),
            "val_loss": [float(v) for v in history.history["val_loss"]],
            "kept_val_loss": kept_val_loss, "scores": scores}


def markdown(results):
    """The ablation table (and the base row's decoding sweep) from `main`'s dict."""
    rows = results["rows"]
    base = rows.get("base")
    lines = [f"# Tatoeba English->French: one lever at a time ({results['test']} held-out "
             f"test pairs, {results['epochs']} epochs each)", "",
             *[f"Command: `{c}`  " for c in
               dict.fromkeys(r.get("command", results["command"]) for r in rows.values())],
             f"Machine: {results['machine']}  ",
             f"Rows ran {results['parallel']} at a time, {results['threads']} thread(s) "
             "each; tokens/s is under that load (a rough guide; see benchmarks/README.md).",
             "", "| row | change | BLEU greedy | BLEU beam 4 | chrF beam 4 | Δ BLEU beam 4 "
             "| kept val loss | target tokens/s | parameters |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, row in rows.items():
        greedy, beam = row["scores"]["beam1_alpha0.0"], row["scores"]["beam4_alpha0.6"]
        delta = (f"{beam['bleu'] - base['scores']['beam4_alpha0.6']['bleu']:+.1f}"
                 if base and name != "base" else "")
        lines.append(f"| {name} | {' '.join(row['overrides']) or 'the preset'} | "
                     f"{greedy['bleu']:.1f} | {beam['bleu']:.1f} | {beam['chrf']:.1f} | "
                     f"{delta} | {row['kept_val_loss']:.3f} | "
                     f"{row['target_tokens_per_second']:.0f} | {row['parameters']:,} |")
    if base and "base_seed1" in rows:
        noise = (rows["base_seed1"]["scores"]["beam4_alpha0.6"]["bleu"]
                 - base["scores"]["beam4_alpha0.6"]["bleu"])
        lines += ["", f"Seed noise: the preset with another seed (base_seed1) differs from "
                      f"base by {noise:+.1f} BLEU (beam 4). A row whose Δ is smaller than "
                      f"{abs(noise):.1f} in size is not evidence for or against its lever "
                      "after this many epochs."]
    if base:
        lines += ["", "Decoding the base row's model (beam width, GNMT length penalty α):",
                  "", "| beam width | α | BLEU | chrF | sentences/s |", "|---|---|---|---|---|"]
        for key, s in base["scores"].items():
            width, alpha = key[len("beam"):].split("_alpha")
            lines.append(f"| {width} | {alpha} | {s['bleu']:.1f} | {s['chrf']:.1f} | "
                         f"{s['sentences'] / s['seconds']:.0f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="path to fra.txt (Anki format)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per row")
    parser.add_argument("--rows", default=",".join(ROWS),
                        help=f"comma-separated rows, of {', '.join(ROWS)}")
    parser.add_argument("--parallel", type=int, default=2, help="rows run at once")
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads per row")
    parser.add_argument("--seed", type=int, default=0, help="seed of every row but base_seed1")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help=f"change a field of the {PRESET!r} preset for every row")
    parser.add_argument("--test", type=int, default=2000, help="held-out test pairs")
    parser.add_argument("--valid", type=int, default=1000, help="held-out valid pairs")
    parser.add_argument("--out", default=str(RESULTS / "tatoeba_ablation"),
                        help="results path without extension (.json and .md written)")
    parser.add_argument("--row", help=argparse.SUPPRESS)        # internal: one row, in a child
    parser.add_argument("--row-json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not os.path.isfile(args.data):
        parser.error(f"--data must be an existing file. Received: {args.data}")
    for flag in ("epochs", "parallel", "threads"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag} must be a positive integer. Received: {getattr(args, flag)}")
    if args.row:
        write_json(args.row_json, run_row(args.row, args))
        return 0
    names = [n.strip() for n in args.rows.split(",") if n.strip()]
    unknown = [n for n in names if n not in ROWS]
    if unknown or not names:
        parser.error(f"--rows must name rows of {list(ROWS)}. Received: {args.rows!r}")
    try:  # every row's config, checked before any row starts
        for name in names:
            row_config(name, args)
    except ValueError as error:
        parser.error(str(error))
    out_json = with_extension(args.out, ".json")
    # Rows of an earlier call are kept only if they were run with the same settings.
    settings = {"epochs": args.epochs, "test": args.test, "valid": args.valid,
                "seed": args.seed, "set": args.set, "base": BASE}
    previous = json.loads(out_json.read_text()) if out_json.exists() else {}
    kept = previous.get("rows", {}) if previous.get("settings") == settings else {}
    command = command_line("benchmarks.ablation", argv)
    results = {"command": command, "machine": machine(), "settings": settings,
               "epochs": args.epochs, "test": args.test, "parallel": args.parallel,
               "threads": args.threads, "seed": args.seed, "rows": kept}
    work = Path(tempfile.mkdtemp(prefix="ablation_"))
    pending, running = list(names), {}
    child = [a for a in (argv if argv is not None else sys.argv[1:])]
    while pending or running:
        while pending and len(running) < args.parallel:
            name = pending.pop(0)
            log = open(work / f"{name}.log", "w")
            running[name] = (subprocess.Popen(
                [sys.executable, "-m", "benchmarks.ablation", *child, "--row", name,
                 "--row-json", str(work / f"{name}.json")], stdout=log,
                stderr=subprocess.STDOUT), log)
            print(f"started {name} (log {work / name}.log)", flush=True)
        time.sleep(5)
        for name, (process, log) in list(running.items()):
            if process.poll() is None:
                continue
            log.close()
            del running[name]
            if process.returncode:
                print(f"row {name} failed (exit {process.returncode}): see {work / name}.log",
                      flush=True)
                continue
            row = json.loads((work / f"{name}.json").read_text())
            results["rows"][name] = {**row, "command": command}
            results["rows"] = {n: results["rows"][n] for n in ROWS if n in results["rows"]}
            write_json(out_json, results)
            write_text(with_extension(args.out, ".md"), markdown(results) + "\n")
            print(f"finished {name}", flush=True)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
