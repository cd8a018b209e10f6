"""The spread of one recipe over seeds: a summary of several `benchmarks.tatoeba` runs.

    python -m benchmarks.seeds benchmarks/results/tatoeba_fra_eng.json \\
        benchmarks/results/tatoeba_fra_eng.seed1.json \\
        benchmarks/results/tatoeba_fra_eng.seed2.json [--out benchmarks/results/tatoeba_seeds]

Each file is the result of one ``python -m benchmarks.tatoeba`` run; another
seed is ``--set seed=N`` (the seed of the weights, dropout and batch order; the
held-out split stays the same). The runs must differ in the seed only: the
same configuration otherwise, the same split sizes and the same command apart
from ``--set seed=N``, ``--run-dir`` and ``--out``; anything else is refused,
naming the file and what differs. `make bench-tatoeba-seeds` runs seeds 1 and 2
after `make bench-tatoeba`'s seed 0 and writes this summary:
`benchmarks/results/tatoeba_seeds.json` and `.md`, each run's scores and
their mean, sample standard deviation and range.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

from benchmarks.common import RESULTS, command_line, with_extension
from tf_lstm.files import write_json, write_text

# (name in the table, decimals shown, how to read it from a benchmarks.tatoeba result);
# the summary rows show one decimal more for the epochs (a mean of whole numbers)
METRICS = [
    ("BLEU greedy", 1, lambda r: r["greedy"]["bleu"]),
    ("chrF greedy", 1, lambda r: r["greedy"]["chrf"]),
    ("BLEU beam 4", 1, lambda r: r["beam4"]["bleu"]),
    ("chrF beam 4", 1, lambda r: r["beam4"]["chrf"]),
    ("epochs", 0, lambda r: r["epochs_run"]),
    ("training minutes", 1, lambda r: r["train_seconds"] / 60),
    ("target tokens/s", 0, lambda r: r["target_tokens_per_second"]),
    ("training pairs/s", 0, lambda r: r["train_pairs_per_second"]),
    ("greedy sentences/s", 0, lambda r: r["greedy"]["sentences"] / r["greedy"]["seconds"]),
    ("beam 4 sentences/s", 0, lambda r: r["beam4"]["sentences"] / r["beam4"]["seconds"]),
]


def invariant_command(command):
    """A run's command without what may differ between seeds.

    Args:
        command: a result's ``"command"``.

    Returns:
        The command without ``--set seed=N``, ``--run-dir`` and ``--out`` (and
        their ``--flag=value`` forms).

    >>> invariant_command("python -m benchmarks.tatoeba --data path/to/fra.txt "
    ...                   "--set seed=2 --run-dir path/to/s2 --set units=64 --out r/t.seed2")
    'python -m benchmarks.tatoeba --data path/to/fra.txt --set units=64'
    >>> invariant_command("python -m benchmarks.tatoeba --set=seed=1 --out=r/t.seed1")
    'python -m benchmarks.tatoeba'
    """
    words, kept = command.split(), []
    skip = False
    for k, word in enumerate(words):
        if skip:
            skip = False
        elif word in ("--run-dir", "--out"):
            skip = True
        elif word == "--set" and k + 1 < len(words) and words[k + 1].startswith("seed="):
            skip = True
        elif not word.startswith(("--run-dir=", "--out=", "--set=seed=")):
            kept.append(word)
    return " ".join(kept)


def summarize(results, names, command):
    """The spread of `results` (benchmarks.tatoeba dicts) that differ in the seed only.

    Args:
        results: the runs' JSON dicts, in the order they are shown.
        names: each run's file name, for the table and the error messages.
        command: the command that made the summary, for its header.

    Returns:
        A JSON-ready dict: ``runs`` (seed, file, command, each metric of
        `METRICS`), ``summary`` (per metric: mean, sample sd, min, max over the
        runs), the shared ``config`` (without the seed), ``pairs``,
        ``machine`` and ``command``.

    Raises:
        ValueError: if fewer than two runs are given, two share a seed, or a
            run differs from the first in anything but the seed.
        KeyError, TypeError: if a dict is not a benchmarks.tatoeba result.
    """
    if len(results) < 2:
        raise ValueError(f"A spread needs at least two runs. Received: {len(names)} ({names})")
    first = results[0]
    reference = {key: value for key, value in first["config"].items() if key != "seed"}
    for result, name in zip(results[1:], names[1:]):
        config = {key: value for key, value in result["config"].items() if key != "seed"}
        changed = sorted(key for key in reference.keys() | config.keys()
                         if reference.get(key) != config.get(key))
        if changed:
            raise ValueError(f"{name} differs from {names[0]} in more than the seed: "
                             + ", ".join(f"{key}={config.get(key)!r} (not "
                                         f"{reference.get(key)!r})" for key in changed))
        if result["pairs"] != first["pairs"]:
            raise ValueError(f"{name} has another split than {names[0]}: "
                             f"{result['pairs']} (not {first['pairs']})")
        if invariant_command(result["command"]) != invariant_command(first["command"]):
            raise ValueError(f"{name} ran another command than {names[0]}: "
                             f"{result['command']!r} (not {first['command']!r})")
    seeds = [result["config"]["seed"] for result in results]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"The runs must have distinct seeds. Received: {dict(zip(names, seeds))}")
    runs = [{"seed": seed, "file": name, "command": result["command"],
             **{metric: read(result) for metric, _, read in METRICS}}
            for seed, name, result in zip(seeds, names, results)]
    summary = {}
    for metric, _, _ in METRICS:
        values = [run[metric] for run in runs]
        summary[metric] = {"mean": statistics.mean(values), "sd": statistics.stdev(values),
                           "min": min(values), "max": max(values)}
    return {"command": command, "runs": runs, "summary": summary,
            "machine": first["machine"], "config": reference, "pairs": first["pairs"]}


def markdown(spread):
    """The per-seed table and its summary rows.

    Args:
        spread: `summarize`'s dict.

    Returns:
        The text of ``tatoeba_seeds.md``.
    """
    metrics = [metric for metric, _, _ in METRICS]
    digits = {metric: decimals for metric, decimals, _ in METRICS}
    lines = [f"# Tatoeba English->French over {len(spread['runs'])} seeds "
             f"({spread['pairs']['test']} held-out test pairs)", "",
             f"Command: `{spread['command']}`  ", f"Machine: {spread['machine']}  ",
             *[f"Seed {run['seed']}: `{run['command']}`  " for run in spread["runs"]],
             "The same split and recipe; the seed sets the weights, dropout and batch order. "
             "sd is the sample standard deviation.", "",
             "| seed | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for run in spread["runs"]:
        lines.append(f"| {run['seed']} | " + " | ".join(
            f"{run[m]:.{digits[m]}f}" for m in metrics) + " |")
    for statistic in ("mean", "sd", "min", "max"):
        lines.append(f"| {statistic} | " + " | ".join(
            f"{spread['summary'][m][statistic]:.{digits[m] + (m == 'epochs')}f}"
            for m in metrics) + " |")
    beam = spread["summary"]["BLEU beam 4"]
    chrf = spread["summary"]["chrF beam 4"]
    lines += ["", f"Beam 4: BLEU {beam['mean']:.1f} ± {beam['sd']:.1f} "
                  f"({beam['min']:.1f} to {beam['max']:.1f}), chrF {chrf['mean']:.1f} ± "
                  f"{chrf['sd']:.1f} ({chrf['min']:.1f} to {chrf['max']:.1f})."]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", help="benchmarks.tatoeba result files (.json)")
    parser.add_argument("--out", default=str(RESULTS / "tatoeba_seeds"),
                        help="results path without extension (.json and .md written)")
    args = parser.parse_args(argv)
    loaded = []
    for path in args.results:
        try:
            result = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            parser.error(f"results must be benchmarks.tatoeba JSON files. Received: {path} "
                         f"({error})")
        if not isinstance(result, dict):
            parser.error("results must be benchmarks.tatoeba JSON files. Received: "
                         f"{path} (a JSON {type(result).__name__})")
        loaded.append(result)
    command = command_line(  # a path outside the repository by its name only
        "benchmarks.seeds", [f"path/to/{Path(p).name}" if Path(p).is_absolute() else p
                             for p in args.results])
    try:
        spread = summarize(loaded, [Path(path).name for path in args.results], command)
    except (KeyError, TypeError) as error:
        parser.error(f"results must be benchmarks.tatoeba JSON files: missing {error}")
    except ValueError as error:
        parser.error(str(error))
    write_json(with_extension(args.out, ".json"), spread)
    text = markdown(spread)
    write_text(with_extension(args.out, ".md"), text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
