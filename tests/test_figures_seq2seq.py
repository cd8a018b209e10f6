"""tf_lstm.lessons.figures_seq2seq: every figure has a title and labelled axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from tf_lstm.lessons import figures_seq2seq  # noqa: E402

ROW = {"max_weight": 0.5, "entropy": 1.0, "jacobian_norm": 0.3}
FIGURES = [
    lambda: figures_seq2seq.plot_teacher_forcing(["je", "suis", "[END]"],
                                                 ["je", "es", "[END]"]),
    lambda: figures_seq2seq.plot_attention_saturation(
        [2, 8], {"scaled": [ROW, ROW], "unscaled": [ROW, ROW]}),
]


@pytest.mark.parametrize("index", range(len(FIGURES)))
def test_figures_have_titles_and_axis_labels(index):
    fig = FIGURES[index]()
    try:
        for ax in fig.axes:
            assert ax.get_title() and ax.get_xlabel()
            assert ax.get_ylabel() or any(t.get_text() for t in fig.axes[0].get_yticklabels())
    finally:
        plt.close(fig)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="same length"):
        figures_seq2seq.plot_teacher_forcing(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="`reference`"):
        figures_seq2seq.plot_teacher_forcing("a b", ["a"])
    with pytest.raises(ValueError, match="`curves`"):
        figures_seq2seq.plot_attention_saturation([2, 8], {"scaled": [ROW]})
