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

GATE_PANELS = (  # key, title, colour map, value range (None: symmetric around 0)
    ("i", "i: input gate", "viridis", (0.0, 1.0)),
    ("f", "f: forget gate", "viridis", (0.0, 1.0)),
    ("g", "g: candidate", "RdBu_r", (-1.0, 1.0)),
    ("o", "o: output gate", "viridis", (0.0, 1.0)),
    ("c", "c: cell state", "RdBu_r", None),
)
MASKING_TITLE = ("Padded steps (×): the output repeats the last real one, "
                 "or is 0 with zero_output_for_mask=True")


def _box(ax, xy, width, height, text, color, fontsize=10):
    """A rounded box with centred text; returns its centre."""
    ax.add_patch(patches.FancyBboxPatch(
        xy, width, height, boxstyle="round,pad=0.05", facecolor=color,
        edgecolor="black", linewidth=1.0))
    centre = (xy[0] + width / 2, xy[1] + height / 2)
    ax.text(*centre, text, ha="center", va="center", fontsize=fontsize)
    return centre


def _node(ax, xy, symbol):
    """A small circle holding an operator (x, +, tanh)."""
    ax.add_patch(patches.Circle(xy, 0.22, facecolor="white", edgecolor="black"))
    ax.text(*xy, symbol, ha="center", va="center", fontsize=9 if len(symbol) > 1 else 12)


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
    'One LSTM step: i, f, g, o are computed in parallel from the same [x_t, h_{t-1}]'
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.set_xlim(0, 10.4)
    ax.set_ylim(0, 5.2)
    ax.set_axis_off()
    ax.set_title("One LSTM step: i, f, g, o are computed in parallel from the "
                 "same [x_t, h_{t-1}]")
    state_y = 4.6  # the cell-state "conveyor belt" along the top
    c_prev = _box(ax, (0.1, state_y - 0.25), 0.9, 0.5, r"$c_{t-1}$", "#f2f2f2")
    h_prev = _box(ax, (0.1, 2.55), 0.9, 0.5, r"$h_{t-1}$", "#f2f2f2")
    x_t = _box(ax, (0.1, 0.95), 0.9, 0.5, r"$x_t$", "#f2f2f2")
    concat = _box(ax, (1.5, 1.1), 1.1, 1.8, "concat\n" + r"$[x_t, h_{t-1}]$",
                  "#e8e8ff", fontsize=9)
    _arrow(ax, (1.05, h_prev[1]), (1.45, h_prev[1]))
    _arrow(ax, (1.05, x_t[1]), (1.45, x_t[1]))

    gates = {}
    # Drawn f above i so that no arrows cross; Keras's order is i, f, g, o.
    specs = (("f", r"$f_t = \sigma(z_f)$", "forget gate", "#f6d6d6", 3.45),
             ("i", r"$i_t = \sigma(z_i)$", "input gate", "#cfe8cf", 2.55),
             ("g", r"$g_t = \tanh(z_g)$", "candidate", "#fff0c0", 1.65),
             ("o", r"$o_t = \sigma(z_o)$", "output gate", "#d6e4f6", 0.75))
    for name, formula, label, color, y in specs:
        gates[name] = _box(ax, (3.3, y), 1.7, 0.6, f"{formula}\n{label}", color,
                           fontsize=9)
        _arrow(ax, (2.65, concat[1]), (3.25, y + 0.3), color="#555555")
    ax.text(4.15, 0.2, r"each block: $z_k = x_t W_k + h_{t-1} R_k + b_k$"
            "\n(Keras fuses the four: kernel i, f, c(=g), o)", ha="center",
            va="center", fontsize=8)

    forget_x, add_x, out_x = 6.0, 7.3, 8.6
    ig = (add_x, 2.9)
    _node(ax, (forget_x, state_y), "×")
    _node(ax, (add_x, state_y), "+")
    _node(ax, ig, "×")
    _node(ax, (out_x, 2.6), "tanh")
    _node(ax, (out_x, 1.05), "×")
    _arrow(ax, (1.05, state_y), (forget_x - 0.24, state_y))
    _arrow(ax, (forget_x + 0.24, state_y), (add_x - 0.24, state_y))
    _arrow(ax, (5.05, gates["f"][1]), (forget_x, state_y - 0.24))
    _arrow(ax, (5.05, gates["i"][1]), (ig[0] - 0.24, ig[1]))
    _arrow(ax, (5.05, gates["g"][1]), (ig[0], ig[1] - 0.24))
    _arrow(ax, (ig[0], ig[1] + 0.24), (add_x, state_y - 0.24))
    _arrow(ax, (add_x + 0.24, state_y), (9.4, state_y))
    _arrow(ax, (out_x, state_y), (out_x, 2.84))
    _arrow(ax, (out_x, 2.36), (out_x, 1.29))
    _arrow(ax, (5.05, gates["o"][1]), (out_x - 0.24, 1.05))
    _arrow(ax, (out_x + 0.24, 1.05), (9.4, 1.05))
    ax.text(9.45, state_y, r"$c_t$", va="center", fontsize=12)
    ax.text(9.45, 1.05, r"$h_t$" + "\n(output)", va="center", fontsize=11)
    ax.text(7.6, 0.25, r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$" "\n"
            r"$h_t = o_t \odot \tanh(c_t)$", fontsize=10, ha="center", va="center")
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


