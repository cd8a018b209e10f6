"""The NumPy reference LSTM (tf_lstm.numpy_lstm) against keras.layers.LSTM."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from tf_lstm import numpy_lstm
from tf_lstm.verify import random_keras_lstm, random_right_padded_mask
from tests.conftest import keras_lstm_case

SHAPES = [(1, 1, 1, 1), (1, 5, 2, 3), (4, 1, 3, 2), (3, 6, 4, 5)]  # (batch, steps, input_dim, units)
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("return_sequences,return_state",
                         list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("go_backwards,masked,with_state",
                         [(False, False, False), (True, False, True),
                          (False, True, True), (True, True, False)])
def test_forward_matches_keras(rng, dtype, shape, return_sequences, return_state,
                               go_backwards, masked, with_state):
    layer, x, mask, state, keras_out = keras_lstm_case(
        rng, dtype, shape, return_sequences, return_state, go_backwards, masked, with_state)

    sequence, h, c, _ = numpy_lstm.numpy_lstm_forward(
        x.astype(np.float64), *layer.get_weights(), initial_state=state, mask=mask,
        go_backwards=go_backwards)
    expected = [sequence if return_sequences else sequence[:, -1]]
    if return_state:
        expected += [h, c]
    assert len(keras_out) == len(expected)
    for got, want in zip(keras_out, expected):
        assert np.max(np.abs(np.asarray(got, np.float64) - want)) <= TOLERANCE[dtype]


def test_known_values_from_constant_weights():
    # One unit, one input, all weights 0.5, zero bias, x = 1 for two steps:
    # z = 0.5 * x + 0.5 * h, every gate sees the same z.
    x = np.ones((1, 2, 1))
    sequence, h, c, _ = numpy_lstm.numpy_lstm_forward(
        x, np.full((1, 4), 0.5), np.full((1, 4), 0.5), np.zeros(4))
    s, t = 1 / (1 + np.exp(-0.5)), np.tanh(0.5)
    c1 = s * t
    h1 = s * np.tanh(c1)
    z2 = 0.5 + 0.5 * h1
    s2, t2 = 1 / (1 + np.exp(-z2)), np.tanh(z2)
    c2 = s2 * c1 + s2 * t2
    h2 = s2 * np.tanh(c2)
    np.testing.assert_allclose(sequence[0, :, 0], [h1, h2], rtol=0, atol=1e-15)
    np.testing.assert_allclose([h[0, 0], c[0, 0]], [h2, c2], rtol=0, atol=1e-15)


def test_masked_steps_carry_state_and_output(rng):
    layer = random_keras_lstm(rng, 3, 2, return_sequences=True)
    x = rng.normal(size=(2, 5, 2))
    mask = np.array([[True] * 5, [True, True, False, False, False]])
    sequence, h, c, cache = numpy_lstm.numpy_lstm_forward(x, *layer.get_weights(), mask=mask)
    np.testing.assert_array_equal(sequence[1, 2:], np.repeat(sequence[1, 1:2], 3, axis=0))
    np.testing.assert_array_equal(h[1], sequence[1, 1])
    np.testing.assert_array_equal(c[1], cache["c"][1, 1])


def test_leading_masked_steps_output_zeros_keep_initial_state(rng):
    # Left padding: before the first real step Keras outputs zeros, while h stays h0.
    layer = random_keras_lstm(rng, 2, 2, return_sequences=True, return_state=True)
    x = rng.normal(size=(1, 4, 2))
    h0, c0 = rng.normal(size=(1, 2)), rng.normal(size=(1, 2))
    mask = np.array([[False, False, True, True]])
    ours = numpy_lstm.numpy_lstm_forward(x, *layer.get_weights(), initial_state=[h0, c0],
                                      mask=mask)
    keras_out = layer(x, initial_state=[h0, c0], mask=mask)
    np.testing.assert_array_equal(ours[0][0, :2], 0.0)
    for got, want in zip(keras_out, ours[:3]):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 6, 4, 5)])
def test_backward_matches_gradient_tape(rng, go_backwards, shape):
    batch, steps, input_dim, units = shape
    layer = random_keras_lstm(rng, units, input_dim, return_sequences=True,
                              return_state=True, go_backwards=go_backwards)
    x = rng.normal(size=(batch, steps, input_dim))
    mask = random_right_padded_mask(rng, batch, steps)
    h0, c0 = rng.normal(size=(batch, units)), rng.normal(size=(batch, units))
    d_seq = rng.normal(size=(batch, steps, units))
    d_h, d_c = rng.normal(size=(batch, units)), rng.normal(size=(batch, units))
    variables = [tf.Variable(v) for v in (x, h0, c0)]
    with tf.GradientTape() as tape:
        seq, h, c = layer(variables[0], initial_state=variables[1:], mask=mask)
        loss = tf.reduce_sum(seq * d_seq) + tf.reduce_sum(h * d_h) + tf.reduce_sum(c * d_c)
    expected = tape.gradient(loss, variables + layer.trainable_weights)
    cache = numpy_lstm.numpy_lstm_forward(x, *layer.get_weights(), initial_state=[h0, c0],
                                       mask=mask, go_backwards=go_backwards)[3]
    grads = numpy_lstm.numpy_lstm_backward(d_seq, d_h, d_c, cache)
    keys = ["inputs", "h0", "c0", "kernel", "recurrent_kernel", "bias"]
    assert sorted(grads) == sorted(keys)
    for key, want in zip(keys, expected):
        assert np.max(np.abs(grads[key] - np.asarray(want))) <= 1e-8, key


def test_backward_accepts_none_for_unused_gradients(rng):
    layer = random_keras_lstm(rng, 2, 3)
    cache = numpy_lstm.numpy_lstm_forward(rng.normal(size=(2, 4, 3)), *layer.get_weights())[3]
    grads = numpy_lstm.numpy_lstm_backward(None, np.ones((2, 2)), None, cache)
    assert grads["inputs"].shape == (2, 4, 3)
    zero = numpy_lstm.numpy_lstm_backward(None, None, None, cache)
    assert all(np.all(g == 0) for g in zero.values())


def test_article_rule_differs_from_keras(rng):
    layer = random_keras_lstm(rng, 4, 3, return_sequences=True)
    x = rng.normal(size=(2, 5, 3))
    keras_seq = np.asarray(layer(x))
    article_seq, _, _ = numpy_lstm.article_lstm_forward(x, *layer.get_weights())
    correct_seq = numpy_lstm.numpy_lstm_forward(x, *layer.get_weights())[0]
    assert np.max(np.abs(keras_seq - correct_seq)) <= 1e-10
    assert np.max(np.abs(keras_seq - article_seq)) > 1e-2


def test_article_rule_ignores_the_candidate_weights(rng):
    # The article's candidate reuses W_i, so the g block of the weights has no effect.
    layer = random_keras_lstm(rng, 2, 3)
    kernel, recurrent, bias = layer.get_weights()
    x = rng.normal(size=(1, 4, 3))
    changed = kernel.copy()
    changed[:, 4:6] += 10.0  # the g block
    a = numpy_lstm.article_lstm_forward(x, kernel, recurrent, bias)[0]
    b = numpy_lstm.article_lstm_forward(x, changed, recurrent, bias)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(numpy_lstm.numpy_lstm_forward(x, kernel, recurrent, bias)[0],
                           numpy_lstm.numpy_lstm_forward(x, changed, recurrent, bias)[0])
