"""tf_lstm.translation.vocab: vocabularies, vectorisation and the bucketed tf.data pipeline."""

import numpy as np
import pytest

from tf_lstm.translation import pipeline, vocab
from tf_lstm.translation.vocab import normalize

PAIRS = [("I eat.", "Je mange."), ("You eat an apple.", "Tu manges une pomme."),
         ("We are not eating the big apples today.",
          "Nous ne mangeons pas les grosses pommes aujourd'hui."),
         ("Go!", "Va !")] * 8


def vectorizers():
    source_vocab = vocab.build_vocabulary(normalize([e for e, _ in PAIRS]))
    target_vocab = vocab.build_vocabulary(normalize([f for _, f in PAIRS]))
    return vocab.make_vectorizer(source_vocab), vocab.make_vectorizer(target_vocab)


def test_reserved_ids_and_unknown_words():
    source, _ = vectorizers()
    tokens = source.get_vocabulary()
    assert tokens[:4] == ["", "[UNK]", "[START]", "[END]"]
    ids = source(["I eat zebras"]).to_list()[0]
    assert ids[2] == vocab.UNK_ID and ids[0] == tokens.index("I")


def test_vocabulary_cap_and_min_count():
    tokens = vocab.build_vocabulary(["a a a b b c"], max_size=6)
    assert tokens == ["", "[UNK]", "[START]", "[END]", "a", "b"]
    assert vocab.build_vocabulary(["a a b"], min_count=2)[4:] == ["a"]
    with pytest.raises(ValueError, match="`max_size` must exceed 4"):
        vocab.build_vocabulary(["a"], max_size=4)


def test_targets_are_framed_and_shifted():
    source_vec, target_vec = vectorizers()
    source, target = vocab.encode_pairs(PAIRS[:1], source_vec, target_vec, normalize)
    target_ids = target.to_list()[0]
    assert target_ids[0] == vocab.START_ID and target_ids[-1] == vocab.END_ID
    (_, target_in), target_out = next(iter(pipeline.make_dataset(
        source, target, batch_size=1, shuffle=False)))
    np.testing.assert_array_equal(target_in[0], target_ids[:-1])
    np.testing.assert_array_equal(target_out[0], target_ids[1:])


def test_bucketing_pads_each_batch_to_its_own_length():
    source_vec, target_vec = vectorizers()
    source, target = vocab.encode_pairs(PAIRS, source_vec, target_vec, normalize)
    batches = list(pipeline.make_dataset(source, target, batch_size=8, bucket_width=3))
    real = padded = 0
    for (src, tgt_in), tgt_out in batches:
        real += int(np.count_nonzero(tgt_out))
        padded += int(np.size(tgt_out))
        assert src.shape[0] == tgt_in.shape[0] == tgt_out.shape[0]
    assert sum(b[1].shape[0] for b in batches) == len(PAIRS)
    # Short and long sentences are not mixed, so padding stays small.
    assert real / padded > 0.9


def test_max_length_drops_long_pairs():
    source_vec, target_vec = vectorizers()
    source, target = vocab.encode_pairs(PAIRS, source_vec, target_vec, normalize)
    kept = sum(int(b[1].shape[0]) for b in pipeline.make_dataset(
        source, target, batch_size=4, max_length=6))
    assert kept == 24  # 8 copies each of the three pairs whose sides fit in 6 tokens


def _random_pairs(count, seed=0):
    """Ragged source/target ids, lengths 1-19 and correlated as in translations
    (target = source length -2..+3 tokens), the target framed by START/END."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 20, size=count)
    source = [list(rng.integers(4, 50, size=n)) for n in lengths]
    target = [[vocab.START_ID, *rng.integers(4, 50, size=max(1, n + rng.integers(-2, 4))),
               vocab.END_ID] for n in lengths]
    return tf.ragged.constant(source, dtype=tf.int64), tf.ragged.constant(target, dtype=tf.int64)


def _padding(batches):
    """(source, target) padded positions per real token over `batches`."""
    sizes = np.zeros(4)
    for (src, _), tgt_out in batches:
        sizes += [np.size(src), np.count_nonzero(src), np.size(tgt_out),
                  np.count_nonzero(tgt_out)]
    return sizes[0] / sizes[1], sizes[2] / sizes[3]


def _rows(batches):
    return sorted(tuple(row[row != 0]) + (-1,) + tuple(out[out != 0])
                  for (src, _), tgt_out in batches
                  for row, out in zip(src.numpy(), tgt_out.numpy()))


def test_sorted_grouping_leaves_little_padding_on_either_side():
    source, target = _random_pairs(2000)
    buckets = list(pipeline.make_dataset(source, target, batch_size=32, seed=1))
    dataset = pipeline.make_dataset(source, target, batch_size=32, seed=1, grouping="sorted",
                                pool_batches=100)
    first, second = list(dataset), list(dataset)
    assert _rows(first) == _rows(buckets)  # every pair once, unchanged
    assert all(b[1].shape[0] <= 32 for b in first)
    source_padding, target_padding = _padding(first)
    bucket_source, bucket_target = _padding(buckets)
    # buckets key on the longer side only; sorting takes target, then source
    assert target_padding < 1.05 and target_padding < bucket_target - 0.05
    assert source_padding < 1.15 and source_padding < bucket_source - 0.1
    # batches come in a new order each epoch, the same order for the same seed
    assert [b[1].shape for b in first] != [b[1].shape for b in second]
    again = list(pipeline.make_dataset(source, target, batch_size=32, seed=1,
                                   grouping="sorted", pool_batches=100))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again))


def test_sorted_grouping_without_shuffling_keeps_pools_in_order():
    source, target = _random_pairs(100)
    batches = list(pipeline.make_dataset(source, target, batch_size=10, shuffle=False,
                                     grouping="sorted", pool_batches=100))
    lengths = [int(np.count_nonzero(b[1], axis=1).max()) for b in batches]
    assert lengths == sorted(lengths)


def test_make_dataset_rejects_an_unknown_grouping():
    source, target = _random_pairs(4)
    with pytest.raises(ValueError, match="`grouping` must be one of .*'sorted'.*Received: grouping='sort'"):
        pipeline.make_dataset(source, target, grouping="sort")
    with pytest.raises(ValueError, match="pool_batches"):
        pipeline.make_dataset(source, target, grouping="sorted", pool_batches=0)
