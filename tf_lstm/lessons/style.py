"""One look for every lesson: the notebooks' set-up line and one colour per model.

Every notebook starts with ``FAST = style.setup()``: it seeds Python, NumPy and
Keras, sets the figure style (PNG at a size whose tick labels read at the
rendered width, legends framed), and returns whether the test suite runs the
notebook in fast mode (``TF_LSTM_FAST=1``: small data, few epochs).

`COLORS` gives each model, and each decoding method, one colour across all
notebooks: the SimpleRNN is red wherever it appears, the LSTM blue;
`line_styles` gives several curves of one model its colour in different line
styles, and labels that name no model colours no model uses.
"""

import itertools
import os

from tf_lstm import checks

FAST_ENV = "TF_LSTM_FAST"      # set to 1 by the test suite: small data, few epochs
TATOEBA_ENV = "TF_LSTM_TATOEBA"  # a path to Tatoeba's fra.txt, for the translation lesson

COLORS = {
    "SimpleRNN": "tab:red",
    "LSTM": "tab:blue",            # keras.layers.LSTM, and "the LSTM" in prose
    "ScratchLSTM": "tab:orange",   # our from-scratch layer
    "GRU": "tab:green",
    "Dense": "tab:gray",           # baselines without recurrence
    "matmul": "tab:gray",
    "greedy": "tab:purple",        # decoding methods of the translator
    "beam search": "tab:brown",
}

# Colours for labels that name no model (variants of the data): none is in COLORS.
OTHER_COLORS = ("black", "tab:olive", "tab:cyan", "tab:pink", "darkgoldenrod")
LINESTYLES = ("-", "--", ":", "-.")  # the 1st, 2nd, ... curve of one model

# Longer names first, so that "ScratchLSTM (XLA)" is ScratchLSTM, not LSTM.
_BY_LENGTH = sorted(COLORS, key=len, reverse=True)


_RAISE = object()


def color(label, default=_RAISE):
    """The colour of the model a figure label names.

    Args:
        label: a label such as ``"LSTM, T=100"`` or ``"keras.layers.LSTM"``;
            the longest model name of `COLORS` it contains decides.
        default: returned when the label names no model (for example None:
            matplotlib's colour cycle); without it, that is an error.

    Returns:
        A matplotlib colour name, or `default`.

    Raises:
        ValueError: if the label names no model of `COLORS` and no default is given.

    Example:

    >>> color("SimpleRNN at init"), color("keras.layers.LSTM"), color("ScratchLSTM + XLA")
    ('tab:red', 'tab:blue', 'tab:orange')
    """
    if isinstance(label, str):
        for name in _BY_LENGTH:
            if name.lower() in label.lower():
                return COLORS[name]
    if default is not _RAISE:
        return default
    raise ValueError(f"Argument `label` must name one of {sorted(COLORS)}. "
                     f"Received: label={label!r}")


def line_styles(labels):
    """A colour and a line style per label: one colour per model (`style.color`).

    Args:
        labels: the curves' labels, in drawing order.

    Returns:
        dict `{label: (colour, linestyle)}`. Labels naming the same model share
        its colour and get different line styles; labels naming no model get
        colours from `OTHER_COLORS`, in turn.

    Example:

    >>> line_styles(["SimpleRNN", "LSTM, bias 1", "LSTM, bias 3", "zeros"])["LSTM, bias 3"]
    ('tab:blue', '--')
    """
    others = itertools.cycle(OTHER_COLORS)
    seen, styles = {}, {}
    for label in labels:
        colour = color(label, default=None) or next(others)
        count = seen.get(colour, 0)
        seen[colour] = count + 1
        styles[label] = (colour, LINESTYLES[count % len(LINESTYLES)])
    return styles


def setup(seed=0):
    """Prepare a lesson: seeds, figure style, and the fast-mode flag.

    Args:
        seed: a non-negative integer for Python, NumPy and Keras.

    Returns:
        True when the test suite runs the notebook in fast mode
        (``TF_LSTM_FAST=1``), else False. Prints ``FAST=...`` once.

    Raises:
        ValueError: if `seed` is not a non-negative integer.
    """
    import matplotlib.pyplot as plt

    import tf_lstm

    tf_lstm.seed_everything(checks.non_negative_int("seed", seed))
    try:  # inside a notebook kernel: PNG figures (small, and render the same everywhere)
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        set_matplotlib_formats("png")
    except ImportError:  # pragma: no cover - matplotlib_inline ships with ipykernel
        pass
    plt.rcParams.update({
        "figure.dpi": 80,          # the saved notebook stays small ...
        "font.size": 12,           # ... and the labels stay readable at that size
        "axes.titlesize": 12,
        "axes.labelsize": 12,
        "xtick.labelsize": 11,
        "ytick.labelsize": 11,
        "legend.fontsize": 10,
        "legend.framealpha": 0.9,
        "axes.grid": True,
        "grid.alpha": 0.3,
    })
    fast = os.environ.get(FAST_ENV) == "1"
    print(f"FAST={fast}" + (" (the test suite's small run)" if fast else ""))
    return fast


def tatoeba_path(fast):
    """The real English–French pairs a lesson may train on, if the reader has them.

    The path comes from the environment variable ``TF_LSTM_TATOEBA`` (``make
    notebooks TATOEBA=path/to/fra.txt`` sets it); the file is never part of the
    repository. Prints which data the lesson will use, and why.

    Args:
        fast: the flag `setup` returned; fast mode always uses the bundled corpus.

    Returns:
        A `pathlib.Path` to an existing file, or None (use the bundled corpus).
    """
    import pathlib

    value = os.environ.get(TATOEBA_ENV, "").strip()
    if fast or not value:
        why = "fast mode" if fast else f"{TATOEBA_ENV} is not set"
        print(f"data: the bundled synthetic corpus ({why}; give the Tatoeba file with "
              f"`make notebooks TATOEBA=path/to/fra.txt` to train on real sentences)")
        return None
    path = pathlib.Path(value).expanduser()
    if not path.is_file():
        print(f"data: the bundled synthetic corpus ({TATOEBA_ENV}={value!r} is not a file)")
        return None
    print(f"data: real Tatoeba pairs from {path.name}")
    return path
