"""tf_lstm.lessons.gradients: gradient norms through time, the model builders, clipping."""

import keras
import numpy as np
import pytest

import tf_lstm
from tf_lstm.lessons import gradients
from tf_lstm.lessons.adding_problem import adding_problem


def linear_rnn(w, kernel, units):
    """A SimpleRNN h_t = x_t W + w h_{t-1}: identity activation, no bias."""
    layer = keras.layers.SimpleRNN(
        units, activation=None, use_bias=False,
        kernel_initializer=keras.initializers.Constant(kernel),
        recurrent_initializer=keras.initializers.Identity(gain=w))
    return layer


@pytest.mark.parametrize("w", [0.5, 0.9, 1.2])
def test_linear_rnn_has_the_known_gradient(w):
    # h_T = sum_t w^(T-t) x_t W, so d(sum_k h_T,k)/dx_t = w^(T-t) W 1 and
    # ||.|| = |w|^(T-t) ||W 1||; with W all 0.5, (input_dim=3, units=2): ||W 1|| = sqrt(3).
    steps = 12
    layer = linear_rnn(w, 0.5, units=2)
    x = np.random.default_rng(0).normal(size=(4, steps, 3)).astype("float32")
    norms = gradients.gradient_norms_through_time(layer, x)
    distance = np.arange(steps)[::-1]
    np.testing.assert_allclose(norms, np.sqrt(3.0) * w ** distance, rtol=1e-5)
    assert gradients.decay_per_step(norms) == pytest.approx(w, rel=1e-5)
    norms[:3] = 0.0  # float32 underflow far back: those distances are left out
    assert gradients.decay_per_step(norms) == pytest.approx(w, rel=1e-5)


def test_shapes_and_models():
    x, _ = adding_problem(3, 9, seed=0)
    for kind in gradients.KINDS:
        layer = gradients.recurrent_layer(kind, 5, seed=0)
        model = gradients.recurrent_model(layer, input_dim=2)
        assert model(x).shape == (3, 1)
        assert gradients.gradient_norms_through_time(layer, x).shape == (9,)
        assert gradients.gradient_norms_through_time(model, x).shape == (9,)
    sequence_layer = gradients.recurrent_layer("LSTM", 5, return_sequences=True)
    assert gradients.gradient_norms_through_time(sequence_layer, x).shape == (9,)
    # Same units and seed: the layers differ only in the cell.
    rnn = gradients.recurrent_layer("SimpleRNN", 5, seed=3)
    rnn.build((None, None, 2))
    lstm = gradients.recurrent_layer("LSTM", 5, seed=3)
    lstm.build((None, None, 2))
    assert rnn.cell.kernel.shape == (2, 5) and lstm.cell.kernel.shape == (2, 20)
    np.testing.assert_allclose(lstm.cell.bias.numpy()[5:10], 1.0)  # forget bias 1
    opened = gradients.recurrent_layer("LSTM", 5, forget_bias=3.0)
    opened.build((None, None, 2))
    np.testing.assert_allclose(opened.cell.bias.numpy(), [0] * 5 + [3] * 5 + [0] * 10)


def _rates(kind, seeds=range(3), steps=40, units=32, **kwargs):
    """decay_per_step at initialisation, one per seed, on adding-problem inputs."""
    rates = []
    for seed in seeds:
        x, _ = adding_problem(16, steps, seed=seed)
        layer = gradients.recurrent_layer(kind, units, seed=seed, **kwargs)
        rates.append(gradients.decay_per_step(
            gradients.gradient_norms_through_time(layer, x)))
    return np.array(rates)


def test_lstm_decay_at_init_is_set_by_the_forget_bias():
    # Statistical checks over 3 seeds with 16 sequences each. What the notebook
    # says: with Keras's default forget bias 1 (f near sigmoid(1) = 0.73) a fresh
    # LSTM forgets *faster* than a fresh SimpleRNN, whose orthogonal recurrent
    # kernel preserves norms; opening the forget gate (bias 4, f near 0.98)
    # makes the LSTM's gradient decay far more slowly than the SimpleRNN's.
    tf_lstm.seed_everything(0)
    simple_rnn = _rates("SimpleRNN")
    lstm_default = _rates("LSTM")
    lstm_open = _rates("LSTM", forget_bias=4.0)
    assert np.all(lstm_default < simple_rnn), (lstm_default, simple_rnn)
    assert np.all(lstm_open > simple_rnn), (lstm_open, simple_rnn)
    assert np.all(lstm_open > 0.97), lstm_open


def test_which_fresh_cell_decays_faster_depends_on_the_input_scale():
    # The adding problem's inputs (values in [0, 1), sparse markers) at scale 1:
    # the fresh LSTM decays faster; at scale 10 the SimpleRNN's tanh units
    # saturate and it decays faster. 3 seeds each.
    x, _ = adding_problem(16, 40, seed=1)
    for seed in range(3):
        rnn_small, lstm_small = (gradients.decay_at_init(kind, 32, x, seed=seed)
                                 for kind in gradients.KINDS)
        rnn_large, lstm_large = (gradients.decay_at_init(kind, 32, 10 * x, seed=seed)
                                 for kind in gradients.KINDS)
        assert lstm_small < rnn_small, (seed, lstm_small, rnn_small)
        assert rnn_large < lstm_large, (seed, rnn_large, lstm_large)
        assert rnn_large < rnn_small - 0.1  # the SimpleRNN's rate moves with the scale
        assert abs(lstm_large - lstm_small) < 0.05  # the LSTM's barely


