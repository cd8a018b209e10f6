"""The LSTM's figures for the lessons, as functions of data that return the Figure.

- `plot_gate_diagram`: one LSTM step drawn with matplotlib patches (§3.1). It
  replaces the article's sequential ``cell state -> input gate -> output gate
  -> forget gate``: the four gates i, f, g (candidate), o are computed *in
  parallel* from the same ``[x_t, h_{t-1}]``.
- `plot_gates`: heatmaps of the per-step gates i, f, g, o and the cell state
  c, from ``ScratchLSTM(return_gates=True)`` or the NumPy reference's cache (§3).
- `plot_masking`: what an LSTM outputs at padded steps (§4).

The translator's own figures (training curves, attention) are in
`tf_lstm.translation.figures`, since the command line draws them too.

Each function only draws: it computes nothing about the LSTM itself.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patches
from matplotlib.ticker import MaxNLocator

GATE_PANELS = (  # key, title, colour map, value range (None: symmetric), colour bar
    ("i", "i: input gate", "viridis", (0.0, 1.0), r"$i_t$"),
    ("f", "f: forget gate", "viridis", (0.0, 1.0), r"$f_t$"),
    ("g", "g: candidate", "RdBu_r", (-1.0, 1.0), r"$g_t$"),
    ("o", "o: output gate", "viridis", (0.0, 1.0), r"$o_t$"),
    ("c", "c: cell state", "RdBu_r", None, r"$c_t$"),
)
MASKING_TITLE = "Outputs at padded steps (×)"


def _box(ax, xy, width, height, text, color, fontsize=12):
    """A rounded box with centred text; returns its centre."""
    ax.add_patch(patches.FancyBboxPatch(
        xy, width, height, boxstyle="round,pad=0.05", facecolor=color,
        edgecolor="black", linewidth=1.0))
    centre = (xy[0] + width / 2, xy[1] + height / 2)
    ax.text(*centre, text, ha="center", va="center", fontsize=fontsize)
    return centre


def _node(ax, xy, symbol):
    """A small circle holding an operator (x, +, tanh)."""
    radius = 0.3 if len(symbol) > 1 else 0.22  # room for "tanh"
    ax.add_patch(patches.Circle(xy, radius, facecolor="white", edgecolor="black"))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=10 if len(symbol) > 1 else 13)


def _arrow(ax, start, end, color="black", **kwargs):
    ax.annotate("", xy=end, xytext=start, arrowprops=dict(
        arrowstyle="-|>", color=color, lw=1.3, shrinkA=0, shrinkB=2, **kwargs))


def plot_gate_diagram():
    """Draw one LSTM step, with the four gates side by side (§3.1).

    The concatenated ``[x_t, h_{t-1}]`` feeds four blocks at once; each is
    ``activation(x_t W_k + h_{t-1} R_k + b_k)`` with its own weights. Then
    ``c_t = f_t * c_{t-1} + i_t * g_t`` and ``h_t = o_t * tanh(c_t)``.
    Takes no arguments: the diagram is the same for every LSTM.

    Returns:
        A matplotlib Figure.

    Example:

    >>> fig = plot_gate_diagram()
    >>> fig.axes[0].get_title()
    'One LSTM step: i, f, g, o in parallel'
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.set_xlim(0, 10.4)
    ax.set_ylim(0, 5.2)
    ax.set_axis_off()
    ax.set_title("One LSTM step: i, f, g, o in parallel")
    state_y = 4.6  # the cell-state "conveyor belt" along the top
    c_prev = _box(ax, (0.1, state_y - 0.25), 0.9, 0.5, r"$c_{t-1}$", "#f2f2f2")
    h_prev = _box(ax, (0.1, 2.55), 0.9, 0.5, r"$h_{t-1}$", "#f2f2f2")
    x_t = _box(ax, (0.1, 0.95), 0.9, 0.5, r"$x_t$", "#f2f2f2")
    concat = _box(ax, (1.5, 1.1), 1.1, 1.8, "concat\n" + r"$[x_t, h_{t-1}]$",
                  "#e8e8ff", fontsize=11)
    _arrow(ax, (1.05, h_prev[1]), (1.45, h_prev[1]))
    _arrow(ax, (1.05, x_t[1]), (1.45, x_t[1]))

    gates = {}
    # Drawn f above i so that no arrows cross; Keras's order is i, f, g, o.
    specs = (("f", r"$f_t = \sigma(z_f)$", "forget gate", "#f6d6d6", 3.45),
             ("i", r"$i_t = \sigma(z_i)$", "input gate", "#cfe8cf", 2.55),
             ("g", r"$g_t = \tanh(z_g)$", "candidate", "#fff0c0", 1.65),
             ("o", r"$o_t = \sigma(z_o)$", "output gate", "#d6e4f6", 0.75))
    for name, formula, label, color, y in specs:
        gates[name] = _box(ax, (3.2, y), 1.85, 0.62, f"{formula}\n{label}", color,
                           fontsize=11)
        _arrow(ax, (2.65, concat[1]), (3.15, y + 0.31), color="#555555")
    ax.text(4.15, 0.2, r"each block: $z_k = x_t W_k + h_{t-1} R_k + b_k$"
            "\n(Keras fuses the four: kernel i, f, c(=g), o)", ha="center",
            va="center", fontsize=10)

    forget_x, add_x, out_x = 6.0, 7.3, 8.6
    ig = (add_x, 2.9)
    _node(ax, (forget_x, state_y), "×")
    _node(ax, (add_x, state_y), "+")
    _node(ax, ig, "×")
    _node(ax, (out_x, 2.6), "tanh")
    _node(ax, (out_x, 1.05), "×")
    _arrow(ax, (1.05, state_y), (forget_x - 0.24, state_y))
    _arrow(ax, (forget_x + 0.24, state_y), (add_x - 0.24, state_y))
    _arrow(ax, (5.1, gates["f"][1]), (forget_x, state_y - 0.24))
    _arrow(ax, (5.1, gates["i"][1]), (ig[0] - 0.24, ig[1]))
    _arrow(ax, (5.1, gates["g"][1]), (ig[0], ig[1] - 0.24))
    _arrow(ax, (ig[0], ig[1] + 0.24), (add_x, state_y - 0.24))
    _arrow(ax, (add_x + 0.24, state_y), (9.4, state_y))
    _arrow(ax, (out_x, state_y), (out_x, 2.92))
    _arrow(ax, (out_x, 2.28), (out_x, 1.29))
    _arrow(ax, (5.1, gates["o"][1]), (out_x - 0.24, 1.05))
    _arrow(ax, (out_x + 0.24, 1.05), (9.4, 1.05))
    ax.text(9.45, state_y, r"$c_t$", va="center", fontsize=12)
    ax.text(9.45, 1.05, r"$h_t$" + "\n(output)", va="center", fontsize=11)
    ax.text(7.6, 0.25, r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$" "\n"
            r"$h_t = o_t \odot \tanh(c_t)$", fontsize=12, ha="center", va="center")
    return fig


