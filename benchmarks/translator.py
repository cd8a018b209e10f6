"""Translator throughput: training tokens/s and decoding sentences/s.

    python -m benchmarks.translator [--data synthetic_en_fr|PATH] [--epochs 5]
        [--variant batch_size=256,learning_rate=0.004,length_grouping=sorted ...]
        [--ours-set KEY=VALUE ...] [--ours-epochs 8]

Training: the same model trained two or more ways, in the same process, epochs
alternating (every variant on the same pairs: those with no side longer than
`max_length`):

- "straightforward": every pair padded to the longest sentence of the corpus,
  NumPy arrays into `model.fit` with its defaults (what the keras-io and many
  tutorial recipes do);
- "bucketed": `tf_lstm.translation.training.prepare`'s datasets, bucketed by length and
  padded per batch, prefetched; the same config;
- "bucketed, batch_size=256, ..." (each ``--variant``, or ``--ours-set``):
  the same pipeline with the config fields given (a larger batch gives each
  sequential LSTM step more rows to spread over the cores; a larger learning
  rate makes up for fewer updates per epoch; ``length_grouping=sorted`` cuts
  batches from length-sorted pools, which removes most of the padding that
  buckets keyed on the longer side leave on the shorter one).

Throughput counts only real target tokens (padding excluded), so padding is a
cost, not a bonus. Each variant then decodes the validation split and reports
sacreBLEU, so a speed-up that hurt quality would show.

Decoding: sentences per second for greedy and beam width 4 on the test split,
batched (median of several runs after a warm-up).
"""

import argparse
import dataclasses
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from benchmarks.common import RESULTS, with_extension, write_atomic
from tf_lstm.translation import training, vocab
from tf_lstm.translation.vocab import normalize
from tf_lstm.translation.evaluate import evaluate
from tf_lstm.translation.inference import StringTranslator
from tf_lstm.translation.config import TranslatorConfig



def fixed_length_arrays(prepared, pairs, max_length):
    """Pairs as NumPy arrays padded to the corpus's longest sentence.

    Pairs with a side longer than `max_length` tokens are left out, as
    `tf_lstm.translation.training.prepare` leaves them out: every variant trains on the
    same pairs.
    """
    source, target = vocab.encode_pairs(
        pairs, vocab.make_vectorizer(prepared.source_vocabulary),
        vocab.make_vectorizer(prepared.target_vocabulary), normalize)
    kept = ((source.row_lengths() <= max_length)
            & (target.row_lengths() - 1 <= max_length))
    source, target = tf.ragged.boolean_mask(source, kept), tf.ragged.boolean_mask(target, kept)
    source = source.to_tensor(0).numpy()                       # (n, longest source)
    target = target.to_tensor(0).numpy()                       # (n, longest target + 2)
    return (source, target[:, :-1]), target[:, 1:]


def padding(batches):
    """Positions per real (non-padding) token, `{"source": ..., "target": ...}`,
    over `((source, target_in), target_out)` batches (the target side counted
    on `target_out`)."""
    sizes = np.zeros(4)
    for (source, _), target_out in batches:
        sizes += [np.size(source), np.count_nonzero(source), np.size(target_out),
                  np.count_nonzero(target_out)]
    return {"source": sizes[0] / sizes[1], "target": sizes[2] / sizes[3]}


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
    parser.add_argument("--out", default=str(RESULTS / "translator"))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config field for every variant")
    parser.add_argument("--ours-set", action="append", default=[], metavar="KEY=VALUE",
                        help="config field for a third variant: bucketed with these changes")
    parser.add_argument("--variant", action="append", default=[],
                        metavar="KEY=VALUE[,KEY=VALUE...]",
                        help="one more variant, the bucketed pipeline with these config "
                             "fields (repeatable; --ours-set makes one too)")
    parser.add_argument("--ours-epochs", type=int, default=0,
                        help="epochs of the extra variants (default: --epochs); e.g. twice "
                             "--epochs to compare BLEU at about equal training time")
    args = parser.parse_args(argv)
    splits = training.load_splits(training.DataSpec(data=args.data))
    if args.limit_train:
        splits["train"] = random.Random(0).sample(splits["train"],
                                                  min(args.limit_train, len(splits["train"])))

    def parse(settings):
        pairs = [item.split("=", 1) for item in settings]
        for pair in pairs:
            if len(pair) != 2 or not hasattr(TranslatorConfig, pair[0]):
                parser.error(f"expected KEY=VALUE with KEY a TranslatorConfig field, "
                             f"got {'='.join(pair)!r}")
        return {k: type(getattr(TranslatorConfig, k))(v) for k, v in pairs}

    config = TranslatorConfig(epochs=1, **parse(args.set))
    configs = {"straightforward": config, "bucketed": config}
    epochs = {"straightforward": args.epochs, "bucketed": args.epochs}
    extra = [parse(args.ours_set)] if args.ours_set else []
    extra += [parse(variant.split(",")) for variant in args.variant]
    for overrides in extra:
        name = "bucketed, " + ", ".join(f"{k}={v}" for k, v in overrides.items())
        configs[name] = dataclasses.replace(config, **overrides)
        epochs[name] = args.ours_epochs or args.epochs
    prepared = {name: training.prepare(splits, c) for name, c in configs.items()}
    (x_train, y_train) = fixed_length_arrays(prepared["straightforward"], splits["train"],
                                             config.max_length)
    real_tokens = int(np.count_nonzero(y_train))
    padded_tokens = int(y_train.size)

    models = {name: training.build_translator(prepared[name], c) for name, c in configs.items()}

    def fit_function(name):
        # Each call trains epoch e; the schedule gives it learning_rate * lr_decay ** e.
        schedule = [training.learning_rate_schedule(configs[name])]
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
    results = {"data": args.data, "epochs": args.epochs, "config": dataclasses.asdict(config),
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
            "positions_per_real_token": padding(
                [((x_train[0], x_train[1]), y_train)] if name == "straightforward"
                else prepared[name].train)}
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
    results.update(command="python -m benchmarks.translator " + " ".join(argv or sys.argv[1:]),
                   machine=f"{platform.machine()}, {os.cpu_count()} cores, TF {tf.__version__}",
                   timestamp=time.strftime("%Y-%m-%d %H:%M:%S"))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    training.write_json(with_extension(out, ".json"), results)
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
    write_atomic(with_extension(out, ".md"), lambda tmp: tmp.write_text(
        "\n".join(lines) + "\n", encoding="utf-8"))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
