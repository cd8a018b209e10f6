"""Translator throughput: training tokens/s and decoding sentences/s.

    python -m benchmarks.translator [--data synthetic_en_fr|PATH] [--epochs 5]

Training: the same model trained two ways, in the same process, alternating:

- "straightforward": every pair padded to the longest sentence of the corpus,
  NumPy arrays into `model.fit` with its defaults (what the keras-io and many
  tutorial recipes do);
- "ours": `tf_lstm.training.prepare`'s datasets, bucketed by length and
  padded per batch, prefetched.

Throughput counts only real target tokens (padding excluded), so padding is a
cost, not a bonus. Both runs then decode the validation split and report
sacreBLEU, so a speed-up that hurt quality would show.

Decoding: sentences per second for greedy and beam width 4 on the test split,
batched (median of several runs after a warm-up).
"""

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from tf_lstm import text, training
from tf_lstm.data import normalize
from tf_lstm.evaluate import evaluate
from tf_lstm.inference import StringTranslator
from tf_lstm.translate import TranslatorConfig

RESULTS = Path(__file__).resolve().parent / "results"


def fixed_length_arrays(prepared, pairs):
    """Pairs as NumPy arrays padded to the corpus's longest sentence."""
    source, target = text.encode_pairs(
        pairs, text.make_vectorizer(prepared.source_vocabulary),
        text.make_vectorizer(prepared.target_vocabulary), normalize)
    source = source.to_tensor(0).numpy()                       # (n, longest source)
    target = target.to_tensor(0).numpy()                       # (n, longest target + 2)
    return (source, target[:, :-1]), target[:, 1:]


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
                        help="use only the first N training pairs (0 = all)")
    parser.add_argument("--out", default=str(RESULTS / "translator"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    splits = training.load_splits(training.DataSpec(data=args.data))
    if args.limit_train:
        splits["train"] = splits["train"][:args.limit_train]
    overrides = {k: type(getattr(TranslatorConfig, k))(v)
                 for k, v in (s.split("=", 1) for s in args.set)}
    config = TranslatorConfig(epochs=1, **overrides)
    prepared = training.prepare(splits, config)
    (x_train, y_train) = fixed_length_arrays(prepared, splits["train"])
    real_tokens = int(np.count_nonzero(y_train))
    padded_tokens = int(y_train.size)

    models = {name: training.build_translator(prepared, config)
              for name in ("straightforward", "ours")}
    fits = {
        "straightforward": lambda e: models["straightforward"].fit(
            x_train, y_train, batch_size=config.batch_size, epochs=e + 1,
            initial_epoch=e, verbose=0),
        "ours": lambda e: models["ours"].fit(prepared.train, epochs=e + 1,
                                             initial_epoch=e, verbose=0, shuffle=False),
    }
    tokens = {"straightforward": real_tokens, "ours": prepared.train_tokens}
    rates = {name: [] for name in fits}
    for epoch in range(args.epochs):  # alternate, so machine noise hits both
        for name, fit in fits.items():
            start = time.perf_counter()
            fit(epoch)
            rates[name].append(tokens[name] / (time.perf_counter() - start))
    results = {"data": args.data, "epochs": args.epochs, "config": dataclasses.asdict(config),
               "train_pairs": len(splits["train"]), "real_target_tokens": real_tokens,
               "fixed_length_target_tokens": padded_tokens, "training": {}}
    for name, model in models.items():
        scores, _ = evaluate(StringTranslator(model), splits["valid"])
        results["training"][name] = {
            "tokens_per_second_per_epoch": rates[name],
            # The first epoch includes tracing: the median is over the others.
            "median_tokens_per_second": statistics.median(rates[name][1:] or rates[name]),
            "valid_bleu": scores.bleu, "valid_chrf": scores.chrf}
    speedup = (results["training"]["ours"]["median_tokens_per_second"]
               / results["training"]["straightforward"]["median_tokens_per_second"])
    results["training_speedup"] = speedup
    translator = StringTranslator(models["ours"])
    english = [e for e, _ in splits["test"]]
    results["decoding"] = {"sentences": len(english),
                           "greedy_sentences_per_second": decode_rate(translator, english, 1),
                           "beam4_sentences_per_second": decode_rate(translator, english, 4)}
    results.update(command="python -m benchmarks.translator " + " ".join(argv or sys.argv[1:]),
                   machine=f"{platform.machine()}, {os.cpu_count()} cores, TF {tf.__version__}",
                   timestamp=time.strftime("%Y-%m-%d %H:%M:%S"))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    training.write_json(out.with_suffix(".json"), results)
    t, d = results["training"], results["decoding"]
    lines = ["# Translator throughput", "", f"Command: `{results['command']}`  ",
             f"Machine: {results['machine']}, {results['timestamp']}", "",
             "| training | real target tokens/s (median) | valid BLEU | valid chrF |",
             "|---|---|---|---|"]
    for name in ("straightforward", "ours"):
        lines.append(f"| {name} | {t[name]['median_tokens_per_second']:.0f} | "
                     f"{t[name]['valid_bleu']:.1f} | {t[name]['valid_chrf']:.1f} |")
    lines += ["", f"Speed-up: {speedup:.2f}x (fixed-length padding makes "
              f"{padded_tokens / real_tokens:.1f} target positions per real token).", "",
              "| decoding (test split) | sentences/s |", "|---|---|",
              f"| greedy | {d['greedy_sentences_per_second']:.0f} |",
              f"| beam width 4 | {d['beam4_sentences_per_second']:.0f} |"]
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, out.with_suffix(".md"))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
