"""Tokens, vocabularies and the tf.data pipeline for translation (§1 applied).

Text flows as: raw string -> `tf_lstm.data.normalize` (Unicode NFKC,
punctuation split off, case kept) -> whitespace tokens -> integer ids.

Every vocabulary reserves the same four ids, so padding is always 0:

    0  ""         padding (never a real token; masked in loss and accuracy)
    1  "[UNK]"    any word not in the vocabulary
    2  "[START]"  first decoder input
    3  "[END]"    last decoder target; decoding stops there

`make_dataset` batches pairs of similar length together (bucketing), so that
batches are padded only to their own longest sentence, not to the corpus's.
"""

import collections

import keras
import numpy as np
import tensorflow as tf

from tf_lstm import checks

PAD, UNK, START, END = "", "[UNK]", "[START]", "[END]"
PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3
RESERVED = (PAD, UNK, START, END)


def build_vocabulary(sentences, max_size=None, min_count=1):
    """The most frequent tokens of normalised `sentences`, after the reserved four.

    Ties are broken alphabetically, so the result is deterministic.

    Args:
        sentences: iterable of normalised strings (tokens separated by spaces).
        max_size: optional cap on the vocabulary size, reserved tokens included.
        min_count: drop tokens seen fewer times than this.

    Returns:
        A list of tokens whose index is the token id.

    Example:

    >>> build_vocabulary(["a b b", "c b a"])
    ['', '[UNK]', '[START]', '[END]', 'b', 'a', 'c']
    """
    if max_size is not None:
        checks.positive_int("max_size", max_size)
        if max_size <= len(RESERVED):
            raise ValueError(f"Argument `max_size` must exceed {len(RESERVED)} "
                             f"(the reserved tokens). Received: max_size={max_size}")
    checks.positive_int("min_count", min_count)
    counts = collections.Counter(t for s in sentences for t in s.split())
    for token in RESERVED:
        counts.pop(token, None)
    ranked = sorted((t for t, n in counts.items() if n >= min_count),
                    key=lambda t: (-counts[t], t))
    vocabulary = list(RESERVED) + ranked
    return vocabulary[:max_size] if max_size else vocabulary


def make_vectorizer(vocabulary):
    """A `keras.layers.TextVectorization` mapping normalised text to ids.

    Splits on whitespace only (text is normalised before), maps unknown words
    to `UNK_ID` and returns ragged id sequences.
    """
    if list(vocabulary[:len(RESERVED)]) != list(RESERVED):
        raise ValueError(f"Argument `vocabulary` must start with {list(RESERVED)}. "
                         f"Received: {list(vocabulary[:4])}")
    return keras.layers.TextVectorization(
        standardize=None, split="whitespace", output_mode="int", ragged=True,
        vocabulary=list(vocabulary[2:]))  # the layer adds "" and "[UNK]" itself


def encode_pairs(pairs, source_vectorizer, target_vectorizer, normalize):
    """Normalise and map `(english, french)` pairs to id sequences.

    Returns:
        `(source, target)` as `tf.RaggedTensor`s of int64 ids; each target
        sequence is framed as `[START] ... [END]`.
    """
    english = normalize([e for e, _ in pairs])
    french = normalize([f for _, f in pairs])
    source = source_vectorizer(tf.constant(english))
    target = target_vectorizer(tf.constant([f"{START} {f} {END}" for f in french]))
    return source, target


GROUPINGS = ("buckets", "sorted", "padded")


def make_dataset(source, target, batch_size=64, shuffle=True, seed=0,
                 bucket_width=4, max_length=None, grouping="buckets", pool_batches=100):
    """A `tf.data.Dataset` of `((source_ids, target_in), target_out)` batches.

    Args:
        source, target: ragged id sequences from `encode_pairs`.
        batch_size: pairs per batch.
        shuffle: shuffle the pairs each epoch (deterministically from `seed`).
        seed: shuffling seed.
        bucket_width: with `grouping="buckets"`, pairs whose longer side falls
            in the same `bucket_width`-token range are batched together.
        max_length: if given, pairs with a side longer than this are dropped
            (counted in a warning by the caller, not silently truncated).
        grouping: how pairs of similar length are put together.
            "buckets" (the default, which the notebooks and the demo use):
            `bucket_width`-token ranges of the longer side; the shorter side
            can still carry much padding (on the demo corpus 1.37 source
            positions per real token at batch 64).
            "sorted": each shuffled pool of `pool_batches * batch_size` pairs
            is sorted by target length, then source length, cut into batches,
            and the batches shuffled (the way fairseq and tensor2tensor batch):
            both sides nearly unpadded.
            "padded": no grouping, every batch padded to the longest kept
            sentence of the corpus on each side: the straightforward way
            (`benchmarks.translator`'s baseline feeds the same padding from
            NumPy arrays), for comparing the others against.
        pool_batches: with `grouping="sorted"`, batches per sorted pool.

    Returns:
        A dataset whose batches are padded with 0 to their own longest
        sequence (with "padded", the corpus's) and prefetched. `target_in`
        is `target[:-1]` (starts with `[START]`), `target_out` is
        `target[1:]` (ends with `[END]`).
    """
    checks.positive_int("batch_size", batch_size)
    checks.positive_int("bucket_width", bucket_width)
    checks.positive_int("pool_batches", pool_batches)
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
        kept = lengths <= max_length
        lengths, source_lengths, target_lengths = (
            lengths[kept], source_lengths[kept], target_lengths[kept])
    if shuffle:
        dataset = dataset.shuffle(len(lengths), seed=seed, reshuffle_each_iteration=True)
    longest = int(lengths.max()) if len(lengths) else 1
    boundaries = list(range(bucket_width + 1, longest + 1, bucket_width))
    dataset = dataset.map(lambda s, t: ((s, t[:-1]), t[1:]))
    if grouping == "sorted":
        return _sorted_batches(dataset, batch_size, pool_batches, shuffle, seed)
    if grouping == "padded":
        source_steps, target_steps = (int(x.max(initial=1))
                                      for x in (source_lengths, target_lengths))
        shapes = (([source_steps], [target_steps]), [target_steps])
        return dataset.padded_batch(batch_size, padded_shapes=shapes).prefetch(
            tf.data.AUTOTUNE)
    dataset = dataset.bucket_by_sequence_length(
        lambda inputs, _: tf.maximum(tf.shape(inputs[0])[0], tf.shape(inputs[1])[0]),
        bucket_boundaries=boundaries,
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        padded_shapes=(([None], [None]), [None]))
    return dataset.prefetch(tf.data.AUTOTUNE)


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
    return dataset.prefetch(tf.data.AUTOTUNE)
