"""tf_lstm.lessons.figures_dynamics: every figure has its data, labelled axes and a title."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tf_lstm.lessons import figures_dynamics  # noqa: E402


def _labelled(fig):
    for ax in fig.axes:
        assert ax.get_xlabel()
        assert ax.get_yscale() == "log"
    assert fig.axes[0].get_ylabel()


def test_gradient_flow_draws_every_curve_against_distance():
    norms = 0.8 ** np.arange(6.0)[::-1]                           # distance 0 is last
    norms_with_underflow = norms.copy()
    norms_with_underflow[0] = 0.0
    fig = figures_dynamics.plot_gradient_flow(
        {"at init": {"SimpleRNN": norms, "LSTM": norms, "LSTM, bias 4": norms},
         "trained": {"LSTM": norms_with_underflow}}, "short")
    _labelled(fig)
    left, right = fig.axes
    assert [line.get_label() for line in left.get_lines()] == [
        "SimpleRNN", "LSTM", "LSTM, bias 4"]
    assert left.get_lines()[2].get_linestyle() == "--"          # second LSTM curve dashed
    x, y = left.get_lines()[0].get_data()
    np.testing.assert_array_equal(x, [5, 4, 3, 2, 1, 0])
    np.testing.assert_allclose(y, norms)
    assert len(right.get_lines()[0].get_xdata()) == 5            # the 0 is left out
    assert fig._suptitle.get_text() == "short"
    assert left.get_lines()[0].get_color() == "tab:red"          # style.color: SimpleRNN red
    assert left.get_lines()[1].get_color() == "tab:blue"         # LSTM blue
    legend = left.get_legend()                                   # below the axes, off the data
    assert legend.get_bbox_to_anchor().y0 < left.get_window_extent().y0
    plt.close(fig)


def test_adding_curves_one_panel_per_length():
    histories = {(kind, steps): {"test_mse": [0.2, 0.1, 0.005]}
                 for kind in ("SimpleRNN", "LSTM") for steps in (50, 100)}
    fig = figures_dynamics.plot_adding_curves(histories, 100, 1 / 6, 0.01)
    _labelled(fig)
    assert [ax.get_title() for ax in fig.axes] == ["T = 50 steps", "T = 100 steps"]
    assert [line.get_color() for line in fig.axes[0].get_lines()[:2]] == ["tab:red", "tab:blue"]
    assert len(fig.legends) == 1 and not any(ax.get_legend() for ax in fig.axes)
    x, _ = fig.axes[0].get_lines()[0].get_data()
    np.testing.assert_array_equal(x, [100, 200, 300])
    plt.close(fig)


def test_update_gradient_norms_draws_the_norm_clipnorm_compares():
    # clipnorm compares each tensor's norm: the curve is the largest per-tensor
    # norm of each update, never the global norm.
    history = {"tensor_gradient_norms": [[0.5, 0.4], [3.0, 0.1], [0.2, 0.9]],
               "gradient_norm": [0.64, 3.0, 0.92]}
    fig = figures_dynamics.plot_update_gradient_norms({"LSTM, T=50": history}, 1.0, "spikes")
    _labelled(fig)
    ax = fig.axes[0]
    assert ax.get_title() == "spikes"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.5, 3.0, 0.9])
    assert ax.get_lines()[0].get_color() == "tab:blue"
    assert "per-tensor" in ax.get_ylabel()
    plt.close(fig)


@pytest.mark.parametrize("call", [
    lambda: figures_dynamics.plot_gradient_flow({}, "t"),
    lambda: figures_dynamics.plot_gradient_flow({"p": {}}, "t"),
    lambda: figures_dynamics.plot_adding_curves({}, 1, 0.1, 0.01, "t"),
    lambda: figures_dynamics.plot_update_gradient_norms({}, 1.0, "t"),
])
def test_empty_data_is_an_error(call):
    with pytest.raises(ValueError, match="must be a non-empty dict"):
        call()
