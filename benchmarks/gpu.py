"""Does Keras take its cuDNN LSTM kernel for our layers on a GPU, and what does it buy?

The GPU check of the performance issue, in three steps:

    # here (TensorFlow): one training epoch of the demo's batches, to a file,
    # and the wheels Keras needs on a machine that cannot download
    python -m benchmarks.gpu prepare --out .gpu/batches.npz
    python -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
        --platform manylinux_2_27_x86_64 -d .gpu keras==3.15.1 namex optree

    # on the GPU machine (Keras 3 with PyTorch or JAX; no TensorFlow needed):
    KERAS_BACKEND=torch python -m benchmarks.gpu run --batches .gpu/batches.npz --out gpu.torch.json
    KERAS_BACKEND=jax   python -m benchmarks.gpu run --batches .gpu/batches.npz --out gpu.jax.json
    # (benchmarks/gpu.sh does both, as one prepared script)

    # here again: the Markdown table, benchmarks/results/gpu.json and .md
    python -m benchmarks.gpu report gpu.torch.json gpu.jax.json

`run` measures, for the backend it finds:

1. Layer benchmark, the grid of `benchmarks.layers`: forward and forward+
   backward time of `keras.layers.LSTM` on its cuDNN path (``use_cudnn="auto"``)
   and on the generic path (``use_cudnn=False``), same weights, median of
   interleaved repeats, with GFLOP/s as a fraction of a float32 matrix product
   timed in the same process; and the two paths' outputs and gradients compared.
2. Which path a call takes: a plain call, a right-padded mask, and the same
   through `tf_lstm.lstm` / `tf_lstm.run_lstm`, counted by wrapping the
   backend's cuDNN entry point (a call counts only if cuDNN returned).
3. One training epoch of the demo translator (`tf_lstm.translation.model`, written in
   `keras.ops`) on the batches from `prepare`: real target tokens per second,
   the loss, and the cuDNN calls made.

`run` needs Keras 3 on PyTorch or JAX and no TensorFlow: it imports the real
package (`tf_lstm.layers`, `tf_lstm.translation.model`, `tf_lstm.lessons.cost`,
`tf_lstm.files`), none of which imports TensorFlow itself. What TensorFlow's
cuDNN path requires is checked without a GPU by `tests/test_gpu_benchmark.py`,
which also runs `run --quick` on JAX's CPU with TensorFlow made unimportable.
"""

import argparse
import datetime
import json
import platform
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from benchmarks.common import (RESULTS, command_line, max_abs_diff, max_rel_diff,
                               with_extension)
from tf_lstm.files import write_atomic, write_json, write_text
from tf_lstm.lessons.cost import lstm_step_flops, time_interleaved
from tf_lstm.lessons.masks import mask_from_lengths

SHAPES = ((64, 50, 128, 256), (32, 100, 256, 512), (1, 200, 64, 128))
QUICK_SHAPES = ((4, 6, 8, 16),)
JAX_PAD_MULTIPLE = 16  # on JAX, batches are padded to a multiple of this many steps


# --------------------------------------------------------------------- prepare

def prepare(out, limit=0, config=None):
    """Write one epoch of the demo's training batches (TensorFlow, here).

    The batches are `tf_lstm.translation.training.prepare`'s, grouped by
    length and padded per batch, for `config` (its first epoch's order).

    Args:
        out: the ``.npz`` file to write.
        limit: at most this many batches (0 = the whole epoch).
        config: a `TranslatorConfig` (default: the demo's).

    Returns:
        The number of batches written.
    """
    from tf_lstm.translation import corpus, training
    from tf_lstm.translation.config import TranslatorConfig

    config = config or TranslatorConfig()
    prepared = training.prepare(corpus.load_bundled(), config)
    arrays = {"source_vocabulary": np.array(prepared.source_vocabulary),
              "target_vocabulary": np.array(prepared.target_vocabulary),
              "config": np.array(json.dumps(vars(config)))}
    count = 0
    for (source, target_in), target_out in prepared.train:
        if limit and count >= limit:
            break
        for name, value in (("source", source), ("target_in", target_in),
                            ("target_out", target_out)):
            arrays[f"{name}_{count:04d}"] = value.numpy().astype(np.int32)
        count += 1

    def write(tmp):
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
    write_atomic(out, write)
    print(f"{count} batches -> {out}")
    return count


# ------------------------------------------------------------------ backends

