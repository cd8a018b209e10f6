"""Figures of training dynamics: gradient flow through time and the adding problem (§2).

- `plot_gradient_flow`: mean ``||∂ s_T / ∂ x_t||`` against the distance
  ``T - t``, log scale, one panel per condition (at initialisation, after
  training, exploding), from `tf_lstm.lessons.gradients.gradient_norms_through_time`.
- `plot_adding_curves`: test mean squared error per epoch on the adding
  problem, one panel per sequence length, against the mean-prediction
  baseline (1/6) and the "solved" bar (0.01).
- `plot_update_gradient_norms`: the raw gradient norm of every update during
  training, against the clipping threshold.

Each function only draws the numbers it is given and returns the Figure; the
caller passes the titles, which say what to notice in that run.
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


def plot_gradient_flow(panels, title):
    """Gradient norm against distance, log scale: the vanishing gradient, measured.

    Args:
        panels: dict, panel title -> dict, curve label -> `(steps,)` array of
            mean ``||∂ s_T / ∂ x_t||`` in time order (entry t is at distance
            ``steps - 1 - t``). Labels starting with "SimpleRNN" are red,
            with "LSTM" blue; further curves of one kind are dashed.
        title: the figure title: what to notice.

    Returns:
        A matplotlib Figure; the panels share the y axis.

    Example:

    >>> fig = plot_gradient_flow({"at init": {"LSTM": 0.9 ** np.arange(5.0)[::-1]}},
    ...                          "An LSTM")
    >>> fig.axes[0].get_xlabel()
    'distance T − t (steps back from the last step)'
    >>> plt.close(fig)
    """
    _check_panels(panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.9),
                             sharey=True, squeeze=False)
    for ax, (panel_title, curves) in zip(axes[0], panels.items()):
        seen = {}
        for label, norms in curves.items():
            norms = np.asarray(norms, dtype=float)
            distance = np.arange(len(norms))[::-1]
            color = style.color(label, None)
            line_style = "-" if seen.get(color, 0) == 0 else ["--", ":", "-."][seen[color] % 3 - 1]
            seen[color] = seen.get(color, 0) + 1
            positive = norms > 0  # float32 underflow to 0 cannot go on a log axis
            ax.plot(distance[positive], norms[positive], line_style, color=color, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("distance T − t (steps back from the last step)")
        ax.set_title(panel_title, fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    axes[0][0].set_ylabel("mean ‖∂ output_T / ∂ x_t‖ (log scale)")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def plot_adding_curves(histories, updates_per_epoch, baseline, solved, title):
    """Test MSE per epoch on the adding problem, one panel per sequence length.

    Args:
        histories: dict, `(kind, steps)` -> the `history` dict of a
            `tf_lstm.lessons.adding_problem.AddingRun` (its "test_mse" is plotted).
        updates_per_epoch: positive integer, to label the x axis in updates.
        baseline: the MSE of always predicting the mean (1/6), drawn dashed.
        solved: the "solved" bar (0.01), drawn dotted.
        title: the figure title: what to notice.

    Returns:
        A matplotlib Figure.
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError("Argument `histories` must be a non-empty dict of (kind, steps) "
                         f"-> history. Received: histories={histories!r:.80}")
    lengths = sorted({steps for _, steps in histories})
    fig, axes = plt.subplots(1, len(lengths), figsize=(4.6 * len(lengths), 3.8),
                             sharey=True, squeeze=False)
    for ax, steps in zip(axes[0], lengths):
        for (kind, length), history in histories.items():
            if length != steps:
                continue
            mse = np.asarray(history["test_mse"])
            updates = np.arange(1, len(mse) + 1) * updates_per_epoch
            ax.plot(updates, mse, "o-", markersize=3, color=style.color(kind, None), label=kind)
        ax.axhline(baseline, color="gray", linestyle="--",
                   label=f"always predict 1: {baseline:.3f}")
        ax.axhline(solved, color="green", linestyle=":", label=f"solved: {solved}")
        ax.set_yscale("log")
        ax.set_xlabel("updates (batches of training sequences)")
        ax.set_title(f"sequence length T = {steps}", fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="lower left")
    axes[0][0].set_ylabel("test mean squared error (log scale)")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def plot_update_gradient_norms(norms, clipnorm, title):
    """The raw gradient norm of every update, against the clipping threshold.

    Args:
        norms: dict, label -> `(updates,)` array of global gradient norms
            before clipping (`AddingRun.history["gradient_norm"]`).
        clipnorm: the threshold the optimizer clipped to, drawn dotted.
        title: the figure title: what to notice.

    Returns:
        A matplotlib Figure.
    """
    if not isinstance(norms, dict) or not norms:
        raise ValueError("Argument `norms` must be a non-empty dict of label -> array. "
                         f"Received: norms={norms!r:.80}")
    fig, ax = plt.subplots(figsize=(9, 3.6))
    for label, values in norms.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, color=style.color(label, None), lw=0.8,
                alpha=0.85, label=label)
    ax.axhline(clipnorm, color="black", linestyle=":", label=f"clipping threshold {clipnorm}")
    ax.set_yscale("log")
    ax.set_xlabel("update (batch number)")
    ax.set_ylabel("global gradient norm before clipping\n(log scale)")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
