"""tf_lstm.lessons.adding_problem: the adding problem, its baseline, and the training loop."""

import numpy as np
import pytest

from tf_lstm.lessons import adding_problem


def test_adding_problem_shapes_markers_and_targets():
    x, y = adding_problem.adding_problem(500, 21, seed=3)
    assert x.shape == (500, 21, 2) and y.shape == (500, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) == {0.0, 1.0}
    half = 21 // 2
    assert np.all(markers[:, :half].sum(axis=1) == 1)  # one marker in each half
    assert np.all(markers[:, half:].sum(axis=1) == 1)
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-6)
    # Both halves are used across sequences, edges included.
    assert markers[:, 0].any() and markers[:, half - 1].any()
    assert markers[:, half].any() and markers[:, -1].any()


def test_adding_problem_is_deterministic_by_seed():
    a = adding_problem.adding_problem(10, 8, seed=5)
    b = adding_problem.adding_problem(10, 8, seed=5)
    c = adding_problem.adding_problem(10, 8, seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    state = np.random.get_state()[1].copy()
    adding_problem.adding_problem(10, 8, seed=5)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG untouched


def test_baseline_mse_is_one_sixth():
    assert adding_problem.adding_problem_baseline_mse() == pytest.approx(1 / 6)
    _, y = adding_problem.adding_problem(100_000, 10, seed=0)
    # Predicting the mean, 1, costs Var(u1 + u2) = 1/6; the standard error of
    # the empirical MSE over 1e5 sequences is about 7e-4.
    assert adding_problem.adding_problem_baseline_mse(y) == pytest.approx(1 / 6, abs=3e-3)
    assert np.mean(y) == pytest.approx(1.0, abs=5e-3)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n=0, steps=5), "Received: n=0"),
    (dict(n=3, steps=1), "Argument `steps` must be an integer >= 2"),
    (dict(n=3, steps=5.0), "Received: steps=5.0"),
    (dict(n=3, steps=5, seed=-2), "Received: seed=-2"),
])
def test_adding_problem_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        adding_problem.adding_problem(**kwargs)


def test_baseline_validates_targets():
    with pytest.raises(ValueError, match="Argument `y` must have shape"):
        adding_problem.adding_problem_baseline_mse(np.ones((4, 2)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(units=0), "Received: units=0"),
    (dict(learning_rate=0.0), "Received: learning_rate=0.0"),
    (dict(clipnorm=-1.0), "Received: clipnorm=-1.0"),
    (dict(batch_size=100, n_train=50), "Argument `batch_size` must be at most `n_train`"),
])
def test_config_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        adding_problem.AddingConfig(**kwargs)


def test_fit_adding_problem_records_its_history():
    config = adding_problem.AddingConfig(units=4, epochs=2, n_train=64, n_test=16, batch_size=32)
    for kind in ("SimpleRNN", "LSTM"):
        run = adding_problem.fit_adding_problem(kind, 6, config)
        assert run.model(np.zeros((1, 6, 2), "float32")).shape == (1, 1)
        assert run.layer.units == 4
        assert run.history["loss"].shape == (2,)
        assert run.history["test_mse"].shape == (2,)
        assert run.history["gradient_norm"].shape == (4,)  # 2 epochs x 2 updates
        tensor_norms = run.history["tensor_gradient_norms"]
        assert tensor_norms.shape == (4, len(run.model.trainable_variables))
        np.testing.assert_allclose(np.sqrt((tensor_norms ** 2).sum(axis=1)),
                                   run.history["gradient_norm"], rtol=1e-5)
        assert run.test_mse == run.history["test_mse"][-1]
    with pytest.raises(TypeError, match="Argument `config` must be an AddingConfig"):
        adding_problem.fit_adding_problem("LSTM", 6, config={"units": 4})


def test_clipped_fraction_counts_tensors_not_the_global_norm():
    # Five tensors of norm 0.9: global norm 2.0 > 1, yet clipnorm=1 clips none.
    history = {"tensor_gradient_norms": np.array([[0.9] * 5, [0.9, 0.9, 1.2, 0.1, 0.1],
                                                  [3.0, 2.0, 0.1, 0.1, 0.1], [0.1] * 5])}
    assert np.sqrt(5 * 0.9 ** 2) > 1.0
    any_tensor, per_tensor = adding_problem.clipped_fraction(history, 1.0)
    assert any_tensor == 0.5
    np.testing.assert_allclose(per_tensor, [0.25, 0.25, 0.25, 0, 0])
    with pytest.raises(ValueError, match="Received: clipnorm=0"):
        adding_problem.clipped_fraction(history, 0)
    with pytest.raises(ValueError, match="'tensor_gradient_norms'"):
        adding_problem.clipped_fraction({"gradient_norm": [1.0]}, 1.0)


def test_plateau_updates_reads_the_curve():
    history = {"test_mse": [0.17, 0.168, 0.165, 0.12, 0.02, 0.001]}
    assert adding_problem.plateau_updates(history, 100) == 400   # 0.02 < 1/12 at epoch 5
    assert adding_problem.plateau_updates(history, 100, level=0.13) == 300
    assert adding_problem.plateau_updates(history, 100, level=0.01) == 500
    assert adding_problem.plateau_updates({"test_mse": [0.05]}, 10) == 0
    assert adding_problem.plateau_updates({"test_mse": [0.2, 0.17]}, 10) is None
    with pytest.raises(ValueError, match="Received: updates_per_epoch=0"):
        adding_problem.plateau_updates(history, 0)
    with pytest.raises(ValueError, match="Received: level=-1"):
        adding_problem.plateau_updates(history, 10, level=-1)
