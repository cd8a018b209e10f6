"""tf_lstm.translation.inference: strings in, strings out, and its documented edge cases."""

import numpy as np
import pytest
import tensorflow as tf

from tf_lstm.translation.inference import StringTranslator


@pytest.fixture(scope="module")
def translator(tiny_model):
    return StringTranslator(tiny_model)


def test_translate_returns_one_string_per_input(translator, tiny_splits):
    english = [e for e, _ in tiny_splits["test"][:5]]
    greedy = translator.translate(english)
    beam = translator.translate(english, beam_width=3)
    assert len(greedy) == len(beam) == 5
    assert all(isinstance(t, str) for t in greedy + beam)
    # Batching does not change results.
    assert translator.translate(english, batch_size=2) == greedy


def test_unknown_words_map_to_unk(translator):
    ids = translator.source_ids(tf.constant(["He saw a quokka ."]))
    assert 1 in ids.numpy()[0].tolist()  # [UNK]
    assert isinstance(translator.translate(["He saw a quokka."])[0], str)


@pytest.mark.parametrize("texts,error,pattern", [
    (["He slept.", ""], ValueError, "empty or whitespace-only sentence at index 1"),
    (["   \t"], ValueError, "at index 0"),
    (["He slept.", 42], TypeError, "item 1 is int"),
    ("He slept.", TypeError, "must be a list of strings, not one string"),
])
def test_bad_sentences_get_clear_errors(translator, texts, error, pattern):
    with pytest.raises(error, match=pattern):
        translator.translate(texts)


def test_too_long_input_warns_and_is_truncated(translator):
    long = " ".join(["apple"] * 40) + "."
    with pytest.warns(UserWarning, match="longer than max_length=12 tokens are truncated"):
        out = translator.translate([long])
    assert translator.source_ids(tf.constant([long])).shape[1] == 12
    assert isinstance(out[0], str)


def test_the_graph_signature_returns_empty_for_empty_input(translator):
    out = translator.greedy(tf.constant(["He slept.", "  "])).numpy()
    assert out[1] == b""


def test_attention_rows_sum_to_one(translator, tiny_splits):
    from tf_lstm.translation.vocab import normalize
    english = tiny_splits["train"][0][0]
    source, target, weights = translator.attention(english)
    assert weights.shape == (len(target), len(source))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
    assert source == normalize(english).split()
