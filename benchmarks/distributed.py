"""Training throughput under each distribution strategy, on this machine.

    python -m benchmarks.distributed [--pairs 2000] [--epochs 3] [--repeats 3]
        [--set KEY=VALUE ...] [--out benchmarks/results/distributed]

The same model, data and GLOBAL batch trained three ways
(`tf_lstm.translation.distribute`):

- "one process": the default strategy, one device;
- "mirrored, 2 logical CPU devices": `MirroredStrategy` in one process;
- "2 workers": `MultiWorkerMirroredStrategy`, two processes on 127.0.0.1,
  each with its `TF_CONFIG`, collectives over loopback.

Each run is a fresh process (or two), trains `--epochs` epochs of the first
`--pairs` pairs of the bundled corpus without validation, and reports real
target tokens per second over the epochs after the first (which includes
tracing). The three ways are interleaved, `--repeats` rounds, so a change in
the machine's load falls on all of them; the result is the median of the
rounds with their spread (min-max).

Results: `benchmarks/results/distributed.json` and `.md`, written atomically.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import RESULTS, command_line, free_ports, machine, with_extension

ROOT = Path(__file__).resolve().parent.parent
WAYS = {"one process": "none", "mirrored, 2 logical CPU devices": "mirrored",
        "2 workers": "multi-worker"}
# A small model, so a run is a minute or two here; --set changes it.
DEFAULTS = ("embedding_dim=32", "units=64", "batch_size=64", "max_length=16")


def summarise(rates):
    """The median and spread of one way's tokens/s over the rounds.

    >>> summarise([900.0, 1000.0, 1300.0])
    {'median': 1000.0, 'min': 900.0, 'max': 1300.0, 'spread': 0.4, 'rounds': [900.0, 1000.0, 1300.0]}
    """
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates),
            "spread": round((max(rates) - min(rates)) / statistics.median(rates), 3),
            "rounds": list(rates)}


def measure(strategy_name, pairs, epochs, overrides, out):
    """One run (one worker's part of it): train and write its epochs' tokens/s to `out`."""
    from tf_lstm.translation import distribute

    strategy = distribute.make_strategy(strategy_name,
                                        2 if strategy_name == "mirrored" else None)
    import keras

    from tf_lstm.translation import corpus, training
    from tf_lstm.translation.config import TranslatorConfig

    splits = corpus.load_bundled()
    splits = {"train": splits["train"][:pairs], "valid": splits["valid"][:64]}
    config = TranslatorConfig.from_overrides([*DEFAULTS, *overrides], epochs=epochs)
    prepared = training.prepare(splits, config)
    model = training.build_translator(prepared, config, strategy=strategy)
    seconds = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    model.fit(prepared.train, epochs=epochs, verbose=0, callbacks=[Timer()], shuffle=False)
    result = {"seconds": seconds, "train_tokens": prepared.train_tokens,
              "replicas": distribute.replicas(strategy), "config": config.__dict__,
              "tokens_per_second": statistics.median(prepared.train_tokens / s
                                                     for s in seconds[1:])}
    if distribute.is_chief(strategy):
        Path(out).write_text(json.dumps(result))


def run_way(strategy_name, args, folder):
    """Start the processes of one way, wait for them, return the chief's result."""
    out = folder / f"{strategy_name}.json"
    command = [sys.executable, "-m", "benchmarks.distributed", "--measure", strategy_name,
               "--pairs", str(args.pairs), "--epochs", str(args.epochs),
               "--measure-out", str(out), *sum((["--set", s] for s in args.set), [])]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    env.pop("TF_CONFIG", None)
    environments = [env]
    if strategy_name == "multi-worker":
        ports = free_ports(2)
        environments = [dict(env, TF_CONFIG=json.dumps(
            {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
             "task": {"type": "worker", "index": i}})) for i in range(2)]
    processes, logs = [], [folder / f"{strategy_name}-{i}.log" for i in range(len(environments))]
    try:
        for e, log in zip(environments, logs):  # logs to files: a full pipe would block a worker
            with open(log, "w") as handle:
                processes.append(subprocess.Popen(command, env=e, cwd=ROOT, stdout=handle,
                                                  stderr=subprocess.STDOUT))
        for p in processes:
            p.wait(timeout=1800)
    finally:
        for p in processes:  # only the processes started here, by their ids
            if p.poll() is None:
                p.kill()
                p.wait()
    if any(p.returncode for p in processes):
        raise RuntimeError(f"{strategy_name} failed:\n" + "\n".join(
            log.read_text(errors="replace")[-3000:] for log in logs))
    return json.loads(out.read_text())


def markdown(results):
    lines = ["# Training throughput by distribution strategy", "",
             f"Command: `{results['command']}`  ",
             f"Machine: {results['machine']}, TF {results['tensorflow']}, {results['date']}",
             "", f"Same global batch ({results['config']['batch_size']} pairs), "
             f"{results['pairs']} training pairs, {results['epochs']} epochs per run "
             "(the first, with tracing, not timed); median of "
             f"{results['repeats']} interleaved rounds, spread = (max - min) / median.", "",
             "| way | replicas | real target tokens/s (median) | min - max | spread | "
             "vs one process |", "|---|---:|---:|---|---:|---:|"]
    base = results["ways"]["one process"]["median"]
    for name, way in results["ways"].items():
        lines.append(f"| {name} | {way['replicas']} | {way['median']:.0f} | "
                     f"{way['min']:.0f} - {way['max']:.0f} | {way['spread']:.0%} | "
                     f"{way['median'] / base:.2f}x |")
    lines += ["", results["notes"], ""]
    return "\n".join(lines)


def notes(cores):
    """Why no speed-up is expected on a machine of `cores` CPU cores without GPUs."""
    return (f"No speed-up is expected here: the 2 logical devices and the 2 workers share the "
            f"same {cores} CPU cores that one process already uses (TensorFlow's intra-op "
            "threads), each step adds an all-reduce of every gradient (over loopback for the "
            "workers), and halving the batch per replica does not shorten the LSTM's "
            "sequential steps. The machine is shared and noisy: the interleaved rounds put "
            "any noise on every way alike, and the spread column says how large it was.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs per run, at least 2 (the first, with tracing, is not timed)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", default=str(RESULTS / "distributed"))
    parser.add_argument("--measure", choices=list(WAYS.values()), help=argparse.SUPPRESS)
    parser.add_argument("--measure-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error(f"argument --epochs: must be at least 2 (the first epoch traces and "
                     f"is not timed). Received: {args.epochs}")
    if args.measure:
        measure(args.measure, args.pairs, args.epochs, args.set, args.measure_out)
        return 0
    import tempfile

    import tensorflow as tf

    from tf_lstm.files import write_json, write_text

    rounds = {name: [] for name in WAYS}
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            for name, strategy_name in WAYS.items():
                result = run_way(strategy_name, args, Path(folder))
                rounds[name].append(result)
                print(f"round {repeat + 1}: {name}: {result['tokens_per_second']:.0f} "
                      "target tokens/s", flush=True)
    results = {"command": command_line("benchmarks.distributed", argv),
               "machine": machine(), "tensorflow": tf.__version__,
               "date": time.strftime("%Y-%m-%d %H:%M:%S"), "pairs": args.pairs,
               "epochs": args.epochs, "repeats": args.repeats,
               "config": rounds["one process"][0]["config"],
               "ways": {name: {"replicas": runs[0]["replicas"],
                               **summarise([r["tokens_per_second"] for r in runs]),
                               "epoch_seconds": [r["seconds"] for r in runs]}
                        for name, runs in rounds.items()},
               "notes": notes(os.cpu_count())}
    write_json(with_extension(args.out, ".json"), results)
    write_text(with_extension(args.out, ".md"), markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
