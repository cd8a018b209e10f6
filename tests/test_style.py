"""tf_lstm.lessons.style: the lessons' one set-up line and one colour per model."""

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from tf_lstm.lessons import style


@pytest.mark.parametrize("label, expected", [
    ("SimpleRNN at init", "tab:red"),
    ("LSTM, T=100", "tab:blue"),
    ("keras.layers.LSTM", "tab:blue"),
    ("ScratchLSTM + XLA", "tab:orange"),   # the longer name wins over "LSTM"
    ("GRU", "tab:green"),
    ("beam search (width 4)", "tab:brown"),
])
def test_each_model_has_one_colour(label, expected):
    assert style.color(label) == expected


def test_a_label_naming_no_model_is_an_error_unless_a_default_is_given():
    with pytest.raises(ValueError, match=r"Argument `label` must name one of .*"
                                         r"Received: label='validation'"):
        style.color("validation")
    assert style.color("validation", None) is None


def test_no_two_models_share_a_colour_except_the_baselines():
    models = {name: c for name, c in style.COLORS.items() if name not in ("Dense", "matmul")}
    assert len(set(models.values())) == len(models)


def test_one_colour_per_model_and_line_styles_within_a_model():
    styles = style.line_styles(["SimpleRNN", "LSTM, bias 1", "LSTM, bias 3", "zeros",
                                      "GRU"])
    assert styles["SimpleRNN"] == ("tab:red", "-") and styles["GRU"] == ("tab:green", "-")
    assert styles["LSTM, bias 1"] == ("tab:blue", "-")
    assert styles["LSTM, bias 3"] == ("tab:blue", "--")
    assert styles["zeros"][0] not in style.COLORS.values()


def test_colours_for_other_labels_are_no_model_s():
    assert not set(style.OTHER_COLORS) & set(style.COLORS.values())


def test_setup_seeds_styles_and_reads_the_fast_flag(monkeypatch, capsys):
    monkeypatch.setenv(style.FAST_ENV, "1")
    assert style.setup(seed=3) is True
    first = keras.random.uniform((3,), seed=None)
    assert capsys.readouterr().out.startswith("FAST=True")
    style.setup(seed=3)
    np.testing.assert_array_equal(np.asarray(first), np.asarray(keras.random.uniform((3,))))
    assert plt.rcParams["figure.dpi"] == 80 and plt.rcParams["xtick.labelsize"] >= 11
    monkeypatch.delenv(style.FAST_ENV)
    assert style.setup() is False
    assert "FAST=False" in capsys.readouterr().out


def test_setup_refuses_a_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        style.setup(seed=-1)


def test_tatoeba_path_only_in_full_mode_and_only_for_a_file(monkeypatch, tmp_path, capsys):
    data = tmp_path / "fra.txt"
    data.write_text("Go.\tVa !\tCC-BY\n", encoding="utf-8")
    monkeypatch.delenv(style.TATOEBA_ENV, raising=False)
    assert style.tatoeba_path(fast=False) is None
    assert "is not set" in capsys.readouterr().out
    monkeypatch.setenv(style.TATOEBA_ENV, str(data))
    assert style.tatoeba_path(fast=True) is None
    assert "fast mode" in capsys.readouterr().out
    assert style.tatoeba_path(fast=False) == data
    monkeypatch.setenv(style.TATOEBA_ENV, str(tmp_path / "missing.txt"))
    assert style.tatoeba_path(fast=False) is None
    assert "is not a file" in capsys.readouterr().out
