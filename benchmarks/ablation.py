"""What each lever of the Tatoeba recipe gives: one training run per lever and seed, same budget.

    python -m benchmarks.ablation --data path/to/fra.txt [--epochs 2] [--seeds 0,1]
        [--rows base,bidirectional,...] [--parallel 2] [--threads 1] [--set KEY=VALUE ...]

Every row trains `BASE` (the "tatoeba" preset as it was before this
benchmark: run 5 of benchmarks/README.md, whole words, every lever off) with
ONE change (`ROWS`; ``--set`` changes a field for every row), for the same
number of epochs, on the same split
of the Anki/Tatoeba file (2,000 held-out test pairs whose English sentences
never occur in training, `tf_lstm.translation.corpus.split_pairs`), once per
seed of ``--seeds`` (the seed of the weights and of the batch order; the split
does not change), and scores the held-out pairs with sacreBLEU (greedy and
beam width 4). The ``base`` row also sweeps the decoder's beam width and
length penalty on its own model (`SWEEP`).

After a few epochs the seed moves BLEU as much as a lever does, so the table
compares a row with the base run of the same seed (which shares its batch
order and starts from the same random stream), and says whether the row is above (or below) the base in every seed both
ran, with the chance of that if the lever changed nothing (`verdict`).

The budget is a number of epochs, not minutes: the rows run two at a time
on this shared 2-core machine (one thread each), so wall time per row says
little; the quality after equal epochs does not depend on the machine's
load. What a lever costs in speed is the tokens/s column (measured under the
same load, two rows at a time, so a rough guide), and `benchmarks.translator`
times configurations interleaved.

Each row and seed runs in a fresh process (`--row NAME --row-seed S`, one JSON
file), so runs do not share TensorFlow state. Results:
`benchmarks/results/tatoeba_ablation.json` and `.md`; the runs of an earlier
call are kept when its settings were the same.
"""

import argparse
import dataclasses
import json
import math
import os
import statistics
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
}

# (beam width, length penalty) pairs the base row decodes its test split with.
SWEEP = [(1, 0.0), (2, 0.6), (4, 0.0), (4, 0.6), (4, 1.0), (8, 0.6)]


def row_config(name, seed, args):
    """Row `name`'s `TranslatorConfig` for `seed`: preset, `BASE`, ``--set``, budget, change.

    Args:
        name: a key of `ROWS`.
        seed: the config's seed.
        args: the parsed arguments (``set``, ``epochs``).

    Returns:
        A `TranslatorConfig`.

    Raises:
        ValueError: if an override of ``--set`` is not a valid field value.
    """
    from tf_lstm.translation.config import TranslatorConfig

    return TranslatorConfig.from_overrides(
        [*args.set, f"epochs={args.epochs}", f"patience={args.epochs}",
         f"seed={seed}", *ROWS[name]], preset=PRESET, **BASE)


def run_row(name, seed, args):
    """Train and score one row with one seed in this process.

    Args:
        name: a key of `ROWS`.
        seed: the seed of the weights, dropout and batch order.
        args: the parsed arguments.

    Returns:
        The run's JSON-ready dict: config, epochs, seconds, training rates,
        vocabulary sizes, parameters, validation losses and the scores of each
        decoding (`SWEEP` for the base row, greedy and beam 4 otherwise).
    """
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from tf_lstm.translation import runs, training
    from tf_lstm.translation.evaluate import evaluate, training_rates
    from tf_lstm.translation.inference import StringTranslator

    config = row_config(name, seed, args)
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
    return {"row": name, "seed": seed, "overrides": ROWS[name],
            "config": dataclasses.asdict(config),
            "epochs_run": epochs, "train_seconds": train_seconds,
            "prepare_seconds": prepare_seconds,
            **training_rates(prepared, len(splits["train"]), epochs, train_seconds),
            "vocabulary": {"english": len(prepared.source_vocabulary),
                           "french": len(prepared.target_vocabulary)},
            "parameters": int(model.count_params()),
            "val_loss": [float(v) for v in history.history["val_loss"]],
            "kept_val_loss": kept_val_loss, "scores": scores}


