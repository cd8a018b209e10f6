"""tf_lstm.lstm and tf_lstm.run_lstm: Keras's LSTM with named outputs."""

import itertools

import keras
import numpy as np
import pytest

import tf_lstm
from tf_lstm.verify import random_right_padded_mask


@pytest.mark.parametrize("return_sequences,return_state",
                         list(itertools.product([False, True], repeat=2)))
def test_run_lstm_names_outputs_for_every_flag_combination(rng, return_sequences,
                                                           return_state):
    layer = tf_lstm.lstm(5, return_sequences=return_sequences,
                         return_state=return_state)
    x = rng.normal(size=(3, 4, 2)).astype("float32")
    out = tf_lstm.run_lstm(layer, x)
    assert isinstance(out, tf_lstm.LSTMOutputs)
    assert tuple(out.h.shape) == (3, 5) and tuple(out.c.shape) == (3, 5)
    # The reference: the same weights in a layer that returns everything.
    full = keras.layers.LSTM(5, return_sequences=True, return_state=True)
    full.build((None, None, 2))
    full.set_weights(layer.get_weights())
    sequence, h, c = full(x)
    np.testing.assert_allclose(out.h, h, atol=1e-6)
    np.testing.assert_allclose(out.c, c, atol=1e-6)
    if return_sequences:
        assert tuple(out.sequence.shape) == (3, 4, 5)
        np.testing.assert_allclose(out.sequence, sequence, atol=1e-6)
    else:
        assert out.sequence is None
    # The layer's own call is unchanged by run_lstm.
    own = layer(x)
    first = own[0] if return_state else own
    np.testing.assert_allclose(first, sequence if return_sequences else h, atol=1e-6)


def test_run_lstm_shares_weights_with_the_layer(rng):
    layer = tf_lstm.lstm(3)
    x = rng.normal(size=(2, 4, 2)).astype("float32")
    before = tf_lstm.run_lstm(layer, x).h
    layer.set_weights([w * 2 for w in layer.get_weights()])  # train-free "update"
    after = tf_lstm.run_lstm(layer, x).h
    np.testing.assert_allclose(after, layer(x), atol=1e-6)
    assert not np.allclose(before, after)
    assert len(layer.trainable_weights) == 3  # no extra variables appeared


def test_run_lstm_with_mask_initial_state_and_go_backwards(rng):
    layer = tf_lstm.lstm(4, go_backwards=True)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = random_right_padded_mask(rng, 3, 5)
    state = [rng.normal(size=(3, 4)).astype("float32") for _ in range(2)]
    out = tf_lstm.run_lstm(layer, x, initial_state=state, mask=mask)
    np.testing.assert_allclose(out.h, layer(x, initial_state=state, mask=mask),
                               atol=1e-6)
    from tf_lstm.numpy_lstm import numpy_lstm_forward
    _, h, c, _ = numpy_lstm_forward(x.astype("float64"), *layer.get_weights(),
                                    initial_state=state, mask=mask, go_backwards=True)
    np.testing.assert_allclose(out.h, h, atol=1e-5)
    np.testing.assert_allclose(out.c, c, atol=1e-5)


def test_run_lstm_in_a_functional_model(rng):
    # Encoder without return_state, yet its (h, c) initialise the decoder.
    encoder = tf_lstm.lstm(6)
    decoder = tf_lstm.lstm(6, return_sequences=True)
    source, target = keras.Input((None, 3)), keras.Input((None, 2))
    enc = tf_lstm.run_lstm(encoder, source)
    dec = tf_lstm.run_lstm(decoder, target, initial_state=[enc.h, enc.c])
    model = keras.Model([source, target], dec.sequence)
    xs = rng.normal(size=(2, 4, 3)).astype("float32")
    xt = rng.normal(size=(2, 3, 2)).astype("float32")
    got = model([xs, xt])
    direct = decoder(xt, initial_state=tf_lstm.run_lstm(encoder, xs)[1:])
    np.testing.assert_allclose(got, direct, atol=1e-6)
    assert tuple(got.shape) == (2, 3, 6)


def test_lstm_passes_every_keras_argument_through():
    layer = tf_lstm.lstm(7, return_sequences=True, return_state=True, go_backwards=True,
                         dropout=0.1, recurrent_dropout=0.2, unit_forget_bias=False,
                         kernel_initializer="zeros", name="enc")
    assert isinstance(layer, keras.layers.LSTM)
    config = layer.get_config()
    assert (config["units"], config["return_sequences"], config["return_state"],
            config["go_backwards"], config["dropout"], config["recurrent_dropout"],
            config["unit_forget_bias"], config["name"]) == \
        (7, True, True, True, 0.1, 0.2, False, "enc")


def test_lstm_keeps_keras_unit_forget_bias_default():
    # Bias init: forget block 1, the others 0 (Jozefowicz et al., 2015).
    layer = tf_lstm.lstm(3)
    layer.build((None, None, 5))
    bias = tf_lstm.split_gates(layer.get_weights()[2])
    np.testing.assert_array_equal(bias["f"], 1.0)
    for gate in "igo":
        np.testing.assert_array_equal(bias[gate], 0.0)


def test_keras_returns_three_values_where_the_article_unpacks_two(rng):
    layer = keras.layers.LSTM(units=8, return_sequences=True, return_state=True)
    inputs = rng.normal(size=(2, 3, 4)).astype("float32")
    with pytest.raises(ValueError, match="too many values to unpack"):
        outputs, states = layer(inputs)  # the article's §4 line
    sequence, h, c = layer(inputs)
    np.testing.assert_array_equal(sequence[:, -1], h)
    assert not np.allclose(c, h)