class Backend:
    """What differs between PyTorch and JAX: tensors, timing, gradients, cuDNN."""

    def __init__(self):
        import keras

        self.name = keras.backend.backend()
        self.cudnn_calls = 0
        if self.name == "torch":
            import importlib

            import torch
            rnn = importlib.import_module("keras.src.backend.torch.rnn")

            self.torch = torch
            self.gpu = torch.cuda.is_available()
            self.device = (torch.cuda.get_device_name(0) if self.gpu
                           else platform.processor() or "cpu")
            self.versions = {"torch": torch.__version__,
                             "cudnn": torch.backends.cudnn.version() if self.gpu else None,
                             "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
                             "tf32_cudnn": torch.backends.cudnn.allow_tf32}
            self._wrap(rnn, "_cudnn_lstm")
        elif self.name == "jax":
            import jax

            self.jax = jax
            self.gpu = jax.default_backend() == "gpu"
            self.device = str(jax.devices()[0].device_kind)
            self.versions = {"jax": jax.__version__,
                             "default_matmul_precision":
                                 str(jax.config.jax_default_matmul_precision)}
            try:
                import jax.experimental.rnn as jax_rnn
            except ImportError as error:  # then Keras cannot use cuDNN either
                self.versions["jax.experimental.rnn"] = f"missing: {error}"
            else:
                self._wrap(jax_rnn, "lstm")  # Keras imports it at call time
        else:
            raise SystemExit(f"benchmarks.gpu runs on the torch or jax backend, "
                             f"not {self.name!r} (set KERAS_BACKEND)")

    def _wrap(self, module, name):
        original = getattr(module, name)

        def counted(*args, **kwargs):
            result = original(*args, **kwargs)  # raises if cuDNN cannot run it
            self.cudnn_calls += 1
            return result

        setattr(module, name, counted)

    def tensor(self, array, grad=False):
        if self.name == "torch":
            t = self.torch.as_tensor(array, device="cuda" if self.gpu else "cpu")
            return t.requires_grad_(True) if grad else t
        return self.jax.device_put(array)

    def numpy(self, value):
        if self.name == "torch":
            return value.detach().cpu().numpy()
        return np.asarray(value)

    def sync(self, value=None):
        if self.name == "torch":
            if self.gpu:
                self.torch.cuda.synchronize()
        elif value is not None:
            self.jax.block_until_ready(value)

    def precise(self):
        """A context computing in full float32, for comparing the two paths'
        numbers: TF32 off on PyTorch, "highest" matmul precision on JAX."""
        import contextlib

        if self.name == "jax":
            return self.jax.default_matmul_precision("highest")

        @contextlib.contextmanager
        def no_tf32():
            b = self.torch.backends
            saved = b.cuda.matmul.allow_tf32, b.cudnn.allow_tf32
            b.cuda.matmul.allow_tf32 = b.cudnn.allow_tf32 = False
            try:
                yield
            finally:
                b.cuda.matmul.allow_tf32, b.cudnn.allow_tf32 = saved
        return no_tf32()

    def forward_fn(self, layer, x, mask=None):
        """`forward()`: the layer's first output, compiled on JAX (as in training;
        eager JAX calls re-trace the scan every time), eager on PyTorch."""
        if self.name == "torch":
            def forward():
                with self.torch.no_grad():
                    return layer(x, mask=mask)[0]
            return forward
        weights = [v.value for v in layer.trainable_variables]
        fixed = [v.value for v in layer.non_trainable_variables]
        run = self.jax.jit(lambda w, i, m: layer.stateless_call(w, fixed, i, mask=m)[0][0])
        return lambda: run(weights, x, mask)

    def layer_fns(self, layer, x, dy):
        """`forward()` and `forward_backward()` for `layer` on `x`.

        forward+backward: gradients of sum(sequence * dy) with respect to the
        inputs and the three weights (as in `benchmarks.layers`).
        """
        if self.name == "torch":
            torch = self.torch
            weights = [v.value for v in layer.trainable_variables]

            def forward():
                with torch.no_grad():
                    return layer(x)

            def forward_backward():
                loss = torch.sum(layer(x) * dy)
                return torch.autograd.grad(loss, [x, *weights])
            return forward, forward_backward

        jax = self.jax
        trainable = [v.value for v in layer.trainable_variables]
        fixed = [v.value for v in layer.non_trainable_variables]

        def run(weights, inputs):
            return layer.stateless_call(weights, fixed, inputs)[0]

        fwd = jax.jit(run)
        fwd_bwd = jax.jit(jax.grad(lambda w, i: jax.numpy.sum(run(w, i) * dy),
                                   argnums=(1, 0)))
        return (lambda: fwd(trainable, x),
                lambda: (lambda g: [g[0], *g[1]])(fwd_bwd(trainable, x)))

    def matmul_fn(self, m, k, n, rng):
        a = self.tensor(rng.standard_normal((m, k)).astype(np.float32))
        b = self.tensor(rng.standard_normal((k, n)).astype(np.float32))
        if self.name == "torch":
            return lambda: self.torch.matmul(a, b)
        import jax.numpy as jnp
        f = self.jax.jit(lambda a, b: jnp.matmul(
            a, b, precision=self.jax.lax.Precision.HIGHEST))
        return lambda: f(a, b)


