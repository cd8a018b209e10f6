"""tf_lstm.gates: Keras's fused i, f, c(=g), o layout."""

import numpy as np
import pytest

import tf_lstm
from tf_lstm.verify import random_keras_lstm


def test_split_and_pack_are_inverse(rng):
    fused = rng.normal(size=(3, 20))
    blocks = tf_lstm.split_gates(fused)
    assert list(blocks) == ["i", "f", "g", "o"]
    assert all(b.shape == (3, 5) for b in blocks.values())
    np.testing.assert_array_equal(tf_lstm.pack_gates(**blocks), fused)


def test_split_lstm_weights_names_each_block(rng):
    layer = random_keras_lstm(rng, 2, 3)
    parts = tf_lstm.split_lstm_weights(layer)
    kernel = layer.get_weights()[0]
    np.testing.assert_array_equal(parts["kernel"]["g"], kernel[:, 4:6])
    assert parts["recurrent_kernel"]["o"].shape == (2, 2)
    assert parts["bias"]["f"].shape == (2,)


def test_the_g_block_is_the_candidate(rng):
    # Setting the candidate block alone to produce a huge value shows up in c.
    from tf_lstm.numpy_lstm import numpy_lstm_forward
    kernel, recurrent, bias = np.zeros((1, 4)), np.zeros((1, 4)), np.zeros(4)
    bias = tf_lstm.pack_gates(i=[50.0], f=[-50.0], g=[50.0], o=[50.0])
    _, h, c, cache = numpy_lstm_forward(np.ones((1, 1, 1)), kernel, recurrent, bias)
    np.testing.assert_allclose(c, 1.0, atol=1e-12)  # i=1, g=tanh(50)=1, f=0
    np.testing.assert_allclose(cache["g"], 1.0, atol=1e-12)


def test_ifog_conversion_round_trip(rng):
    fused = rng.normal(size=(4, 8))
    ifog = tf_lstm.to_ifog(fused)
    np.testing.assert_array_equal(ifog[:, 4:6], fused[:, 6:8])  # o moves third
    np.testing.assert_array_equal(tf_lstm.from_ifog(ifog), fused)


def test_copy_between_keras_and_scratch(rng):
    source = random_keras_lstm(rng, 3, 2, dtype="float32")
    target = tf_lstm.ScratchLSTM(3)
    target.build((None, None, 2))
    tf_lstm.copy_lstm_weights(source, target)
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_copy_refuses_mismatched_shapes(rng):
    source = random_keras_lstm(rng, 3, 2, dtype="float32")
    target = tf_lstm.ScratchLSTM(4)
    target.build((None, None, 2))
    with pytest.raises(ValueError, match=r"Cannot copy `kernel`.*\(2, 12\).*\(2, 16\)"):
        tf_lstm.copy_lstm_weights(source, target)
