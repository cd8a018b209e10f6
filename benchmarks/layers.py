"""How fast is an LSTM layer here, and how close to the machine's limit? (§3)

    python -m benchmarks            # the full grid, a few minutes (`make bench`)
    python -m benchmarks --quick    # tiny shapes, 2 repeats (used by the tests)

For each shape (batch, steps, inputs, units) it times, in one process and in
interleaved order, the forward pass and the forward+backward pass (gradients
of ``sum(sequence * dy)`` with respect to the inputs and the three weights) of
`keras.layers.LSTM` (the baseline), `tf_lstm.ScratchLSTM`, and faster variants:
each under XLA (`tf.function(jit_compile=True)`), Keras with ``unroll=True``
(short sequences only), and ScratchLSTM in mixed bfloat16. Every variant gets
the baseline's weights and is checked against its outputs and gradients
(`TOLERANCES`).

FLOPs are `tf_lstm.lessons.cost.lstm_step_flops` times the steps (forward;
forward+backward counts 3x forward), and the functions are timed by
`tf_lstm.lessons.cost.time_interleaved`. The limit is the GFLOP/s of a float32
matrix product timed in the same rounds: one of the LSTM's own size,
``(batch * steps, inputs + units) x (inputs + units, 4 * units)``, and a large
square one. Results: `benchmarks/results/layers.json`, `.md` and `.png`
(``--out`` to change).
"""

import argparse
import datetime
import os
import platform
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from benchmarks.common import (RESULTS, command_line, max_abs_diff, max_rel_diff,
                               with_extension)
from tf_lstm import ScratchLSTM, seed_everything
from tf_lstm.files import write_atomic, write_json, write_text
from tf_lstm.lessons.cost import lstm_step_flops, time_interleaved

SHAPES = ((64, 50, 128, 256), (32, 100, 256, 512), (1, 200, 64, 128))
QUICK_SHAPES = ((4, 6, 8, 16), (1, 12, 4, 8))
SQUARE = 2048          # side of the large square float32 matmul (--quick: 256)
UNROLL_MAX_STEPS = 50  # Keras `unroll=True` is only tried up to this many steps
# Largest |variant - Keras| allowed: forward on the output sequence (values in
# (-1, 1)); gradients relative to the largest |Keras gradient| of each tensor.
TOLERANCES = {"float32": {"forward": 1e-5, "gradient": 1e-4},
              "bfloat16": {"forward": 5e-2, "gradient": 1e-1}}


def _variants(keras_layer, steps):
    """name -> (layer, jit_compile, precision), all holding the baseline's weights."""
    units, weights = keras_layer.units, keras_layer.get_weights()
    unrolled = keras.layers.LSTM(units, return_sequences=True, unroll=True)
    unrolled.build((None, steps, weights[0].shape[0]))
    unrolled.set_weights(weights)
    bf16 = ScratchLSTM(units, return_sequences=True, dtype="mixed_bfloat16")
    bf16.build((None, None, weights[0].shape[0]))
    bf16.set_weights(weights)
    scratch = ScratchLSTM.from_keras(keras_layer)
    variants = {"keras": (keras_layer, False, "float32"),
                "keras_xla": (keras_layer, True, "float32"),
                "keras_unroll": (unrolled, False, "float32"),
                "scratch": (scratch, False, "float32"),
                "scratch_xla": (scratch, True, "float32"),
                "scratch_bf16": (bf16, False, "bfloat16")}
    if steps > UNROLL_MAX_STEPS:
        del variants["keras_unroll"]
    return variants


def _compile(layer, jit_compile, dy):
    """Forward and forward+backward `tf.function`s of `layer`."""
    def forward(x):
        return tf.cast(layer(x), tf.float32)          # (batch, steps, units)

    def forward_backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(forward(x) * dy)
        return tape.gradient(loss, [x] + layer.trainable_variables)

    return (tf.function(forward, jit_compile=jit_compile),
            tf.function(forward_backward, jit_compile=jit_compile))


def _matmul(m, k, n, dtype, rng):
    a = tf.constant(rng.normal(size=(m, k)), dtype)
    b = tf.constant(rng.normal(size=(k, n)), dtype)
    return tf.function(lambda: tf.matmul(a, b)), 2 * m * k * n


