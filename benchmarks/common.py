"""What the benchmarks share and that needs no TensorFlow (`gpu.py` runs without it)."""

import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def lstm_flops(batch, steps, inputs, units):
    """Forward-pass FLOPs of an LSTM (matrix products + element-wise work).

    Per step the four gate pre-activations cost ``2 * batch * (inputs + units)
    * 4 * units`` and the element-wise work about ``17 * batch * units``; see
    `benchmarks.layers` for the count. Forward+backward is taken as 3x this.

    >>> lstm_flops(1, 1, 1, 1)
    33
    """
    return batch * steps * (2 * (inputs + units) * 4 * units + 17 * units)


def write_atomic(path, write):
    """Write through `write(tmp_path)`, then rename onto `path` (never half-written)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def with_extension(out, extension):
    """`out` (a results stem such as ``results/translator.equal_epochs``) + extension.

    `Path.with_suffix` would replace ``.equal_epochs``; a stem given with one of
    the extensions written (``.json``, ``.md``, ``.png``) is taken without it.

    >>> str(with_extension("results/gpu.run1", ".md"))
    'results/gpu.run1.md'
    >>> str(with_extension("results/gpu.json", ".md"))
    'results/gpu.md'
    """
    out = Path(out)
    name = out.name
    for known in (".json", ".md", ".png"):
        if name.endswith(known):
            name = name[:-len(known)]
    return out.with_name(name + extension)
