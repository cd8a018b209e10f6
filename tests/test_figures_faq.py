"""tf_lstm.lessons.figures_faq: every figure has a title and labelled axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tf_lstm.lessons import figures_faq  # noqa: E402


MASK = np.array([[True, False], [False, True]])
RUN = {"x": np.zeros(4), "f": np.ones((4, 2)), "c": np.zeros((4, 2))}
FIGURES = [
    lambda: figures_faq.plot_masks({"right": MASK[:1], "left": MASK[1:]}),
    lambda: figures_faq.plot_curves({"a": [2, 1]}, "MSE (count²)", "a learns", baseline=2),
    lambda: figures_faq.plot_missing(np.array([1.0, np.nan, 2.0]),
                                   {"zero": np.array([1.0, 0.0, 2.0])},
                                   np.array([0.0, 1.0, 0.0]), target=np.zeros(3)),
    lambda: figures_faq.plot_outlier({"clean": RUN, "spike": RUN}, spike_step=1),
    lambda: figures_faq.plot_gradient_reach({"lstm": np.linspace(0.1, 1, 5)}, "reach"),
]


@pytest.mark.parametrize("index", range(len(FIGURES)))
def test_figures_have_titles_and_axis_labels(index):
    fig = FIGURES[index]()
    try:
        assert fig.axes[0].get_title() or fig._suptitle is not None
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            assert ax.get_xlabel() or ax.get_ylabel(), f"unlabelled axes in figure {index}"
    finally:
        plt.close(fig)


def test_masks_title_says_which_are_right_padded():
    fig = figures_faq.plot_masks({"left": np.array([[False, True]])})
    assert fig.axes[0].get_title().endswith("right-padded: no")
    plt.close(fig)


@pytest.mark.parametrize("call", [
    lambda: figures_faq.plot_masks({}),
    lambda: figures_faq.plot_curves([1, 2], "y", "t"),
    lambda: figures_faq.plot_gradient_reach(None, "t"),
])
def test_bad_arguments_are_named(call):
    with pytest.raises(ValueError, match="Argument `"):
        call()


def test_legends_are_outside_the_axes():
    fig = figures_faq.plot_curves({"a": [2, 1], "b": [3, 2]}, "MSE (count²)", "learning")
    try:
        legend = fig.axes[0].get_legend()
        fig.canvas.draw()
        box = legend.get_window_extent()
        axes_box = fig.axes[0].get_window_extent()
        assert box.x0 >= axes_box.x1  # to the right of the plotting area
    finally:
        plt.close(fig)
