"""Input feeding (Luong et al., 2015, §3.3): the decoder loop that sees its own attention.

Without input feeding the decoder LSTM runs over the whole target at once and
attention is computed afterwards, so the LSTM never learns where it attended
before. With input feeding, step t's input is the target embedding of the
previous token AND the previous step's attentional vector::

    x_t = [embedding(y_{t-1}); h~_{t-1}]          h~_{-1} = 0
    h_t, c_t = LSTMCell(x_t, (h_{t-1}, c_{t-1}))
    context_t, weights_t = attention(h_t, memory)
    h~_t = tanh(W_c [context_t; h_t])              (fed to step t + 1)

Each step needs the previous step's attention, so the loop runs one step at a
time, attention inside (`run_input_feeding`, a `keras.ops.scan`: any Keras
backend). The state it carries is `(h, c, feed)`, `feed` being h~ of the last
real step; a padding step leaves all three unchanged, as Keras's masked
LSTM leaves `(h, c)`. The translator's output dropout applies to h~ after
the loop: the fed h~ is the one before dropout, so the loop draws no random
numbers (which a JAX `scan` could not carry) and training feeds what
decoding feeds.
"""

from keras import ops


def run_input_feeding(cell, attend, inputs, mask, state):
    """Run `cell` over `inputs` step by step, feeding each attentional vector to the next step.

    Args:
        cell: a built `keras.layers.LSTMCell` whose input size is the
            embedding size plus the attentional vector's size.
        attend: callable `h (batch, 1, units) -> (h~ (batch, 1, A),
            weights (batch, 1, S))`, attention and the attentional layer
            (weights in float32, as `LuongAttention` returns them).
        inputs: `(batch, T, emb)`, the embedded previous tokens.
        mask: bool `(batch, T)`; False marks padding.
        state: a dict with "h" and "c" `(batch, units)`, "feed" `(batch, A)`,
            the attentional vector of the previous step (zeros before the
            first), and "memory" `(batch, S, units)` (read for S only).

    Returns:
        `(hidden (batch, T, A), weights (batch, T, S), new_state)`: the
        attentional vectors, the attention weights, and `state` with "h",
        "c" and "feed" after the last real step of each row. At a padding
        step `hidden` repeats the previous step's vector (as Keras's LSTM
        repeats its output) and the state does not change.

    Example:

    >>> import keras, numpy as np
    >>> cell = keras.layers.LSTMCell(3)
    >>> cell.build((None, 2 + 4))
    >>> attend = lambda h: (ops.ones((1, 1, 4)), ops.ones((1, 1, 5)) / 5)
    >>> start = {"h": np.zeros((1, 3), "float32"), "c": np.zeros((1, 3), "float32"),
    ...          "feed": np.zeros((1, 4), "float32"), "memory": np.ones((1, 5, 3), "float32")}
    >>> hidden, weights, state = run_input_feeding(
    ...     cell, attend, np.ones((1, 2, 2), "float32"), np.array([[True, False]]), start)
    >>> tuple(hidden.shape), tuple(weights.shape), tuple(state["feed"].shape)
    ((1, 2, 4), (1, 2, 5), (1, 4))
    """

    def step(carry, t):
        h, c, feed, weights = carry
        x, keep = ops.take(inputs, t, axis=1), ops.take(mask, t, axis=1)  # (batch, emb), (batch,)
        _, (h_new, c_new) = cell(ops.concatenate([x, feed], axis=-1), [h, c])
        hidden, weights_new = attend(h_new[:, None, :])          # (batch, 1, A), (batch, 1, S)
        keep = keep[:, None]
        carry = tuple(ops.where(keep, new, old) for new, old in
                      zip((h_new, c_new, hidden[:, 0], weights_new[:, 0]), carry))
        # Each step outputs its whole carry: Keras's TensorFlow `scan` wants
        # outputs shaped as the carry (JAX's does not).
        return carry, carry

    no_weights = ops.zeros(ops.shape(state["memory"])[:2], "float32")  # (batch, S), as attention's
    # The loop runs over the step numbers, and each step reads its own input:
    # Keras 3.15's TensorFlow `scan` fails on two sequences of unknown length.
    (h, c, feed, _), (_, _, hidden, weights) = ops.scan(
        step, (state["h"], state["c"], state["feed"], no_weights),
        ops.arange(ops.shape(inputs)[1]))
    return (ops.transpose(hidden, (1, 0, 2)), ops.transpose(weights, (1, 0, 2)),
            dict(state, h=h, c=c, feed=feed))