def _gate_arrays(gates, sample):
    """`gates[k][sample]` as float arrays `(steps, units)`, validated."""
    missing = [key for key, *_ in GATE_PANELS if key not in gates]
    if missing:
        raise ValueError(
            "Argument `gates` must be a dict with the keys 'i', 'f', 'g', 'o', "
            f"'c' (ScratchLSTM(return_gates=True)). Received keys: {sorted(gates)}")
    arrays = {key: np.asarray(gates[key], dtype=np.float64)
              for key, *_ in GATE_PANELS}
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 3:
        raise ValueError(
            "Argument `gates` must hold arrays of one shape (batch, steps, units). "
            f"Received shapes: { {k: a.shape for k, a in arrays.items()} }")
    batch = next(iter(shapes))[0]
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not (
            0 <= sample < batch):
        raise ValueError(f"Argument `sample` must be an integer in [0, {batch}). "
                         f"Received: sample={sample!r}")
    return {key: a[sample] for key, a in arrays.items()}


def _tick_layout(labels, width_in, fontsize):
    """How to show `labels` along `width_in` inches: `(every, rotation)`.

    Upright when the longest line of a label fits its column; otherwise
    rotated 90 degrees, and then only every `every`-th label where even the
    rotated labels (one text line high each) would overlap.
    """
    column = width_in / max(len(labels), 1)               # inches per step
    char = 0.62 * fontsize / 72                           # a character's width
    line = 1.25 * fontsize / 72                           # a text line's height
    lines = [str(label).split("\n") for label in labels]
    longest = max((len(part) for parts in lines for part in parts), default=1)
    if longest * char <= 0.9 * column:
        return 1, 0
    height = max(len(parts) for parts in lines) * line     # rotated: lines side by side
    return max(1, int(np.ceil(height / (0.9 * column)))), 90


