"""What the benchmarks share, free of TensorFlow (`gpu.py` runs without it).

Each benchmark writes one current result under `RESULTS`, with a stable
name: ``layers``, ``translator``, ``tatoeba_fra_eng`` (other seeds:
``tatoeba_fra_eng.seedN``, their spread ``tatoeba_seeds``),
``tatoeba_ablation``, ``distributed`` and ``gpu`` (``.json`` and ``.md``; the
layer benchmark also ``.png``). Files are written with
`tf_lstm.files`, atomically.
"""

import os
import platform
import socket
import sys
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


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


def machine():
    """The machine, in one line, for a result's header: architecture, cores, Python.

    >>> f"{os.cpu_count()} cores" in machine()
    True
    """
    return (f"{platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")


def shown_path(data):
    """`data` as a result records it: a file as ``path/to/NAME``, a corpus name as is.

    Results are committed and the repository links nothing outside itself, so
    a data file given by path (never committed) is recorded by its name only.

    >>> shown_path("synthetic_en_fr"), shown_path(__file__)
    ('synthetic_en_fr', 'path/to/common.py')
    """
    return f"path/to/{Path(data).name}" if os.path.exists(data) else data


def command_line(module, argv=None):
    """The command that wrote a result, for its header (``--data``, ``--run-dir`` as `shown_path`).

    Args:
        module: the benchmark's module, e.g. ``"benchmarks.tatoeba"``.
        argv: its arguments (default: `sys.argv[1:]`).

    >>> command_line("benchmarks.tatoeba", ["--data", __file__, "--minutes", "30"])
    'python -m benchmarks.tatoeba --data path/to/common.py --minutes 30'
    """
    shown = list(sys.argv[1:] if argv is None else argv)
    for k, argument in enumerate(shown):
        for flag in ("--data", "--run-dir"):
            if k and shown[k - 1] == flag:
                shown[k] = shown_path(argument)
            elif argument.startswith(flag + "="):
                shown[k] = flag + "=" + shown_path(argument[len(flag) + 1:])
    return " ".join(["python -m", module, *shown])


def max_abs_diff(got, want):
    """The largest absolute difference of two arrays, in float64.

    >>> max_abs_diff([1.0, 2.0], [1.0, 2.5])
    0.5
    """
    return float(np.max(np.abs(np.asarray(got, np.float64) - np.asarray(want, np.float64))))


def max_rel_diff(got, want):
    """`max_abs_diff` over the largest ``|want|``: an error relative to the tensor's scale.

    >>> max_rel_diff([1.0, 2.0], [1.0, 2.5])
    0.2
    """
    scale = float(np.max(np.abs(np.asarray(want, np.float64))))
    return max_abs_diff(got, want) / max(scale, 1e-30)


def free_ports(count):
    """`count` ports of 127.0.0.1 the system reports free (bound to port 0, then released).

    Another process may take one before the caller binds it: callers start
    their workers at once (a rare clash fails loudly, it does not hang).
    """
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()
