"""Batches for training: `tf.data` pipelines that group sentences by length (§1 applied).

Padding every sentence to the corpus's longest one wastes most of a batch on
padding; `make_dataset` instead puts pairs of similar length together, so each
batch is padded only to its own longest sentence:

- "buckets" (the default): pairs whose longer side falls in the same
  `bucket_width`-token range are batched together;
- "sorted": shuffled pools of `pool_batches` batches are sorted by target, then
  source length and cut into batches, which are shuffled (the way fairseq and
  tensor2tensor batch), so both sides are nearly unpadded.

Either way the number of batches per epoch is known in advance (it does not
depend on the shuffle), and the dataset declares it, so Keras's progress bar
knows its steps from the first epoch.

Under a multi-worker strategy (`tf_lstm.translation.distribute`) every worker
builds the same dataset, shuffled with the same seed, and `tf.distribute`
keeps its share of each global batch: the auto-shard policy is set to DATA
(the pairs come from memory, not files, so the default FILE policy would
fall back to DATA with a warning). Each worker then runs as many steps as the
dataset declares batches, and each pair is seen once per epoch across workers.
"""

import math

import numpy as np
import tensorflow as tf

from tf_lstm import checks

from tf_lstm.translation.config import GROUPINGS


def make_dataset(source, target, batch_size=64, shuffle=True, seed=0,
                 bucket_width=4, max_length=None, grouping="buckets", pool_batches=100):
    """A `tf.data.Dataset` of `((source_ids, target_in), target_out)` batches.

    Args:
        source, target: ragged id sequences from `tf_lstm.translation.vocab.encode_pairs`;
            each target is framed as `[START] ... [END]`.
        batch_size: pairs per batch.
        shuffle: shuffle the pairs each epoch (deterministically from `seed`).
        seed: shuffling seed.
        bucket_width: with `grouping="buckets"`, pairs whose longer side falls
            in the same `bucket_width`-token range are batched together.
        max_length: if given, pairs with a side longer than this are dropped
            (the caller counts them in a warning; nothing is truncated).
        grouping: one of `GROUPINGS`, see the module docstring.
        pool_batches: with `grouping="sorted"`, batches per sorted pool.

    Returns:
        A dataset whose batches are padded with 0 to their own longest
        sequence and prefetched, with a known cardinality. `target_in` is
        `target[:-1]` (starts with `[START]`), `target_out` is `target[1:]`
        (ends with `[END]`).

    Raises:
        ValueError: on a non-positive size or an unknown `grouping`.

    Example:

    >>> source = tf.ragged.constant([[5, 6], [7], [5, 6, 7]], tf.int64)
    >>> target = tf.ragged.constant([[2, 8, 3], [2, 9, 9, 3], [2, 3]], tf.int64)
    >>> dataset = make_dataset(source, target, batch_size=2, shuffle=False)
    >>> int(dataset.cardinality())
    2
    >>> [tuple(x.shape) for (x, _), _ in dataset]
    [(2, 2), (1, 3)]
    """
    checks.positive_int("batch_size", batch_size)
    checks.positive_int("bucket_width", bucket_width)
    checks.positive_int("pool_batches", pool_batches)
    if max_length is not None:
        checks.positive_int("max_length", max_length)
    if grouping not in GROUPINGS:
        raise ValueError(f"Argument `grouping` must be one of {GROUPINGS}. "
                         f"Received: grouping={grouping!r}")
    source_lengths = source.row_lengths().numpy()
    target_lengths = target.row_lengths().numpy() - 1          # target_in / target_out
    lengths = np.maximum(source_lengths, target_lengths)
    dataset = tf.data.Dataset.from_tensor_slices((source, target))
    if max_length is not None:
        dataset = dataset.filter(lambda s, t: tf.logical_and(
            tf.shape(s)[0] <= max_length, tf.shape(t)[0] - 1 <= max_length))
        lengths = lengths[lengths <= max_length]
    if shuffle:
        dataset = dataset.shuffle(max(len(lengths), 1), seed=seed,
                                  reshuffle_each_iteration=True)
    dataset = dataset.map(lambda s, t: ((s, t[:-1]), t[1:]))
    if grouping == "sorted":
        dataset = _sorted_batches(dataset, batch_size, pool_batches, shuffle, seed)
        batches = _sorted_batch_count(len(lengths), batch_size, pool_batches)
    else:
        longest = int(lengths.max()) if len(lengths) else 1
        boundaries = list(range(bucket_width + 1, longest + 1, bucket_width))
        dataset = dataset.bucket_by_sequence_length(
            lambda inputs, _: tf.maximum(tf.shape(inputs[0])[0], tf.shape(inputs[1])[0]),
            bucket_boundaries=boundaries,
            bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
            padded_shapes=(([None], [None]), [None]))
        batches = _bucket_batch_count(lengths, boundaries, batch_size)
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))
    options = tf.data.Options()  # a share of each batch per worker; see the docstring
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA)
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)


def _bucket_batch_count(lengths, boundaries, batch_size):
    """Batches `bucket_by_sequence_length` makes: each bucket flushes its remainder."""
    buckets = np.searchsorted(boundaries, lengths, side="right")  # as tf.data assigns them
    return int(sum(math.ceil(n / batch_size) for n in np.bincount(buckets) if n))


def _sorted_batch_count(pairs, batch_size, pool_batches):
    """Batches `_sorted_batches` makes from `pairs` pairs: each pool is cut separately."""
    pool = batch_size * pool_batches
    full, rest = divmod(pairs, pool)
    return full * pool_batches + math.ceil(rest / batch_size)


def _sorted_batches(dataset, batch_size, pool_batches, shuffle, seed):
    """Batches cut from length-sorted pools of pairs (see `make_dataset`)."""
    def sort_pool(inputs, target_out):  # (pool, longest) each, padded with 0
        source, target_in = inputs
        lengths = [tf.math.count_nonzero(x, axis=1) for x in (target_out, source)]
        order = tf.argsort(lengths[0] * 2**20 + lengths[1], stable=True)  # target first
        return ((tf.gather(source, order), tf.gather(target_in, order)),
                tf.gather(target_out, order))

    def unpad(inputs, target_out):  # id 0 is only ever padding, at the end
        strip = lambda ids: ids[:tf.math.count_nonzero(ids, dtype=tf.int32)]  # noqa: E731
        return (strip(inputs[0]), strip(inputs[1])), strip(target_out)

    shapes = (([None], [None]), [None])
    dataset = (dataset.padded_batch(batch_size * pool_batches, padded_shapes=shapes)
               .map(sort_pool).unbatch().map(unpad)
               .padded_batch(batch_size, padded_shapes=shapes))
    if shuffle:
        dataset = dataset.shuffle(pool_batches, seed=seed, reshuffle_each_iteration=True)
    return dataset
