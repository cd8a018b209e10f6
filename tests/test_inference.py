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
    (["He slept.", 42], TypeError, r"must be a list of str; item 1 is int \(42\)"),
    ([b"He slept."], TypeError, r"item 0 is bytes \(b'He slept.'\): decode it first"),
    (["He slept.", None], TypeError, r"item 1 is None$"),
    ("He slept.", TypeError, r"must be a list of str, not one str: wrap it in a list"),
    (b"He slept.", TypeError, r"not bytes: decode it first"),
    (None, TypeError, r"must be a list of str. Received: texts=None \(NoneType\)"),
    (["ok", "\udcff"], ValueError, r"item 1 is not valid Unicode text"),
])
def test_bad_sentences_get_clear_errors(translator, texts, error, pattern):
    with pytest.raises(error, match=pattern):
        translator.translate(texts)


def test_blank_sentences_translate_to_blank(translator):
    # Line in, line out: blank in, blank out, as the SavedModel signature does.
    out = translator.translate(["He slept.", "", "   \t", "\u3000"])
    assert out[1:] == ["", "", ""] and out[0] != ""
    assert translator.translate([""], beam_width=3) == [""]
    assert translator.translate([]) == []


def test_too_long_input_warns_and_is_truncated(translator):
    long = " ".join(["apple"] * 40) + "."
    with pytest.warns(UserWarning, match="longer than max_length=12 tokens are truncated"):
        out = translator.translate([long])
    assert translator.source_ids(tf.constant([long])).shape[1] == 12
    assert isinstance(out[0], str)


def test_the_graph_signature_returns_empty_for_empty_input(translator):
    out = translator.greedy(tf.constant(["He slept.", "  "])).numpy()
    assert out[1] == b""
    # A batch of nothing but blanks still runs (one padding column).
    assert translator.greedy(tf.constant(["", " "])).numpy().tolist() == [b"", b""]


def test_case_falls_back_to_a_known_form(translator):
    ids = translator.source_ids(tf.constant(["WHERE DID THIS MAN EAT?",
                                             "Where did this man eat?",
                                             "where did this man eat?"])).numpy()
    assert 1 not in ids[1].tolist()  # every word known in its usual case
    np.testing.assert_array_equal(ids[0], ids[1])
    np.testing.assert_array_equal(ids[2], ids[1])


def test_mostly_unknown_sentences_warn_with_index_and_share(translator, recwarn):
    translator.translate(["He slept.", "😀 😀 😀 .", "你好世界", "\x1b[31mZZZ\x1b[0m"])
    messages = [str(w.message) for w in recwarn if "mostly unknown" in str(w.message)]
    assert len(messages) == 1
    assert "3 sentence(s)" in messages[0]
    assert "1 (75%)" in messages[0] and "2 (100%)" in messages[0] and "3 (" in messages[0]
    assert " 0 (" not in messages[0]


def test_known_sentences_do_not_warn(translator, recwarn):
    translator.translate(["He slept.", "WHERE DID THIS MAN EAT?", ""])
    assert not [w for w in recwarn if "mostly unknown" in str(w.message)]


def test_attention_rows_sum_to_one(translator, tiny_splits):
    from tf_lstm.translation.vocab import normalize
    english = tiny_splits["train"][0][0]
    source, target, weights = translator.attention(english)
    assert weights.shape == (len(target), len(source))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
    assert source == normalize(english).split()


def test_log_probability_is_the_score_beam_search_ranks_by(translator, tiny_splits):
    from tf_lstm.translation import decode
    from tf_lstm.translation.tokens import END_ID, START_ID

    english = [e for e, _ in tiny_splits["test"][:6]]
    model = translator.model
    source = translator.source_ids(tf.constant(english))
    for penalty in (0.0, 0.6):
        tokens, lengths, scores = decode.beam_search(
            model.decode_step, model.encode(source), START_ID, END_ID,
            2 * translator.max_length, beam_width=3, length_penalty=penalty, min_length=1)
        french = [t.decode("utf-8") for t in translator._to_text(tokens, lengths).numpy()]
        ours = translator.log_probability(english, french, length_penalty=penalty)
        np.testing.assert_allclose(ours, scores.numpy(), rtol=1e-4, atol=1e-4)
    references = [f for _, f in tiny_splits["test"][:6]]
    raw = translator.log_probability(english, references)
    assert raw.shape == (6,) and np.all(raw <= 0)
    assert translator.log_probability([], []).shape == (0,)
    np.testing.assert_allclose(translator.log_probability(english, references, batch_size=4), raw,
                               rtol=1e-5)


