"""tf_lstm.lessons.masks: masks, padding, truncation, missing values."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_lstm
from tf_lstm.lessons import masks


def test_mask_from_lengths_equals_tf_sequence_mask():
    lengths = np.array([3, 0, 5, 1])
    np.testing.assert_array_equal(masks.mask_from_lengths(lengths, 6),
                                  tf.sequence_mask(lengths, 6).numpy())


@pytest.mark.parametrize("lengths, steps", [([1.5], None), ([-1], None), ([3], 2)])
def test_mask_from_lengths_rejects_bad_arguments(lengths, steps):
    with pytest.raises(ValueError, match="Argument `(lengths|steps)`"):
        masks.mask_from_lengths(lengths, steps)


def test_pad_right_and_left_keep_values_and_mask_from_lengths():
    seqs = [np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[2.0, 3.0]])]
    x, mask = masks.pad(seqs, steps=3)
    assert x.shape == (2, 3, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(mask, [[True, True, False], [True, False, False]])
    np.testing.assert_array_equal(x[0, 1], [0.0, 0.0])  # a real zero step, still True
    x, mask = masks.pad(seqs, steps=3, padding="left", value=-1.0)
    np.testing.assert_array_equal(mask, [[False, True, True], [False, False, True]])
    np.testing.assert_array_equal(x[1], [[-1, -1], [-1, -1], [2, 3]])


def test_pad_refuses_silent_truncation_and_truncates_on_request():
    with pytest.raises(ValueError, match="truncating"):
        masks.pad([[1.0, 2.0, 3.0]], steps=2)
    assert masks.pad([[1.0, 2.0, 3.0]], steps=2, truncating="last")[0].tolist() == [[2, 3]]
    assert masks.pad([[1.0, 2.0, 3.0]], steps=2, truncating="first")[0].tolist() == [[1, 2]]
    with pytest.raises(ValueError, match="Argument `padding`"):
        masks.pad([[1.0]], padding="pre")


def test_keras_pad_sequences_defaults_differ_from_ours():
    # The reason `pad` exists: Keras pads on the left and casts to int32.
    assert keras.utils.pad_sequences([[0.5, 1.5], [2.5]]).tolist() == [[0, 1], [0, 2]]
    assert masks.pad([[0.5, 1.5], [2.5]])[0].tolist() == [[0.5, 1.5], [2.5, 0.0]]


def test_truncate_keeps_the_named_end():
    out = masks.truncate([np.arange(5), np.arange(2)], 3, keep="last")
    assert [o.tolist() for o in out] == [[2, 3, 4], [0, 1]]
    with pytest.raises(ValueError, match="Argument `keep`"):
        masks.truncate([np.arange(5)], 3, keep=None)


def test_is_right_padded_matches_keras_check():
    from keras.src.backend.tensorflow.rnn import _is_sequence_right_padded

    rng = np.random.default_rng(0)
    for _ in range(20):
        mask = rng.uniform(size=(3, 5)) < 0.7
        assert masks.is_right_padded(mask) == bool(_is_sequence_right_padded(mask))
    right = masks.mask_from_lengths([5, 2, 0], 5)
    assert masks.is_right_padded(right) and bool(_is_sequence_right_padded(right))


def test_left_to_right_padding_gives_the_same_final_state(rng):
    x, mask = masks.pad([rng.normal(size=(n, 3)) for n in (4, 2, 1)], padding="left")
    mask[0, 1] = False  # and a hole
    x_right, mask_right = masks.left_to_right_padding(x, mask)
    assert masks.is_right_padded(mask_right) and not masks.is_right_padded(mask)
    np.testing.assert_array_equal(mask_right.sum(1), mask.sum(1))
    layer = tf_lstm.lstm(5)
    out_left = tf_lstm.run_lstm(layer, x, mask=mask)
    out_right = tf_lstm.run_lstm(layer, x_right, mask=mask_right)
    np.testing.assert_allclose(out_left.h, out_right.h, atol=1e-6)
    np.testing.assert_allclose(out_left.c, out_right.c, atol=1e-6)


def test_from_ragged():
    ragged = tf.ragged.constant([[[1.0], [2.0]], [[3.0]]], ragged_rank=1)
    x, mask = masks.from_ragged(ragged)
    assert x.shape == (2, 2, 1)
    np.testing.assert_array_equal(mask, [[True, True], [True, False]])
    with pytest.raises(TypeError, match="Argument `ragged`"):
        masks.from_ragged(np.zeros((2, 2)))


def test_add_missing_indicator_forward_and_constant():
    x = np.array([[[np.nan, 1.0], [2.0, np.nan], [np.nan, np.nan]]])
    out = masks.add_missing_indicator(x, fill="forward", fill_value=[9.0, 8.0])
    np.testing.assert_array_equal(out[0, :, :2], [[9, 1], [2, 1], [2, 1]])
    np.testing.assert_array_equal(out[0, :, 2:], [[1, 0], [0, 1], [1, 1]])
    out = masks.add_missing_indicator(x, fill="constant", fill_value=0.0)
    np.testing.assert_array_equal(out[0, :, :2], [[0, 1], [2, 0], [0, 0]])
    assert not np.isnan(out).any()


@pytest.mark.parametrize("x, kwargs, match", [
    (np.zeros((2, 3)), {}, "Argument `x`"),
    (np.zeros((1, 2, 1), int), {}, "Argument `x`"),
    (np.array([[[np.inf]]]), {}, "infinite"),
    (np.zeros((1, 2, 1)), {"fill": "mean"}, "Argument `fill`"),
    (np.zeros((1, 2, 2)), {"fill_value": [1.0, 2.0, 3.0]}, "Argument `fill_value`"),
    (np.zeros((1, 2, 1)), {"fill_value": np.nan}, "Argument `fill_value`"),
])
def test_add_missing_indicator_errors(x, kwargs, match):
    with pytest.raises(ValueError, match=match):
        masks.add_missing_indicator(x, **kwargs)


def test_masked_stats_ignore_padding():
    x, mask = masks.pad([np.array([[1.0], [3.0]]), np.array([[5.0]])], steps=4)
    mean, std = masks.masked_stats(x, mask)
    np.testing.assert_allclose(mean, [3.0])
    np.testing.assert_allclose(std, [np.std([1.0, 3.0, 5.0])])
    assert masks.masked_stats(x)[0][0] < 3.0  # padding zeros drag the mean down


def test_nan_cannot_be_a_mask_value():
    x = np.ones((1, 3, 1), "float32")
    x[0, 2] = np.nan
    mask = keras.layers.Masking(mask_value=np.nan).compute_mask(x)
    assert bool(np.all(mask))  # NaN != NaN: nothing is masked
    assert np.isnan(tf_lstm.lstm(2)(keras.layers.Masking(np.nan)(x))).all()


@pytest.mark.parametrize("call, error, message", [
    (lambda: masks.is_right_padded([[1, 0]]), TypeError, r"`mask` must be boolean"),
    (lambda: masks.is_right_padded([True, False]), ValueError, r"`mask` must have shape \(\?, \?\)"),
    (lambda: masks.masked_stats(np.zeros((2, 3, 1)), np.ones((2, 4), bool)), ValueError,
     r"`mask` must have shape \(2, 3\) = \(batch, steps\) of the inputs"),
])
def test_masks_are_checked_like_the_lstms(call, error, message):
    with pytest.raises(error, match=message):
        call()