def plot_gates(gates, tokens=None, sample=0, units=None, title=None, xlabel=None):
    """Heatmaps of the gates i, f, g, o and the cell state c over time.

    The five panels are stacked, one above the other, on one time axis, so
    that a step's column reads straight down through i, f, g, o and c. Token
    labels stand upright when they fit, else they are turned and, if they
    would still overlap, thinned; the figure is 10 inches wide, whatever the
    number of steps.

    Args:
        gates: dict with "i", "f", "g", "o", "c", each `(batch, steps, units)`,
            as returned by ``ScratchLSTM(return_gates=True)`` or found in the
            cache of `tf_lstm.numpy_lstm.numpy_lstm_forward`.
        tokens: optional list of `steps` strings that label the time axis.
        sample: which sequence of the batch to draw.
        units: optional list of unit indices to draw (default: all).
        title: optional figure title (short: what is drawn); by default it
            names the sequence drawn.
        xlabel: optional label of the time axis; by default "token" when
            `tokens` are given, else "time step t".

    Returns:
        A matplotlib Figure with one panel per gate (then one colour bar each).

    Raises:
        ValueError: if `gates` lacks a key or its arrays differ in shape, or
            `tokens`, `sample` or `units` do not fit them.

    Example:

    >>> gates = {key: np.full((2, 3, 4), 0.5) for key in "ifgoc"}
    >>> fig = plot_gates(gates, tokens=["a", "b", "c"], units=[0, 2])
    >>> [ax.get_title(loc="left") for ax in fig.axes[:5]]
    ['i: input gate', 'f: forget gate', 'g: candidate', 'o: output gate', 'c: cell state']
    >>> fig.axes[4].get_xlabel(), fig.axes[5].get_ylabel()
    ('token', '$i_t$')
    >>> plt.close(fig)
    """
    arrays = _gate_arrays(gates, sample)
    steps, n_units = arrays["i"].shape
    if tokens is not None and len(tokens) != steps:
        raise ValueError(f"Argument `tokens` must have one label per step ({steps}). "
                         f"Received: {len(tokens)} tokens")
    rows = np.arange(n_units) if units is None else np.asarray(units, dtype=int)
    if rows.ndim != 1 or rows.size == 0 or rows.min() < 0 or rows.max() >= n_units:
        raise ValueError(f"Argument `units` must list unit indices in [0, {n_units}). "
                         f"Received: units={units!r}")
    fontsize = 11
    panel = float(np.clip(0.06 * len(rows) + 0.55, 0.8, 1.6))   # inches per panel
    tick_lines = 1 if tokens is None else max(
        len(str(token).split("\n")) for token in tokens)
    fig, axes = plt.subplots(
        len(GATE_PANELS), 1, sharex=True, layout="constrained",
        figsize=(10, len(GATE_PANELS) * (panel + 0.3) + 0.6 + 0.2 * tick_lines))
    c_limit = max(float(np.abs(arrays["c"]).max()), 1e-6)
    label_every = max(1, int(np.ceil(len(rows) * 1.3 * fontsize / 72 / panel)))
    for ax, (key, panel_title, cmap, limits, bar_label) in zip(axes, GATE_PANELS):
        low, high = limits if limits is not None else (-c_limit, c_limit)
        image = ax.imshow(arrays[key][:, rows].T, aspect="auto", cmap=cmap,
                          vmin=low, vmax=high, interpolation="nearest")
        bar = fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01)
        bar.set_label(bar_label, fontsize=fontsize)
        bar.ax.tick_params(labelsize=fontsize - 2)
        ax.set_title(panel_title, fontsize=fontsize, loc="left")
        ax.set_ylabel("unit", fontsize=fontsize)
        shown = range(0, len(rows), label_every)
        ax.set_yticks(list(shown), [str(rows[r]) for r in shown], fontsize=fontsize - 1)
        ax.grid(False)
    bottom = axes[-1]
    if tokens is not None:
        every, rotation = _tick_layout(tokens, 8.4, fontsize - 1)
        shown = range(0, steps, every)
        bottom.set_xticks(list(shown), [str(tokens[t]) for t in shown],
                          rotation=rotation, fontsize=fontsize - 1)
        bottom.set_xlabel(xlabel or "token", fontsize=fontsize)
    else:
        bottom.xaxis.set_major_locator(MaxNLocator(nbins=15, integer=True))
        bottom.set_xlabel(xlabel or "time step t", fontsize=fontsize)
    fig.suptitle(f"Gates and cell state, sequence {sample}" if title is None else title,
                 fontsize=fontsize + 1)
    return fig


