"""Figures of the LSTM's challenges: cost, over-fitting, interpretability (§5).

- `plot_time_scaling`: measured time against sequence length (linear axes,
  a line through the origin) and against units (log-log, a units² guide),
  one curve per implementation, with the runs' interquartile range.
- `plot_dependency`: which work can run in parallel over time (the input
  projection) and which must wait for the previous step (the recurrence).
- `plot_overfitting`: training vs validation loss per epoch, one panel per
  run (plain, dropout, early stopping), the best validation epoch marked.
- `plot_unit_correlations`: how well each unit's cell state follows a known
  quantity (|Pearson r|), one bar per unit.
- `plot_cell_trace`: one unit's cell state over a string, next to the
  quantity it tracks.

Each function only draws what it is given and returns the Figure. Titles are
short and name what is drawn (what to notice goes in the lesson's prose);
legends sit outside the axes; models keep their colour (`style.color`).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patches, ticker

from tf_lstm.lessons import style



def _check_curves(name, curves, length):
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"Argument `{name}` must be a non-empty dict of label -> "
                         f"timings. Received: {name}={curves!r:.80}")
    for label, timings in curves.items():
        if len(timings) != length:
            raise ValueError(f"Argument `{name}[{label!r}]` must hold one timing per "
                             f"x value ({length}). Received: {len(timings)}")


def _draw_timings(ax, x, curves):
    """One line per label: medians in ms with the interquartile range as error bars."""
    for label, timings in curves.items():
        median = np.array([t.median for t in timings]) * 1e3            # (points,) ms
        low, high = (np.array(q) * 1e3 for q in zip(*(t.quartiles for t in timings)))
        marker = "s--" if "matmul" in label else "o-"
        ax.errorbar(x, median, yerr=[median - low, high - median], fmt=marker,
                    capsize=3, label=label, color=style.color(label, None))


def _plain_log_ticks(axis):
    """Tick labels of a log axis as plain numbers (0.2, 1, 5), minor ones at 2 and 5 only."""
    def minor(value, _):
        leading = value / 10 ** np.floor(np.log10(value))
        return f"{value:g}" if round(leading) in (2, 5) else ""

    axis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(ticker.FuncFormatter(minor))


def _legend_below(ax, ncol=2):
    """The axes' legend under its x label, off the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=ncol, fontsize=9,
              frameon=False)


