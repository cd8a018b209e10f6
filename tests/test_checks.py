"""tf_lstm.checks: one validator for the LSTM's arguments, the same message from every LSTM."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_lstm
from tf_lstm import checks, numpy_lstm

X = np.zeros((2, 3, 4))                      # (batch, steps, input_dim)
W, R, B = np.zeros((4, 8)), np.zeros((2, 8)), np.zeros(8)  # units = 2
S = np.zeros((2, 2))                         # (batch, units)


def numpy_reference(x, initial_state=None, mask=None):
    return numpy_lstm.numpy_lstm_forward(x, W, R, B, initial_state=initial_state, mask=mask)


def tf_forward(x, initial_state=None, mask=None):
    return tf_lstm.tf_lstm_forward(x, W, R, B, initial_state=initial_state, mask=mask)


def keras_run_lstm(x, initial_state=None, mask=None):
    layer = tf_lstm.lstm(2)
    layer.build((None, None, 4))
    return tf_lstm.run_lstm(layer, x, initial_state=initial_state, mask=mask)


def scratch_lstm_layer(x, initial_state=None, mask=None):
    layer = tf_lstm.ScratchLSTM(2, return_state=True)
    layer.build((None, None, 4))
    return layer(x, initial_state=initial_state, mask=mask)


LSTMS = [numpy_reference, tf_forward, keras_run_lstm, scratch_lstm_layer]

# (inputs, initial_state, mask) -> the exact message every implementation gives.
BAD = {
    "empty batch": (np.zeros((0, 3, 4)), None, None, ValueError,
                    "Argument `inputs` must have a non-empty batch axis. "
                    "Received: inputs with shape (0, 3, 4)"),
    "empty time axis": (np.zeros((2, 0, 4)), None, None, ValueError,
                        "Argument `inputs` must have a non-empty time axis. "
                        "Received: inputs with shape (2, 0, 4)"),
    "inputs of rank 2": (np.zeros((2, 3)), None, None, ValueError,
                         "Argument `inputs` must have rank 3, (batch, steps, features). "
                         "Received: inputs with shape (2, 3) (rank 2)"),
    "token ids": (np.zeros((2, 3, 4), "int32"), None, None, TypeError,
                  "Argument `inputs` must hold floating-point numbers (embed token ids "
                  "first). Received: inputs with dtype int32"),
    "h0 of the wrong batch": (X, [np.zeros((3, 2)), S], None, ValueError,
                              "Argument `initial_state[0]` must have shape (2, 2) = "
                              "(batch, units). Received: initial_state[0] with shape (3, 2)"),
    "c0 of the wrong units": (X, [S, np.zeros((2, 5))], None, ValueError,
                              "Argument `initial_state[1]` must have shape (2, 2) = "
                              "(batch, units). Received: initial_state[1] with shape (2, 5)"),
    "three states": (X, [S, S, S], None, ValueError,
                     "Argument `initial_state` must be a list [h0, c0] of two (batch, "
                     "units) states. Received: initial_state=list of 3 with shapes "
                     "[(2, 2), (2, 2), (2, 2)]"),
    "mask of the wrong shape": (X, None, np.ones((2, 4), bool), ValueError,
                                "Argument `mask` must have shape (2, 3) = (batch, steps) of "
                                "the inputs. Received: mask with shape (2, 4)"),
    "mask of 0s and 1s": (X, None, np.ones((2, 3), "int64"), TypeError,
                          "Argument `mask` must be boolean (True marks a real step). "
                          "Received: mask with dtype int64"),
}


@pytest.mark.parametrize("lstm", LSTMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_lstm_refuses_bad_arguments_with_the_same_message(lstm, case):
    inputs, state, mask, error, message = BAD[case]
    if lstm in (keras_run_lstm, scratch_lstm_layer) and inputs.dtype == np.float64:
        inputs = inputs.astype("float32")  # as Keras layers are used
        state = state and [s.astype("float32") for s in state]
    with pytest.raises(error) as info:
        lstm(inputs, initial_state=state, mask=mask)
    assert message in str(info.value)  # Keras adds the layer's name around it


def test_every_lstm_accepts_what_the_checks_accept():
    mask = np.array([[True, True, False], [True, True, True]])
    outputs = [lstm(X.astype("float32"), initial_state=[S, S], mask=mask)
               for lstm in LSTMS]
    assert [tuple(np.shape(out[1])) for out in outputs] == [(2, 2)] * 4  # the final h
    for out in outputs[1:]:
        np.testing.assert_allclose(out[1], outputs[0][1], atol=1e-6)


def test_unknown_axes_pass_and_known_ones_are_returned():
    assert checks.lstm_input_shape(tf.TensorShape([None, None, 3])) == (None, None, 3)
    symbolic = keras.KerasTensor((None, 5, 3), dtype="float32")
    assert checks.lstm_inputs(symbolic) == (None, 5, 3)
    h = keras.KerasTensor((None, 4), dtype="float32")
    assert checks.lstm_initial_state([h, h], None, 4) == [h, h]
    with pytest.raises(ValueError, match=r"must have shape \(\?, 4\)"):
        checks.lstm_initial_state([h, keras.KerasTensor((None, 3))], None, 4)
    mask = keras.KerasTensor((None, 5), dtype="bool")
    assert checks.lstm_mask(mask, None, 5) is mask


def test_run_lstm_checks_a_symbolic_initial_state():
    source = keras.Input((None, 3))
    wrong = keras.Input((5,))  # units 5 for a 4-unit decoder
    with pytest.raises(ValueError, match=r"`initial_state\[0\]` must have shape \(\?, 4\)"):
        tf_lstm.run_lstm(tf_lstm.lstm(4), source, initial_state=[wrong, wrong])


@pytest.mark.parametrize("weights, message", [
    ((np.zeros((4, 6)), R, B),
     r"`kernel` must have shape \(input_dim, 4 \* units\). Received: kernel with shape \(4, 6\)"),
    ((np.zeros((5, 8)), R, B),
     r"`kernel` must have shape \(4, 8\) \(input_dim=4 is the last axis of `inputs`\)"),
    ((W, np.zeros((2, 12)), B),
     r"`recurrent_kernel` must have shape \(2, 8\) \(units=2 from `kernel`\)"),
    ((W, R, np.zeros(12)), r"`bias` must have shape \(8,\) \(units=2 from `kernel`\)"),
])
def test_lstm_weights_say_which_size_a_weight_was_compared_with(weights, message):
    with pytest.raises(ValueError, match=message):
        checks.lstm_weights(*weights, input_dim=4)
    assert checks.lstm_weights(W, R, B, input_dim=None) == 2


@pytest.mark.parametrize("check, value, message", [
    (checks.positive_int, 0, "must be a positive integer. Received: x=0"),
    (checks.positive_int, True, "Received: x=True"),
    (checks.positive_int, 2.0, "Received: x=2.0"),
    (checks.non_negative_int, -1, "must be a non-negative integer. Received: x=-1"),
    (checks.boolean, 1, r"must be a boolean \(True or False\). Received: x=1"),
    (checks.positive_number, 0, "must be a positive number. Received: x=0"),
    (checks.positive_number, float("nan"), "must be a positive number. Received: x=nan"),
    (checks.positive_number, True, "Received: x=True"),
    (checks.positive_number, "1", "Received: x='1'"),
])
def test_scalar_checks_refuse_lookalikes(check, value, message):
    with pytest.raises(ValueError, match=message):
        check("x", value)


def test_scalar_checks_return_plain_python_values():
    assert type(checks.positive_int("x", np.int64(3))) is int
    assert checks.boolean("x", np.bool_(True)) is True
    assert type(checks.positive_number("x", np.float32(0.5))) is float


def test_float_array_counts_non_finite_entries():
    with pytest.raises(ValueError, match="found 2 NaN or Inf entries"):
        checks.float_array("x", [np.nan, 1.0, np.inf], ndim=1)
    assert checks.float_array("x", np.float32([1.0]), ndim=1).dtype == np.float64
