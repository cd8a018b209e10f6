"""tf_lstm.translation.pipeline: tf.data batches grouped by length, with a declared size."""

import numpy as np
import pytest

from tests.conftest import random_id_pairs
from tf_lstm.translation import pipeline


def padding(batches):
    """(source, target) padded positions per real token over `batches`."""
    sizes = np.zeros(4)
    for (src, _), tgt_out in batches:
        sizes += [np.size(src), np.count_nonzero(src), np.size(tgt_out),
                  np.count_nonzero(tgt_out)]
    return sizes[0] / sizes[1], sizes[2] / sizes[3]


def rows(batches):
    """Every pair of `batches`, unpadded, as sorted tuples (source, -1, target_out)."""
    return sorted(tuple(row[row != 0]) + (-1,) + tuple(out[out != 0])
                  for (src, _), tgt_out in batches
                  for row, out in zip(src.numpy(), tgt_out.numpy()))


def test_target_in_and_target_out_are_the_target_shifted_by_one():
    source, target = random_id_pairs(5)
    batches = list(pipeline.make_dataset(source, target, batch_size=1, shuffle=False,
                                         bucket_width=100))
    for ((src, target_in), target_out), want_src, want in zip(
            batches, source.to_list(), target.to_list()):
        np.testing.assert_array_equal(src[0], want_src)
        np.testing.assert_array_equal(target_in[0], want[:-1])   # starts with [START]
        np.testing.assert_array_equal(target_out[0], want[1:])   # ends with [END]


def test_bucketing_pads_each_batch_to_its_own_length():
    source, target = random_id_pairs(400)
    batches = list(pipeline.make_dataset(source, target, batch_size=16, bucket_width=3))
    for (src, tgt_in), tgt_out in batches:
        assert src.shape[0] == tgt_in.shape[0] == tgt_out.shape[0] <= 16
        longest = np.maximum(np.count_nonzero(src, axis=1), np.count_nonzero(tgt_out, axis=1))
        assert longest.max() - longest.min() < 3  # one bucket per batch
        assert tgt_out.shape[1] == np.count_nonzero(tgt_out, axis=1).max()  # its own length
    assert rows(batches) == rows(pipeline.make_dataset(source, target, batch_size=400,
                                                       shuffle=False, bucket_width=100))
    one_batch = list(pipeline.make_dataset(source, target, batch_size=400, bucket_width=100))
    assert padding(batches)[1] < padding(one_batch)[1] - 0.3


def test_max_length_drops_long_pairs_and_truncates_nothing():
    source, target = random_id_pairs(300)
    kept = rows(pipeline.make_dataset(source, target, batch_size=32, max_length=6))
    want = [(s, t) for s, t in zip(source.to_list(), target.to_list())
            if len(s) <= 6 and len(t) - 1 <= 6]
    assert len(kept) == len(want) and 0 < len(want) < 300
    assert kept == sorted(tuple(s) + (-1,) + tuple(t[1:]) for s, t in want)


def test_sorted_grouping_leaves_little_padding_on_either_side():
    source, target = random_id_pairs(2000)
    buckets = list(pipeline.make_dataset(source, target, batch_size=32, seed=1))
    dataset = pipeline.make_dataset(source, target, batch_size=32, seed=1, grouping="sorted",
                                    pool_batches=100)
    first, second = list(dataset), list(dataset)
    assert rows(first) == rows(buckets)  # every pair once, unchanged
    assert all(b[1].shape[0] <= 32 for b in first)
    source_padding, target_padding = padding(first)
    bucket_source, bucket_target = padding(buckets)
    # buckets key on the longer side only; sorting takes target, then source
    assert target_padding < 1.05 and target_padding < bucket_target - 0.05
    assert source_padding < 1.15 and source_padding < bucket_source - 0.1
    # batches come in a new order each epoch, the same order for the same seed
    assert [b[1].shape for b in first] != [b[1].shape for b in second]
    again = list(pipeline.make_dataset(source, target, batch_size=32, seed=1,
                                       grouping="sorted", pool_batches=100))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again))


def test_sorted_grouping_without_shuffling_keeps_pools_in_order():
    source, target = random_id_pairs(100)
    batches = list(pipeline.make_dataset(source, target, batch_size=10, shuffle=False,
                                         grouping="sorted", pool_batches=100))
    lengths = [int(np.count_nonzero(b[1], axis=1).max()) for b in batches]
    assert lengths == sorted(lengths)


@pytest.mark.parametrize("grouping", ["buckets", "sorted"])
@pytest.mark.parametrize("max_length", [None, 7])
@pytest.mark.parametrize("pairs", [97, 250])  # neither divisible by the batch size
def test_declared_cardinality_is_the_real_number_of_batches(grouping, max_length, pairs):
    source, target = random_id_pairs(pairs, seed=pairs)
    dataset = pipeline.make_dataset(source, target, batch_size=16, seed=3,
                                    max_length=max_length, grouping=grouping,
                                    bucket_width=2,  # many buckets, each with a remainder
                                    pool_batches=3)  # several pools and a partial one
    declared = int(dataset.cardinality())
    assert declared > 0
    for _ in range(2):  # another shuffle, the same count
        assert sum(1 for _ in dataset) == declared


def test_make_dataset_validates_its_arguments():
    source, target = random_id_pairs(4)
    with pytest.raises(ValueError, match=r"`grouping` must be one of .*'sorted'.*"
                                         r"Received: grouping='sort'"):
        pipeline.make_dataset(source, target, grouping="sort")
    for name in ("batch_size", "bucket_width", "pool_batches", "max_length"):
        with pytest.raises(ValueError, match=f"Argument `{name}` must be a positive integer. "
                                             f"Received: {name}=0"):
            pipeline.make_dataset(source, target, **{name: 0})
