"""tf_lstm.lessons.figures: each figure has the panels, titles and labels the lessons rely on."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import tf_lstm  # noqa: E402
from tf_lstm.lessons import figures  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_gate_diagram_draws_four_parallel_gates_and_both_updates():
    fig = figures.plot_gate_diagram()
    assert isinstance(fig, matplotlib.figure.Figure)
    (ax,) = fig.axes
    assert "parallel" in ax.get_title()
    text = " ".join(_texts(ax))
    for gate in ("input gate", "forget gate", "candidate", "output gate",
                 r"$c_{t-1}$", r"$h_{t-1}$", r"$x_t$", r"$c_t$", r"$h_t$"):
        assert gate in text
    assert r"c_t = f_t \odot c_{t-1} + i_t \odot g_t" in text
    assert r"h_t = o_t \odot \tanh(c_t)" in text
    # Four gate boxes each get their own arrow from the concatenated input.
    assert len(ax.patches) >= 8


def test_plot_gates_from_scratch_lstm(rng):
    layer = tf_lstm.ScratchLSTM(5, return_sequences=True, return_gates=True)
    _, gates = layer(rng.normal(size=(2, 6, 3)).astype("float32"))
    tokens = [f"w{t}" for t in range(6)]
    fig = figures.plot_gates(gates, tokens=tokens, sample=1, units=[0, 2, 4])
    panels, bars = fig.axes[:5], fig.axes[5:]
    assert [ax.get_title(loc="left") for ax in panels] == [
        "i: input gate", "f: forget gate", "g: candidate", "o: output gate",
        "c: cell state"]
    assert len(bars) == 5  # one labelled colour bar per panel
    assert [bar.get_ylabel() for bar in bars] == [
        "$i_t$", "$f_t$", "$g_t$", "$o_t$", "$c_t$"]
    # Stacked on one time axis: the bottom panel carries the tokens and the label.
    assert panels[-1].get_xlabel() == "token"
    assert [t.get_text() for t in panels[-1].get_xticklabels()] == tokens
    assert all(ax.get_ylabel() == "unit" for ax in panels)
    assert [t.get_text() for t in panels[0].get_yticklabels()] == ["0", "2", "4"]
    image = panels[0].images[0].get_array()
    np.testing.assert_allclose(image, np.asarray(gates["i"])[1][:, [0, 2, 4]].T)
    assert panels[0].images[0].get_clim() == (0.0, 1.0)
    assert fig._suptitle.get_text() == "Gates and cell state, sequence 1"
    assert fig.get_size_inches()[0] <= 10


def test_plot_gates_title_and_upright_character_ticks():
    gates = {key: np.full((1, 3, 2), 0.5) for key in "ifgoc"}
    fig = figures.plot_gates(gates, tokens=list("(a)"), title="what to notice")
    assert fig._suptitle.get_text() == "what to notice"
    ticks = fig.axes[4].get_xticklabels()
    assert [t.get_text() for t in ticks] == ["(", "a", ")"]
    assert all(t.get_rotation() == 0 for t in ticks)


def test_plot_gates_names_its_time_axis():
    gates = {key: np.full((1, 3, 2), 0.5) for key in "ifgoc"}
    named = figures.plot_gates(gates, tokens=["+0.1", "-0.2", "+0.3"], xlabel="step (input value)")
    assert named.axes[4].get_xlabel() == "step (input value)"
    assert figures.plot_gates(gates).axes[4].get_xlabel() == "time step t"
    plt.close("all")


def test_plot_gates_turns_then_thins_long_token_labels():
    """Labels that overflow their column turn 90 degrees, then only every k-th shows."""
    few = {key: np.full((1, 12, 2), 0.5) for key in "ifgoc"}
    ticks = figures.plot_gates(few, tokens=[f"+0.{t:02d} mark" for t in range(12)]
                               ).axes[4].get_xticklabels()
    assert len(ticks) == 12 and all(t.get_rotation() == 90 for t in ticks)
    many = {key: np.full((1, 200, 2), 0.5) for key in "ifgoc"}
    ticks = figures.plot_gates(many, tokens=[f"word{t}" for t in range(200)]
                               ).axes[4].get_xticklabels()
    shown = [t.get_text() for t in ticks]
    assert 10 <= len(shown) < 200 and shown[:2] == ["word0", f"word{200 // len(shown)}"]


@pytest.mark.parametrize("labels, every, rotation", [
    (list("abc"), 1, 0),                      # short: upright, all
    (["a long label"] * 10, 1, 90),           # too wide upright: turned
    (["word"] * 400, 5, 90),                  # too many even turned: thinned
])
def test_tick_layout(labels, every, rotation):
    got_every, got_rotation = figures._tick_layout(labels, 8.4, 10)
    assert got_rotation == rotation
    assert (got_every == 1) if every == 1 else got_every > 1


def test_plot_gates_accepts_the_numpy_cache(rng):
    from tf_lstm.numpy_lstm import numpy_lstm_forward
    w, r, b = (rng.normal(size=s) for s in ((3, 8), (2, 8), (8,)))
    cache = numpy_lstm_forward(rng.normal(size=(1, 4, 3)), w, r, b)[3]
    fig = figures.plot_gates(cache)
    assert fig.axes[4].get_xlabel() == "time step t"
    assert fig.axes[4].images[0].get_array().shape == (2, 4)  # (units, steps)


@pytest.mark.parametrize("kwargs, message", [
    (dict(gates={"i": np.zeros((1, 2, 3))}), "keys"),
    (dict(tokens=["a"]), "tokens"),
    (dict(sample=3), "sample"),
    (dict(units=[7]), "units"),
])
def test_plot_gates_rejects_bad_arguments(kwargs, message):
    args = dict(gates={k: np.zeros((2, 3, 4)) for k in "ifgoc"})
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"`{message}`" if message != "keys" else "gates"):
        figures.plot_gates(**args)


def test_plot_masking_marks_padded_steps():
    mask = np.array([[True, True, True, True], [True, True, False, False]])
    outputs = {"default": np.ones((2, 4, 3)), "zero_output_for_mask=True": np.zeros((2, 4, 3))}
    fig = figures.plot_masking(mask, outputs, unit=2)
    assert [ax.get_title() for ax in fig.axes] == list(outputs)
    assert all(ax.get_xlabel() == "time step t" for ax in fig.axes)
    assert fig.axes[0].get_ylabel() == "output of unit 2"
    # Per sequence: one line, one set of real-step dots, one set of padded crosses.
    assert len(fig.axes[0].lines) == 3 * 2
    crosses = fig.axes[0].lines[5]
    assert crosses.get_marker() == "x" and list(crosses.get_xdata()) == [2, 3]
    assert fig._suptitle.get_text() == "Outputs at padded steps (×)"
    # The sequences are shades of the LSTM's blue, never another model's colour.
    from tf_lstm.lessons import style
    other = {matplotlib.colors.to_hex(c) for name, c in style.COLORS.items() if name != "LSTM"}
    assert not {matplotlib.colors.to_hex(line.get_color()) for line in fig.axes[0].lines} & other
    assert len(fig.legends) == 1  # one legend, below the panels
    with pytest.raises(ValueError, match="`mask`"):
        figures.plot_masking(mask.astype(int), outputs)
    with pytest.raises(ValueError, match="outputs"):
        figures.plot_masking(mask, {"bad": np.zeros((2, 5, 1))})


def test_training_curves_have_both_splits_and_labels():
    from tf_lstm.translation.figures import plot_training_curves
    fig = plot_training_curves({"loss": [3, 2, 1], "val_loss": [3.1, 2.2, 1.5],
                                "token_accuracy": [.2, .5, .8],
                                "val_token_accuracy": [.2, .4, .7]})
    for ax in fig.axes:
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel()
        assert [t.get_text() for t in ax.get_legend().get_texts()] == \
            ["training", "validation"]
        assert len(ax.lines[0].get_xdata()) == 3
        assert "\n" not in ax.get_title()
    plt.close(fig)


@pytest.mark.parametrize("epochs", [1, 2, 30])
def test_training_curves_tick_whole_epochs_only(epochs):
    from tf_lstm.translation.figures import plot_training_curves
    fig = plot_training_curves({"loss": list(range(epochs, 0, -1)),
                                "val_loss": list(range(epochs, 0, -1))})
    fig.canvas.draw()
    ticks = [t for t in fig.axes[0].get_xticks() if 1 <= t <= epochs]
    assert ticks and all(float(t).is_integer() for t in ticks)
    plt.close(fig)


def test_attention_heatmap_labels_and_shape_check():
    from tf_lstm.translation.figures import plot_attention
    weights = np.full((2, 3), 1 / 3)
    fig = plot_attention(weights, ["He", "slept", "."], ["Il", "a"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["He", "slept", "."]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Il", "a"]
    plt.close(fig)
    with pytest.raises(ValueError, match=r"`weights` must have shape .*\(2, 3\)"):
        plot_attention(weights.T, ["He", "slept", "."], ["Il", "a"])