def plot_masking(mask, outputs, unit=0, title=MASKING_TITLE):
    """Outputs of one unit over time for a right-padded batch (§4).

    Args:
        mask: boolean `(batch, steps)`; False marks padding.
        outputs: dict `{label: (batch, steps, units) array}`, e.g. the default
            Keras output and the one with ``zero_output_for_mask=True``.
        unit: which unit to draw.
        title: the figure's title.

    Returns:
        A matplotlib Figure with one panel per entry of `outputs`; filled dots
        are real steps, crosses padded ones. The sequences are shades of the
        LSTM's blue (`style.COLORS`), told apart by line style; the legend sits
        below the panels.

    Raises:
        ValueError: if `mask` is not a boolean `(batch, steps)` array, or
            `outputs` is empty or holds an array of another shape.

    Example:

    >>> mask = np.array([[True, True, True], [True, False, False]])
    >>> fig = plot_masking(mask, {"default": np.ones((2, 3, 1))})
    >>> fig.axes[0].get_title(), fig.axes[0].get_xlabel()
    ('default', 'time step t')
    >>> plt.close(fig)
    """
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.ndim != 2:
        raise ValueError("Argument `mask` must be a boolean (batch, steps) array. "
                         f"Received: mask of dtype {mask.dtype}, shape {mask.shape}")
    if not isinstance(outputs, dict) or not outputs:
        raise ValueError("Argument `outputs` must be a non-empty dict "
                         f"{{label: array}}. Received: {type(outputs).__name__}")
    batch, steps = mask.shape
    fig, axes = plt.subplots(1, len(outputs), figsize=(min(10, 4.6 * len(outputs)), 3.8),
                             sharey=True, squeeze=False, layout="constrained")
    t = np.arange(steps)
    shades = plt.get_cmap("Blues")(np.linspace(0.95, 0.5, batch))
    styles = ("-", "--", ":", "-.")
    for ax, (label, values) in zip(axes[0], outputs.items()):
        values = np.asarray(values, dtype=np.float64)
        if values.shape[:2] != (batch, steps) or values.ndim != 3:
            raise ValueError(f"Argument `outputs[{label!r}]` must have shape "
                             f"({batch}, {steps}, units). Received: {values.shape}")
        for b in range(batch):
            ax.plot(t, values[b, :, unit], lw=1.5, color=shades[b],
                    linestyle=styles[b % len(styles)],
                    label=f"sequence {b} (length {int(mask[b].sum())})")
            ax.plot(t[mask[b]], values[b, mask[b], unit], "o", color=shades[b])
            ax.plot(t[~mask[b]], values[b, ~mask[b], unit], "x", ms=9, mew=2,
                    color=shades[b])
        ax.set_title(label, fontsize=11)
        ax.set_xlabel("time step t")
        ax.set_xticks(t)
    axes[0, 0].set_ylabel(f"output of unit {unit}")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(batch, 3),
               fontsize=10)
    fig.suptitle(title, fontsize=12)
    return fig