def _beam(run):
    return run["scores"]["beam4_alpha0.6"]["bleu"]


def verdict(runs, base):
    """Whether a row beats the base seed by seed, and how often that happens by chance.

    The seed sets the batch order and the initial weights, and after 2 epochs
    the base's seeds spread over 9 BLEU, so a row is compared with the base run
    of the same seed (same batch order, same random stream), not with the
    base's spread. If the lever changed
    nothing, each of the m differences would be positive or negative as by a
    coin: all m of one sign with probability 1 in 2^m (a sign test).

    Args:
        runs: the row's runs, ``{seed: run}``.
        base: the base's runs, ``{seed: run}``.

    Returns:
        A phrase for the table.

    >>> def runs(**bleus):
    ...     return {s[1:]: {"scores": {"beam4_alpha0.6": {"bleu": b}}} for s, b in bleus.items()}
    >>> verdict(runs(s0=27.9, s1=19.0), runs(s0=25.7, s1=16.7, s2=23.4))
    'above the base in 2 of 2 seeds (1 in 4 by chance)'
    >>> verdict(runs(s0=22.5), runs(s0=25.7, s1=16.7))
    'below the base in 1 of 1 seeds (1 in 2 by chance)'
    >>> verdict(runs(s0=26.0, s1=16.0), runs(s0=25.7, s1=16.7))
    'mixed: no evidence'
    >>> verdict(runs(s0=25.7), runs(s0=25.7, s1=16.7))
    'the same as the base'
    >>> verdict(runs(s3=26.0), runs(s0=25.7))
    'no seed shared with the base'
    """
    differences = [_beam(runs[seed]) - _beam(base[seed]) for seed in runs if seed in base]
    if not differences:
        return "no seed shared with the base"
    m = len(differences)
    if all(d > 0 for d in differences):
        return f"above the base in {m} of {m} seeds (1 in {2 ** m} by chance)"
    if all(d < 0 for d in differences):
        return f"below the base in {m} of {m} seeds (1 in {2 ** m} by chance)"
    if not any(differences):
        return "the same as the base"
    return "mixed: no evidence"


def delta(runs, base):
    """The row's mean BLEU (beam 4) minus the base's, over the seeds both ran; None if none.

    >>> delta({"0": {"scores": {"beam4_alpha0.6": {"bleu": 27.0}}}},
    ...       {"0": {"scores": {"beam4_alpha0.6": {"bleu": 25.0}}},
    ...        "1": {"scores": {"beam4_alpha0.6": {"bleu": 15.0}}}})
    2.0
    """
    shared = [seed for seed in runs if seed in base]
    if not shared:
        return None
    return (statistics.mean(_beam(runs[seed]) for seed in shared)
            - statistics.mean(_beam(base[seed]) for seed in shared))


