"""The figures of the FAQ notebook (§6), as functions of data that return the Figure.

- `plot_masks`: boolean masks side by side, each titled with whether it is
  strictly right-padded (what the cuDNN kernel needs).
- `plot_curves`: validation curves of several variants, with a baseline.
- `plot_missing`: one sequence with missing values, imputed two ways, and
  its "was missing" indicator channel.
- `plot_outlier`: what one huge input does to the forget gate and the cell
  state, raw and after clipping.
- `plot_gradient_reach`: how much the last state depends on each input step.

Each function only draws: it computes nothing about the LSTM itself. A label
that names a model (``"SimpleRNN"``, ``"LSTM, forget bias 3"``) gets that
model's colour from `style.color`, the same in every notebook; labels of one
model share its colour and differ in line style; other labels (variants of
the data, not models) get colours no model uses (`style.line_styles`).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, MaxNLocator, NullFormatter

from tf_lstm.lessons import style
from tf_lstm.lessons.masks import is_right_padded


def _dict(name, value):
    if not isinstance(value, dict) or not value:
        raise ValueError(f"Argument `{name}` must be a non-empty dict {{label: array}}. "
                         f"Received: {type(value).__name__}")
    return value


def plot_masks(masks, title="Masks (T: real step, F: padding)"):
    """Draw boolean `(batch, steps)` masks as grids, one panel per mask.

    Args:
        masks: dict `{label: bool (batch, steps) array}`.
        title: the figure's title.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> fig = plot_masks({"right": np.array([[True, False]])})
    >>> fig.axes[0].get_title()
    'right\\nright-padded: yes'
    >>> plt.close(fig)
    """
    masks = _dict("masks", masks)
    fig, axes = plt.subplots(1, len(masks), figsize=(3.3 * len(masks), 2.6), squeeze=False)
    for ax, (label, mask) in zip(axes[0], masks.items()):
        mask = np.asarray(mask)
        ax.imshow(mask, cmap="Greens", vmin=-0.3, vmax=1.6, aspect="auto")
        for (row, col), real in np.ndenumerate(mask):
            ax.text(col, row, "T" if real else "F", ha="center", va="center", fontsize=10,
                    color="white" if real else "black")
        ax.grid(False)
        ok = is_right_padded(mask)
        ax.set_title(f"{label}\nright-padded: {'yes' if ok else 'no'}", fontsize=10,
                     color="black" if ok else "firebrick")
        ax.set_xlabel("time step t")
        ax.set_ylabel("sequence in batch")
        ax.set_xticks(range(mask.shape[1]))
        ax.set_yticks(range(mask.shape[0]))
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def plot_curves(curves, ylabel, title, baseline=None, baseline_label="baseline",
                log=False):
    """Validation curves of several variants over epochs.

    Args:
        curves: dict `{label: sequence of per-epoch values}`.
        ylabel: the y axis label, with units.
        title: what to notice.
        baseline: optional horizontal reference line (e.g. predicting the mean).
        log: log-scale y axis.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> fig = plot_curves({"a": [2.0, 1.0]}, "MSE", "a learns", baseline=2.0)
    >>> fig.axes[0].get_xlabel()
    'epoch'
    >>> plt.close(fig)
    """
    curves = _dict("curves", curves)
    fig, ax = plt.subplots(figsize=(8.5, 3.4))
    for label, (colour, linestyle) in style.line_styles(curves).items():
        values = np.asarray(curves[label], dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, color=colour,
                ls=linestyle, label=label)
    if baseline is not None:
        ax.axhline(baseline, color="grey", ls="--", lw=1, label=baseline_label)
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # 0.02, 0.05, 0.1, ...
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # off the data
    fig.tight_layout()
    return fig


def plot_missing(x, imputed, indicator, target=None):
    """One series with missing values, imputed in several ways.

    Args:
        x: `(steps,)` with NaN where missing.
        imputed: dict `{label: (steps,) imputed values}`.
        indicator: `(steps,)` 0/1, 1 where the value was missing.
        target: optional `(steps,)` noise-free signal, drawn thin.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> fig = plot_missing(np.array([1.0, np.nan]), {"zero": np.array([1.0, 0.0])},
    ...                    np.array([0.0, 1.0]))
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['value (a.u.)', 'missing?']
    >>> plt.close(fig)
    """
    x, indicator = np.asarray(x, float), np.asarray(indicator, float)
    t = np.arange(len(x))
    fig, (ax, ax_ind) = plt.subplots(2, 1, figsize=(10, 4.2), sharex=True,
                                     gridspec_kw={"height_ratios": [3, 1]})
    if target is not None:
        ax.plot(t, target, color="grey", lw=0.8, label="noise-free signal")
    for label, (colour, linestyle) in style.line_styles(_dict("imputed", imputed)).items():
        ax.plot(t, imputed[label], lw=1.2, color=colour, ls=linestyle,
                drawstyle="steps-mid", label=f"imputed: {label}")
    ax.plot(t, x, "ko", ms=3.5, label="observed")
    for step in t[indicator > 0]:
        ax.axvspan(step - 0.5, step + 0.5, color="orange", alpha=0.15, lw=0)
        ax_ind.axvspan(step - 0.5, step + 0.5, color="orange", alpha=0.15, lw=0)
    ax.set_ylabel("value (a.u.)")
    ax.set_title("Missing values (shaded), imputed two ways")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    ax_ind.step(t, indicator, where="mid", color="darkorange")
    ax_ind.set_ylabel("missing?")
    ax_ind.set_yticks([0, 1])
    ax_ind.set_xlabel("time step t")
    fig.tight_layout()
    return fig


OUTLIER_TITLE = "One outlier inside an LSTM"


def plot_outlier(runs, spike_step=None, title=OUTLIER_TITLE):
    """What one outlier does inside an LSTM.

    Args:
        runs: dict `{label: {"x": (steps,), "f": (steps, units), "c": (steps,
            units)}}`: the input of feature 0, the forget gate and the cell
            state of each run (e.g. clean, with a spike, spike clipped). The
            first run is the reference for the distance panel.
        spike_step: optional step to mark.
        title: what to notice.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> run = {"x": np.zeros(3), "f": np.ones((3, 2)), "c": np.zeros((3, 2))}
    >>> fig = plot_outlier({"clean": run})
    >>> len(fig.axes)
    3
    >>> plt.close(fig)
    """
    runs = _dict("runs", runs)
    reference = next(iter(runs.values()))
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    for label, (colour, linestyle) in style.line_styles(runs).items():
        run = runs[label]
        t = np.arange(len(run["x"]))
        kw = dict(lw=1.4, color=colour, ls=linestyle, label=label)
        axes[0].plot(t, run["x"], **kw)
        axes[1].plot(t, np.sum(np.asarray(run["f"]) < 0.05, axis=1), **kw)
        distance = np.linalg.norm(np.asarray(run["c"]) - reference["c"], axis=1)
        axes[2].plot(t, distance, **kw)
    labels = (("input x_t, feature 0", "value (standard units)"),
              ("forget gates shut", "units with f_t < 0.05"),
              (f"distance from {next(iter(runs))}", "||c_t - c_t(clean)|| (a.u.)"))
    for ax, (panel_title, ylabel) in zip(axes, labels):
        if spike_step is not None:
            ax.axvline(spike_step, color="red", ls=":", lw=1)
        ax.set_title(panel_title, fontsize=10)
        ax.set_xlabel("time step t")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0].set_yscale("symlog")
    fig.suptitle(title)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center",
               ncol=len(runs), bbox_to_anchor=(0.5, 0.0))        # below the panels
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def plot_gradient_reach(curves, title):
    """How much the final state depends on each input step, on a log scale.

    Args:
        curves: dict `{label: (steps,) values}`, e.g. ``||d h_T / d x_t||``.
        title: what to notice.

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> fig = plot_gradient_reach({"rnn": np.array([1e-3, 1.0])}, "t")
    >>> fig.axes[0].get_yscale()
    'log'
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for label, (colour, linestyle) in style.line_styles(_dict("curves", curves)).items():
        values = np.asarray(curves[label], dtype=float)
        lag = len(values) - 1 - np.arange(len(values))
        ax.plot(lag, values, lw=1.6, color=colour, ls=linestyle, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("steps before the end, T - t")
    ax.set_ylabel(r"$\|\partial h_T / \partial x_t\|$")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # off the data
    fig.tight_layout()
    return fig