def benchmark_shape(shape, repeats, warmup, square, rng):
    """Check, then time every variant at `shape`; returns one JSON-ready dict."""
    batch, steps, inputs, units = shape
    baseline = keras.layers.LSTM(units, return_sequences=True)
    baseline.build((None, None, inputs))
    x = tf.constant(rng.normal(size=(batch, steps, inputs)), tf.float32)
    dy = tf.constant(rng.normal(size=(batch, steps, units)), tf.float32)
    variants = {name: (_compile(layer, jit, dy), precision)
                for name, (layer, jit, precision) in _variants(baseline, steps).items()}
    matmuls = {"lstm_sized": _matmul(batch * steps, inputs + units, 4 * units,
                                     tf.float32, rng),
               "lstm_sized_bf16": _matmul(batch * steps, inputs + units, 4 * units,
                                          tf.bfloat16, rng),
               "square": _matmul(square, square, square, tf.float32, rng)}
    # Numerical checks against the baseline (this also traces and compiles).
    (keras_fwd, keras_train), _ = variants["keras"]
    want_y, want_grads = keras_fwd(x), keras_train(x)
    checks = {}
    for name, ((fwd, train), precision) in variants.items():
        tol = TOLERANCES[precision]
        forward_diff = max_abs_diff(fwd(x), want_y)
        gradient_diff = max(max_rel_diff(g, w) for g, w in zip(train(x), want_grads))
        checks[name] = {"precision": precision, "forward_max_abs_diff": forward_diff,
                        "gradient_max_rel_diff": gradient_diff, "tolerances": tol,
                        "passed": forward_diff <= tol["forward"]
                        and gradient_diff <= tol["gradient"]}
    # Timing: warm-up, then `repeats` rounds over every timed function, the
    # order rotated each round so that no variant always runs first.
    timed = {("matmul", name): fn for name, (fn, _) in matmuls.items()}
    for name, ((fwd, train), _) in variants.items():
        timed[(name, "forward")] = lambda fwd=fwd: fwd(x)
        timed[(name, "forward_backward")] = lambda train=train: train(x)
    timings = time_interleaved(timed, repeats=repeats, warmup=warmup)
    runs = {key: timing.runs for key, timing in timings.items()}
    median = {key: timing.median for key, timing in timings.items()}
    flops = steps * lstm_step_flops(batch, inputs, units).forward
    matmul_gflops = {name: flop / median[("matmul", name)] / 1e9
                     for name, (_, flop) in matmuls.items()}
    results = {}
    for name in variants:
        fwd_s, train_s = median[(name, "forward")], median[(name, "forward_backward")]
        gflops = 3 * flops / train_s / 1e9
        results[name] = {
            "forward_ms": 1e3 * fwd_s, "forward_backward_ms": 1e3 * train_s,
            "forward_runs_ms": [1e3 * t for t in runs[(name, "forward")]],
            "forward_backward_runs_ms": [1e3 * t for t in runs[(name, "forward_backward")]],
            "forward_gflops": flops / fwd_s / 1e9, "forward_backward_gflops": gflops,
            "fraction_of_matmul": gflops / matmul_gflops["lstm_sized"],
            "fraction_of_square_matmul": gflops / matmul_gflops["square"],
            "forward_ratio_vs_keras": fwd_s / median[("keras", "forward")],
            "forward_backward_ratio_vs_keras":
                train_s / median[("keras", "forward_backward")],
            "check": checks[name]}
    best = max(results, key=lambda n: results[n]["forward_backward_gflops"])
    return {"shape": dict(zip(("batch", "steps", "inputs", "units"), shape)),
            "forward_flops": flops, "forward_backward_flops": 3 * flops,
            "matmul_gflops": matmul_gflops, "square_matmul_side": square,
            "variants": results, "best_variant": best,
            "best_fraction_of_matmul": results[best]["fraction_of_matmul"],
            "best_fraction_of_square_matmul": results[best]["fraction_of_square_matmul"]}


def machine():
    """CPU model, cores, versions and load, for the JSON header."""
    cpu, flags = platform.processor() or platform.machine(), []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == (platform.processor()
                                                         or platform.machine()):
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line.split(":", 1)[1].split()
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "python": platform.python_version(),
            "bf16_instructions": sorted(f for f in flags if "bf16" in f or "amx" in f),
            "load_average_at_start": list(os.getloadavg())}