def plot_gates(gates, tokens=None, sample=0, units=None, title=None):
    """Heatmaps of the gates i, f, g, o and the cell state c over time.

    Args:
        gates: dict with "i", "f", "g", "o", "c", each `(batch, steps, units)`,
            as returned by ``ScratchLSTM(return_gates=True)`` or found in the
            cache of `tf_lstm.numpy_lstm.numpy_lstm_forward`.
        tokens: optional list of `steps` strings that label the time axis.
        sample: which sequence of the batch to draw.
        units: optional list of unit indices to draw (default: all).
        title: optional figure title (what to notice); by default it names
            the sequence drawn.

    Returns:
        A matplotlib Figure with one panel per gate (then one colour bar each).

    Example:

    >>> gates = {key: np.full((2, 3, 4), 0.5) for key in "ifgoc"}
    >>> fig = plot_gates(gates, tokens=["a", "b", "c"], units=[0, 2])
    >>> [ax.get_title() for ax in fig.axes[:5]]
    ['i: input gate', 'f: forget gate', 'g: candidate', 'o: output gate', 'c: cell state']
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
    fig, axes = plt.subplots(1, len(GATE_PANELS), figsize=(10, 3.4), sharey=True)
    c_limit = max(float(np.abs(arrays["c"]).max()), 1e-6)
    for ax, (key, panel_title, cmap, limits) in zip(axes, GATE_PANELS):
        low, high = limits if limits is not None else (-c_limit, c_limit)
        image = ax.imshow(arrays[key][:, rows].T, aspect="auto", cmap=cmap,
                          vmin=low, vmax=high, interpolation="nearest")
        fig.colorbar(image, ax=ax, fraction=0.08, pad=0.03)
        ax.set_title(panel_title, fontsize=10)
        ax.set_xlabel("token" if tokens is not None else "time step t")
        if tokens is not None:
            short = all(len(str(token)) <= 2 for token in tokens)  # characters: upright
            ax.set_xticks(range(steps), tokens, rotation=0 if short else 90,
                          fontsize=9 if short else 7)
    axes[0].set_ylabel("unit")
    axes[0].set_yticks(range(len(rows)), [str(r) for r in rows])
    if title is None:
        title = f"Gate activations and cell state of sequence {sample}, one column per step"
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
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
        are real steps, crosses padded ones.

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
    fig, axes = plt.subplots(1, len(outputs), figsize=(min(10, 4.5 * len(outputs)), 3.4),
                             sharey=True, squeeze=False)
    t = np.arange(steps)
    for ax, (label, values) in zip(axes[0], outputs.items()):
        values = np.asarray(values, dtype=np.float64)
        if values.shape[:2] != (batch, steps) or values.ndim != 3:
            raise ValueError(f"Argument `outputs[{label!r}]` must have shape "
                             f"({batch}, {steps}, units). Received: {values.shape}")
        for b in range(batch):
            line, = ax.plot(t, values[b, :, unit], lw=1, label=f"sequence {b} "
                            f"(length {int(mask[b].sum())})")
            ax.plot(t[mask[b]], values[b, mask[b], unit], "o", color=line.get_color())
            ax.plot(t[~mask[b]], values[b, ~mask[b], unit], "x", ms=8,
                    color=line.get_color())
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("time step t")
        ax.set_xticks(t)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel(f"output of unit {unit}")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(batch, 4), fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
