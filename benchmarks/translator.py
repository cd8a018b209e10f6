"""Translator throughput: training tokens/s and decoding sentences/s.

    python -m benchmarks.translator [--data synthetic_en_fr|PATH] [--epochs 5]
        [--variant batch_size=256,learning_rate=0.004,length_grouping=sorted ...]
        [--ours-set KEY=VALUE ...] [--ours-epochs 8]

Training: the same model trained two or more ways, in the same process, epochs
alternating (every variant on the same pairs: those with no side longer than
`max_length`):

- "straightforward": every pair padded to the longest sentence of the corpus,
  NumPy arrays into `model.fit` with its defaults
  (`benchmarks.padded.fixed_length_arrays`);
- "bucketed": `tf_lstm.translation.training.prepare`'s datasets, grouped by
  length and padded per batch, prefetched; the same config;
- "bucketed, KEY=VALUE, ..." (each ``--variant``, or ``--ours-set``): the
  same pipeline with the config fields given, checked by
  `TranslatorConfig.from_overrides`. One more key belongs to the benchmark:
  ``sampled_softmax=N`` trains with `benchmarks.sampled_softmax` (N sampled
  words per batch; validation uses the full softmax).

``--set KEY=VALUE`` changes a config field for every variant.

Throughput counts only real target tokens (padding excluded), so padding is a
cost, not a bonus. Each variant then decodes the validation split and reports
sacreBLEU, so a speed-up that hurt quality would show.

Decoding: sentences per second for greedy and beam width 4 on the test split,
batched (median of several runs after a warm-up).

Results: `benchmarks/results/translator.json` and `.md` (``--out`` to change).
"""

import argparse
import dataclasses
import random
import statistics
import sys
import time

import numpy as np
import tensorflow as tf

from benchmarks import padded
from benchmarks.common import RESULTS, command_line, machine, shown_path, with_extension
from benchmarks.sampled_softmax import build_translator
from tf_lstm.files import write_json, write_text
from tf_lstm.translation import runs, training
from tf_lstm.translation.config import TranslatorConfig
from tf_lstm.translation.evaluate import evaluate
from tf_lstm.translation.inference import StringTranslator



def split_variant(items):
    """A variant's ``KEY=VALUE`` strings: `(config overrides, sampled words)`.

    Args:
        items: strings such as ``"batch_size=256"``; ``"sampled_softmax=N"``
            is the benchmark's own key (train with a sampled softmax of N words).

    Returns:
        The other items, for `TranslatorConfig.from_overrides`, and N (0 when
        not given: the full softmax).

    Raises:
        ValueError: if N is not a non-negative integer.

    Example:

    >>> split_variant(["batch_size=256", "sampled_softmax=64"])
    (['batch_size=256'], 64)
    """
    overrides, num_sampled = [], 0
    for item in items:
        key, _, value = item.partition("=")
        if key.strip() != "sampled_softmax":
            overrides.append(item)
            continue
        try:
            num_sampled = int(value.strip())
        except ValueError:
            num_sampled = -1
        if num_sampled < 0:
            raise ValueError(f"Variant {item!r}: `sampled_softmax` must be a non-negative "
                             f"integer. Received: {value.strip()!r}")
    return overrides, num_sampled