# ----------------------------------------------------------------------- run

def _time_interleaved(backend, fns, repeats, warmup):
    """name -> median seconds: `tf_lstm.lessons.cost.time_interleaved`, synced."""
    timings = time_interleaved(fns, repeats=repeats, warmup=warmup, block=backend.sync)
    return {name: timing.median for name, timing in timings.items()}


def _twin_layers(keras, shape, rng):
    """The same LSTM twice: cuDNN allowed ("auto") and generic (False)."""
    batch, steps, inputs, units = shape
    layers = {}
    for name, use_cudnn in (("cudnn", "auto"), ("generic", False)):
        layers[name] = keras.layers.LSTM(units, return_sequences=True,
                                         use_cudnn=use_cudnn)
        layers[name].build((batch, steps, inputs))
    weights = [0.1 * rng.standard_normal(w.shape).astype(np.float32)
               for w in layers["cudnn"].get_weights()]
    for layer in layers.values():
        layer.set_weights(weights)
    return layers


def layer_benchmark(backend, shapes, repeats, warmup, rng, square=4096):
    """Part 1: cuDNN vs generic per shape, with the same-process matmul rate."""
    import keras

    rows = []
    for shape in shapes:
        batch, steps, inputs, units = shape
        layers = _twin_layers(keras, shape, rng)
        x = backend.tensor(rng.standard_normal((batch, steps, inputs)).astype(np.float32),
                           grad=True)
        dy = backend.tensor(rng.standard_normal((batch, steps, units)).astype(np.float32))
        fns = {}
        for name, layer in layers.items():
            fns[f"{name}_forward"], fns[f"{name}_forward_backward"] = \
                backend.layer_fns(layer, x, dy)
        paths = {}
        for name, layer in layers.items():  # eager calls: JAX counts at trace time
            backend.cudnn_calls = 0
            backend.sync(layer(x))
            paths[name] = "cuDNN" if backend.cudnn_calls else "generic"
        # Numbers: the two paths with TF32 off, then as timed (defaults).
        check = {}
        for label, context in (("tf32_off", backend.precise()), ("default", None)):
            if context is not None:
                with context:
                    got = [fns["cudnn_forward"](), *fns["cudnn_forward_backward"]()]
                    want = [fns["generic_forward"](), *fns["generic_forward_backward"]()]
            else:
                got = [fns["cudnn_forward"](), *fns["cudnn_forward_backward"]()]
                want = [fns["generic_forward"](), *fns["generic_forward_backward"]()]
            got = [backend.numpy(g) for g in got]
            want = [backend.numpy(w) for w in want]
            check[label] = {
                "forward_max_abs": max_abs_diff(got[0], want[0]),
                "gradient_max_rel": max(max_rel_diff(g, w) for g, w in zip(got[1:], want[1:]))}
        mm_m, mm_k, mm_n = batch * steps, inputs + units, 4 * units
        fns["matmul_lstm_sized"] = backend.matmul_fn(mm_m, mm_k, mm_n, rng)
        fns["matmul_square"] = backend.matmul_fn(square, square, square, rng)
        median = _time_interleaved(backend, fns, repeats, warmup)
        flops = steps * lstm_step_flops(batch, inputs, units).forward
        matmul_gflops = {"lstm_sized": 2 * mm_m * mm_k * mm_n / median["matmul_lstm_sized"] / 1e9,
                         "square": 2 * square ** 3 / median["matmul_square"] / 1e9}
        row = {"shape": list(shape), "path": paths, "median_seconds": median,
               "matmul_gflops": matmul_gflops, "square_matmul_side": square,
               "check": check}
        for name in ("cudnn", "generic"):
            fb = median[f"{name}_forward_backward"]
            row[name] = {"forward_gflops": flops / median[f"{name}_forward"] / 1e9,
                         "forward_backward_gflops": 3 * flops / fb / 1e9,
                         "fraction_of_square_matmul":
                             3 * flops / fb / 1e9 / matmul_gflops["square"]}
        row["speedup_forward"] = median["generic_forward"] / median["cudnn_forward"]
        row["speedup_forward_backward"] = (median["generic_forward_backward"]
                                           / median["cudnn_forward_backward"])
        rows.append(row)
        print(f"  {shape}: paths {paths}; cuDNN {row['speedup_forward']:.1f}x forward, "
              f"{row['speedup_forward_backward']:.1f}x fwd+bwd over generic; "
              f"check {check['tf32_off']}", flush=True)
    return rows


