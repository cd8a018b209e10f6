"""tf_lstm.lessons.faq_data: the FAQ's small seeded data sets."""

import numpy as np
import pytest

from tf_lstm.lessons import faq_data


def test_generators_are_seeded_and_consistent():
    state = np.random.get_state()[1].copy()
    x, mask, y = faq_data.zero_step_counting(50, max_steps=10, seed=3)
    zero = np.all(x == 0, axis=-1) & mask
    np.testing.assert_array_equal(y[:, 0], zero.sum(1))
    assert zero.any() and np.all(x[~mask] == 0)
    np.testing.assert_array_equal(x, faq_data.zero_step_counting(50, max_steps=10, seed=3)[0])
    x, y = faq_data.noisy_sine(100, steps=10, missing=0.3, seed=0)
    assert 0.2 < np.isnan(x).mean() < 0.4 and not np.isnan(y).any()
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG untouched


@pytest.mark.parametrize("call, match", [
    (lambda: faq_data.zero_step_counting(0), "Argument `n`"),
    (lambda: faq_data.zero_step_counting(5, p_zero=1.0), "Argument `p_zero`"),
    (lambda: faq_data.noisy_sine(5, noise=-1), "Argument `noise`"),
    (lambda: faq_data.noisy_sine(5, noise=float("nan")), "Received: noise=nan"),
    (lambda: faq_data.noisy_sine(5, missing=1.0), "Argument `missing`"),
    (lambda: faq_data.noisy_sine(5, seed=-1), "Argument `seed`"),
])
def test_generators_validate_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_brackets_labels_say_whether_the_brackets_balance():
    texts, labels = faq_data.brackets(40, max_length=10, seed=0)
    assert all(faq_data._balanced(t) == bool(b) for t, b in zip(texts, labels))
    assert all(2 <= sum(c in "()" for c in t) <= 10 for t in texts)
    assert labels.sum() == 20
    with pytest.raises(ValueError, match="Argument `max_length`"):
        faq_data.brackets(5, max_length=1)
