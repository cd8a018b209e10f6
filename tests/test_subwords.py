"""tf_lstm.translation.subwords and the "wordpiece" tokenizer of vocab: learning, ids and back.

Every sentence here is written for these tests. Expected pieces are checked
against the vocabulary's strings, independently of the tokenizer: the pieces
of a word must spell it (the first as such, the others after ``##``).
"""

import random

import pytest
import tensorflow as tf

from tf_lstm.translation import subwords, vocab
from tf_lstm.translation.tokens import END_ID, RESERVED, START_ID, UNK, UNK_ID
from tf_lstm.translation.vocab import normalize

FRENCH = ["L'homme qu'il voit est là-bas, près de l'eau.",
          "Où est-ce qu'elle habite ?",
          "Élise dit : « Viens ici ! »",
          "Jusqu'à demain, c'est aujourd'hui (enfin) l'été.",
          "Les chats dorment ; les chiens mangent.",
          "Le chat dort, le chien mange."]
ENGLISH = ["Where did he go ?", "Did he go ?", "Oh , he did .", "Where is it ?"] * 3


def learnt(sentences, max_size):
    return vocab.build_vocabulary(normalize(sentences), max_size=max_size,
                                  tokenizer="wordpiece")


def pieces(vocabulary, text):
    """The piece strings of normalised `text`, one list per whitespace word."""
    vectorizer = vocab.make_vectorizer(vocabulary, "wordpiece")
    return [[vocabulary[i] for i in vectorizer(tf.constant([word]))[0].numpy()]
            for word in text.split()]


def spells(word_pieces, word):
    """Whether `word_pieces` spell `word`: the first as such, the rest after ##."""
    first, *rest = word_pieces
    return (not first.startswith("##") and all(p.startswith("##") for p in rest)
            and first + "".join(p[2:] for p in rest) == word)


def characters(sentences):
    return {c for s in normalize(sentences) for c in s if not c.isspace()}


# --- learning -------------------------------------------------------------------
@pytest.mark.parametrize("max_size", [40, 90, 110, 500])
def test_reserved_first_every_character_kept_and_the_size_capped(max_size):
    vocabulary = learnt(FRENCH, max_size)
    assert vocabulary[:4] == list(RESERVED)
    assert len(vocabulary) <= max_size
    assert len(set(vocabulary)) == len(vocabulary)
    chars = characters(FRENCH)
    if max_size >= len(RESERVED) + 2 * len(chars):  # room for every character, both forms
        assert {c for c in chars} | {"##" + c for c in chars} <= set(vocabulary)
    else:
        assert len(vocabulary) == max_size
    if max_size == 500:  # room for every word: all whole
        assert set(normalize(" ".join(FRENCH)).split()) <= set(vocabulary)


def test_a_small_size_cuts_learnt_pieces_not_characters():
    # 110 is below what the learner's nearest threshold keeps: the cut keeps
    # the 42 characters in both forms, then the most frequent learnt pieces.
    chars = characters(FRENCH)
    vocabulary = learnt(FRENCH, 110)
    assert len(chars) == 42 and len(vocabulary) == 110
    assert sorted(vocabulary[4:4 + 2 * len(chars)]) == sorted(
        [*chars, *("##" + c for c in chars)])
    assert all(len(p.removeprefix("##")) > 1 for p in vocabulary[4 + 2 * len(chars):])
    assert {"est", "l'", "qu'"} <= set(vocabulary) and "homme" not in vocabulary


def test_learning_is_deterministic_whatever_the_order_of_sentences():
    shuffled = FRENCH[::-1] + FRENCH
    random.Random(0).shuffle(shuffled)
    assert learnt(FRENCH + FRENCH, 110) == learnt(FRENCH + FRENCH, 110) == learnt(shuffled, 110)


def test_learning_needs_a_size_and_a_known_tokenizer():
    with pytest.raises(ValueError, match=r"`max_size` is required with tokenizer='wordpiece'"):
        vocab.build_vocabulary(["a b"], tokenizer="wordpiece")
    for call in (lambda: vocab.build_vocabulary(["a b"], tokenizer="bpe"),
                 lambda: vocab.make_vectorizer(list(RESERVED), "bpe"),
                 lambda: vocab.detokenize(tf.constant(["a"]), "bpe")):
        with pytest.raises(ValueError, match=r"Argument `tokenizer` must be one of "
                                             r"\('words', 'wordpiece'\). Received: "
                                             r"tokenizer='bpe'"):
            call()
    assert learnt([], 10) == list(RESERVED)