def path_check(backend, shape, repeats, warmup, rng):
    """Part 2: which path each way of calling takes, and what a mask costs."""
    import keras

    from tf_lstm.layers import lstm, run_lstm

    batch, steps, inputs, units = shape
    x = backend.tensor(rng.standard_normal((batch, steps, inputs)).astype(np.float32))
    lengths = rng.integers(1, steps + 1, size=batch)
    lengths[0] = steps
    mask = backend.tensor(mask_from_lengths(lengths, steps))       # right-padded
    plain = keras.layers.LSTM(units, return_sequences=True, return_state=True)
    ours = lstm(units, return_sequences=True, return_state=True)
    ours_final_only = lstm(units)  # run_lstm calls its full-output twin
    for layer in (plain, ours, ours_final_only):
        layer.build((batch, steps, inputs))
    ours.set_weights(plain.get_weights())
    ours_final_only.set_weights(plain.get_weights())
    calls = {
        "keras LSTM, no mask": lambda: plain(x),
        "keras LSTM, right-padded mask": lambda: plain(x, mask=mask),
        "tf_lstm.lstm layer, no mask": lambda: ours(x),
        "tf_lstm.run_lstm, no mask": lambda: run_lstm(ours, x),
        "tf_lstm.run_lstm (return_state=False layer), no mask":
            lambda: run_lstm(ours_final_only, x),
        "tf_lstm.run_lstm, right-padded mask": lambda: run_lstm(ours, x, mask=mask),
    }
    taken = {}
    for name, call in calls.items():
        backend.cudnn_calls = 0
        out = call()
        backend.sync(out[0] if isinstance(out, (list, tuple)) else out)
        taken[name] = "cuDNN" if backend.cudnn_calls else "generic"
    # Same numbers through our helpers as through Keras (last valid h per row).
    reference = plain(x, mask=mask)
    ours_out = run_lstm(ours, x, mask=mask)
    same = max_abs_diff(backend.numpy(ours_out.h), backend.numpy(reference[1]))
    median = _time_interleaved(backend, {
        "no mask": backend.forward_fn(plain, x),
        "right-padded mask": backend.forward_fn(plain, x, mask)}, repeats, warmup)
    print(f"  paths: {taken}", flush=True)
    return {"shape": list(shape), "lengths_min_max": [int(lengths.min()), steps],
            "path": taken, "run_lstm_vs_keras_h_max_abs": same,
            "forward_median_seconds": median,
            "mask_cost": median["right-padded mask"] / median["no mask"]}