def markdown(results):
    """The ablation table and the base row's decoding sweep, as Markdown.

    Args:
        results: `main`'s JSON-ready dict (``settings``, ``machine``, ``notes``,
            ``rows``: ``{name: {seed: run}}``, each run with its own command).

    Returns:
        The text of ``tatoeba_ablation.md``.
    """
    mean = statistics.mean
    rows = results["rows"]
    base = rows.get("base", {})
    base_bleus = [_beam(run) for run in base.values()]
    every = [run for runs in rows.values() for run in runs.values()]
    commands = dict.fromkeys(run["command"] for run in every)
    load = " or ".join(dict.fromkeys(str(run["parallel"]) for run in every))
    threads = " or ".join(dict.fromkeys(str(run["threads"]) for run in every))
    settings = results["settings"]
    lines = [f"# Tatoeba English->French: one lever at a time ({settings['test']} held-out "
             f"test pairs, {settings['epochs']} epochs each)", "",
             *[f"Command: `{c}`  " for c in commands],
             *[f"{note}  " for note in results.get("notes", [])],
             f"Machine: {results['machine']}  ",
             f"Runs went {load} at a time, {threads} thread(s) "
             "each; tokens/s is under that load (a rough guide; see benchmarks/README.md).  ",
             "Scores are means over the row's seeds; Δ is the row's mean minus the base's "
             "over the seeds both ran.",
             "", "| row | change | seeds | BLEU beam 4 by seed | BLEU greedy | BLEU beam 4 "
             "| chrF beam 4 | Δ BLEU beam 4 | against the base, seed by seed | kept val loss "
             "| target tokens/s | parameters |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, runs in rows.items():
        seeds = sorted(runs, key=int)
        bleus = [_beam(runs[seed]) for seed in seeds]
        compared = base and name != "base"
        change = delta(runs, base) if compared else None
        first = runs[seeds[0]]
        lines.append(
            f"| {name} | {' '.join(first['overrides']) or 'the preset'} | "
            f"{', '.join(seeds)} | {', '.join(f'{b:.1f}' for b in bleus)} | "
            f"{mean(runs[s]['scores']['beam1_alpha0.0']['bleu'] for s in seeds):.1f} | "
            f"{mean(bleus):.1f} | "
            f"{mean(runs[s]['scores']['beam4_alpha0.6']['chrf'] for s in seeds):.1f} | "
            f"{'' if change is None else f'{change:+.1f}'} | "
            f"{verdict(runs, base) if compared else ''} | "
            f"{mean(runs[s]['kept_val_loss'] for s in seeds):.3f} | "
            f"{mean(runs[s]['target_tokens_per_second'] for s in seeds):.0f} | "
            f"{first['parameters']:,} |")
    if len(base_bleus) > 1:
        lines += ["", f"Seed noise: the base alone over seeds {', '.join(sorted(base, key=int))} "
                      f"scores {min(base_bleus):.1f} to {max(base_bleus):.1f} BLEU (beam 4), a "
                      f"range of {max(base_bleus) - min(base_bleus):.1f}, so each row is compared "
                      "with the base run of the same seed (the same batch order), and counts "
                      "as evidence only where it is above (or below) the base in every seed "
                      "both ran, and that is unlikely by chance."]
    keys = [f"beam{width}_alpha{alpha}" for width, alpha in SWEEP]
    swept = [seed for seed in sorted(base, key=int) if set(keys) <= set(base[seed]["scores"])]
    if swept:
        lines += ["", "Decoding the base row's models (beam width, GNMT length penalty α; "
                      f"means over seeds {', '.join(swept)}, those decoded every way):",
                  "", "| beam width | α | BLEU | chrF | sentences/s |", "|---|---|---|---|---|"]
        for (width, alpha), key in zip(SWEEP, keys):
            scores = [base[seed]["scores"][key] for seed in swept]
            lines.append(f"| {width} | {alpha} | {mean(x['bleu'] for x in scores):.1f} | "
                         f"{mean(x['chrf'] for x in scores):.1f} | "
                         f"{mean(x['sentences'] / x['seconds'] for x in scores):.0f} |")
    return "\n".join(lines)


def kept_results(path, settings):
    """The runs (and notes) of an earlier call at `path`, if it ran with the same `settings`.

    Read again before every write, so two calls that overlap both keep their runs.

    Args:
        path: the results JSON (it may not exist yet).
        settings: this call's settings dict.

    Returns:
        ``(rows, notes)``: ``{name: {seed: run}}`` and a list of strings, empty
        when the file is absent or its settings differ.
    """
    previous = json.loads(Path(path).read_text()) if Path(path).exists() else {}
    if previous.get("settings") != settings:
        return {}, []
    return previous.get("rows", {}), previous.get("notes", [])


def parse_seeds(text):
    """``--seeds``: distinct non-negative integers, comma-separated.

    Args:
        text: the option's value.

    Returns:
        The seeds, a list of ints in the order given.

    Raises:
        ValueError: if `text` holds no seed, a non-integer, a negative or a repeated one.

    >>> parse_seeds("0, 1,2")
    [0, 1, 2]
    """
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        seeds = []
    if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
        raise ValueError("--seeds must be distinct non-negative integers, comma-separated. "
                         f"Received: {text!r}")
    return seeds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="path to fra.txt (Anki format)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per row")
    parser.add_argument("--rows", default=",".join(ROWS),
                        help=f"comma-separated rows, of {', '.join(ROWS)}")
    parser.add_argument("--seeds", default="0",
                        help="comma-separated seeds: each row runs once per seed")
    parser.add_argument("--parallel", type=int, default=2, help="runs at once")
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads per run")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help=f"change a field of the {PRESET!r} preset for every row")
    parser.add_argument("--test", type=int, default=2000, help="held-out test pairs")
    parser.add_argument("--valid", type=int, default=1000, help="held-out valid pairs")
    parser.add_argument("--out", default=str(RESULTS / "tatoeba_ablation"),
                        help="results path without extension (.json and .md written)")
    parser.add_argument("--row", help=argparse.SUPPRESS)        # internal: one run, in a child
    parser.add_argument("--row-seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--row-json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not os.path.isfile(args.data):
        parser.error(f"--data must be an existing file. Received: {args.data}")
    for flag in ("epochs", "parallel", "threads"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag} must be a positive integer. Received: {getattr(args, flag)}")
    if args.row:
        write_json(args.row_json, run_row(args.row, args.row_seed, args))
        return 0
    names = [n.strip() for n in args.rows.split(",") if n.strip()]
    unknown = [n for n in names if n not in ROWS]
    if unknown or not names:
        parser.error(f"--rows must name rows of {list(ROWS)}. Received: {args.rows!r}")
    try:  # every run's config, checked before any run starts
        seeds = parse_seeds(args.seeds)
        for name in names:
            for seed in seeds:
                row_config(name, seed, args)
    except ValueError as error:
        parser.error(str(error))
    out_json = with_extension(args.out, ".json")
    # Runs of an earlier call are kept only if they were run with the same settings.
    settings = {"epochs": args.epochs, "test": args.test, "valid": args.valid,
                "set": args.set, "base": BASE}
    command = command_line("benchmarks.ablation", argv)
    finished = {}  # this call's runs: {name: {seed: run}}
    work = Path(tempfile.mkdtemp(prefix="ablation_"))
    pending = [(name, seed) for seed in seeds for name in names]
    running = {}
    child = [a for a in (argv if argv is not None else sys.argv[1:])]
    while pending or running:
        while pending and len(running) < args.parallel:
            name, seed = pending.pop(0)
            tag = f"{name}.seed{seed}"
            log = open(work / f"{tag}.log", "w")
            running[tag] = (name, seed, subprocess.Popen(
                [sys.executable, "-m", "benchmarks.ablation", *child, "--row", name,
                 "--row-seed", str(seed), "--row-json", str(work / f"{tag}.json")],
                stdout=log, stderr=subprocess.STDOUT), log)
            print(f"started {tag} (log {work / tag}.log)", flush=True)
        time.sleep(5)
        for tag, (name, seed, process, log) in list(running.items()):
            if process.poll() is None:
                continue
            log.close()
            del running[tag]
            if process.returncode:
                print(f"{tag} failed (exit {process.returncode}): see {work / tag}.log",
                      flush=True)
                continue
            run = json.loads((work / f"{tag}.json").read_text())
            finished.setdefault(name, {})[str(seed)] = {
                **run, "command": command, "parallel": args.parallel, "threads": args.threads}
            rows, notes = kept_results(out_json, settings)  # another call may have written
            for n, runs in finished.items():
                rows[n] = {**rows.get(n, {}), **runs}
            results = {"machine": machine(), "settings": settings, "notes": notes,
                       "rows": {n: {s: rows[n][s] for s in sorted(rows[n], key=int)}
                                for n in ROWS if n in rows}}
            write_json(out_json, results)
            write_text(with_extension(args.out, ".md"), markdown(results) + "\n")
            print(f"finished {tag}", flush=True)
    if finished:
        print(markdown(json.loads(out_json.read_text())))
    return 0 if all(len(finished.get(n, {})) == len(seeds) for n in names) else 1


if __name__ == "__main__":
    sys.exit(main())