def decode_rate(translator, english, beam_width, repeats=3):
    translator.translate(english[:64], beam_width=beam_width)  # trace and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        translator.translate(english, beam_width=beam_width)
        times.append(time.perf_counter() - start)
    return len(english) / statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="synthetic_en_fr")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--limit-train", type=int, default=0,
                        help="use a random sample of N training pairs (0 = all; seeded; "
                             "a random sample because files such as Tatoeba's are "
                             "sorted by length)")
    parser.add_argument("--out", default=str(RESULTS / "translator"),
                        help="results path without extension (.json and .md written)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config field for every variant")
    parser.add_argument("--ours-set", action="append", default=[], metavar="KEY=VALUE",
                        help="config field for a third variant: bucketed with these changes")
    parser.add_argument("--variant", action="append", default=[],
                        metavar="KEY=VALUE[,KEY=VALUE...]",
                        help="one more variant, the bucketed pipeline with these config "
                             "fields, or sampled_softmax=N (repeatable; --ours-set makes "
                             "one too)")
    parser.add_argument("--ours-epochs", type=int, default=0,
                        help="epochs of the extra variants (default: --epochs); e.g. twice "
                             "--epochs to compare BLEU at about equal training time")
    args = parser.parse_args(argv)
    splits = runs.load_splits(runs.DataSpec(data=args.data))
    if args.limit_train:
        splits["train"] = random.Random(0).sample(splits["train"],
                                                  min(args.limit_train, len(splits["train"])))

    variants = [args.ours_set] if args.ours_set else []
    variants += [variant.split(",") for variant in args.variant]
    try:
        config = TranslatorConfig.from_overrides(args.set, epochs=1)
        configs = {"straightforward": config, "bucketed": config}
        sampled = {"straightforward": 0, "bucketed": 0}
        for items in variants:
            name = "bucketed, " + ", ".join(item.strip() for item in items)
            overrides, sampled[name] = split_variant(items)
            configs[name] = TranslatorConfig.from_overrides([*args.set, *overrides], epochs=1)
    except ValueError as error:
        parser.error(str(error))
    epochs = {name: args.epochs if name in ("straightforward", "bucketed")
              else args.ours_epochs or args.epochs for name in configs}
    prepared = {name: training.prepare(splits, c) for name, c in configs.items()}
    x_train, y_train = padded.fixed_length_arrays(
        *padded.encode(prepared["straightforward"], splits["train"]), config.max_length)
    real_tokens = int(np.count_nonzero(y_train))
    padded_tokens = int(y_train.size)

    models = {name: build_translator(prepared[name], c, sampled[name])
              for name, c in configs.items()}

    def fit_function(name):
        # Each call trains epoch e; the schedule gives it learning_rate * lr_decay ** e
        # (after the warm-up, if any: it continues from the optimizer's update count).
        schedule = [training.LearningRate(configs[name])]
        if name == "straightforward":
            return lambda e: models[name].fit(
                x_train, y_train, batch_size=config.batch_size, epochs=e + 1,
                initial_epoch=e, verbose=0, callbacks=schedule)
        return lambda e: models[name].fit(prepared[name].train, epochs=e + 1,
                                          initial_epoch=e, verbose=0, shuffle=False,
                                          callbacks=schedule)

    fits = {name: fit_function(name) for name in configs}
    tokens = {name: real_tokens if name == "straightforward" else prepared[name].train_tokens
              for name in configs}
    rates = {name: [] for name in fits}
    for epoch in range(max(epochs.values())):  # alternate, so machine noise hits all
        for name, fit in fits.items():
            if epoch < epochs[name]:
                start = time.perf_counter()
                fit(epoch)
                rates[name].append(tokens[name] / (time.perf_counter() - start))
    results = {"data": shown_path(args.data), "epochs": args.epochs,
               "config": dataclasses.asdict(config),
               "configs": {name: dataclasses.asdict(c) for name, c in configs.items()},
               "train_pairs": len(splits["train"]), "real_target_tokens": real_tokens,
               "fixed_length_target_tokens": padded_tokens, "training": {}}
    for name, model in models.items():
        scores, _ = evaluate(StringTranslator(model), splits["valid"])
        results["training"][name] = {
            "tokens_per_second_per_epoch": rates[name],
            # The first epoch includes tracing: the median is over the others.
            "median_tokens_per_second": statistics.median(rates[name][1:] or rates[name]),
            "epochs": epochs[name],
            "train_seconds": sum(tokens[name] / rate for rate in rates[name]),
            "valid_bleu": scores.bleu, "valid_chrf": scores.chrf,
            "final_learning_rate": float(model.optimizer.learning_rate),
            "sampled_softmax": sampled[name],
            "positions_per_real_token": padded.padding(
                [(x_train, y_train)] if name == "straightforward" else prepared[name].train)}
    baseline = results["training"]["straightforward"]["median_tokens_per_second"]
    for entry in results["training"].values():
        entry["speedup"] = entry["median_tokens_per_second"] / baseline
    fastest = max(results["training"], key=lambda n: results["training"][n]["speedup"])
    results["fastest"] = fastest
    results["training_speedup"] = results["training"][fastest]["speedup"]
    translator = StringTranslator(models["bucketed"])
    english = [e for e, _ in splits["test"]]
    results["decoding"] = {"sentences": len(english),
                           "greedy_sentences_per_second": decode_rate(translator, english, 1),
                           "beam4_sentences_per_second": decode_rate(translator, english, 4)}
    results.update(command=command_line("benchmarks.translator", argv),
                   machine=f"{machine()}, TF {tf.__version__}",
                   timestamp=time.strftime("%Y-%m-%d %H:%M:%S"))
    write_json(with_extension(args.out, ".json"), results)
    t, d = results["training"], results["decoding"]
    lines = ["# Translator throughput", "", f"Command: `{results['command']}`  ",
             f"Machine: {results['machine']}, {results['timestamp']}", "",
             "| training | real target tokens/s (median) | speed-up | epochs | training s "
             "| valid BLEU | valid chrF | positions per real token (source, target) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, entry in t.items():
        pad = entry["positions_per_real_token"]
        lines.append(f"| {name} | {entry['median_tokens_per_second']:.0f} | "
                     f"{entry['speedup']:.2f}x | {entry['epochs']} | "
                     f"{entry['train_seconds']:.0f} | {entry['valid_bleu']:.1f} | "
                     f"{entry['valid_chrf']:.1f} | {pad['source']:.2f}, {pad['target']:.2f} |")
    lines += ["", "Tokens/s: median over the epochs after the first (which includes "
              "tracing); validation BLEU after each variant's epochs; padding over one "
              "training epoch.", "",
              "| decoding (test split) | sentences/s |", "|---|---|",
              f"| greedy | {d['greedy_sentences_per_second']:.0f} |",
              f"| beam width 4 | {d['beam4_sentences_per_second']:.0f} |"]
    write_text(with_extension(args.out, ".md"), "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
