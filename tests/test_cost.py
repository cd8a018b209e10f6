"""tf_lstm.lessons.cost: the parameter and FLOP formulas against Keras and TensorFlow's profiler."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_lstm.lessons import cost


@pytest.mark.parametrize("input_dim, units", [(1, 1), (3, 2), (16, 128), (300, 128), (7, 33)])
def test_param_count_equals_keras(input_dim, units):
    layer = keras.layers.LSTM(units)
    layer.build((None, None, input_dim))
    assert cost.lstm_param_count(input_dim, units) == layer.count_params()


def test_step_flops_by_hand():
    # batch 2, input_dim 3, units 4: products 2*2*(3+4)*16 = 448, 12*2*4 = 96, 5*2*4 = 40.
    flops = cost.lstm_step_flops(batch=2, input_dim=3, units=4)
    assert (flops.matmul, flops.elementwise, flops.activations) == (448, 96, 40)
    assert flops.forward == 584
    assert flops.backward == 2 * 584
    assert flops.forward_backward == 3 * 584


@pytest.mark.parametrize("batch, input_dim, units", [(1, 4, 8), (8, 16, 32)])
def test_step_flops_match_the_profiler_on_a_keras_cell(batch, input_dim, units):
    """The profiler counts products and element-wise arithmetic, not activations."""
    cell = keras.layers.LSTMCell(units)
    cell.build((None, input_dim))

    def step(x, h, c):
        return cell(x, [h, c])

    counted = cost.count_graph_flops(step, tf.TensorSpec((batch, input_dim)),
                                     tf.TensorSpec((batch, units)),
                                     tf.TensorSpec((batch, units)))
    flops = cost.lstm_step_flops(batch, input_dim, units)
    assert counted == flops.matmul + flops.elementwise


def test_backward_is_about_twice_the_forward_by_the_profiler():
    cell = keras.layers.LSTMCell(32)
    cell.build((None, 16))
    spec = (tf.TensorSpec((8, 16)), tf.TensorSpec((8, 32)), tf.TensorSpec((8, 32)))

    def forward(x, h, c):
        return cell(x, [h, c])

    def forward_backward(x, h, c):
        with tf.GradientTape() as tape:
            tape.watch([x, h, c])
            _, (h_new, c_new) = cell(x, [h, c])
            loss = tf.reduce_sum(h_new) + tf.reduce_sum(c_new)
        return tape.gradient(loss, [x, h, c] + cell.trainable_weights)

    ratio = cost.count_graph_flops(forward_backward, *spec) / cost.count_graph_flops(
        forward, *spec)
    assert 2.8 < ratio < 3.2


def test_matmul_flops_and_the_profiler():
    assert cost.matmul_flops(3, 4, 5) == 120
    assert cost.count_graph_flops(tf.matmul, tf.TensorSpec((6, 7)),
                                  tf.TensorSpec((7, 2))) == cost.matmul_flops(6, 7, 2)


def test_time_interleaved_keeps_every_run_and_the_median():
    calls = []
    timings = cost.time_interleaved({"a": lambda: calls.append("a"),
                                     "b": lambda: calls.append("b")}, repeats=3, warmup=2)
    assert len(calls) == 10                                  # (2 + 3) rounds x 2
    assert calls[:4] == ["a", "b", "b", "a"]                 # the order rotates each round
    for timing in timings.values():
        assert len(timing.runs) == 3
        assert timing.median == np.median(timing.runs)
        low, high = timing.quartiles
        assert min(timing.runs) <= low <= timing.median <= high <= max(timing.runs)


def test_time_interleaved_waits_for_tensors():
    blocked = []

    class Lazy:
        def numpy(self):
            blocked.append(True)

    cost.time_interleaved({"lazy": lambda: (Lazy(), [Lazy()])}, repeats=1, warmup=0)
    assert blocked == [True, True]


def test_time_interleaved_calls_block_on_each_result_inside_the_timing():
    import time

    blocked = []

    def block(result):  # as a GPU backend's synchronisation would
        time.sleep(0.01)
        blocked.append(result)

    timings = cost.time_interleaved({"one": lambda: 1, "two": lambda: 2}, repeats=2,
                                    warmup=1, block=block)
    assert blocked == [1, 2, 2, 1, 1, 2]          # every call, warm-up included, rotated
    assert all(t.median >= 0.009 for t in timings.values())  # the wait was timed


def test_timing_of_one_run():
    timing = cost.Timing((0.5,))
    assert timing.median == 0.5 and timing.quartiles == (0.5, 0.5)


def test_median_seconds_of_a_sleep_is_close():
    import time

    assert 0.009 < cost.median_seconds(lambda: time.sleep(0.01), repeats=3, warmup=0) < 0.5


@pytest.mark.parametrize("call, message", [
    (lambda: cost.lstm_param_count(0, 4), "Argument `input_dim` must be a positive integer"),
    (lambda: cost.lstm_step_flops(2, 3, 4.0), "Argument `units` must be a positive integer"),
    (lambda: cost.matmul_flops(True, 1, 1), "Argument `m` must be a positive integer"),
    (lambda: cost.time_interleaved({}), "Argument `fns` must be a non-empty dict"),
    (lambda: cost.time_interleaved({"a": 1}), "Argument `fns` must be a non-empty dict"),
    (lambda: cost.time_interleaved({"a": print}, repeats=0),
     "Argument `repeats` must be a positive integer"),
    (lambda: cost.time_interleaved({"a": print}, warmup=-1),
     "Argument `warmup` must be a non-negative integer"),
    (lambda: cost.time_interleaved({"a": print}, block=None),
     "Argument `block` must be a function of one result"),
    (lambda: cost.count_graph_flops(tf.matmul, tf.TensorSpec((None, 2)), tf.TensorSpec((2, 2))),
     r"Argument `input_signature\[0\]` must be a tf.TensorSpec with a fully defined shape"),
])
def test_errors_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_count_graph_flops_refuses_a_non_callable():
    with pytest.raises(TypeError, match="Argument `fn` must be callable"):
        cost.count_graph_flops(3)


@pytest.mark.parametrize("batch, input_dim, units", [(1, 3, 2), (64, 300, 128), (32, 64, 128),
                                                     (32, 256, 128), (8, 128, 128)])
def test_input_projection_share_is_input_dim_over_input_dim_plus_units(batch, input_dim, units):
    # x_t W is half of the products' FLOPs only when input_dim == units (issue 14, item 6).
    share = cost.matmul_flops(batch, input_dim, 4 * units) / cost.lstm_step_flops(
        batch, input_dim, units).matmul
    assert share == pytest.approx(input_dim / (input_dim + units))
    assert cost.input_projection_share(input_dim, units) == pytest.approx(share)
    assert (share == 0.5) == (input_dim == units)


def test_input_projection_share_refuses_bad_sizes():
    with pytest.raises(ValueError, match="Argument `units`"):
        cost.input_projection_share(3, 0)


def test_lstm_and_matmul_agree_on_shapes_and_keras_equals_scratch():
    fns = cost.lstm_and_matmul(batch=3, steps=4, input_dim=5, units=6)
    outputs = {label: fn().numpy() for label, fn in fns.items()}
    assert outputs["keras.layers.LSTM"].shape == (3, 4, 6)
    np.testing.assert_allclose(outputs["ScratchLSTM"], outputs["keras.layers.LSTM"], atol=1e-5)
    assert outputs["matmul, same FLOPs"].shape == (3 * 4, 4 * 6)
    # the product's FLOPs equal the LSTM's products over all steps
    assert cost.matmul_flops(3 * 4, 5 + 6, 4 * 6) == 4 * cost.lstm_step_flops(3, 5, 6).matmul
    again = cost.lstm_and_matmul(batch=3, steps=4, input_dim=5, units=6)["keras.layers.LSTM"]()
    np.testing.assert_array_equal(again.numpy(), outputs["keras.layers.LSTM"])  # seeded
    with pytest.raises(ValueError, match="Argument `steps`"):
        cost.lstm_and_matmul(batch=1, steps=0, input_dim=1, units=1)