def _pad_to(ids, multiple):
    """Right-pad `(batch, steps)` ids with 0 to a multiple of `multiple` steps."""
    steps = -(-ids.shape[1] // multiple) * multiple
    return np.pad(ids, ((0, 0), (0, steps - ids.shape[1])))


def translator_epoch(backend, batches, seconds):
    """Part 3: one epoch (or `seconds`) of the demo translator's training."""
    import keras

    from tf_lstm.translation.model import Translator, compile_translator
    from tf_lstm.translation.config import TranslatorConfig

    config = TranslatorConfig(**json.loads(str(batches["config"])))
    keras.utils.set_random_seed(config.seed)
    model = Translator(list(batches["source_vocabulary"]),
                       list(batches["target_vocabulary"]), config)
    ids = np.ones((1, 2), np.int32)
    model((ids, ids))
    compile_translator(model)
    count = sum(1 for k in batches.files if k.startswith("source_0"))
    # JAX compiles the train step once per input shape: pad every batch to a
    # multiple of JAX_PAD_MULTIPLE steps (masked, so the loss is the same) to
    # compile a few shapes instead of one per batch. PyTorch runs them as made.
    multiple = JAX_PAD_MULTIPLE if backend.name == "jax" else 1
    seen, log, start = set(), [], time.perf_counter()
    backend.cudnn_calls = 0
    for k in range(count):
        source, target_in, target_out = (_pad_to(batches[f"{n}_{k:04d}"], multiple)
                                         for n in ("source", "target_in", "target_out"))
        t0 = time.perf_counter()
        loss = model.train_on_batch((source, target_in), target_out)
        loss = float(loss[0] if isinstance(loss, (list, tuple)) else loss)
        elapsed = time.perf_counter() - t0  # train_on_batch returns numbers: synced
        if not np.isfinite(loss):
            raise FloatingPointError(f"loss became {loss} at batch {k}")
        shape = source.shape + target_in.shape
        log.append({"seconds": elapsed, "tokens": int(np.sum(target_out != 0)),
                    "loss": loss, "new_shape": shape not in seen})
        seen.add(shape)
        if time.perf_counter() - start > seconds:
            break
    steady = [b for b in log[1:] if not b["new_shape"]]
    result = {"batches": len(log), "batches_in_epoch": count, "padded_to_multiple_of": multiple,
              "distinct_shapes": len(seen),
              "wall_seconds": time.perf_counter() - start,
              "tokens_per_second_steady": (sum(b["tokens"] for b in steady)
                                           / max(sum(b["seconds"] for b in steady), 1e-9)),
              "tokens_per_second_all": (sum(b["tokens"] for b in log)
                                        / sum(b["seconds"] for b in log)),
              "loss_first_10": float(np.mean([b["loss"] for b in log[:10]])),
              "loss_last_10": float(np.mean([b["loss"] for b in log[-10:]])),
              "cudnn_calls": backend.cudnn_calls}
    print(f"  translator: {result}", flush=True)
    return result


def run(args, argv=None):
    """Measure the three parts on this backend; write `args.out` after each."""
    import keras

    batches = np.load(args.batches, allow_pickle=False)
    backend = Backend()
    rng = np.random.default_rng(0)
    report = {"command": command_line("benchmarks.gpu", argv),
              "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "backend": backend.name, "device": backend.device, "gpu": backend.gpu,
              "keras": keras.__version__, "python": platform.python_version(),
              **backend.versions, "errors": {}}
    shapes = QUICK_SHAPES if args.quick else SHAPES
    parts = (("layers", lambda: layer_benchmark(backend, shapes, args.repeats, args.warmup,
                                                rng, 256 if args.quick else 4096)),
             ("paths", lambda: path_check(backend, shapes[0], args.repeats,
                                          args.warmup, rng)),
             ("translator", lambda: translator_epoch(backend, batches, args.seconds)))
    for name, part in parts:  # one part failing must not lose the others
        print(f"{backend.name}: {name}", flush=True)
        try:
            report[name] = part()
        except Exception:  # noqa: BLE001 - recorded in the report, then re-raised below
            report["errors"][name] = traceback.format_exc()
            print(report["errors"][name], file=sys.stderr, flush=True)
        write_json(args.out, report)
    return 1 if report["errors"] else 0


# -------------------------------------------------------------------- report

def markdown(reports):
    """The results table(s) from one or more `run` JSON reports."""
    lines = ["# LSTM on a GPU: cuDNN path or not", ""]
    for r in reports:
        versions = ", ".join(f"{k} {r[k]}" for k in ("torch", "cudnn", "jax") if r.get(k))
        lines += [f"## Keras {r['keras']}, {r['backend']} backend ({versions}) "
                  f"on {r['device']}", "", f"Command: `{r['command']}`, {r['date']}", ""]
        if r.get("layers"):
            lines += ["`use_cudnn=\"auto\"` took the "
                      + ", ".join(sorted({row["path"]["cudnn"] for row in r["layers"]}))
                      + " path; `use_cudnn=False` the generic one. Median of interleaved "
                      "repeats; fwd+bwd = gradients of sum(sequence * dy) with respect to "
                      "the inputs and the three weights.", "",
                      "| shape (batch, steps, inputs, units) | cuDNN fwd ms | generic fwd ms "
                      "| cuDNN fwd+bwd ms | generic fwd+bwd ms | speed-up fwd / fwd+bwd "
                      "| cuDNN fwd+bwd GFLOP/s (fraction of fp32 matmul) "
                      "| max abs diff fwd, max rel diff grad (full float32) |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|"]
            for row in r["layers"]:
                m, c = row["median_seconds"], row["check"]["tf32_off"]
                lines.append(
                    f"| {tuple(row['shape'])} | {1e3 * m['cudnn_forward']:.2f} "
                    f"| {1e3 * m['generic_forward']:.2f} "
                    f"| {1e3 * m['cudnn_forward_backward']:.2f} "
                    f"| {1e3 * m['generic_forward_backward']:.2f} "
                    f"| {row['speedup_forward']:.1f}× / {row['speedup_forward_backward']:.1f}× "
                    f"| {row['cudnn']['forward_backward_gflops']:.0f} "
                    f"({row['cudnn']['fraction_of_square_matmul']:.2f}) "
                    f"| {c['forward_max_abs']:.1e}, {c['gradient_max_rel']:.1e} |")
            worst = {k: max(row["check"]["default"][k] for row in r["layers"])
                     for k in ("forward_max_abs", "gradient_max_rel")}
            square = [row["matmul_gflops"]["square"] for row in r["layers"]]
            side = r["layers"][0]["square_matmul_side"]
            lines += ["", f"The float32 matrix product ({side}×{side} by {side}×{side}, "
                      f"full float32) ran at {min(square):,.0f}–{max(square):,.0f} "
                      "GFLOP/s in the same process. With the backend's default precision, as timed (TF32 "
                      "allowed in PyTorch's cuDNN, JAX's default matmul precision), the "
                      f"two paths differ by up to {worst['forward_max_abs']:.1e} "
                      f"(forward) and {worst['gradient_max_rel']:.1e} (gradients).", ""]
        if r.get("paths"):
            p = r["paths"]
            lines += [f"Which path (shape {tuple(p['shape'])}, mask lengths "
                      f"{p['lengths_min_max'][0]}–{p['lengths_min_max'][1]}):", "",
                      "| call | path |", "|---|---|"]
            lines += [f"| {name} | {path} |" for name, path in p["path"].items()]
            how = "eager calls" if r["backend"] == "torch" else "compiled calls"
            lines += ["", f"With a right-padded mask the forward pass takes "
                      f"{p['mask_cost']:.1f}× the time of the same call without one "
                      f"({how}); `run_lstm` with the mask "
                      f"gives Keras's final h to {p['run_lstm_vs_keras_h_max_abs']:.1e}.", ""]
        if r.get("translator"):
            t = r["translator"]
            lines += [f"Translator training (demo config, masked): {t['batches']} of "
                      f"{t['batches_in_epoch']} batches in {t['wall_seconds']:.0f} s, "
                      f"{t['tokens_per_second_steady']:,.0f} real target tokens/s "
                      f"leaving out each of the {t['distinct_shapes']} batch shapes' first "
                      f"batch (where JAX compiles), loss "
                      f"{t['loss_first_10']:.2f} → {t['loss_last_10']:.2f}, "
                      f"cuDNN calls: {t['cudnn_calls']}.", ""]
        for part, error in r.get("errors", {}).items():
            lines += [f"Part `{part}` failed: `{error.strip().splitlines()[-1]}`", ""]
    return "\n".join(lines)


def report(args):
    """Merge `run` reports into one JSON (``{"runs": [...]}``) and its Markdown."""
    reports = [json.loads(Path(p).read_text(encoding="utf-8")) for p in args.reports]
    text = markdown(reports)
    write_json(with_extension(args.out, ".json"), {"runs": reports})
    write_text(with_extension(args.out, ".md"), text)
    print(text)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu",
                                     description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write the demo's training batches (needs TF)")
    p.add_argument("--out", required=True)
    p.add_argument("--limit", type=int, default=0, help="at most this many batches")
    r = sub.add_parser("run", help="measure on this backend (KERAS_BACKEND=torch|jax)")
    r.add_argument("--batches", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--repeats", type=int, default=7)
    r.add_argument("--warmup", type=int, default=2)
    r.add_argument("--seconds", type=float, default=90.0,
                   help="stop the translator epoch after this long")
    r.add_argument("--quick", action="store_true",
                   help="one tiny shape: a smoke run on a CPU with PyTorch or JAX")
    m = sub.add_parser("report", help="Markdown table from run reports")
    m.add_argument("reports", nargs="+")
    m.add_argument("--out", default=str(RESULTS / "gpu"),
                   help="results path without extension (.json and .md written)")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        return 0 if prepare(args.out, args.limit) else 1
    return run(args, argv) if args.command == "run" else report(args)


if __name__ == "__main__":
    sys.exit(main())
