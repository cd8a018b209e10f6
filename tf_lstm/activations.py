"""The activations `ScratchLSTM` implements, matched to Keras 3's by name.

A Keras LSTM stores its `activation` (the candidate g and ``tanh(c)``) and
`recurrent_activation` (the gates i, f, o) as functions; `activation_name`
maps either a name or such a function to a key of `ACTIVATIONS`, or refuses
it by name, so that `ScratchLSTM.from_keras` never silently changes a model.
"""

import keras
import tensorflow as tf

from tf_lstm import checks

# The activations ScratchLSTM implements, as Keras 3 defines them
# (keras/src/backend/tensorflow/nn.py). Note Keras 3's hard_sigmoid is
# relu6(x + 3) / 6, slope 1/6, not Keras 2's clip(0.2 x + 0.5, 0, 1).
ACTIVATIONS = {
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "hard_sigmoid": lambda x: tf.nn.relu6(x + 3.0) / 6.0,
    "relu": tf.nn.relu,
    "relu6": tf.nn.relu6,                                     # min(max(x, 0), 6)
    "hard_tanh": lambda x: tf.clip_by_value(x, -1.0, 1.0),
    "softsign": tf.nn.softsign,                               # x / (1 + |x|)
    "softplus": tf.math.softplus,                             # log(1 + exp(x))
    "linear": lambda x: x,
}


def activation_name(name, value):
    """The `ACTIVATIONS` name of `value`, a name or a `keras.activations` function.

    Args:
        name: the argument's name, for the message.
        value: a name from `ACTIVATIONS`, the matching `keras.activations`
            function (what a Keras layer stores), or None (Keras's "no
            activation": "linear").

    Returns:
        The name, a key of `ACTIVATIONS`.

    Raises:
        ValueError: naming `value` if ScratchLSTM does not implement it.

    Example:

    >>> import keras
    >>> activation_name("activation", keras.activations.hard_sigmoid)
    'hard_sigmoid'
    >>> activation_name("activation", "elu")
    Traceback (most recent call last):
    ...
    ValueError: Argument `activation` must be one of the activations ScratchLSTM implements: hard_sigmoid, hard_tanh, linear, relu, relu6, sigmoid, softplus, softsign, tanh. Received: activation='elu'
    """
    if value is None:
        return "linear"
    if isinstance(value, str) and value in ACTIVATIONS:
        return value
    for known in ACTIVATIONS:
        if value is keras.activations.get(known):
            return known
    raise ValueError(
        f"Argument `{name}` must be one of the activations ScratchLSTM implements: "
        f"{', '.join(sorted(ACTIVATIONS))}. Received: {name}={_shown(value)}")


def _shown(value):
    """`value` for a message: 'name', keras.activations.name or module.name."""
    if isinstance(value, str) or not callable(value):
        return checks._short(value)
    module = getattr(value, "__module__", None) or ""
    name = getattr(value, "__name__", None)
    if module.startswith("keras.") and name and name in dir(keras.activations):
        if getattr(keras.activations, name) is value:
            return f"keras.activations.{name}"
    name = getattr(value, "__qualname__", None) or repr(value)
    return f"{module}.{name}" if module else name