def test_clipnorm_clips_each_tensor_and_global_clipnorm_the_whole_gradient():
    # The error this guards against: reading the *global* norm against `clipnorm`.
    # clipnorm=c scales tensor k by min(1, c / ||g_k||), global_clipnorm=c every
    # tensor by min(1, c / ||g||). With SGD the step of tensor k shows which.
    model = gradients.recurrent_model(gradients.recurrent_layer("LSTM", 4, seed=0), 2)
    x, y = adding_problem(8, 12, seed=0)
    y = y * 30.0                                                   # large gradients
    lr = 0.01
    raw = gradients.gradient_step(model, x, y, learning_rate=lr)
    norms = raw.tensor_gradient_norms
    assert raw.gradient_norm == pytest.approx(np.sqrt(np.sum(norms ** 2)), rel=1e-5)
    np.testing.assert_allclose(raw.tensor_update_norms, lr * norms, rtol=1e-4)
    c = float(np.median(norms))               # some tensors above c, some below
    assert (norms > c).any() and (norms < c).any() and raw.gradient_norm > c
    per_tensor = gradients.gradient_step(model, x, y, learning_rate=lr, clipnorm=c)
    np.testing.assert_allclose(per_tensor.tensor_update_norms, lr * np.minimum(norms, c),
                               rtol=1e-4)
    whole = gradients.gradient_step(model, x, y, learning_rate=lr, global_clipnorm=c)
    np.testing.assert_allclose(whole.tensor_update_norms, lr * norms * c / raw.gradient_norm,
                               rtol=1e-4)
    # A global norm above c does not mean clipnorm clipped every tensor: those below
    # c moved by their full gradient.
    below = norms < c
    np.testing.assert_allclose(per_tensor.tensor_update_norms[below], lr * norms[below],
                               rtol=1e-4)


def test_clipping_bounds_the_update():
    rnn = gradients.recurrent_layer("SimpleRNN", 8, seed=0, activation=None,
                                    recurrent_gain=1.3)
    model = gradients.recurrent_model(rnn, input_dim=2)
    x, y = adding_problem(8, 40, seed=0)
    norms = gradients.gradient_norms_through_time(rnn, x)
    assert gradients.decay_per_step(norms) == pytest.approx(1.3, rel=2e-2)  # W is not orthogonal
    raw = gradients.gradient_step(model, x, y, learning_rate=0.01)
    clipped = gradients.gradient_step(model, x, y, learning_rate=0.01, global_clipnorm=1.0)
    per_tensor = gradients.gradient_step(model, x, y, learning_rate=0.01, clipnorm=1.0)
    assert raw.gradient_norm > 1e3
    assert raw.update_norm == pytest.approx(0.01 * raw.gradient_norm, rel=1e-4)
    assert clipped.update_norm == pytest.approx(0.01, rel=1e-4)  # lr * global_clipnorm
    assert clipped.gradient_norm == pytest.approx(raw.gradient_norm)
    assert clipped.loss_after < clipped.loss_before  # the clipped step helps
    # clipnorm clips each of the 5 weight tensors (kernel, recurrent_kernel,
    # bias, Dense kernel and bias) to norm 1 separately: at most 0.01 * sqrt(5).
    assert 0.01 < per_tensor.update_norm <= 0.01 * np.sqrt(5) * (1 + 1e-5)
    assert not raw.loss_after < raw.loss_before  # the raw step overshoots (here: nan)
    # The weights were restored: the same step again gives the same numbers.
    again = gradients.gradient_step(model, x, y, learning_rate=0.01)
    assert (again.gradient_norm, again.update_norm) == (raw.gradient_norm, raw.update_norm)


@pytest.mark.parametrize("call, message", [
    (lambda: gradients.recurrent_layer("GRU", 4), "Argument `kind` must be one of"),
    (lambda: gradients.recurrent_layer("LSTM", 0), "Received: units=0"),
    (lambda: gradients.recurrent_layer("LSTM", 4, seed=-1), "Received: seed=-1"),
    (lambda: gradients.recurrent_layer("LSTM", 4, recurrent_gain=0),
     "Received: recurrent_gain=0"),
    (lambda: gradients.recurrent_layer("SimpleRNN", 4, forget_bias=2.0),
     "is for kind='LSTM' only"),
    (lambda: gradients.recurrent_model(
        gradients.recurrent_layer("LSTM", 4, return_sequences=True), 2),
     "return_sequences=True"),
    (lambda: gradients.gradient_norms_through_time(
        gradients.recurrent_layer("LSTM", 4), np.ones((2, 3), "float32")),
     "Argument `inputs` must have rank 3"),
    (lambda: gradients.decay_per_step(np.array([1.0, -1.0, 1.0])),
     "Argument `norms` must be non-negative"),
    (lambda: gradients.decay_per_step(np.array([0.0, 0.0, 1.0])),
     "at least two positive entries"),
    (lambda: gradients.decay_at_init("GRU", 4, np.ones((2, 5, 2), "float32")),
     "Argument `kind` must be one of"),
])
def test_errors_name_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(")):
        call()


def test_gradient_step_validates():
    model = gradients.recurrent_model(gradients.recurrent_layer("LSTM", 2), 2)
    x, y = adding_problem(2, 4, seed=0)
    with pytest.raises(ValueError, match="Received: clipnorm=-1"):
        gradients.gradient_step(model, x, y, clipnorm=-1)
    with pytest.raises(ValueError, match="Received: global_clipnorm=0"):
        gradients.gradient_step(model, x, y, global_clipnorm=0)
    with pytest.raises(TypeError, match="Argument `model` must be a keras.Model"):
        gradients.gradient_step("model", x, y)