def markdown(report):
    m = report["machine"]
    lines = [
        "# LSTM layer speed: forward and forward+backward (float32 unless noted)", "",
        f"Command: `{report['command']}`  ",
        f"Machine: {m['cpu']}, {m['cores']} cores, TensorFlow {m['tensorflow']}, "
        f"Keras {m['keras']}; load average {m['load_average_at_start'][0]:.1f} at start, "
        f"{m.get('load_average_at_end', [float('nan')])[0]:.1f} at end (on a shared "
        "machine timings are noisy: compare ratios within one run)  ",
        f"Date: {report['timestamp']}; median of {report['repeats']} interleaved runs "
        f"after {report['warmup']} warm-up runs.", "",
        "GFLOP/s counts forward+backward as 3x the forward FLOPs "
        "(`2*batch*steps*(inputs+units)*4*units` + `17*batch*steps*units`). "
        "'of matmul' is that rate over the same run's float32 matrix product of the "
        "LSTM's size, `(batch*steps, inputs+units) x (inputs+units, 4*units)`; "
        "ratios are times over `keras.layers.LSTM`'s (lower is faster).", "",
        "| shape (batch, steps, inputs, units) | variant | fwd ms | fwd+bwd ms "
        "| GFLOP/s | of matmul | fwd vs Keras | fwd+bwd vs Keras | check |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for entry in report["shapes"]:
        shape = "({batch}, {steps}, {inputs}, {units})".format(**entry["shape"])
        for name, r in entry["variants"].items():
            lines.append(
                f"| {shape} | {name} | {r['forward_ms']:.2f} | {r['forward_backward_ms']:.2f} "
                f"| {r['forward_backward_gflops']:.3g} | {r['fraction_of_matmul']:.2f} "
                f"| {r['forward_ratio_vs_keras']:.2f} "
                f"| {r['forward_backward_ratio_vs_keras']:.2f} "
                f"| {'ok' if r['check']['passed'] else 'FAILED'} |")
    lines += ["", "## How close to the machine's limit?", "",
              "| shape | best variant (fwd+bwd) | GFLOP/s | matmul GFLOP/s (LSTM-sized / "
              "square / LSTM-sized bf16) | fraction of LSTM-sized | fraction of square |",
              "|---|---|---:|---:|---:|---:|"]
    for entry in report["shapes"]:
        shape = "({batch}, {steps}, {inputs}, {units})".format(**entry["shape"])
        best, mm = entry["variants"][entry["best_variant"]], entry["matmul_gflops"]
        lines.append(
            f"| {shape} | {entry['best_variant']} | {best['forward_backward_gflops']:.3g} "
            f"| {mm['lstm_sized']:.3g} / {mm['square']:.3g} / {mm['lstm_sized_bf16']:.3g} "
            f"| {entry['best_fraction_of_matmul']:.2f} "
            f"| {entry['best_fraction_of_square_matmul']:.2f} |")
    lines += ["", "Tolerances of the checks against Keras (max |diff| of the output "
              "sequence; max |diff| / max |Keras| of each gradient): "
              + "; ".join(f"{p}: forward {t['forward']:g}, gradient {t['gradient']:g}"
                          for p, t in TOLERANCES.items()) + ".", ""]
    return "\n".join(lines)


def plot(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["shapes"][0]["variants"])
    for entry in report["shapes"][1:]:
        names += [n for n in entry["variants"] if n not in names]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        xs = [i for i, e in enumerate(report["shapes"]) if name in e["variants"]]
        ratios = [report["shapes"][i]["variants"][name]["forward_backward_ratio_vs_keras"]
                  for i in xs]
        ax.bar([i + (k - (len(names) - 1) / 2) * width for i in xs], ratios, width,
               label=name)
    ax.axhline(1.0, color="black", linewidth=1)
    ax.axhline(1.25, color="grey", linestyle="--", linewidth=1, label="1.25x target")
    ax.set_xticks(range(len(report["shapes"])))
    ax.set_xticklabels(["batch {batch}, steps {steps}\ninputs {inputs}, units {units}"
                        .format(**e["shape"]) for e in report["shapes"]])
    ax.set_xlabel("shape")
    ax.set_ylabel("fwd+bwd time / keras.layers.LSTM's")
    ax.set_title("LSTM forward+backward time relative to Keras (below 1 = faster)")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="tiny shapes and 2 repeats (a smoke test, not a measurement)")
    parser.add_argument("--repeats", type=int, help="timed runs per function (default 9)")
    parser.add_argument("--out", default=str(RESULTS / "layers"),
                        help="results path without extension (.json, .md, .png written)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 9)
    if repeats < 1:
        parser.error(f"--repeats must be a positive integer. Received: {repeats}")
    tf.get_logger().setLevel("ERROR")  # each variant is traced once: no retracing
    seed_everything(0)
    rng = np.random.default_rng(0)
    report = {"command": command_line("benchmarks", argv),
              "timestamp": datetime.datetime.now(datetime.timezone.utc)
              .isoformat(timespec="seconds"),
              "machine": machine(), "repeats": repeats, "warmup": 1 if args.quick else 2,
              "tolerances": TOLERANCES, "shapes": []}
    for shape in QUICK_SHAPES if args.quick else SHAPES:
        print(f"shape (batch, steps, inputs, units) = {shape}", flush=True)
        report["shapes"].append(benchmark_shape(
            shape, repeats, report["warmup"], 256 if args.quick else SQUARE, rng))
    report["machine"]["load_average_at_end"] = list(os.getloadavg())
    report["all_checks_passed"] = all(v["check"]["passed"] for e in report["shapes"]
                                      for v in e["variants"].values())
    write_json(with_extension(args.out, ".json"), report)
    text = markdown(report)
    write_text(with_extension(args.out, ".md"), text)
    plot(report, with_extension(args.out, ".png"))
    print(text)
    return 0 if report["all_checks_passed"] else 1
