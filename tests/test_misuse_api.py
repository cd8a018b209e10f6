"""Careless or hostile use of the Python API: each case of issue 16, one regression test.

The behaviour chosen for each case is tabled in `docs/misuse.md` ("The Python
API"); the command line's cases are in `tests/test_misuse_cli.py`.
"""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_lstm
from tf_lstm.translation.decode import beam_search
from tf_lstm.translation.inference import StringTranslator
from tf_lstm.verify import random_keras_lstm


@pytest.fixture(scope="module")
def translator(tiny_model):
    """A weak translator: one epoch on 400 pairs (greedy ended at once before the fix)."""
    return StringTranslator(tiny_model)


def mostly_unknown_warnings(record):
    return [str(w.message) for w in record if "mostly unknown" in str(w.message)]


# --- StringTranslator.translate: what `texts` may be ----------------------------------
@pytest.mark.parametrize("texts,error,message", [
    ([b"He slept."], TypeError,
     "Argument `texts` must be a list of str; item 0 is bytes (b'He slept.'): "
     "decode it first (item.decode('utf-8'))"),
    (["He slept.", None], TypeError, "Argument `texts` must be a list of str; item 1 is None"),
    ([72], TypeError, "Argument `texts` must be a list of str; item 0 is int (72)"),
    (["a", 1.5], TypeError, "Argument `texts` must be a list of str; item 1 is float (1.5)"),
    (b"He slept.", TypeError,
     "Argument `texts` must be a list of str, not bytes: decode it first "
     "([texts.decode('utf-8')]). Received: texts=b'He slept.'"),
    ("He slept.", TypeError,
     "Argument `texts` must be a list of str, not one str: wrap it in a list ([texts]). "
     "Received: texts='He slept.'"),
    (None, TypeError, "Argument `texts` must be a list of str. Received: texts=None (NoneType)"),
    (72, TypeError, "Argument `texts` must be a list of str. Received: texts=72 (int)"),
    (tf.constant(["He slept."]), TypeError,
     "Argument `texts` must be a list of str, not a tensor"),
    (["ok", "\udcff"], ValueError,
     "Argument `texts` must be a list of str; item 1 is not valid Unicode text "
     "(surrogates not allowed at character 0)"),
])
def test_texts_of_the_wrong_kind_name_argument_index_and_type(translator, texts, error,
                                                              message):
    with pytest.raises(error) as info:
        translator.translate(texts)
    assert str(info.value).startswith(message)


def test_blank_sentences_translate_to_blank_line_in_line_out(translator):
    texts = ["He slept.", "", "  \t ", "\u3000", "He ran."]
    for beam_width in (1, 3):
        out = translator.translate(texts, beam_width=beam_width)
        assert len(out) == len(texts)
        assert out[1:4] == ["", "", ""]
        assert out[0] and out[4]
    # The SavedModel's signature is the same function: blank in, blank out.
    assert translator.greedy(tf.constant(["", " "])).numpy().tolist() == [b"", b""]


@pytest.mark.parametrize("kwargs,message", [
    ({"beam_width": 0}, "Argument `beam_width` must be a positive integer. Received: beam_width=0"),
    ({"length_penalty": "0.6"},
     "Argument `length_penalty` must be a non-negative finite number. "
     "Received: length_penalty='0.6'"),
    ({"length_penalty": float("nan")}, "length_penalty=nan"),
    ({"batch_size": 0}, "Argument `batch_size` must be a positive integer. Received: batch_size=0"),
])
def test_bad_decoding_options_are_named(translator, kwargs, message):
    with pytest.raises(ValueError) as info:
        translator.translate(["He slept."], **kwargs)
    assert message in str(info.value)


# --- Say when the model cannot know ----------------------------------------------------
@pytest.mark.parametrize("sentence,share", [
    ("😀 😀 😀 !", "75%"),                    # emoji
    ("我不知道。", "100%"),                     # Chinese
    ("\x1b[31mQuokka\x1b[0m", None),          # terminal colour codes around a word
    ("Zorblax quimfrey snuv.", "75%"),         # words never seen
])
def test_mostly_unknown_sentence_warns_with_its_index_and_share(translator, sentence, share):
    with pytest.warns(UserWarning, match="mostly unknown to the source vocabulary") as record:
        out = translator.translate(["He slept.", sentence])
    [message] = mostly_unknown_warnings(record)
    assert message.startswith("1 sentence(s) are mostly unknown")
    assert f"share of unknown tokens): 1 ({share or ''}" in message
    assert len(out) == 2


def test_all_capitals_read_as_the_usual_case(translator):
    ids = translator.source_ids(tf.constant(["WHERE DID THIS MAN EAT?",
                                             "Where did this man eat?"])).numpy()
    np.testing.assert_array_equal(ids[0], ids[1])
    assert tf_lstm.translation.tokens.UNK_ID not in ids[1].tolist()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = translator.translate(["WHERE DID THIS MAN EAT?", "Where did this man eat?"])
    assert not mostly_unknown_warnings(record)
    assert out[0] == out[1]
    # The SavedModel's signature is the same graph: it reads capitals the same way.
    assert translator.greedy(tf.constant(["WHERE DID THIS MAN EAT?"])).numpy()[0] \
        .decode() == out[1]


