"""tf_lstm.lessons.figures_cost: every figure has a title, labelled axes and its data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tf_lstm.lessons import figures_cost, style  # noqa: E402
from tf_lstm.lessons.cost import Timing  # noqa: E402


def _timings(*medians):
    return [Timing((m * 0.9, m, m * 1.2)) for m in medians]


def test_time_scaling_draws_medians_in_ms_and_the_guides():
    fig = figures_cost.plot_time_scaling(
        [10, 20, 40], {"keras.layers.LSTM": _timings(0.01, 0.02, 0.04),
                       "matmul, same FLOPs": _timings(0.005, 0.01, 0.02)},
        [32, 64], {"keras.layers.LSTM": _timings(0.01, 0.04)}, "what to notice")
    left, right = fig.axes
    assert fig._suptitle.get_text() == "what to notice"
    for ax in (left, right):
        assert ax.get_xlabel() and "ms" in ax.get_ylabel() and ax.get_title()
    assert right.get_xscale() == "log" and right.get_yscale() == "log"
    colours = {bars.get_label(): bars.lines[0].get_color() for bars in left.containers}
    assert colours["keras.layers.LSTM"] == style.color("LSTM")
    assert left.get_legend().get_bbox_to_anchor().y0 < left.get_window_extent().y0  # below
    lines = {line.get_label(): line for line in left.get_lines()}
    np.testing.assert_allclose(lines["∝ T (through the origin)"].get_ydata()[-1], 40.0)
    guide = {line.get_label(): line for line in right.get_lines()}["∝ U² (guide)"]
    np.testing.assert_allclose(guide.get_ydata(), [10.0, 40.0])   # quadratic through the last
    plt.close(fig)


def test_time_scaling_guide_can_follow_the_flops():
    fig = figures_cost.plot_time_scaling([1, 2], {"a": _timings(0.01, 0.02)}, [8, 16, 32],
                                       {"a": _timings(0.01, 0.02, 0.06)}, "t",
                                       units_flops=[1, 3, 6])
    guide = {line.get_label(): line for line in fig.axes[1].get_lines()}["∝ FLOPs of the formula"]
    np.testing.assert_allclose(guide.get_ydata(), [10.0, 30.0, 60.0])
    plt.close(fig)
    with pytest.raises(ValueError, match="Argument `units_flops` must hold one FLOP count"):
        figures_cost.plot_time_scaling([1], {"a": _timings(1)}, [1, 2], {"a": _timings(1, 2)},
                                     "t", units_flops=[1])


def test_time_scaling_refuses_a_wrong_number_of_timings():
    with pytest.raises(ValueError, match=r"Argument `by_units\['a'\]` must hold one timing"):
        figures_cost.plot_time_scaling([1], {"a": _timings(1)}, [1, 2], {"a": _timings(1)}, "t")


def test_dependency_diagram_and_its_argument():
    fig = figures_cost.plot_dependency(5)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "x_5 W + b" in texts and "h_T" in texts
    plt.close(fig)
    with pytest.raises(ValueError, match="Argument `steps` must be an integer in"):
        figures_cost.plot_dependency(1)


def test_overfitting_panels_mark_the_best_and_kept_epochs():
    histories = {"plain": {"loss": [3, 2, 1], "val_loss": [3, 2, 2.5]},
                 "early stopping": {"loss": [3, 2], "val_loss": [3, 2.2]}}
    fig = figures_cost.plot_overfitting(histories, "gap", "MSE", best={"early stopping": 2})
    assert [ax.get_title() for ax in fig.axes] == ["plain", "early stopping"]
    assert fig.axes[0].get_ylabel() == "MSE" and fig.axes[0].get_yscale() == "log"
    labels = [line.get_label() for line in fig.axes[1].get_lines()]
    assert "weights kept" in labels
    lowest = {line.get_label(): line for line in fig.axes[0].get_lines()}["lowest validation"]
    assert list(lowest.get_xdata()) == [2, 2]
    # one colour for the model (the LSTM's blue), one legend for all panels, off the axes
    colours = {line.get_color() for line in fig.axes[0].get_lines()[:2]}
    assert colours == {style.color("LSTM")}
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="Argument `histories`"):
        figures_cost.plot_overfitting({"a": {"loss": [1]}}, "t")


def test_unit_correlations_draw_absolute_values():
    fig = figures_cost.plot_unit_correlations({"depth": [0.9, -0.5, 0.1],
                                             "flag": [0.2, 0.3, -0.8]}, "two cells")
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [0.1, 0.2, 0.3, 0.5, 0.8, 0.9]
    assert ax.get_title() == "two cells" and ax.get_ylabel()
    plt.close(fig)
    with pytest.raises(ValueError, match="1-D arrays of one length"):
        figures_cost.plot_unit_correlations({"a": [1, 2], "b": [1]}, "t")


def test_cell_trace_labels_each_step():
    fig = figures_cost.plot_cell_trace("(()", [0.5, 1.0, 0.4], [1, 2, 1], "c of unit 3",
                                     "bracket depth", "counts")
    top, bottom = fig.axes
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["(", "(", ")"]
    assert top.get_lines()[0].get_color() == style.color("LSTM")  # not the SimpleRNN's red
    assert top.get_title() == "counts" and bottom.get_xlabel()
    plt.close(fig)
    with pytest.raises(ValueError, match="one entry per step"):
        figures_cost.plot_cell_trace("ab", [1.0], [1, 2], "c", "q", "t")
    with pytest.raises(ValueError, match="one entry per step"):
        figures_cost.plot_cell_trace("a", 1.0, [1], "c", "q", "t")  # a scalar, not (steps,)