def test_log_probability_of_an_unwritable_sentence_is_minus_infinity(translator):
    score = translator.log_probability(["He slept."], ["Il a dormi zzyzx ."])
    assert score[0] == -np.inf


@pytest.mark.parametrize("english,french,error,pattern", [
    (["He slept."], ["Il a dormi.", "Non."], ValueError,
     r"`english` and `french` must have the same length. Received lengths 1 and 2"),
    (["He slept."], "Il a dormi.", TypeError,
     r"Argument `french` must be a list of str, not one str"),
    (["He slept."], [None], TypeError, r"Argument `french` must be a list of str; item 0"),
])
def test_log_probability_refuses_bad_arguments(translator, english, french, error, pattern):
    with pytest.raises(error, match=pattern):
        translator.log_probability(english, french)
    with pytest.raises(ValueError, match="length_penalty"):
        translator.log_probability(["He slept."], ["Il a dormi."], length_penalty=-1)
    with pytest.raises(ValueError, match="batch_size"):
        translator.log_probability(["He slept."], ["Il a dormi."], batch_size=0)


# --- tokenizer="wordpiece": the same paths on pieces (conftest's `wordpiece_model`) ---
@pytest.fixture(scope="module")
def wordpiece_translator(wordpiece_model):
    return StringTranslator(wordpiece_model)


def test_wordpiece_translations_are_french_text(wordpiece_translator, wordpiece_pairs):
    from tf_lstm.translation.vocab import make_vectorizer, normalize

    english, french = map(list, zip(*wordpiece_pairs))
    target = wordpiece_translator.model.target_vocabulary
    framed = [f"[START] {f} [END]" for f in normalize(french)]
    spelt = make_vectorizer(target, "wordpiece")(tf.constant(framed)).flat_values.numpy()
    assert any(target[i].startswith("##") for i in spelt)  # some words are in pieces
    # The model learnt these pairs by heart: pieces joined, elisions, spacing, case, accents.
    assert wordpiece_translator.translate(english) == french
    assert wordpiece_translator.translate(english, beam_width=3) == french
    assert wordpiece_translator.translate(["", "Where is the man?"]) == ["", french[0]]


def test_wordpiece_log_probability_is_the_score_beam_search_ranks_by(wordpiece_translator,
                                                                     wordpiece_pairs):
    from tf_lstm.translation import decode
    from tf_lstm.translation.tokens import END_ID, START_ID

    english, french = map(list, zip(*wordpiece_pairs))
    model = wordpiece_translator.model
    source = wordpiece_translator.source_ids(tf.constant(english))
    tokens, lengths, scores = decode.beam_search(
        model.decode_step, model.encode(source), START_ID, END_ID,
        2 * wordpiece_translator.max_length, beam_width=3, length_penalty=0.6, min_length=1)
    assert [t.decode() for t in wordpiece_translator._to_text(tokens, lengths).numpy()] == french
    np.testing.assert_allclose(wordpiece_translator.log_probability(english, french, 0.6),
                               scores.numpy(), rtol=1e-4, atol=1e-4)
    # Only a character the French pieces lack makes a sentence unwritable.
    unseen, seen = wordpiece_translator.log_probability(["Where is the man?"] * 2,
                                                        ["Où est l'homme zéro ?",
                                                         "Où est l'homme ici ?"])
    assert unseen == -np.inf and np.isfinite(seen)


def test_wordpiece_attention_is_over_pieces(wordpiece_translator):
    source, target, weights = wordpiece_translator.attention("Where is the man?")
    assert weights.shape == (len(target), len(source))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
    vocabulary = wordpiece_translator.model.source_vocabulary
    ids = wordpiece_translator.source_ids(tf.constant(["Where is the man?"]))[0].numpy()
    assert source == [vocabulary[i] for i in ids]
    assert target[-1] == "[END]" and any(p.startswith("##") for p in source + target)


def test_wordpiece_warnings_count_pieces(wordpiece_translator, recwarn):
    wordpiece_translator.translate(["WHERE IS THE MAN?", "Where is the quokka?"])
    assert not recwarn.list  # unknown words are spelt in known pieces
    with pytest.warns(UserWarning, match=r"mostly unknown .* 0 \(100%\)"):
        wordpiece_translator.translate(["你好世界"])  # characters never seen
    from tf_lstm.translation.vocab import normalize

    long = "Where is the man? " * 4  # 20 words, 28 pieces
    assert len(normalize(long).split()) == 20 < wordpiece_translator.max_length
    assert wordpiece_translator.token_ids(tf.constant([long])).row_lengths()[0] == 28
    with pytest.warns(UserWarning, match="longer than max_length=24 tokens are truncated"):
        wordpiece_translator.translate([long])
