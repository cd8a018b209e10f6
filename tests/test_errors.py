"""Bad input gets a clear error where it enters: argument, expectation, received value."""

import numpy as np
import pytest
import tensorflow as tf

import tf_lstm
from tf_lstm import numpy_lstm

X = np.zeros((2, 3, 4))                      # (batch, steps, input_dim)
W, R, B = np.zeros((4, 8)), np.zeros((2, 8)), np.zeros(8)  # units = 2
S = np.zeros((2, 2))                         # (batch, units): h0 or c0
X32, S32 = X.astype("float32"), S.astype("float32")


def forward(**overrides):
    args = dict(inputs=X, kernel=W, recurrent_kernel=R, bias=B)
    args.update(overrides)
    return lambda: numpy_lstm.numpy_lstm_forward(**args)


def with_value(array, index, value):
    array = array.copy()
    array[index] = value
    return array


def built_scratch():
    layer = tf_lstm.ScratchLSTM(2)
    layer.build((None, None, 4))
    return layer


CASES = {
    "inputs of rank 2": (forward(inputs=np.zeros((2, 3))), ValueError,
                         r"`inputs` must have rank 3.*shape \(2, 3\)"),
    "feature size does not match the kernel": (
        forward(inputs=np.zeros((2, 3, 5))), ValueError,
        r"`kernel` must have shape \(5, 8\).*Received: kernel with shape \(4, 8\)"),
    "kernel width not a multiple of 4": (
        forward(kernel=np.zeros((4, 6))), ValueError,
        r"`kernel` must have shape \(input_dim, 4 \* units\).*\(4, 6\)"),
    "recurrent kernel of the wrong shape": (
        forward(recurrent_kernel=np.zeros((3, 8))), ValueError,
        r"`recurrent_kernel` must have shape \(2, 8\).*\(3, 8\)"),
    "bias of the wrong shape": (forward(bias=np.zeros(6)), ValueError,
                                r"`bias` must have shape \(8,\).*\(6,\)"),
    "integer inputs": (forward(inputs=np.zeros((2, 3, 4), dtype=int)), TypeError,
                       r"`inputs` must hold floating-point numbers.*dtype int64"),
    "string inputs": (forward(inputs=np.full((2, 3, 4), "a")), TypeError,
                      r"`inputs` must hold floating-point numbers.*dtype str"),
    "NaN in the inputs": (forward(inputs=with_value(X, (0, 1, 2), np.nan)), ValueError,
                          r"`inputs` must contain only finite values; found 1 NaN"),
    "Inf in the kernel": (forward(kernel=with_value(W, (0, 0), np.inf)), ValueError,
                          r"`kernel` must contain only finite values"),
    "NaN in the initial state": (
        forward(initial_state=[with_value(np.zeros((2, 2)), (0, 0), np.nan),
                               np.zeros((2, 2))]),
        ValueError, r"`initial_state\[0\]` must contain only finite values"),
    "empty time axis": (forward(inputs=np.zeros((2, 0, 4))), ValueError,
                        r"`inputs` must have a non-empty time axis.*\(2, 0, 4\)"),
    "empty batch": (forward(inputs=np.zeros((0, 3, 4))), ValueError,
                    r"non-empty batch axis"),
    "mask of the wrong shape": (forward(mask=np.ones((2, 4), bool)), ValueError,
                                r"`mask` must have shape \(2, 3\).*\(2, 4\)"),
    "mask that is not boolean": (forward(mask=np.ones((2, 3))), TypeError,
                                 r"`mask` must be boolean.*float64"),
    "initial state with one tensor": (forward(initial_state=[np.zeros((2, 2))]),
                                      ValueError, r"`initial_state` must be a list \[h0, c0\]"),
    "initial state of the wrong shape": (
        forward(initial_state=[np.zeros((2, 3)), np.zeros((2, 2))]), ValueError,
        r"`initial_state\[0\]` must have shape \(2, 2\).*\(2, 3\)"),
    "go_backwards not a boolean": (forward(go_backwards="yes"), ValueError,
                                   r"`go_backwards` must be a boolean.*'yes'"),
    "backward without a forward cache": (
        lambda: numpy_lstm.numpy_lstm_backward(None, None, None, {}), ValueError,
        r"`cache` must be the dict returned by numpy_lstm_forward"),
    "units = 0": (lambda: tf_lstm.lstm(0), ValueError,
                  r"`units` must be a positive integer. Received: units=0"),
    "units negative in ScratchLSTM": (lambda: tf_lstm.ScratchLSTM(-3), ValueError,
                                      r"Received: units=-3"),
    "units a float": (lambda: tf_lstm.lstm(2.5), ValueError, r"Received: units=2.5"),
    "units a bool": (lambda: tf_lstm.lstm(True), ValueError, r"Received: units=True"),
    "return_sequences not a boolean": (
        lambda: tf_lstm.lstm(3, return_sequences="yes"), ValueError,
        r"`return_sequences` must be a boolean.*'yes'"),
    "dropout out of range": (lambda: tf_lstm.lstm(3, dropout=1.5), ValueError,
                             r"`dropout` must be a number in \[0, 1\).*1.5"),
    "run_lstm on a layer that is not an LSTM": (
        lambda: tf_lstm.run_lstm(tf_lstm.ScratchLSTM(2), X), TypeError,
        r"`layer` must be a keras.layers.LSTM"),
    "run_lstm with integer token ids": (
        lambda: tf_lstm.run_lstm(tf_lstm.lstm(2), np.zeros((2, 3, 4), "int32")),
        TypeError, r"`inputs` must hold floating-point numbers.*int32"),
    "run_lstm with inputs of rank 2": (
        lambda: tf_lstm.run_lstm(tf_lstm.lstm(2), np.zeros((2, 3), "float32")),
        ValueError, r"`inputs` must have rank 3"),
    "run_lstm with a feature size the layer was not built for": (
        lambda: tf_lstm.run_lstm(built_keras(), np.zeros((2, 3, 5), "float32")),
        ValueError, r"`inputs` must have shape \(\?, \?, 4\).*\(2, 3, 5\)"),
    "run_lstm with a mask of the wrong shape": (
        lambda: tf_lstm.run_lstm(tf_lstm.lstm(2), X.astype("float32"),
                                 mask=np.ones((2, 5), bool)),
        ValueError, r"`mask` must have shape \(2, 3\)"),
    "run_lstm with an initial state of the wrong batch": (
        lambda: tf_lstm.run_lstm(tf_lstm.lstm(2), X32,
                                 initial_state=[np.zeros((3, 2), "float32"), S32]),
        ValueError, r"`initial_state\[0\]` must have shape \(2, 2\) = \(batch, units\)\. "
                    r"Received: initial_state\[0\] with shape \(3, 2\)"),
    "run_lstm with an initial state of the wrong units": (
        lambda: tf_lstm.run_lstm(tf_lstm.lstm(2), X32,
                                 initial_state=[S32, np.zeros((2, 5), "float32")]),
        ValueError, r"`initial_state\[1\]` must have shape \(2, 2\).*\(2, 5\)"),
    "run_lstm with a single initial state": (
        lambda: tf_lstm.run_lstm(tf_lstm.lstm(2), X32, initial_state=S32),
        ValueError, r"`initial_state` must be a list \[h0, c0\].*Received: initial_state=array"),
    "run_lstm with an empty batch": (
        lambda: tf_lstm.run_lstm(tf_lstm.lstm(2), np.zeros((0, 3, 4), "float32")),
        ValueError, r"`inputs` must have a non-empty batch axis\. "
                    r"Received: inputs with shape \(0, 3, 4\)"),
    "run_lstm with a mask that is not boolean": (
        lambda: tf_lstm.run_lstm(tf_lstm.lstm(2), X32, mask=np.ones((2, 3))),
        TypeError, r"`mask` must be boolean.*float64"),
    "ScratchLSTM with an initial state of the wrong batch": (
        lambda: built_scratch()(X32, initial_state=[np.zeros((3, 2), "float32"), S32]),
        ValueError, r"`initial_state\[0\]` must have shape \(2, 2\) = \(batch, units\)\. "
                    r"Received: initial_state\[0\] with shape \(3, 2\)"),
    "ScratchLSTM with an initial state of the wrong units": (
        lambda: built_scratch()(X32, initial_state=[S32, np.zeros((2, 5), "float32")]),
        ValueError, r"`initial_state\[1\]` must have shape \(2, 2\).*\(2, 5\)"),
    "ScratchLSTM built on an empty batch": (
        lambda: tf_lstm.ScratchLSTM(2)(np.zeros((0, 3, 4), "float32")), ValueError,
        r"`inputs` must have a non-empty batch axis\. Received: inputs with shape \(0, 3, 4\)"),
    "ScratchLSTM called on an empty batch": (
        lambda: built_scratch()(np.zeros((0, 3, 4), "float32")), ValueError,
        r"`inputs` must have a non-empty batch axis\. Received: inputs with shape \(0, 3, 4\)"),
    "ScratchLSTM with integer inputs": (
        lambda: built_scratch()(np.zeros((2, 3, 4), "int32")), TypeError,
        r"`inputs` must hold floating-point numbers.*int32"),
    "ScratchLSTM with a mask of the wrong shape": (
        lambda: built_scratch()(X32, mask=np.ones((2, 4), bool)), ValueError,
        r"`mask` must have shape \(2, 3\).*\(2, 4\)"),
    "ScratchLSTM with a feature size it was not built for": (
        lambda: built_scratch()(np.zeros((2, 3, 5), "float32")), ValueError,
        r"`inputs` must have shape \(\?, \?, 4\).*\(2, 3, 5\)"),
    "tf_lstm_forward with NaN inputs": (
        lambda: tf_lstm.tf_lstm_forward(with_value(X, (1, 1, 1), np.nan), W, R, B),
        tf.errors.InvalidArgumentError, r"`inputs` must contain only finite values"),
    "tf_lstm_forward with a mismatched kernel": (
        lambda: tf_lstm.tf_lstm_forward(X, np.zeros((5, 8)), R, B), ValueError,
        r"`kernel` must have shape \(4, 8\).*Received: kernel with shape \(5, 8\)"),
    "tf_lstm_forward with integer weights": (
        lambda: tf_lstm.tf_lstm_forward(X, W.astype(int), R, B), TypeError,
        r"`kernel` must hold floating-point numbers.*int64"),
    "tf_lstm_forward with an initial state of the wrong shape": (
        lambda: tf_lstm.tf_lstm_forward(X, W, R, B, initial_state=[S, np.zeros((2, 3))]),
        ValueError, r"`initial_state\[1\]` must have shape \(2, 2\).*\(2, 3\)"),
    "tf_lstm_forward with an empty batch": (
        lambda: tf_lstm.tf_lstm_forward(np.zeros((0, 3, 4)), W, R, B), ValueError,
        r"`inputs` must have a non-empty batch axis.*\(0, 3, 4\)"),
    "split_gates on a width that is not 4 * units": (
        lambda: tf_lstm.split_gates(np.zeros(6)), ValueError,
        r"`fused` must have a last axis of size 4 \* units.*\(6,\)"),
}


def built_keras():
    layer = tf_lstm.lstm(2)
    layer.build((None, None, 4))
    return layer


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_raises_a_clear_error(case):
    call, error, pattern = CASES[case]
    with pytest.raises(error, match=pattern):
        call()
