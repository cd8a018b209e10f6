"""The figures of the encoder–decoder lesson, as functions of data that return the Figure.

- `plot_teacher_forcing`: the decoder unrolled twice, side by side: in
  training it reads the reference's previous word (teacher forcing), in
  inference its own previous prediction.
- `plot_attention_saturation`: the attention softmax's peak, entropy and
  gradient as the state size grows, with and without the 1/sqrt(units) scaling.

Each function only draws; the numbers come from `tf_lstm.lessons.seq2seq`.
"""

import matplotlib.pyplot as plt
import numpy as np

from tf_lstm.lessons import style
from tf_lstm.translation.tokens import START


def _words(name, value):
    if (not isinstance(value, (list, tuple)) or not value
            or not all(isinstance(w, str) for w in value)):
        raise ValueError(f"Argument `{name}` must be a non-empty list of words. "
                         f"Received: {name}={value!r}")
    return list(value)


def _unrolled(ax, inputs, outputs, reference, fed_back, title):
    """One unrolled decoder: inputs below, LSTM boxes, outputs above (wrong ones red)."""
    steps = len(outputs)
    for t in range(steps):
        ax.add_patch(plt.Rectangle((t - 0.35, 0.75), 0.7, 0.5, facecolor="white",
                                   edgecolor=style.color("LSTM"), linewidth=2))
        ax.text(t, 1.0, "LSTM", ha="center", va="center", fontsize=10)
        ax.text(t, 0.0, inputs[t], ha="center", va="center", fontsize=11,
                color=style.color("greedy") if fed_back and t else "black")
        ax.text(t, 2.0, outputs[t], ha="center", va="center", fontsize=11,
                color="black" if outputs[t] == reference[t] else "firebrick")
        ax.annotate("", (t, 0.72), (t, 0.2), arrowprops={"arrowstyle": "->"})
        ax.annotate("", (t, 1.8), (t, 1.28), arrowprops={"arrowstyle": "->"})
        if t + 1 < steps:
            ax.annotate("", (t + 0.63, 1.0), (t + 0.37, 1.0), arrowprops={"arrowstyle": "->"})
            if fed_back:  # the prediction becomes the next input
                ax.annotate("", (t + 0.85, 0.15), (t + 0.2, 1.85),
                            arrowprops={"arrowstyle": "->", "color": style.color("greedy"),
                                        "connectionstyle": "arc3,rad=-0.25"})
    ax.text(-0.55, 1.0, "(h, c)\nfrom the\nencoder", ha="right", va="center", fontsize=9)
    ax.annotate("", (-0.37, 1.0), (-0.55, 1.0), arrowprops={"arrowstyle": "->"})
    ax.set_xlim(-1.7, steps - 0.4)
    ax.set_ylim(-0.4, 2.4)
    ax.set_xticks(range(steps))
    ax.set_yticks([0, 1, 2], ["input", "decoder", "output"])
    ax.set_xlabel("decoder step t")
    ax.grid(False)
    ax.set_title(title)


def plot_teacher_forcing(reference, predictions):
    """The decoder in training (teacher forcing) and in inference, side by side.

    Predictions that differ from the reference are drawn in red; the inputs
    inference feeds back, in the greedy decoder's colour.

    Args:
        reference: the reference translation, a list of words ending with [END].
        predictions: what the decoder predicts at each step, as many words.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: if either is not a non-empty list of words, or their
            lengths differ.

    Example:

    >>> fig = plot_teacher_forcing(["il", "[END]"], ["elle", "[END]"])
    >>> [ax.get_title() for ax in fig.axes]
    ['training: teacher forcing', 'inference: its own predictions']
    >>> plt.close(fig)
    """
    reference = _words("reference", reference)
    predictions = _words("predictions", predictions)
    if len(reference) != len(predictions):
        raise ValueError("Arguments `reference` and `predictions` must have the same "
                         f"length. Received: {len(reference)} and {len(predictions)} words")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
    _unrolled(axes[0], [START] + reference[:-1], predictions, reference, False,
              "training: teacher forcing")
    _unrolled(axes[1], [START] + predictions[:-1], predictions, reference, True,
              "inference: its own predictions")
    fig.tight_layout()
    return fig


def plot_attention_saturation(units, curves):
    """Peak weight, entropy and softmax gradient of attention against `units`.

    Args:
        units: the state sizes, increasing.
        curves: dict `{label: list of dicts}`, one dict per size as
            `tf_lstm.lessons.seq2seq.attention_saturation` returns; a label
            containing "unscaled" is drawn dashed.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: if `curves` is empty or a curve's length differs from `units`.

    Example:

    >>> row = {"max_weight": 0.5, "entropy": 1.0, "jacobian_norm": 0.5}
    >>> fig = plot_attention_saturation([2, 4], {"scaled": [row, row]})
    >>> len(fig.axes)
    3
    >>> plt.close(fig)
    """
    units = np.asarray(units)
    if not isinstance(curves, dict) or not curves or any(
            len(rows) != len(units) for rows in curves.values()):
        raise ValueError("Argument `curves` must be a non-empty dict {label: one dict per "
                         f"size in `units`}}. Received: {curves!r:.120}")
    panels = [("max_weight", "largest weight max_j a_tj"),
              ("entropy", "entropy of a_t (nats)"),
              ("jacobian_norm", "‖∂a_t / ∂scores‖")]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.3))
    for label, rows in curves.items():
        dashed = "unscaled" in label
        for ax, (key, _) in zip(axes, panels):
            ax.plot(units, [row[key] for row in rows], "--o" if dashed else "-o",
                    color="black" if dashed else "tab:gray", label=label)
    for ax, (_, ylabel) in zip(axes, panels):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("units (state size)")
        ax.set_ylabel(ylabel)
    axes[0].set_title("peak weight")
    axes[1].set_title("entropy of the weights")
    axes[2].set_title("gradient to the scores")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncol=len(curves),
               bbox_to_anchor=(0.5, 1.08))
    fig.tight_layout()
    return fig
