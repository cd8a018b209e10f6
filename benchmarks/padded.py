"""The baseline the length-grouped batches are measured against: no grouping.

Every pair is padded to the corpus's longest kept sentence, on each side: what
many tutorial recipes do (keras-io's `lstm_seq2seq` among them). Both forms
hold the same positions:

- `fixed_length_arrays`: NumPy arrays, for `model.fit(x, y, batch_size=...)`
  (`benchmarks.translator`'s "straightforward" variant);
- `padded_batches`: the same as a shuffled `tf.data` pipeline, a drop-in for
  `tf_lstm.translation.training.prepare`'s training dataset
  (`benchmarks.tatoeba --padded`).

`padding` counts what it costs: positions per real (non-padding) token.
Pairs with a side longer than `max_length` are left out, as
`tf_lstm.translation.pipeline.make_dataset` leaves them out, so every variant
trains on the same pairs.
"""

import numpy as np
import tensorflow as tf

from tf_lstm import checks
from tf_lstm.translation import vocab


def encode(prepared, pairs):
    """`(source, target)` ragged ids of `pairs` with `prepared`'s vocabularies (and tokenizer).

    Args:
        prepared: a `tf_lstm.translation.training.Prepared`.
        pairs: a list of `(english, french)` strings.

    Returns:
        Two `tf.RaggedTensor`s, as `tf_lstm.translation.vocab.encode_pairs`
        gives them (each target framed by `[START] ... [END]`).
    """
    return vocab.encode_pairs(
        pairs, vocab.make_vectorizer(prepared.source_vocabulary, prepared.tokenizer),
        vocab.make_vectorizer(prepared.target_vocabulary, prepared.tokenizer),
        vocab.normalize)


def fixed_length_arrays(source, target, max_length):
    """Pairs as NumPy arrays padded with 0 to the longest kept sentence of each side.

    Args:
        source, target: ragged ids, as `encode` returns them.
        max_length: pairs with a side longer than this many tokens are left out.

    Returns:
        `((source, target_in), target_out)`: `(pairs, longest source)`,
        `(pairs, longest target)` and `(pairs, longest target)` int arrays,
        `target_in` starting with `[START]` and `target_out` ending with `[END]`.

    Example:

    >>> source = tf.ragged.constant([[5, 6], [7], [5, 6, 7, 8]], tf.int64)
    >>> target = tf.ragged.constant([[2, 8, 3], [2, 9, 9, 3], [2, 3]], tf.int64)
    >>> (x, x_in), y = fixed_length_arrays(source, target, max_length=3)
    >>> x.tolist(), x_in.tolist(), y.tolist()
    ([[5, 6], [7, 0]], [[2, 8, 0], [2, 9, 9]], [[8, 3, 0], [9, 9, 3]])
    """
    max_length = checks.positive_int("max_length", max_length)
    kept = ((source.row_lengths() <= max_length)
            & (target.row_lengths() - 1 <= max_length))
    source, target = (tf.ragged.boolean_mask(ids, kept) for ids in (source, target))
    return ((source.to_tensor(0).numpy(),                    # (n, longest source)
             target[:, :-1].to_tensor(0).numpy()),           # (n, longest target)
            target[:, 1:].to_tensor(0).numpy())              # (n, longest target)


def padded_batches(source, target, batch_size, max_length, shuffle=True, seed=0):
    """`fixed_length_arrays` as a `tf.data.Dataset` of batches.

    Args:
        source, target: ragged ids, as `encode` returns them.
        batch_size: pairs per batch (the last batch may be smaller).
        max_length: pairs with a side longer than this are left out.
        shuffle: shuffle the pairs each epoch (deterministically from `seed`).
        seed: shuffling seed.

    Returns:
        A prefetched dataset of `((source, target_in), target_out)` batches,
        every one as wide as the longest kept sentence of its side.
    """
    batch_size = checks.positive_int("batch_size", batch_size)
    arrays = fixed_length_arrays(source, target, max_length)
    pairs = len(arrays[1])
    dataset = tf.data.Dataset.from_tensor_slices(arrays)
    if shuffle:
        dataset = dataset.shuffle(max(pairs, 1), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def padding(batches):
    """Positions per real (non-padding) token, `{"source": ..., "target": ...}`.

    Args:
        batches: an iterable of `((source, target_in), target_out)` batches;
            the target side is counted on `target_out`.

    Example:

    >>> source = np.array([[5, 6, 0, 0], [7, 0, 0, 0]])     # 3 real of 8
    >>> target_out = np.array([[4, 3, 0], [4, 5, 3]])        # 5 real of 6
    >>> padding([((source, None), target_out)])
    {'source': 2.6666666666666665, 'target': 1.2}
    """
    sizes = np.zeros(4)
    for (source, _), target_out in batches:
        sizes += [np.size(source), np.count_nonzero(source), np.size(target_out),
                  np.count_nonzero(target_out)]
    return {"source": float(sizes[0] / sizes[1]), "target": float(sizes[2] / sizes[3])}
