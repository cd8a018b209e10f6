"""tf_lstm.translation.vocab: normalisation, vocabularies, ids and detokenisation."""

import keras
import pytest
import tensorflow as tf

from tf_lstm.translation import vocab
from tf_lstm.translation.vocab import normalize

PAIRS = [("I eat.", "Je mange."), ("You eat an apple.", "Tu manges une pomme."),
         ("We are not eating the big apples today.",
          "Nous ne mangeons pas les grosses pommes aujourd'hui."),
         ("Go!", "Va !")] * 8


def vectorizers():
    source_vocab = vocab.build_vocabulary(normalize([e for e, _ in PAIRS]))
    target_vocab = vocab.build_vocabulary(normalize([f for _, f in PAIRS]))
    return vocab.make_vectorizer(source_vocab), vocab.make_vectorizer(target_vocab)


# --- normalize ----------------------------------------------------------------
def test_narrow_no_break_spaces():
    assert normalize("Cours\u202f!") == "Cours !"
    assert normalize("Quoi\u00a0?  Vraiment\u2009?") == "Quoi ? Vraiment ?"


def test_punctuation_and_elision():
    assert normalize("Hello, world.") == "Hello , world ."
    assert normalize("Va !") == "Va !"
    assert normalize("Qu’est-ce qu'il y a ?") == "Qu' est-ce qu' il y a ?"
    assert normalize("J'aime l'école d'Anne aujourd'hui.") == \
        "J' aime l' école d' Anne aujourd'hui ."
    assert normalize("I don't know: \"yes\"!") == 'I don\'t know : " yes " !'


def test_lowercase_policy():
    assert normalize("Élise est À PARIS.") == "Élise est À PARIS ."
    assert normalize("Élise est À PARIS.", lowercase=True) == "élise est à paris ."


def test_input_kinds():
    assert normalize("A,b") == "A , b"
    assert normalize(["A,b", "C."]) == ["A , b", "C ."]
    assert normalize([]) == []
    out = normalize(tf.constant([["Va\u202f!"], ["Hi."]]))
    assert tf.is_tensor(out) and out.shape == (2, 1)
    assert out.numpy().tolist() == [[b"Va !"], [b"Hi ."]]


@pytest.mark.parametrize("texts, received", [
    (3, "texts=3"),
    (["ok", b"bytes"], "texts[1]=b'bytes'"),
    (tf.constant([1]), "texts=tensor of shape (1,)"),
])
def test_normalize_refuses_what_is_not_text(texts, received):
    with pytest.raises(TypeError) as info:
        normalize(texts)
    assert str(info.value).startswith(
        "Argument `texts` must be a str, a list of str or a string tensor. "
        f"Received: {received}")


def test_normalize_as_text_vectorization_standardize():
    layer = keras.layers.TextVectorization(standardize=normalize, split="whitespace")
    layer.adapt(["Va !", "Cours\u202f!"])
    assert sorted(layer.get_vocabulary()[2:]) == ["!", "Cours", "Va"]


# --- vocabularies and ids -----------------------------------------------------
def test_reserved_ids_and_unknown_words():
    source, _ = vectorizers()
    tokens = source.get_vocabulary()
    assert tokens[:4] == ["", "[UNK]", "[START]", "[END]"]
    ids = source(["I eat zebras"]).to_list()[0]
    assert ids[2] == vocab.UNK_ID and ids[0] == tokens.index("I")


def test_vocabulary_ranks_by_count_then_alphabet_with_cap_and_min_count():
    tokens = vocab.build_vocabulary(["c a a a b b c"], max_size=6)
    assert tokens == ["", "[UNK]", "[START]", "[END]", "a", "b"]  # b and c tie; b first
    assert vocab.build_vocabulary(["a a b"], min_count=2)[4:] == ["a"]
    assert vocab.build_vocabulary(["[END] a"])[4:] == ["a"]  # reserved tokens not counted
    with pytest.raises(ValueError, match="`max_size` must exceed 4"):
        vocab.build_vocabulary(["a"], max_size=4)
    with pytest.raises(ValueError, match="`min_count` must be a positive integer"):
        vocab.build_vocabulary(["a"], min_count=0)


def test_make_vectorizer_refuses_a_vocabulary_without_the_reserved_tokens():
    with pytest.raises(ValueError, match=r"`vocabulary` must start with \['', '\[UNK\]'"):
        vocab.make_vectorizer(["a", "b", "c", "d"])


def test_targets_are_framed_by_start_and_end():
    source_vec, target_vec = vectorizers()
    source, target = vocab.encode_pairs(PAIRS[:1], source_vec, target_vec, normalize)
    target_vocabulary = target_vec.get_vocabulary()
    assert [target_vocabulary[i] for i in target.to_list()[0]] == \
        ["[START]", "Je", "mange", ".", "[END]"]
    assert source.to_list()[0] == [source_vec.get_vocabulary().index(w)
                                   for w in ("I", "eat", ".")]


def test_case_fallback_tries_lower_then_capitalised_and_keeps_known_tokens():
    vectorizer = vocab.make_vectorizer(vocab.build_vocabulary(
        ["Where is Élise ?", "where", "We are", "WE"]))
    words = vectorizer.get_vocabulary()
    ids = vocab.ids_with_case_fallback(vectorizer, tf.constant(
        ["WHERE IS ÉLISE ?", "élise", "WE are", "we", "NOPE Élise", ""])).to_list()
    as_words = [[words[i] for i in row] for row in ids]
    assert as_words == [["where", "is", "Élise", "?"],  # lower-case form known first
                        ["Élise"],                       # capitalised, accent included
                        ["WE", "are"],                   # a known token is kept as is
                        ["We"],                          # "we" unknown, "We" known
                        ["[UNK]", "Élise"],
                        []]
    plain = vectorizer(tf.constant(["Where is Élise ?"])).to_list()
    assert vocab.ids_with_case_fallback(
        vectorizer, tf.constant(["Where is Élise ?"])).to_list() == plain


def test_case_fallback_in_a_tf_function():
    vectorizer = vocab.make_vectorizer(vocab.build_vocabulary(["Where did he go ?"]))
    fn = tf.function(lambda t: vocab.ids_with_case_fallback(vectorizer, t).to_tensor(),
                     input_signature=[tf.TensorSpec([None], tf.string)])
    np_ids = fn(tf.constant(["WHERE DID HE GO ?", "where"])).numpy().tolist()
    assert np_ids == [vectorizer(["Where did he go ?"]).to_list()[0],
                      [vectorizer(["Where"]).to_list()[0][0], 0, 0, 0, 0]]
    assert fn(tf.constant([""])).shape == (1, 0)


# --- detokenize ---------------------------------------------------------------
def test_detokenize_reattaches_punctuation_and_elisions():
    out = vocab.detokenize(tf.constant(["Je n' aime pas l' eau , moi .",
                                        "Est-ce que tu viens ?", "( oui ) !"]))
    assert [s.decode() for s in out.numpy()] == [
        "Je n'aime pas l'eau, moi.", "Est-ce que tu viens ?", "(oui) !"]