def test_wide_beam_never_returns_empty_where_greedy_has_a_sentence(translator, tiny_splits,
                                                                   tiny_model):
    english = [e for e, _ in tiny_splits["test"][:3]]
    greedy = translator.translate(english)
    assert all(greedy)
    vocab = len(tiny_model.target_vocabulary)
    for beam_width in (4, vocab + 5, 1000):     # narrow, wider than the vocabulary, 1000
        assert all(translator.translate(english, beam_width=beam_width)), beam_width


def test_the_empty_hypothesis_wins_only_without_a_minimum_length():
    # The cause of "--beam 1000 returns ''": on a weak model the output "[END]"
    # is the most probable hypothesis, and a beam wide enough to keep it finds it.
    # END first: P 0.09; each of 7 words: P 0.13, then END 0.3 (the rest spread).
    probs = np.full((10, 10), 1e-4)
    probs[1, 2], probs[1, 3:] = 0.09, 0.13
    probs[3:, 2], probs[3:, 3:] = 0.3, 0.1
    table = tf.constant(np.log(probs), tf.float32)
    step_fn = lambda tokens, state: (tf.gather(table, tokens), state)  # noqa: E731
    state = tf.zeros([1, 1])
    free = beam_search(step_fn, state, 1, 2, 4, beam_width=1000)
    assert free[1].numpy().tolist() == [1]                # just [END]: the empty output
    bounded = beam_search(step_fn, state, 1, 2, 4, beam_width=1000, min_length=1)
    assert bounded[0].numpy()[0, 0] != 2 and bounded[1].numpy()[0] == 2


# --- ScratchLSTM.from_keras: activations -------------------------------------------------
@pytest.mark.parametrize("activation,recurrent_activation", [
    ("relu", "sigmoid"), ("tanh", "hard_sigmoid"), ("linear", "hard_sigmoid")])
def test_from_keras_copies_the_activations(activation, recurrent_activation):
    # Reported: relu differed from Keras by up to 1.23, hard_sigmoid by 0.094.
    rng = np.random.default_rng(16)
    layer = random_keras_lstm(rng, 4, 3, dtype="float64", return_sequences=True,
                              activation=activation,
                              recurrent_activation=recurrent_activation)
    x = 3.0 * rng.normal(size=(2, 6, 3))
    ours = tf_lstm.ScratchLSTM.from_keras(layer)
    np.testing.assert_allclose(ours(x), layer(x), rtol=0, atol=1e-10)


def test_from_keras_refuses_an_activation_it_does_not_implement_by_name():
    layer = keras.layers.LSTM(2, recurrent_activation="elu")
    layer.build((None, None, 3))
    with pytest.raises(ValueError) as info:
        tf_lstm.ScratchLSTM.from_keras(layer)
    assert "Argument `recurrent_activation` must be one of the activations ScratchLSTM " \
           "implements" in str(info.value)
    assert str(info.value).endswith("Received: recurrent_activation=keras.activations.elu")


# --- Wrong initial_state shapes and empty batches: our validators, before TensorFlow ----
X = np.zeros((2, 3, 4), "float32")
STATE_CASES = {
    "state batch": ([np.zeros((3, 5), "float32")] * 2, r"^Argument `initial_state\[0\]` must "
                    r"have shape \(2, 5\) = \(batch, units\). Received: initial_state\[0\] "
                    r"with shape \(3, 5\)$"),
    "state units": ([np.zeros((2, 5), "float32"), np.zeros((2, 4), "float32")],
                    r"^Argument `initial_state\[1\]` must have shape \(2, 5\)"),
    "one state": ([np.zeros((2, 5), "float32")],
                  r"^Argument `initial_state` must be a list \[h0, c0\] of two"),
    "bare array": (np.zeros((2, 5), "float32"),
                   r"^Argument `initial_state` must be a list \[h0, c0\]"),
}


@pytest.mark.parametrize("state,message", STATE_CASES.values(), ids=STATE_CASES.keys())
@pytest.mark.parametrize("which", ["run_lstm", "ScratchLSTM"])
def test_wrong_initial_state_is_refused_by_our_validators(which, state, message):
    with pytest.raises(ValueError, match=message):
        if which == "run_lstm":
            tf_lstm.run_lstm(tf_lstm.lstm(5), X, initial_state=state)
        else:
            tf_lstm.ScratchLSTM(5)(X, initial_state=state)


@pytest.mark.parametrize("shape,axis", [((0, 3, 4), "batch"), ((2, 0, 4), "time")])
@pytest.mark.parametrize("which", ["run_lstm", "ScratchLSTM"])
def test_empty_batches_and_sequences_are_refused_by_our_validators(which, shape, axis):
    inputs = np.zeros(shape, "float32")
    message = (rf"^Argument `inputs` must have a non-empty {axis} axis. "
               rf"Received: inputs with shape \({shape[0]}, {shape[1]}, 4\)$")
    with pytest.raises(ValueError, match=message):
        if which == "run_lstm":
            tf_lstm.run_lstm(tf_lstm.lstm(5), inputs)
        else:
            tf_lstm.ScratchLSTM(5)(inputs)
