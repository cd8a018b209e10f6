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


def make_dataset(source, target, batch_size=64, shuffle=True, seed=0,
                 bucket_width=4, max_length=None):
    """A `tf.data.Dataset` of `((source_ids, target_in), target_out)` batches.

    Args:
        source, target: ragged id sequences from `encode_pairs`.
        batch_size: pairs per batch.
        shuffle: shuffle the pairs each epoch (deterministically from `seed`).
        seed: shuffling seed.
        bucket_width: pairs whose longer side falls in the same
            `bucket_width`-token range are batched together.
        max_length: if given, pairs with a side longer than this are dropped
            (counted in a warning by the caller, not silently truncated).

    Returns:
        A dataset whose batches are padded with 0 to their own longest
        sequence and prefetched. `target_in` is `target[:-1]` (starts with
        `[START]`), `target_out` is `target[1:]` (ends with `[END]`).
    """
    checks.positive_int("batch_size", batch_size)
    checks.positive_int("bucket_width", bucket_width)
    lengths = np.maximum(source.row_lengths().numpy(), target.row_lengths().numpy() - 1)
    dataset = tf.data.Dataset.from_tensor_slices((source, target))
    if max_length is not None:
        dataset = dataset.filter(lambda s, t: tf.logical_and(
            tf.shape(s)[0] <= max_length, tf.shape(t)[0] - 1 <= max_length))
        lengths = lengths[lengths <= max_length]
    if shuffle:
        dataset = dataset.shuffle(len(lengths), seed=seed, reshuffle_each_iteration=True)
    longest = int(lengths.max()) if len(lengths) else 1
    boundaries = list(range(bucket_width + 1, longest + 1, bucket_width))
    dataset = dataset.map(lambda s, t: ((s, t[:-1]), t[1:]))
    dataset = dataset.bucket_by_sequence_length(
        lambda inputs, _: tf.maximum(tf.shape(inputs[0])[0], tf.shape(inputs[1])[0]),
        bucket_boundaries=boundaries,
        bucket_batch_sizes=[batch_size] * (len(boundaries) + 1),
        padded_shapes=(([None], [None]), [None]))
    return dataset.prefetch(tf.data.AUTOTUNE)
