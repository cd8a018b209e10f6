"""The figures of the FAQ notebook (§6), as functions of data that return the Figure.

- `plot_masks`: boolean masks side by side, each titled with whether it is
  strictly right-padded (what the cuDNN kernel needs).
- `plot_curves`: validation curves of several variants, with a baseline.
- `plot_missing`: one sequence with missing values, imputed two ways, and
  its "was missing" indicator channel.
- `plot_outlier`: what one huge input does to the forget gate and the cell
  state, raw and after clipping.
- `plot_images`: a few synthetic images, read by an LSTM one row per step.
- `plot_chirp`: an audio-like signal cut into frames, as waveform and as
  per-frame spectrum (the LSTM's steps).
- `plot_gradient_reach`: how much the last state depends on each input step.

Each function only draws: it computes nothing about the LSTM itself.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from tf_lstm.lessons.masks import is_right_padded


def _dict(name, value):
    if not isinstance(value, dict) or not value:
        raise ValueError(f"Argument `{name}` must be a non-empty dict {{label: array}}. "
                         f"Received: {type(value).__name__}")
    return value


def plot_masks(masks, title="cuDNN takes only strictly right-padded masks"):
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
        ax.imshow(mask, cmap="Greens", vmin=-0.3, vmax=1.2, aspect="auto")
        for (row, col), real in np.ndenumerate(mask):
            ax.text(col, row, "T" if real else "F", ha="center", va="center", fontsize=8)
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
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, "o-", ms=3, label=label)
    if baseline is not None:
        ax.axhline(baseline, color="grey", ls="--", lw=1, label=baseline_label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
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
    for label, values in _dict("imputed", imputed).items():
        ax.plot(t, values, lw=1.2, drawstyle="steps-mid", label=f"imputed: {label}")
    ax.plot(t, x, "ko", ms=3.5, label="observed")
    for step in t[indicator > 0]:
        ax.axvspan(step - 0.5, step + 0.5, color="orange", alpha=0.15, lw=0)
        ax_ind.axvspan(step - 0.5, step + 0.5, color="orange", alpha=0.15, lw=0)
    ax.set_ylabel("value (a.u.)")
    ax.set_title("Missing steps (shaded): zero-filling invents drops to 0; the indicator "
                 "channel tells the LSTM which values are invented", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    ax_ind.step(t, indicator, where="mid", color="darkorange")
    ax_ind.set_ylabel("missing?")
    ax_ind.set_yticks([0, 1])
    ax_ind.set_xlabel("time step t")
    fig.tight_layout()
    return fig


OUTLIER_TITLE = ("One huge input shuts forget gates and rewrites the cell state for many "
                 "steps; clipping shrinks the damage")


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
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for label, run in runs.items():
        t = np.arange(len(run["x"]))
        axes[0].plot(t, run["x"], lw=1.2, label=label)
        axes[1].plot(t, np.sum(np.asarray(run["f"]) < 0.05, axis=1), lw=1.2, label=label)
        distance = np.linalg.norm(np.asarray(run["c"]) - reference["c"], axis=1)
        axes[2].plot(t, distance, lw=1.2, label=label)
    labels = (("input x_t (feature 0)", "input value (standard units)"),
              ("units whose forget gate shuts", "units with f_t < 0.05 (memory erased)"),
              (f"||c_t - c_t({next(iter(runs))})||", "distance (a.u.)"))
    for ax, (panel_title, ylabel) in zip(axes, labels):
        if spike_step is not None:
            ax.axvline(spike_step, color="red", ls=":", lw=1)
        ax.set_title(panel_title, fontsize=10)
        ax.set_xlabel("time step t")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0].set_yscale("symlog")
    axes[1].legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def plot_images(images, labels, class_names, count=6):
    """A few images, each titled with its class; an LSTM reads one row per step.

    Args:
        images: `(n, height, width)`.
        labels: `(n,)` class ids.
        class_names: the name of each class id.
        count: how many images to draw (the first `count`).

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> fig = plot_images(np.zeros((2, 5, 5)), np.array([0, 1]), ["a", "b"])
    >>> fig.axes[0].get_title()
    'a'
    >>> plt.close(fig)
    """
    count = min(count, len(images))
    fig, axes = plt.subplots(1, count, figsize=(1.9 * count, 2.4), squeeze=False)
    for ax, image, label in zip(axes[0], images, labels):
        ax.imshow(image, cmap="gray_r")
        ax.set_title(class_names[int(label)], fontsize=10)
        ax.set_xlabel("column (feature)", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("row = time step ↓", fontsize=8)
    fig.suptitle("Synthetic images: one 5x5 shape anywhere in noise; read row by row, "
                 "the shape is spread over 5 steps", fontsize=10)
    fig.tight_layout()
    return fig


def plot_chirp(frames, spectra, label):
    """One audio-like example: the waveform and its per-frame spectrum.

    Args:
        frames: `(frames, frame_length)` samples.
        spectra: `(frames, bins)` magnitude spectrum of each frame.
        label: a string for the title (e.g. "rising, in noise").

    Returns:
        The matplotlib `Figure`.

    Example:

    >>> fig = plot_chirp(np.zeros((4, 8)), np.zeros((4, 5)), "rising")
    >>> fig.axes[1].get_xlabel()
    'frame = LSTM time step'
    >>> plt.close(fig)
    """
    frames, spectra = np.asarray(frames), np.asarray(spectra)
    n_frames, frame_length = frames.shape
    fig, (ax_wave, ax_spec) = plt.subplots(1, 2, figsize=(11, 3.2))
    ax_wave.plot(np.arange(frames.size), frames.reshape(-1), lw=0.5)
    for k in range(1, n_frames):
        ax_wave.axvline(k * frame_length, color="grey", lw=0.3)
    ax_wave.set_xlabel("sample (grey lines: frame boundaries)")
    ax_wave.set_ylabel("amplitude (a.u.)")
    ax_wave.set_title(f"a {label} chirp, cut into {n_frames} frames", fontsize=10)
    image = ax_spec.imshow(spectra.T, origin="lower", aspect="auto", cmap="magma",
                           extent=(-0.5, n_frames - 0.5, 0, 0.5))
    ax_spec.set_xlabel("frame = LSTM time step")
    ax_spec.set_ylabel("frequency (cycles/sample)")
    ax_spec.set_title("per-frame spectrum: the pitch moves across steps", fontsize=10)
    fig.colorbar(image, ax=ax_spec, label="|FFT| (a.u.)")
    fig.tight_layout()
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
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for label, values in _dict("curves", curves).items():
        values = np.asarray(values, dtype=float)
        lag = len(values) - 1 - np.arange(len(values))
        ax.plot(lag, values, lw=1.4, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("steps before the end, T - t")
    ax.set_ylabel(r"$\|\partial h_T / \partial x_t\|$")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
