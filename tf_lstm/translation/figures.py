"""The translator's figures: training curves and attention maps.

The command line (`tf-lstm train`, `demo`) writes both into the run directory;
the translation notebook draws them too. Each function only draws.
"""

import matplotlib.pyplot as plt
import numpy as np


def plot_training_curves(history):
    """Loss and token accuracy per epoch, training vs validation.

    The loss is the model's, per target token with padding left out: the
    cross-entropy, or its label-smoothed version when the config smooths
    (then it cannot reach 0).

    Args:
        history: a `keras.callbacks.History.history` dict (keys "loss",
            "val_loss", "token_accuracy", "val_token_accuracy"; a series
            that is missing is left out).

    Returns:
        The matplotlib `Figure`.
    """
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, key, label in ((axes[0], "loss", "loss (nats per token)"),
                           (axes[1], "token_accuracy", "token accuracy")):
        for prefix, style, color in (("", "o-", "C0"), ("val_", "s--", "C1")):
            values = history.get(prefix + key, [])
            if len(values):
                ax.plot(np.arange(1, len(values) + 1), values, style, color=color,
                        label="validation" if prefix else "training")
        epochs = max(len(history.get(key, [])), len(history.get("val_" + key, [])))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        if epochs <= 12:  # every epoch a tick, never a fractional one
            ax.set_xticks(range(1, epochs + 1))
        else:
            ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_title("Loss per target token (padding left out)")
    axes[1].set_title("Next-token accuracy (teacher forcing)")
    fig.tight_layout()
    return fig


def plot_attention(weights, source_tokens, target_tokens):
    """Heatmap of attention weights: which source word each output word looked at.

    Args:
        weights: `(target_steps, source_steps)`, rows summing to 1.
        source_tokens, target_tokens: the labels of the columns and rows.

    Returns:
        The matplotlib `Figure`.

    Raises:
        ValueError: if the shape of `weights` does not match the labels.
    """
    weights = np.asarray(weights)
    if weights.shape != (len(target_tokens), len(source_tokens)):
        raise ValueError(f"Argument `weights` must have shape (len(target_tokens), "
                         f"len(source_tokens)) = {(len(target_tokens), len(source_tokens))}."
                         f" Received: weights with shape {weights.shape}")
    fig, ax = plt.subplots(figsize=(1.0 + 0.5 * len(source_tokens),
                                    1.2 + 0.4 * len(target_tokens)))
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=60, ha="right")
    ax.set_yticks(range(len(target_tokens)), target_tokens)
    ax.set_xlabel("source (English) token")
    ax.set_ylabel("generated (French) token")
    ax.set_title("Attention weights")
    ax.grid(False)  # a style's grid lines would cross the cells
    fig.colorbar(image, ax=ax, label="attention weight (row sums to 1)")
    fig.tight_layout()
    return fig
