"""tf_lstm.lessons.faq_data: the FAQ's small seeded data sets."""

import numpy as np
import pytest

from tf_lstm.lessons import faq_data


def balanced(text):
    """Independent of the module: remove "()" pairs until none is left."""
    text = "".join(c for c in text if c in "()")
    while "()" in text:
        text = text.replace("()", "")
    return text == ""


def test_generators_are_seeded_and_consistent():
    state = np.random.get_state()[1].copy()
    x, mask, y = faq_data.zero_step_counting(50, max_steps=10, seed=3)
    zero = np.all(x == 0, axis=-1) & mask
    np.testing.assert_array_equal(y[:, 0], zero.sum(1))
    assert zero.any() and np.all(x[~mask] == 0)
    np.testing.assert_array_equal(x, faq_data.zero_step_counting(50, max_steps=10, seed=3)[0])
    x, y = faq_data.noisy_sine(100, steps=10, missing=0.3, seed=0)
    assert 0.2 < np.isnan(x).mean() < 0.4 and not np.isnan(y).any()
    texts, labels = faq_data.brackets(40, max_length=10, seed=0)
    assert all(balanced(t) == bool(b) for t, b in zip(texts, labels))
    assert all(2 <= sum(c in "()" for c in t) <= 10 for t in texts)
    assert labels.sum() == 20
    images, labels = faq_data.shape_images(30, size=10, seed=0)
    assert images.shape == (30, 10, 10) and set(labels) <= {0, 1, 2}
    x, y = faq_data.chirps(10, frames=4, frame_length=8, seed=0)
    assert x.shape == (10, 4, 8) and x.dtype == np.float32
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG untouched


@pytest.mark.parametrize("call, match", [
    (lambda: faq_data.zero_step_counting(0), "Argument `n`"),
    (lambda: faq_data.zero_step_counting(5, p_zero=1.0), "Argument `p_zero`"),
    (lambda: faq_data.noisy_sine(5, noise=-1), "Argument `noise`"),
    (lambda: faq_data.chirps(5, noise=-0.1), "Argument `noise` must be a number >= 0"),
    (lambda: faq_data.shape_images(5, noise=float("nan")), "Received: noise=nan"),
    (lambda: faq_data.noisy_sine(5, seed=-1), "Argument `seed`"),
    (lambda: faq_data.shape_images(5, size=4), "Argument `size`"),
    (lambda: faq_data.brackets(5, max_length=1), "Argument `max_length`"),
])
def test_generators_validate_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