# --- text to ids ----------------------------------------------------------------
def test_a_rare_word_is_spelt_in_pieces_not_unknown():
    vocabulary = learnt(FRENCH, 110)
    text = normalize("Les chattes dorment là-bas.")  # "chattes" never seen
    assert "chattes" not in vocabulary
    spelt = pieces(vocabulary, text)
    assert [p for word in spelt for p in word].count(UNK) == 0
    assert all(spells(p, w) for p, w in zip(spelt, text.split()))
    assert len(spelt[1]) > 1
    words = vocab.make_vectorizer(vocab.build_vocabulary(normalize(FRENCH)))
    assert UNK_ID in words(tf.constant([text]))[0].numpy().tolist()  # whole words: [UNK]


def test_an_unseen_character_is_the_only_unknown_piece():
    vocabulary = learnt(FRENCH, 110)
    assert "z" not in characters(FRENCH)
    (spelt,) = pieces(vocabulary, "chatzchat")
    assert spelt.count(UNK) == 1
    assert spells([p for p in spelt if p != UNK], "chatchat")


def test_reserved_tokens_in_framed_text_map_whole():
    vectorizer = vocab.make_vectorizer(learnt(FRENCH, 110), "wordpiece")
    ids = vectorizer(tf.constant(["[START] l' homme [UNK] [END]", ""])).to_list()
    assert ids[0][0] == START_ID and ids[0][-1] == END_ID and ids[0].count(UNK_ID) == 1
    assert 0 not in ids[0] and ids[1] == []


@pytest.mark.parametrize("max_size", [110, 500])
def test_french_round_trips_through_pieces(max_size):
    vocabulary = learnt(FRENCH, max_size)
    vectorizer = vocab.make_vectorizer(vocabulary, "wordpiece")
    ids = vectorizer(tf.constant(normalize(FRENCH)))
    assert UNK_ID not in ids.flat_values.numpy().tolist()
    joined = [" ".join(vocabulary[i] for i in row) for row in ids.to_list()]
    assert any(" ##" in text for text in joined) == (max_size == 110)
    back = vocab.detokenize(tf.constant(joined), "wordpiece").numpy()
    assert [t.decode("utf-8") for t in back] == FRENCH


def test_join_pieces():
    out = subwords.join_pieces(tf.constant(["##s l' hom ##me ##s .", "# ###", ""]))
    assert [t.decode() for t in out.numpy()] == ["s l' hommes .", "##", ""]


# --- case fallback: whole words first, then pieces -------------------------------
def test_case_falls_back_to_a_whole_word_then_spells_in_its_own_case():
    vocabulary = learnt(ENGLISH, 60)
    assert {"Where", "did", "he"} <= set(vocabulary) and "where" not in vocabulary
    vectorizer = vocab.make_vectorizer(vocabulary, "wordpiece")

    def fallback(text):
        ids = vocab.ids_with_case_fallback(vectorizer, tf.constant([text]))
        return [vocabulary[i] for i in ids[0].numpy()]

    assert fallback("WHERE DID HE GO ?") == fallback("where did he go ?") == \
        fallback("Where did he go ?") == ["Where", "did", "he", "go", "?"]
    # DODO, dodo and Dodo are no entry: spelt as written, case kept.
    spelt = fallback("DODO did")
    assert spelt[-1] == "did" and spells(spelt[:-1], "DODO")
    assert spells(fallback("dido"), "dido")
    assert fallback("") == []


def test_case_fallback_is_unchanged_for_whole_words():
    vectorizer = vocab.make_vectorizer(vocab.build_vocabulary(normalize(ENGLISH)))
    ids = vocab.ids_with_case_fallback(vectorizer, tf.constant(
        ["WHERE DID HE GO ?", "where ZZZ", ""])).to_list()
    expected = vectorizer(tf.constant(["Where did he go ?", "Where [UNK]", ""])).to_list()
    assert ids == expected and ids[1][1] == UNK_ID
