"""Figures of training dynamics: gradient flow through time and the adding problem (§2).

- `plot_gradient_flow`: mean ``||∂ s_T / ∂ x_t||`` against the distance
  ``T - t``, log scale, one panel per condition (at initialisation, after
  training, exploding), from `tf_lstm.lessons.gradients.gradient_norms_through_time`.
- `plot_adding_curves`: test mean squared error per epoch on the adding
  problem, one panel per sequence length, against the mean-prediction
  baseline (1/6) and the "solved" bar (0.01).
- `plot_update_gradient_norms`: during training, the largest per-tensor raw
  gradient norm of every update, against Keras's per-tensor ``clipnorm``
  threshold (the norm that ``clipnorm`` compares, so the line and the curve
  are comparable).

Each function only draws the numbers it is given and returns the Figure. Each
model has its colour (`style.color`: SimpleRNN red, LSTM blue); legends sit
below the axes, off the data; titles are short (what to notice goes in the
lesson's prose).
"""

import matplotlib.pyplot as plt
import numpy as np

from tf_lstm.lessons import style


def _check_panels(panels):
    if not isinstance(panels, dict) or not panels or not all(
            isinstance(curves, dict) and curves for curves in panels.values()):
        raise ValueError("Argument `panels` must be a non-empty dict of panel title -> "
                         "non-empty dict of label -> values. "
                         f"Received: panels={panels!r:.80}")


def plot_gradient_flow(panels, title=None):
    """Gradient norm against distance, log scale: the vanishing gradient, measured.

    Args:
        panels: dict, panel title -> dict, curve label -> `(steps,)` array of
            mean ``||∂ s_T / ∂ x_t||`` in time order (entry t is at distance
            ``steps - 1 - t``). Labels naming "SimpleRNN" are red, "LSTM"
            blue (`style.color`); further curves of one colour are dashed or dotted.
        title: None, or a short figure title.

    Returns:
        A matplotlib Figure; the panels share the y axis; each panel's legend
        sits below it.

    Example:

    >>> fig = plot_gradient_flow({"at init": {"LSTM": 0.9 ** np.arange(5.0)[::-1]}})
    >>> fig.axes[0].get_xlabel()
    'distance T − t (steps)'
    >>> plt.close(fig)
    """
    _check_panels(panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(min(4.6 * len(panels), 9.6), 4.4),
                             sharey=True, squeeze=False)
    for ax, (panel_title, curves) in zip(axes[0], panels.items()):
        styles = style.line_styles(curves)
        for label, norms in curves.items():
            norms = np.asarray(norms, dtype=float)
            distance = np.arange(len(norms))[::-1]
            color, line_style = styles[label]
            positive = norms > 0  # float32 underflow to 0 cannot go on a log axis
            ax.plot(distance[positive], norms[positive], line_style, color=color, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("distance T − t (steps)")
        ax.set_title(panel_title, fontsize=11)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1,
                  frameon=False)
    axes[0][0].set_ylabel("mean ‖∂ output_T / ∂ x_t‖")
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def plot_adding_curves(histories, updates_per_epoch, baseline, solved, title=None):
    """Test MSE per epoch on the adding problem, one panel per sequence length.

    Args:
        histories: dict, `(kind, steps)` -> the `history` dict of a
            `tf_lstm.lessons.adding_problem.AddingRun` (its "test_mse" is plotted).
        updates_per_epoch: positive integer, to label the x axis in updates.
        baseline: the MSE of always predicting the mean (1/6), drawn dashed.
        solved: the "solved" bar (0.01), drawn dotted.
        title: None, or a short figure title.

    Returns:
        A matplotlib Figure, with one legend below the panels.
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError("Argument `histories` must be a non-empty dict of (kind, steps) "
                         f"-> history. Received: histories={histories!r:.80}")
    lengths = sorted({steps for _, steps in histories})
    fig, axes = plt.subplots(1, len(lengths), figsize=(min(3.4 * len(lengths) + 0.8, 9.6), 4.0),
                             sharey=True, squeeze=False)
    for ax, steps in zip(axes[0], lengths):
        for (kind, length), history in histories.items():
            if length != steps:
                continue
            mse = np.asarray(history["test_mse"])
            updates = np.arange(1, len(mse) + 1) * updates_per_epoch
            ax.plot(updates, mse, "o-", markersize=3, color=style.color(kind, None), label=kind)
        ax.axhline(baseline, color="gray", linestyle="--",
                   label=f"always predict 1 ({baseline:.3f})")
        ax.axhline(solved, color="black", linestyle=":", label=f"solved ({solved})")
        ax.set_yscale("log")
        ax.set_xlabel("updates")
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
        ax.set_title(f"T = {steps} steps", fontsize=11)
        ax.grid(alpha=0.3, which="both")
    axes[0][0].set_ylabel("test MSE")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=10,
               frameon=False)
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_update_gradient_norms(histories, clipnorm, title=None):
    """The largest per-tensor raw gradient norm of every update, against ``clipnorm``.

    Keras's ``clipnorm=c`` clips each weight tensor whose own gradient norm is
    above `c`; an update is clipped somewhere exactly when its largest
    per-tensor norm is above `c`. So that is the curve drawn against the
    threshold (the global norm is a different quantity, compared by
    ``global_clipnorm``).

    Args:
        histories: dict, label -> the `history` dict of an `AddingRun` (its
            "tensor_gradient_norms", `(updates, tensors)`).
        clipnorm: the per-tensor threshold the optimizer clipped to, drawn dotted.
        title: None, or a short title.

    Returns:
        A matplotlib Figure, its legend below the axes.
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError("Argument `histories` must be a non-empty dict of label -> history. "
                         f"Received: histories={histories!r:.80}")
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for label, history in histories.items():
        largest = np.asarray(history["tensor_gradient_norms"], dtype=float).max(axis=1)
        ax.plot(np.arange(1, len(largest) + 1), largest, color=style.color(label, None),
                lw=0.8, alpha=0.85, label=label)
    ax.axhline(clipnorm, color="black", linestyle=":", label=f"clipnorm = {clipnorm}")
    ax.set_yscale("log")
    ax.set_xlabel("update (batch number)")
    ax.set_ylabel("largest per-tensor\ngradient norm")
    if title:
        ax.set_title(title, fontsize=12)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.18),
              ncol=len(histories) + 1, frameon=False)
    fig.tight_layout()
    return fig