def plot_time_scaling(steps, by_steps, units, by_units, title="LSTM forward time",
                      units_flops=None):
    """Time against sequence length (left) and against units (right).

    Args:
        steps: the sequence lengths of the left panel.
        by_steps: dict, label -> one `tf_lstm.lessons.cost.Timing` per entry of `steps`.
        units: the layer sizes of the right panel.
        by_units: dict, label -> one `Timing` per entry of `units`.
        title: the figure's title (short).
        units_flops: optional FLOPs of each entry of `units` (from
            `tf_lstm.lessons.cost.lstm_step_flops`); the right panel's guide is then
            "time ∝ FLOPs" instead of "time ∝ units²".

    Returns:
        A matplotlib Figure. The left panel is linear with a dotted line
        through the origin and the longest sequence's first curve (time ∝ steps);
        the right is log-log with a dotted guide (∝ units², or ∝ the FLOPs)
        through the largest size's first curve.

    Example:

    >>> from tf_lstm.lessons.cost import Timing
    >>> fig = plot_time_scaling([10, 20], {"a": [Timing((0.1,)), Timing((0.2,))]},
    ...                         [8, 16], {"a": [Timing((0.1,)), Timing((0.4,))]}, "t")
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['sequence length T (steps)', 'units U']
    >>> plt.close(fig)
    """
    _check_curves("by_steps", by_steps, len(steps))
    _check_curves("by_units", by_units, len(units))
    steps, units = np.asarray(steps, float), np.asarray(units, float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.6))
    _draw_timings(left, steps, by_steps)
    first = np.array([t.median for t in next(iter(by_steps.values()))]) * 1e3
    line = np.linspace(0, steps.max(), 50)
    left.plot(line, line * first[-1] / steps[-1], ":", color="grey",
              label="∝ T (through the origin)")
    left.set_xlim(0, None)
    left.set_ylim(0, None)
    left.set_xlabel("sequence length T (steps)")
    left.set_ylabel("forward time (ms, median)")
    left.set_title("against sequence length")

    _draw_timings(right, units, by_units)
    first = np.array([t.median for t in next(iter(by_units.values()))]) * 1e3
    if units_flops is None:
        guide, label = (units / units[-1]) ** 2, "∝ U² (guide)"
    else:
        if len(units_flops) != len(units):
            raise ValueError("Argument `units_flops` must hold one FLOP count per entry "
                             f"of `units` ({len(units)}). Received: {len(units_flops)}")
        units_flops = np.asarray(units_flops, float)
        guide, label = units_flops / units_flops[-1], "∝ FLOPs of the formula"
    right.plot(units, first[-1] * guide, ":", color="grey", label=label)
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    right.set_xticks(units, [str(int(u)) for u in units])
    right.xaxis.set_minor_locator(ticker.NullLocator())
    _plain_log_ticks(right.yaxis)
    right.set_xlabel("units U")
    right.set_ylabel("forward time (ms, log scale)")
    right.set_title("against units")
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
        _legend_below(ax)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_dependency(steps=4):
    """What can run in parallel over time, and what cannot.

    The input projections ``x_t W + b`` of all steps depend only on the input,
    so they are one matrix product; each ``h_t`` needs ``h_{t-1}``, so the
    recurrent part runs one step after another.

    Args:
        steps: how many time steps to draw (2 to 8).

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: if `steps` is not an integer in [2, 8].

    Example:

    >>> fig = plot_dependency(3)
    >>> fig.axes[0].get_title()
    'What can run in parallel over time'

    >>> plt.close(fig)
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 8:
        raise ValueError(f"Argument `steps` must be an integer in [2, 8]. "
                         f"Received: steps={steps!r}")
    fig, ax = plt.subplots(figsize=(2.0 + 1.9 * steps, 3.9))
    ax.set_axis_off()
    width = 1.9 * steps + 1.6
    ax.set_xlim(-0.2, width)
    ax.set_ylim(-0.2, 3.9)
    ax.set_title("What can run in parallel over time")

    def box(x, y, w, h, text, color):
        ax.add_patch(patches.FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.04",
                                            facecolor=color, edgecolor="black"))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=10)

    def arrow(start, end, color="black"):
        ax.annotate("", xy=end, xytext=start, arrowprops=dict(
            arrowstyle="-|>", color=color, lw=1.3))

    band_x = 1.3
    ax.add_patch(patches.Rectangle((band_x - 0.15, 1.85), 1.9 * steps + 0.1, 1.0,
                                   facecolor="#f0f0f0", edgecolor="black", ls="--"))
    ax.text(0.35, 2.35, "parallel:\none matrix\nproduct for\nall T steps", ha="center",
            va="center", fontsize=10)
    box(-0.1, 0.35, 0.9, 0.6, "h_0, c_0", "#f2f2f2")
    previous = (0.8, 0.65)
    for t in range(1, steps + 1):
        x = band_x + 1.9 * (t - 1)
        box(x, 3.3, 1.4, 0.45, f"x_{t}", "#f2f2f2")
        box(x, 2.0, 1.4, 0.7, f"x_{t} W + b", "#ffffff")
        box(x, 0.3, 1.4, 0.7, f"step {t}:\n+ h_{t - 1} R, gates", "#d6e4f2")
        arrow((x + 0.7, 3.3), (x + 0.7, 2.72))
        arrow((x + 0.7, 2.0), (x + 0.7, 1.02))
        arrow(previous, (x - 0.02, 0.65), color=style.color("LSTM"))
        previous = (x + 1.42, 0.65)
    ax.text(previous[0] + 0.05, 0.65, "h_T", va="center", fontsize=10)
    ax.text(band_x + 1.9 * steps / 2 - 0.1, -0.1,
            "the recurrence (blue arrows): T steps one after another", ha="center",
            fontsize=10, color=style.color("LSTM"))
    fig.tight_layout()
    return fig


def plot_overfitting(histories, title, loss_label="loss", best=None, color_of="LSTM"):
    """Training vs validation loss per epoch, one panel per run.

    Args:
        histories: dict, run label -> `History.history` dict with "loss" and
            "val_loss".
        title: the figure's title (short).
        loss_label: the y axis label (the loss and its unit).
        best: optional dict, run label -> the epoch (1-based) whose weights
            the run kept (early stopping's restored epoch); marked in the panel.
        color_of: the model all runs train (its `style.color`); training is
            dashed, validation solid. One legend for all panels, below them.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: if `histories` is empty or a run lacks "loss" or "val_loss".

    Example:

    >>> fig = plot_overfitting({"plain": {"loss": [2, 1], "val_loss": [2, 3]}}, "t", "MSE")
    >>> fig.axes[0].get_ylabel(), fig.axes[0].get_xlabel()
    ('MSE', 'epoch')
    >>> plt.close(fig)
    """
    if not isinstance(histories, dict) or not histories or not all(
            isinstance(h, dict) and h.get("loss") and h.get("val_loss")
            for h in histories.values()):
        raise ValueError("Argument `histories` must be a non-empty dict of label -> "
                         "History.history with 'loss' and 'val_loss'. "
                         f"Received: histories={histories!r:.80}")
    best = best or {}
    width = min(10.0, 3.0 * len(histories) + 0.6)
    fig, axes = plt.subplots(1, len(histories), figsize=(width, 4.0),
                             sharey=True, squeeze=False)
    longest = max(len(h["loss"]) for h in histories.values())
    color = style.color(color_of)
    for ax, (label, history) in zip(axes[0], histories.items()):
        epochs = np.arange(1, len(history["loss"]) + 1)
        ax.plot(epochs, history["loss"], "--", color=color, alpha=0.7, label="training")
        ax.plot(epochs, history["val_loss"], "-", color=color, label="validation")
        lowest = int(np.argmin(history["val_loss"])) + 1
        ax.axvline(lowest, color="grey", ls=":", label="lowest validation")
        if label in best:
            ax.plot(best[label], history["val_loss"][best[label] - 1], "k*", ms=12,
                    label="weights kept")
        ax.set_yscale("log")
        _plain_log_ticks(ax.yaxis)
        ax.set_xlim(0, longest + 1)
        ax.set_xlabel("epoch")
        ax.set_title(label)
        ax.grid(alpha=0.3, which="both")
    axes[0, 0].set_ylabel(loss_label)
    handles = {}
    for ax in axes[0]:
        for handle, text in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(text, handle)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=len(handles),
               frameon=False)
    return fig


def plot_unit_correlations(correlations, title):
    """|Pearson r| between each unit's cell state and each known quantity.

    Args:
        correlations: dict, quantity label -> `(units,)` array of r values.
        title: the figure's title (short).

    Returns:
        The matplotlib `Figure`; the legend is above the axes, off the bars.

    Raises:
        ValueError: if `correlations` is empty or its arrays differ in length.

    Example:

    >>> fig = plot_unit_correlations({"depth": np.array([0.9, -0.1])}, "t")
    >>> fig.axes[0].get_xlabel(), [float(v) for v in fig.axes[0].get_ylim()]
    ('unit', [0.0, 1.0])
    >>> plt.close(fig)
    """
    if not isinstance(correlations, dict) or not correlations:
        raise ValueError("Argument `correlations` must be a non-empty dict of label -> "
                         f"(units,) array. Received: {correlations!r:.80}")
    arrays = {k: np.abs(np.asarray(v, float)) for k, v in correlations.items()}
    n_units = {a.shape for a in arrays.values()}
    if len(n_units) != 1 or len(next(iter(n_units))) != 1:
        raise ValueError("Argument `correlations` must hold 1-D arrays of one length. "
                         f"Received shapes: { {k: a.shape for k, a in arrays.items()} }")
    units = np.arange(next(iter(n_units))[0])
    width = 0.8 / len(arrays)
    fig, ax = plt.subplots(figsize=(min(10, max(6, 0.45 * len(units) + 2)), 3.8))
    shades = [style.color("LSTM"), "tab:gray", "black"]
    for k, (label, values) in enumerate(arrays.items()):
        ax.bar(units + (k - (len(arrays) - 1) / 2) * width, values, width, label=label,
               color=shades[k % len(shades)])
    ax.set_xticks(units)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("unit")
    ax.set_ylabel("|Pearson r| with c")
    ax.grid(alpha=0.3, axis="y")
    ax.set_title(title, pad=28)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(arrays), fontsize=9,
              frameon=False)
    fig.tight_layout()
    return fig


def plot_cell_trace(tokens, cell, quantity, cell_label, quantity_label, title):
    """One unit's cell state over a sequence, above the quantity it tracks.

    Args:
        tokens: one label per step (the characters of the string).
        cell: `(steps,)` cell state of the unit.
        quantity: `(steps,)` the known quantity (e.g. bracket depth).
        cell_label, quantity_label: the y axis labels.
        title: the figure's title (short).

    Returns:
        The matplotlib `Figure`: the cell state in the LSTM's colour above, the
        quantity in black below, one x tick per token.

    Raises:
        ValueError: if `tokens`, `cell` and `quantity` differ in length.

    Example:

    >>> fig = plot_cell_trace("(a)", [0.5, 0.4, 0.0], [1, 1, 0], "c", "depth", "t")
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['c', 'depth']
    >>> plt.close(fig)
    """
    cell, quantity = np.asarray(cell, float), np.asarray(quantity, float)
    if cell.ndim != 1 or quantity.ndim != 1 or not len(tokens) == len(cell) == len(quantity):
        raise ValueError("Arguments `tokens`, `cell` and `quantity` must have one entry "
                         f"per step. Received lengths {len(tokens)}, {cell.shape}, "
                         f"{quantity.shape}")
    steps = np.arange(len(tokens))
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(min(10, max(6, 0.3 * len(tokens) + 2)), 4.2), sharex=True)
    top.plot(steps, cell, "o-", color=style.color("LSTM"))
    top.axhline(0, color="grey", lw=0.8)
    top.set_ylabel(cell_label)
    bottom.step(steps, quantity, where="mid", color="black")
    bottom.set_ylabel(quantity_label)
    bottom.set_xticks(steps, list(tokens))
    bottom.set_xlabel("character of the input string")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    top.set_title(title)
    fig.tight_layout()
    return fig
