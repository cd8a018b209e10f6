"""tf_lstm_forward and ScratchLSTM against keras.layers.LSTM."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_lstm
from tf_lstm import numpy_lstm
from tf_lstm.verify import random_keras_lstm, random_right_padded_mask
from tests.conftest import as_list, keras_lstm_case

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 1, 3, 2), (3, 6, 4, 5)])
@pytest.mark.parametrize("return_sequences,return_state",
                         list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("go_backwards,masked,with_state",
                         [(False, False, False), (True, True, True),
                          (False, True, False), (True, False, True)])
def test_scratch_layer_matches_keras(rng, dtype, shape, return_sequences, return_state,
                                     go_backwards, masked, with_state):
    layer, x, mask, state, expected = keras_lstm_case(
        rng, dtype, shape, return_sequences, return_state, go_backwards, masked, with_state)
    ours = tf_lstm.ScratchLSTM.from_keras(layer)
    assert ours.compute_dtype == dtype
    got = as_list(ours(x, initial_state=state, mask=mask))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.shape == b.shape
        assert np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))) \
            <= TOLERANCE[dtype]


@pytest.mark.parametrize("go_backwards", [False, True])
def test_tf_forward_matches_numpy_in_a_tf_function(rng, go_backwards):
    layer = random_keras_lstm(rng, 3, 2)
    x = rng.normal(size=(2, 5, 2))
    mask = random_right_padded_mask(rng, 2, 5)
    state = [rng.normal(size=(2, 3)) for _ in range(2)]
    weights = layer.get_weights()
    fn = tf.function(lambda x: tf_lstm.tf_lstm_forward(
        x, *weights, initial_state=state, mask=mask,
        go_backwards=go_backwards, return_gates=True))
    sequence, h, c, gates = fn(tf.constant(x))
    ref_seq, ref_h, ref_c, cache = numpy_lstm.numpy_lstm_forward(
        x, *layer.get_weights(), initial_state=state, mask=mask, go_backwards=go_backwards)
    for a, b in [(sequence, ref_seq), (h, ref_h), (c, ref_c)] + [
            (gates[k], cache[k]) for k in "ifgoc"]:
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_tf_forward_gradients_match_numpy_backward(rng):
    layer = random_keras_lstm(rng, 3, 2)
    x = rng.normal(size=(2, 4, 2))
    weights = [tf.Variable(w) for w in layer.get_weights()]
    xv = tf.Variable(x)
    d_seq = rng.normal(size=(2, 4, 3))
    with tf.GradientTape() as tape:
        seq, _, _, _ = tf_lstm.tf_lstm_forward(xv, *weights)
        loss = tf.reduce_sum(seq * d_seq)
    got = tape.gradient(loss, [xv] + weights)
    cache = numpy_lstm.numpy_lstm_forward(x, *layer.get_weights())[3]
    want = numpy_lstm.numpy_lstm_backward(d_seq, None, None, cache)
    for g, key in zip(got, ["inputs", "kernel", "recurrent_kernel", "bias"]):
        np.testing.assert_allclose(g, want[key], rtol=0, atol=1e-12)


def test_return_gates_exposes_cell_internals(rng):
    keras_layer = random_keras_lstm(rng, 4, 3, dtype="float32", return_sequences=True)
    ours = tf_lstm.ScratchLSTM.from_keras(keras_layer, return_gates=True)
    x = rng.normal(size=(2, 6, 3)).astype("float32")
    sequence, gates = ours(x)
    assert sorted(gates) == ["c", "f", "g", "i", "o"]
    for k in "ifgoc":
        assert tuple(gates[k].shape) == (2, 6, 4)
    for k in "ifo":  # sigmoid gates lie in (0, 1), the candidate in (-1, 1)
        assert 0 < float(tf.reduce_min(gates[k])) and float(tf.reduce_max(gates[k])) < 1
    np.testing.assert_allclose(sequence, gates["o"] * np.tanh(gates["c"]), atol=1e-6)
    np.testing.assert_allclose(sequence, keras_layer(x), atol=1e-5)


def test_weights_interoperate_both_ways(rng):
    keras_layer = random_keras_lstm(rng, 5, 3, dtype="float32", return_sequences=True)
    ours = tf_lstm.ScratchLSTM.from_keras(keras_layer)
    assert [w.path.split("/")[-1] for w in ours.weights] == \
        ["kernel", "recurrent_kernel", "bias"]
    for a, b in zip(ours.get_weights(), keras_layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Train-free round trip: change ours, copy back into a fresh Keras layer.
    ours.set_weights([w + 1.0 for w in ours.get_weights()])
    back = ours.to_keras()
    assert isinstance(back, keras.layers.LSTM) and back.return_sequences
    for a, b in zip(back.get_weights(), ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    np.testing.assert_allclose(back(x), ours(x), atol=1e-5)
    # And get_weights/set_weights between independently built layers.
    fresh = keras.layers.LSTM(5, return_sequences=True)
    fresh.build((None, None, 3))
    fresh.set_weights(ours.get_weights())
    np.testing.assert_allclose(fresh(x), ours(x), atol=1e-5)


@pytest.mark.parametrize("unit_forget_bias", [True, False])
def test_bias_initialised_like_keras(unit_forget_bias):
    ours = tf_lstm.ScratchLSTM(6, unit_forget_bias=unit_forget_bias)
    ours.build((None, None, 4))
    theirs = keras.layers.LSTM(6, unit_forget_bias=unit_forget_bias)
    theirs.build((None, None, 4))
    np.testing.assert_array_equal(ours.get_weights()[2], theirs.get_weights()[2])
    bias = tf_lstm.split_gates(ours.get_weights()[2])
    np.testing.assert_array_equal(bias["f"], 1.0 if unit_forget_bias else 0.0)


def test_in_a_model_with_masking_and_fit(rng):
    inputs = keras.Input((None, 3))
    masked = keras.layers.Masking(0.0)(inputs)
    seq = tf_lstm.ScratchLSTM(4, return_sequences=True)(masked)
    last = tf_lstm.ScratchLSTM(4)(seq)
    model = keras.Model(inputs, keras.layers.Dense(1)(last))
    model.compile("adam", "mse")
    x = rng.normal(size=(8, 5, 3)).astype("float32")
    x[:4, 3:] = 0.0
    history = model.fit(x, np.ones((8, 1)), epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    # Padding must not change the prediction: drop the padded steps of row 0.
    np.testing.assert_allclose(model(x[:1, :3]), model(x[:1]), atol=1e-5)


def test_config_round_trip_and_keras_save(tmp_path, rng):
    layer = tf_lstm.ScratchLSTM(3, return_sequences=True, return_state=False,
                                go_backwards=True, return_gates=False,
                                unit_forget_bias=False, name="scratch")
    config = layer.get_config()
    clone = tf_lstm.ScratchLSTM.from_config(config)
    assert clone.get_config() == config
    inputs = keras.Input((None, 2))
    model = keras.Model(inputs, layer(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = rng.normal(size=(2, 4, 2)).astype("float32")
    np.testing.assert_array_equal(loaded(x), model(x))


# --- activations (issue 16: from_keras ignored them) ---------------------------
SUPPORTED = sorted(tf_lstm.activations.ACTIVATIONS)
PAIRS = ([(a, "sigmoid") for a in SUPPORTED]
         + [("tanh", r) for r in SUPPORTED if r != "sigmoid"])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation,recurrent_activation", PAIRS)
def test_every_supported_activation_matches_keras(rng, dtype, activation,
                                                  recurrent_activation):
    layer = random_keras_lstm(rng, 4, 3, dtype=dtype, return_sequences=True,
                              return_state=True, go_backwards=True,
                              activation=activation,
                              recurrent_activation=recurrent_activation)
    # Inputs wide enough to cross every kink (hard_sigmoid's at +-3, relu6's at 6).
    x = (3.0 * rng.normal(size=(3, 5, 3))).astype(dtype)
    mask = random_right_padded_mask(rng, 3, 5)
    state = [rng.normal(size=(3, 4)).astype(dtype) for _ in range(2)]
    expected = layer(x, initial_state=state, mask=mask)
    ours = tf_lstm.ScratchLSTM.from_keras(layer)
    assert (ours.activation, ours.recurrent_activation) == (activation, recurrent_activation)
    got = ours(x, initial_state=state, mask=mask)
    for a, b in zip(got, expected):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        # Unbounded pairs (linear gates) grow to thousands: relative above 1.
        assert np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))) <= TOLERANCE[dtype]
    if (activation, recurrent_activation) != ("tanh", "sigmoid"):
        # The activation matters here: the default pair computes something else.
        default = tf_lstm.ScratchLSTM(4, return_sequences=True, return_state=True,
                                      go_backwards=True, dtype=dtype)
        default.build((None, None, 3))
        default.set_weights(layer.get_weights())
        assert np.max(np.abs(default(x, initial_state=state, mask=mask)[0]
                             - np.asarray(expected[0]))) > 1e-3


def test_keras_3_hard_sigmoid_is_relu6_of_x_plus_3_over_6():
    x = np.linspace(-5, 5, 41)
    hard_sigmoid = tf_lstm.activations.ACTIVATIONS["hard_sigmoid"]
    np.testing.assert_allclose(hard_sigmoid(tf.constant(x)), np.clip(x / 6 + 0.5, 0, 1),
                               atol=1e-15)
    np.testing.assert_allclose(keras.activations.hard_sigmoid(x), hard_sigmoid(x),
                               atol=1e-15)


@pytest.mark.parametrize("activation,shown", [
    ("elu", "elu"), ("selu", "selu"), ("gelu", "gelu"), ("swish", "silu"),
    ("softmax", "softmax"), ("exponential", "exponential"), ("leaky_relu", "leaky_relu")])
@pytest.mark.parametrize("argument", ["activation", "recurrent_activation"])
def test_unsupported_activations_are_refused_by_name(activation, shown, argument):
    layer = keras.layers.LSTM(2, **{argument: activation})
    layer.build((None, None, 3))
    with pytest.raises(ValueError) as info:
        tf_lstm.ScratchLSTM.from_keras(layer)
    message = str(info.value)
    assert f"Argument `{argument}` must be one of the activations ScratchLSTM " \
           f"implements: {', '.join(SUPPORTED)}" in message
    assert message.startswith("Cannot copy <LSTM name=")
    assert message.endswith(f"Received: {argument}=keras.activations.{shown}")
    with pytest.raises(ValueError, match=rf"Received: {argument}='{activation}'"):
        tf_lstm.ScratchLSTM(2, **{argument: activation})


def test_activation_callables_other_than_keras_are_refused():
    for value, shown in [(tf.nn.relu, r"tensorflow\..*relu"), (lambda x: x, r".*\.<lambda>"),
                         ("Tanh", "'Tanh'"), (3, "3")]:
        with pytest.raises(ValueError, match=f"Received: activation={shown}"):
            tf_lstm.ScratchLSTM(2, activation=value)
    # Keras's own functions, and None (Keras's "no activation"), are accepted.
    layer = tf_lstm.ScratchLSTM(2, activation=keras.activations.relu,
                                recurrent_activation=None)
    assert (layer.activation, layer.recurrent_activation) == ("relu", "linear")


def test_stateful_keras_layer_is_refused():
    layer = keras.layers.LSTM(2, stateful=True)
    layer.build((4, None, 3))
    with pytest.raises(ValueError, match="must not be stateful"):
        tf_lstm.ScratchLSTM.from_keras(layer)


def test_activations_survive_config_save_and_to_keras(tmp_path, rng):
    layer = tf_lstm.ScratchLSTM(3, return_sequences=True, activation="relu",
                                recurrent_activation="hard_sigmoid", name="scratch")
    config = layer.get_config()
    assert (config["activation"], config["recurrent_activation"]) == ("relu", "hard_sigmoid")
    assert tf_lstm.ScratchLSTM.from_config(config).get_config() == config
    inputs = keras.Input((None, 2))
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    x = (3.0 * rng.normal(size=(2, 4, 2))).astype("float32")
    np.testing.assert_array_equal(loaded(x), model(x))
    back = layer.to_keras()
    assert back.cell.activation is keras.activations.relu
    assert back.cell.recurrent_activation is keras.activations.hard_sigmoid
    np.testing.assert_allclose(back(x), layer(x), atol=1e-5)


def test_tf_lstm_forward_takes_activations(rng):
    layer = random_keras_lstm(rng, 3, 2, return_sequences=True, activation="softsign",
                              recurrent_activation="hard_tanh")
    x = 3.0 * rng.normal(size=(2, 4, 2))
    sequence, *_ = tf_lstm.tf_lstm_forward(x, *layer.get_weights(), activation="softsign",
                                           recurrent_activation="hard_tanh")
    np.testing.assert_allclose(sequence, layer(x), atol=1e-10)
    with pytest.raises(ValueError, match="Received: recurrent_activation='elu'"):
        tf_lstm.tf_lstm_forward(x, *layer.get_weights(), recurrent_activation="elu")
